"""Occlusion sensitivity (Zeiler and Fergus 2014, https://arxiv.org/abs/1311.2901): the value of the
maximally responding output unit on the image, minus its value with a part of the image occluded,
for every position of a size x size mask moved by `stride`; each pixel gets the mean drop over the
windows that cover it (as Captum's Occlusion). One forward pass per mask position, batched.
What covers the occluded pixels is part of the measurement: a grey patch or a blurred copy (`fill`)."""
import math

import torch
import torch.nn.functional as F
from tqdm import tqdm

from .data import as_float

FILLS = ("grey", "blur")


def fill(images, kind="grey", blur_sigma=0.08):
    """What covers the occluded pixels, as float images in [0, 1] from uint8 ones (N x C x H x W):
    "grey", a mid-grey patch (the lecture's), or "blur", that window of a blurred copy of the image
    (a Gaussian of std blur_sigma x the image side)."""
    if kind == "grey":
        return as_float(torch.full_like(images, 128))
    if kind != "blur":
        raise ValueError(f"occlusion fill {kind!r} is not one of {', '.join(FILLS)}")
    from torchvision.transforms.functional import gaussian_blur

    s = blur_sigma * images.shape[-1]
    k = 2 * int(3 * s) + 1
    return gaussian_blur(as_float(images), [k, k], [s, s])


def windows(height, width, size, stride):
    """Top-left corners of the mask: 0, stride, ... up to the border (the last window may be clipped
    by the border when (side - size) is not a multiple of stride, as in Captum)."""
    if not 1 <= size <= min(height, width):
        raise ValueError(f"occlusion mask size {size} must be between 1 and the image side {min(height, width)}")
    if not 1 <= stride <= size:
        raise ValueError(f"occlusion stride {stride} must be between 1 and the mask size {size}")
    ys = [i * stride for i in range(math.ceil((height - size) / stride) + 1)]
    xs = [j * stride for j in range(math.ceil((width - size) / stride) + 1)]
    return ys, xs


@torch.no_grad()
def occlusion(model, inputs, target=None, size=32, stride=2, fill=0.0, batch_size=128, progress=False):
    """N x H x W map of the drop f_target(x) - f_target(x occluded), averaged over covering windows.

    inputs: N x C x H x W in the model's input space. target: output unit (index, or one per image);
    None takes each image's max-response unit. size, stride: the square mask and its step (lecture:
    32, 2 on 224x224 images). fill: what replaces the occluded pixels, a number or a tensor that
    broadcasts to the inputs (e.g. the normalized grey, or a blurred copy of each image).
    batch_size: occluded copies per forward pass; halved on a CUDA out-of-memory error."""
    n, c, h, w = inputs.shape
    ys, xs = windows(h, w, size, stride)
    fill = torch.as_tensor(fill, dtype=inputs.dtype, device=inputs.device).expand_as(inputs)
    clean = model(inputs).reshape(n, -1)
    target = clean.argmax(1) if target is None else torch.as_tensor(target, device=inputs.device).reshape(-1).expand(n)
    maps = []
    positions = [(y, x) for y in ys for x in xs]
    for k in range(n):
        drops = torch.empty(len(positions), dtype=inputs.dtype, device=inputs.device)
        start, bs = 0, batch_size
        bar = tqdm(total=len(positions), desc=f"occlusion {k + 1}/{n}", mininterval=5, disable=not progress)
        while start < len(positions):
            chunk = positions[start:start + bs]
            batch = inputs[k].repeat(len(chunk), 1, 1, 1)
            for b, (y, x) in enumerate(chunk):
                batch[b, :, y:y + size, x:x + size] = fill[k, :, y:y + size, x:x + size]
            try:
                out = model(batch).reshape(len(chunk), -1)[:, target[k]]
            except torch.cuda.OutOfMemoryError:
                if bs == 1:
                    raise
                bs = max(1, bs // 2)
                torch.cuda.empty_cache()
                continue
            drops[start:start + len(chunk)] = clean[k, target[k]] - out
            start += len(chunk)
            bar.update(len(chunk))
        bar.close()
        maps.append(_spread(drops.view(1, 1, len(ys), len(xs)), size, stride, h, w))
    return torch.stack(maps)


def _spread(drops, size, stride, h, w):
    """Mean of the window values over the windows covering each pixel: a transposed convolution
    of the window grid with a size x size box, divided by the number of covering windows."""
    box = torch.ones(1, 1, size, size, dtype=drops.dtype, device=drops.device)
    total = F.conv_transpose2d(drops, box, stride=stride)[0, 0, :h, :w]
    count = F.conv_transpose2d(torch.ones_like(drops), box, stride=stride)[0, 0, :h, :w]
    return total / count
