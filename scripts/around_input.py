"""D. Around an input: compute and cache one method's maps (arrays under cache/<tier>/attributions/).

  images      the images the figures use: shapes test scenes (--data, --indices) or photos (--photos)
  occlusion   the drop of the max-response score, one map per fill (grey patch, blurred copy)
  saliency    |gradient| summed over channels
  smoothgrad  SmoothGrad's map
  irregularity  gradient along x + t eps (Smilkov et al.'s Fig. 2)
  relu-rules  backprop, deconvolution, guided back-propagation of the max unit of model.features
  zeiler      top-9 activations of a few channels, their receptive-field crops and deconvolutions
"""
import argparse

import numpy as np
import torch
from PIL import Image

from underhood import backprop, io, models, occlusion, saliency, smoothgrad, zeiler
from underhood.data import as_float, photos
from underhood.train import normalize
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("what", choices=["images", "occlusion", "saliency", "smoothgrad", "irregularity", "relu-rules", "zeiler"])
p.add_argument("output")
p.add_argument("--data", help="a data set file (images: shapes test set; zeiler: the set scanned)")
p.add_argument("--indices", type=int, nargs="*", default=[], help="images: test-set indices")
p.add_argument("--photos", nargs="*", default=[], help="images: scikit-image photo names")
p.add_argument("--size", type=int, default=224, help="photos (and zeiler's scanned images): side in pixels")
p.add_argument("--images", help="the file written by `images`")
p.add_argument("--model", help="checkpoint (or torchvision state dict with --arch)")
p.add_argument("--arch", default=None)
p.add_argument("--sha256", default=None)
p.add_argument("--mask", type=int, default=32, help="occlusion: mask side (pixels)")
p.add_argument("--stride", type=int, default=2, help="occlusion: mask step (pixels)")
p.add_argument("--fills", nargs="+", default=["grey", "blur"], choices=["grey", "blur"])
p.add_argument("--blur-sigma", type=float, default=0.08, help="occlusion's blurred fill: Gaussian sigma, fraction of the side")
p.add_argument("--batch-size", type=int, default=64)
p.add_argument("--sigma", type=float, default=0.25, help="smoothgrad: noise std as a fraction of max - min")
p.add_argument("--nb-samples", type=int, default=50, help="smoothgrad: noisy copies")
p.add_argument("--eps-std", type=float, default=0.01, help="irregularity: std of eps, fraction of max - min")
p.add_argument("--nb-steps", type=int, default=100, help="irregularity: points along [0, 1]")
p.add_argument("--nb-pixels", type=int, default=3, help="irregularity: pixels followed")
p.add_argument("--image", type=int, default=0, help="irregularity: which of the images")
p.add_argument("--layer", default="features.3", help="zeiler: conv layer")
p.add_argument("--nb-channels", type=int, default=4, help="zeiler: channels picked at random")
p.add_argument("--nb-top", type=int, default=9, help="zeiler: top activations per channel")
p.add_argument("--nb-scan", type=int, default=0, help="zeiler: scan the first N test images (0: all)")
p.add_argument("--seed", type=int, default=0)
p.add_argument("--device", default="auto")
p.add_argument("--threads", type=int, default=1)
a = p.parse_args()
io.seed_all(a.seed, a.threads)
device = io.pick_device(a.device)


def resize_crop(x, size):
    """H x W x 3 uint8 -> size x size: shorter side to `size`, centre crop (as ImageNet evaluation)."""
    img = Image.fromarray(x)
    s = size / min(img.size)
    img = img.resize((max(size, round(img.size[0] * s)), max(size, round(img.size[1] * s))), Image.BILINEAR)
    left, top = (img.size[0] - size) // 2, (img.size[1] - size) // 2
    return np.asarray(img.crop((left, top, left + size, top + size)))


if a.what == "images":
    if a.photos:
        ph = photos(a.photos)
        x = torch.from_numpy(np.stack([resize_crop(ph[n], a.size) for n in a.photos])).permute(0, 3, 1, 2).contiguous()
        names = list(a.photos)
    else:
        d = io.load_torch(a.data)
        bad = [i for i in a.indices if not 0 <= i < len(d["test_x"])]
        if bad or not a.indices:
            raise SystemExit(f"images: indices {bad or a.indices} must be test-set indices in 0..{len(d['test_x']) - 1}")
        x = d["test_x"][a.indices].clone()
        names = [d["classes"][d["test_y"][i]] for i in a.indices]
    io.save_torch(dict(images=x, names=names), a.output)
    print(f"{len(x)} images {tuple(x.shape[1:])}: {', '.join(names)}")
    raise SystemExit

model, info = models.load(a.model, a.arch, device=device, sha256=a.sha256)
for q in model.parameters():
    q.requires_grad_(False)  # input gradients only
prep = lambda u: normalize(as_float(u).to(device), info["mean"], info["std"])  # noqa: E731
out = dict(classes=info["classes"])

