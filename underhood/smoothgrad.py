"""SmoothGrad (Smilkov et al. 2017, https://arxiv.org/abs/1706.03825): the input gradient averaged
over noisy copies x + eps_n, eps_n ~ N(0, sigma^2 I), sigma a fraction of the gap Delta between the
image's largest and smallest value; and the irregularity of the plain gradient that motivates it
(their Fig. 2): the gradient along x + t eps, t in [0, 1], at a few pixels."""
import torch

from .backprop import backprop


def smoothgrad(model, inputs, target=None, sigma=0.25, nb_samples=100, batch_size=25, generator=None):
    """N x H x W: |(1/N) sum_n grad f_target(x + eps_n)| summed over channels, as in the lecture.

    sigma: noise std as a fraction of Delta = x.max() - x.min() of each image (lecture: 1/4).
    nb_samples: N noisy copies, drawn and differentiated batch_size at a time.
    generator: a torch.Generator for the noise (default: torch's global one); the noise of image
    k is drawn after that of images 0..k-1, in mini-batches, as Captum's NoiseTunnel draws it.
    target: one output unit (index, or one per image); None: each clean image's max-response unit."""
    if sigma < 0 or nb_samples < 1 or batch_size < 1:
        raise ValueError(f"smoothgrad: sigma={sigma} must be >= 0, nb_samples={nb_samples} and batch_size={batch_size} >= 1")
    if target is None:
        with torch.no_grad():
            target = model(inputs).reshape(len(inputs), -1).argmax(1)
    target = torch.as_tensor(target).reshape(-1).expand(len(inputs))
    out = []
    for x, t in zip(inputs, target):
        std = sigma * (x.max() - x.min()).item()
        acc = torch.zeros_like(x)
        for start in range(0, nb_samples, batch_size):
            n = min(batch_size, nb_samples - start)
            noise = torch.randn((n, *x.shape), generator=generator, device=x.device, dtype=x.dtype) * std
            acc += backprop(model, x[None] + noise, t.item()).sum(0)
        out.append((acc / nb_samples).abs().sum(0))
    return torch.stack(out)


def gradient_along(model, image, eps, target=None, nb_steps=200, batch_size=50):
    """Smilkov et al.'s Fig. 2: the gradient of f_target at x + t eps for t = linspace(0, 1, nb_steps).

    image: C x H x W, eps: the same shape (one noise draw). Returns (t, gradients nb_steps x C x H x W)."""
    if target is None:
        with torch.no_grad():
            target = model(image[None]).reshape(1, -1).argmax(1).item()
    t = torch.linspace(0, 1, nb_steps, dtype=image.dtype, device=image.device)
    grads = [backprop(model, image[None] + tb.view(-1, 1, 1, 1) * eps[None], target)
             for tb in t.split(batch_size)]
    return t, torch.cat(grads)


def pixels_followed(saliency, nb_pixels=3, seed=0):
    """The pixels whose gradient Fig. 2 follows, (row, col) in a H x W map of |gradient| at x: picked
    at random (seeded) among the 5% largest, not the very largest (they are the max entry itself,
    pinned at 1), at least W/8 apart (Manhattan distance)."""
    w = saliency.shape[1]
    top = saliency.flatten().argsort(descending=True)[:max(nb_pixels, saliency.numel() // 20)]
    order = top[torch.randperm(len(top), generator=torch.Generator().manual_seed(seed))]
    picks = []
    for q in order.tolist():
        r, c = divmod(q, w)
        if all(abs(r - r2) + abs(c - c2) > w // 8 for r2, c2 in picks):
            picks.append((r, c))
        if len(picks) == nb_pixels:
            break
    return picks


def gradient_irregularity(model, image, target=None, eps_std=0.01, nb_steps=200, nb_pixels=3, batch_size=50, seed=0):
    """Smilkov et al.'s Fig. 2: one noise draw eps ~ N(0, (eps_std Delta)^2), Delta = max - min of the
    image (C x H x W), the gradient along x + t eps (gradient_along), and at `nb_pixels` pixels
    (pixels_followed) its entries as a fraction of its largest |entry| at each t. Returns dict(t,
    fraction nb_steps x pixels x C, pixels (row, col), eps, max_change: max |eps| / Delta)."""
    g = torch.Generator(device=image.device).manual_seed(seed)
    delta = (image.max() - image.min()).item()
    eps = torch.randn(image.shape, generator=g, device=image.device) * eps_std * delta
    t, grads = gradient_along(model, image, eps, target, nb_steps, batch_size)
    grads = grads.cpu()
    picks = pixels_followed(grads[0].abs().sum(0), nb_pixels, seed)
    gmax = grads.flatten(1).abs().max(1).values  # max entry of the gradient at each t
    frac = torch.stack([grads[:, :, r, c] for r, c in picks], 1) / gmax[:, None, None]  # steps x pixels x C
    return dict(t=t.cpu(), fraction=frac, pixels=torch.tensor(picks), eps=eps, max_change=(eps.abs().max() / delta).item())
