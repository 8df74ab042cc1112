"""Adversarial examples (Szegedy et al. 2014; EE-559 lecture 8): optimize the input to maximize
the loss against the class the net predicts at first,

    x_{k+1} = x_k + eta grad_x L(f(x_k; w), y),

and, around the result, the sphere test: samples at twice the adversarial distance from x, in
random directions, mostly keep the label (the adversarial direction is special, not the distance).
"""
import torch
import torch.nn.functional as F
from tqdm import tqdm


def adversarial(model, x, steps=15, lr=0.1, step="sgd", eps=None, lo=None, hi=None, desc="adversarial"):
    """The lecture's loop on a batch x (in the model's input space): target = the initially
    predicted classes; `steps` times, minimize -cross_entropy(model(x), target) w.r.t. x.

    step='sgd': plain SGD with learning rate `lr` (the lecture: SGD, lr 0.1, 15 steps).
    step='sign': x += eps * sign(grad) (a fast-gradient-sign step, Goodfellow et al. 2015): for a
      confident small net whose input gradients are tiny, SGD barely moves x; `eps` may be a tensor
      broadcastable to x (a per-channel step, e.g. 0.64/255 / std).
    After each step x is clamped to [lo, hi] when given (the valid range of the input space).
    Returns (x_tilde, predictions: (steps + 1) x N, the class predicted before each step and after
    the last one, probabilities of those predictions, same shape, and the iterates x_0 .. x_steps:
    (steps + 1) x N x C x H x W, on the CPU)."""
    if step not in ("sgd", "sign"):
        raise ValueError(f"step {step!r} is not one of sgd, sign")
    if step == "sign" and eps is None:
        raise ValueError("step 'sign' needs eps (the size of a step)")
    for p in model.parameters():
        p.requires_grad_(False)
    x = x.clone().requires_grad_(True)
    with torch.no_grad():
        target = model(x).argmax(1)
    optimizer = torch.optim.SGD([x], lr=lr)
    preds, probs, xs = [], [], []
    for _ in tqdm(range(steps), desc=desc, mininterval=2):
        output = model(x)
        p = output.detach().softmax(1).max(1)
        preds.append(p.indices.cpu()), probs.append(p.values.cpu()), xs.append(x.detach().cpu().clone())
        loss = -F.cross_entropy(output, target)
        optimizer.zero_grad()
        loss.backward()
        if step == "sgd":
            optimizer.step()
        else:
            with torch.no_grad():
                x -= eps * x.grad.sign()  # descends -CE, i.e. ascends the loss
        with torch.no_grad():
            if lo is not None:
                x.copy_(torch.maximum(torch.minimum(x, hi), lo))
    with torch.no_grad():
        p = model(x).softmax(1).max(1)
    preds.append(p.indices.cpu()), probs.append(p.values.cpu()), xs.append(x.detach().cpu().clone())
    return x.detach(), torch.stack(preds), torch.stack(probs), torch.stack(xs)


def first_changed(preds):
    """Per image, the first iteration whose prediction differs from iteration 0 (the last one if none)."""
    changed = preds != preds[0]
    return torch.where(changed.any(0), changed.float().argmax(0), torch.full_like(preds[0], len(preds) - 1))


@torch.no_grad()
def sphere_samples(model, x, radius, n=1000, generator=None, to_input=None, batch_size=250):
    """Class probabilities of n points uniform on the sphere of `radius` around x (one image, C x H x W):
    x + radius * u / ||u||, u ~ N(0, I) from `generator`. `to_input` maps a batch to the model's
    input space (e.g. normalization) when x and the radius are in pixel space. Returns n x classes."""
    out = []
    device = x.device
    for i in tqdm(range(0, n, batch_size), desc="sphere", mininterval=2):
        m = min(batch_size, n - i)
        u = torch.randn((m, *x.shape), generator=generator).to(device)
        u = u / u.flatten(1).norm(dim=1).view(-1, *[1] * x.dim())
        z = x.unsqueeze(0) + radius * u
        out.append(model(to_input(z) if to_input else z).softmax(1).cpu())
    return torch.cat(out)