if a.what == "zeiler":
    d = io.load_torch(a.data)
    images = d["test_x"][:a.nb_scan or None]
    resize = images.shape[-1] != a.size  # e.g. CIFAR-10 scenes for ImageNet nets

    def pixels(u):  # uint8 batch -> float [0, 1] at the scanned resolution
        u = as_float(u)
        return torch.nn.functional.interpolate(u, size=(a.size, a.size), mode="bilinear", align_corners=False) if resize else u

    prep = lambda u: normalize(pixels(u).to(device), info["mean"], info["std"])  # noqa: E731
    nb_out = models.layer(model, a.layer).out_channels
    g = torch.Generator().manual_seed(a.seed)
    channels = torch.randperm(nb_out, generator=g)[:a.nb_channels].sort().values
    values, index, pos = zeiler.top_activations(model, a.layer, images, channels.to(device), a.nb_top, prepare=prep)
    size, jump, start = zeiler.receptive_field(model, a.layer)
    crops, deconvs, boxes = [], [], []
    for k, c in enumerate(channels.tolist()):
        for v, i, (r, col) in zip(values[k].tolist(), index[k].tolist(), pos[k].tolist()):
            x = prep(images[i:i + 1])[0]
            dec = zeiler.deconvolve_unit(model, a.layer, x, c, r, col)
            top, left = round(start + r * jump - (size - 1) / 2), round(start + col * jump - (size - 1) / 2)
            side = x.shape[-1]  # a field that crosses the border: the crop moves inside the image
            top, left = min(max(top, 0), max(side - size, 0)), min(max(left, 0), max(side - size, 0))
            crops.append(zeiler.crop(pixels(images[i:i + 1])[0], size, top, left, 1.0))
            deconvs.append(zeiler.crop(dec.cpu(), size, top, left, 0.0))
            boxes.append((top, left))
    K, n = len(channels), a.nb_top
    out.update(channels=channels, values=values.cpu(), index=index.cpu(), positions=pos.cpu(), layer=a.layer,
               crops=torch.stack(crops).view(K, n, 3, size, size), deconvs=torch.stack(deconvs).view(K, n, 3, size, size),
               boxes=torch.tensor(boxes).view(K, n, 2), receptive_field=size, nb_scanned=len(images))
    io.save_torch(out, a.output)
    print(f"{a.layer}: channels {channels.tolist()}, receptive field {size} px (jump {jump}), scanned {len(images)} images")
    raise SystemExit

d = io.load_torch(a.images)
x = prep(d["images"])
with torch.no_grad():
    logits = model(x).cpu()
target = logits.argmax(1)
out.update(target=target, scores=logits.gather(1, target[:, None])[:, 0],
           probs=logits.softmax(1).gather(1, target[:, None])[:, 0])
print("classified as", [info["classes"][t] for t in target.tolist()])

if a.what == "occlusion":
    from torchvision.transforms.functional import gaussian_blur

    out.update(mask=a.mask, stride=a.stride, maps={})
    side = x.shape[-1]
    for fill in a.fills:
        if fill == "grey":
            f = prep(torch.full_like(d["images"], 128))
        else:
            s = a.blur_sigma * side
            k = 2 * int(3 * s) + 1
            f = normalize(gaussian_blur(as_float(d["images"]).to(device), [k, k], [s, s]), info["mean"], info["std"])
            out["blurred"] = (gaussian_blur(as_float(d["images"]), [k, k], [s, s]) * 255).round().byte()
        out["maps"][fill] = occlusion.occlusion(model, x, target.to(device), a.mask, a.stride, f, a.batch_size, progress=True).cpu()
        print(f"fill {fill}: drop in [{out['maps'][fill].min():.3f}, {out['maps'][fill].max():.3f}]")
elif a.what == "saliency":
    out["maps"] = saliency.saliency(model, x, target.to(device)).cpu()
elif a.what == "smoothgrad":
    g = torch.Generator(device=device).manual_seed(a.seed)
    out.update(sigma=a.sigma, nb_samples=a.nb_samples,
               maps=smoothgrad.smoothgrad(model, x, target.to(device), a.sigma, a.nb_samples, a.batch_size, g).cpu())
elif a.what == "irregularity":
    if not 0 <= a.image < len(x):
        raise SystemExit(f"irregularity: image {a.image} is not one of the {len(x)} images (0..{len(x) - 1})")
    img = x[a.image]
    g = torch.Generator(device=device).manual_seed(a.seed)
    delta = (img.max() - img.min()).item()
    eps = torch.randn(img.shape, generator=g, device=device) * a.eps_std * delta
    t, grads = smoothgrad.gradient_along(model, img, eps, target[a.image].item(), a.nb_steps, a.batch_size)
    grads = grads.cpu()
    # the pixels followed: picked at random (seeded) among the 5% with the largest |gradient| at x,
    # not the very largest (they are the max entry itself, pinned at 1)
    s0 = grads[0].abs().sum(0)
    w = s0.shape[1]
    top = s0.flatten().argsort(descending=True)[:max(a.nb_pixels, s0.numel() // 20)]
    order = top[torch.randperm(len(top), generator=torch.Generator().manual_seed(a.seed))]
    picks = []
    for q in order.tolist():
        r, c = divmod(q, w)
        if all(abs(r - r2) + abs(c - c2) > w // 8 for r2, c2 in picks):
            picks.append((r, c))
        if len(picks) == a.nb_pixels:
            break
    gmax = grads.flatten(1).abs().max(1).values  # max entry of the gradient at each t
    frac = torch.stack([grads[:, :, r, c] for r, c in picks], 1) / gmax[:, None, None]  # steps x pixels x 3
    mean, std = torch.tensor(info["mean"]).view(3, 1, 1), torch.tensor(info["std"]).view(3, 1, 1)
    far = ((img + eps).cpu() * std + mean).clamp(0, 1)
    out.update(t=t.cpu(), fraction=frac, pixels=torch.tensor(picks), image=a.image, eps_std=a.eps_std,
               far=(far * 255).round().byte(), max_change=(eps.abs().max() / delta).item())
    print(f"pixels {picks}; |eps| max {out['max_change']:.4f} of the range")
elif a.what == "relu-rules":
    feats = getattr(model, "features", None)
    if feats is None:
        raise SystemExit(f"relu-rules: the model ({type(model).__name__}) has no `features` part")
    out["maps"] = {rule: backprop.input_gradient(feats, x, None, rule).cpu() for rule in backprop.RULES}
    with torch.no_grad():
        out["units"] = feats(x).flatten(1).argmax(1).cpu()
io.save_torch(out, a.output)
