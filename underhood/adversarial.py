"""Adversarial examples (Szegedy et al. 2014; EE-559 lecture 8): optimize the input to maximize
the loss against the class the net predicts at first,

    x_{k+1} = x_k + eta grad_x L(f(x_k; w), y),

and, around the result, the sphere test: samples at twice the adversarial distance from x, in
random directions, mostly keep the label (the adversarial direction is special, not the distance).
"""
import numpy as np
import pandas as pd
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


def images(picks, data=None, size=None):
    """The images to perturb, in [0, 1] (N x C x H x W) and their names: with `data` (a cached data set),
    test-set indices; without, photos (scikit-image names or JPEG/PNG files: photo.read_photo), resized
    (stretched) to size x size."""
    from .data import as_float
    from .photo import photos
    from .io import load_torch

    if not data:
        ph, names = photos(picks, size)
        return as_float(torch.from_numpy(np.stack(ph)).permute(0, 3, 1, 2).contiguous()), names
    d = load_torch(data)
    try:
        idx = [int(i) for i in picks]
    except ValueError:
        raise ValueError(f"--images {picks}: with --data, give test-set indices (0..{len(d['test_x']) - 1})") from None
    bad = [i for i in idx if not 0 <= i < len(d["test_x"])]
    if bad:
        raise ValueError(f"--images: index {bad[0]} is outside the test set (0..{len(d['test_x']) - 1})")
    return as_float(d["test_x"][idx]), [f"test #{i}" for i in idx]


def in_pixels(model, space, pixels, steps, lr, step, sign_step):
    """`adversarial` on images in [0, 1] for a model with input space `space` (inputs.InputSpace): a
    sign step is `sign_step` in pixels ([0, 1] scale), per channel in the input space, and the iterates
    stay in its valid range. Returns (x~, predictions, probabilities, iterates), x~ and iterates as pixels."""
    x_tilde, preds, probs, xs = adversarial(model, space.to_input(pixels), steps, lr, step,
                                            (sign_step / space.std).to(space.device), space.lo, space.hi)
    return space.to_pixels(x_tilde), preds, probs, space.to_pixels(xs)


def norms(d):
    """L2 and L-inf of pixel-space perturbations (N x C x H x W, [0, 1] scale)."""
    return d.flatten(1).norm(dim=1), d.flatten(1).abs().max(1).values


def iterations(c):
    """The table of a cached run (`in_pixels` and its arguments): per iteration and image, the predicted
    class and its probability, the step, and the L2 and L-inf of the perturbation x_k - x (pixels in [0, 1])."""
    rows = []
    for k in range(len(c["preds"])):
        l2, linf = norms(c["iterates"][k] - c["pixels"])
        for i, n in enumerate(c["names"]):
            rows.append(dict(iteration=k, image=f"image #{i + 1}", source=n, predicted=c["classes"][c["preds"][k, i]],
                             probability=round(float(c["probs"][k, i]), 4), step_rule=c["step"],
                             step_size=c["lr"] if c["step"] == "sgd" else round(c["sign_step"], 6),
                             l2=round(float(l2[i]), 5), linf=round(float(linf[i]), 6), linf_255=round(float(linf[i]) * 255, 3)))
    return pd.DataFrame(rows)


def sphere(model, space, c, radius, n, generator):
    """The sphere test on a cached run: x~ is the first iterate whose class is not the original one (the
    last iterate if none is); around each image x, `sphere_samples` at radius * ||x - x~|| (pixels)."""
    first = first_changed(c["preds"])
    x_tilde = c["iterates"][first, torch.arange(len(first))]
    out = [sphere_samples(model, x.to(space.device), (radius * (xt - x).norm()).item(), n, generator, space.to_input)
           for x, xt in zip(c["pixels"], x_tilde)]
    with torch.no_grad():
        p_orig = model(space.to_input(c["pixels"])).softmax(1).cpu()
        p_adv = model(space.to_input(x_tilde)).softmax(1).cpu()
    return dict(probs=torch.stack(out), p_orig=p_orig, p_adv=p_adv, names=c["names"], classes=c["classes"],
                radius_factor=radius, iteration=first, l2=(x_tilde - c["pixels"]).flatten(1).norm(dim=1))


def sphere_statistics(s):
    """Per image of a sphere test (`sphere`): its row (the classes, how many samples change the label,
    the original class's smallest and median probability over them), those probabilities, the
    original class's probability at x and at x~, and a label."""
    classes, rows, hist, p_orig, p_adv, labels = s["classes"], [], [], [], [], []
    for i, n in enumerate(s["names"]):
        y, probs = int(s["p_orig"][i].argmax()), s["probs"][i]
        changed = int((probs.argmax(1) != y).sum())
        rows.append(dict(image=f"image #{i + 1}", source=n, original_class=classes[y],
                         adversarial_class=classes[int(s["p_adv"][i].argmax())],
                         adversarial_iteration=int(s["iteration"][i]), adversarial_l2=round(float(s["l2"][i]), 5),
                         radius=round(float(s["radius_factor"] * s["l2"][i]), 5), samples=len(probs), changed=changed,
                         min_probability=round(float(probs[:, y].min()), 4),
                         median_probability=round(float(probs[:, y].median()), 4)))
        hist.append(probs[:, y].numpy())
        p_orig.append(float(s["p_orig"][i, y])), p_adv.append(float(s["p_adv"][i, y]))
        found = int(s["p_adv"][i].argmax()) != y
        labels.append(f"image #{i + 1} ({n}, {classes[y]}): {changed} / {len(probs)} samples change the label"
                      + ("" if found else "\n(no adversarial example found: radius 0)"))
    return pd.DataFrame(rows), hist, p_orig, p_adv, labels
