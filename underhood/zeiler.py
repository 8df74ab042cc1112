"""Zeiler and Fergus 2014 (https://arxiv.org/abs/1311.2901), "top-9": for a conv channel, the 9
images of a data set that activate it most, the part of each image the unit sees (its receptive
field) and the deconvolution from that unit (underhood.backprop.deconvolution)."""
import torch
from torch import nn
from tqdm import tqdm

from .backprop import deconvolution
from .models import layer as get_layer


class _Stop(Exception):
    pass


class Upto(nn.Module):
    """The model cut after the layer `name`: forward returns that layer's output (the rest of the
    network is not run). Holds the model as a submodule, so its ReLUs are seen by backprop rules."""

    def __init__(self, model, name):
        super().__init__()
        self.model, self.name = model, name
        get_layer(model, name)  # a clear error for an unknown name

    def forward(self, x):
        kept = {}

        def hook(module, inputs, output):
            kept["out"] = output
            raise _Stop

        handle = get_layer(self.model, self.name).register_forward_hook(hook)
        try:
            self.model(x)
        except _Stop:
            pass
        finally:
            handle.remove()
        return kept["out"]


def receptive_field(model, name):
    """(size, jump, start) of the layer `name` of an nn.Sequential `model.features`: a unit at row i
    sees the input rows start + i*jump - (size-1)/2 ... start + i*jump + (size-1)/2."""
    if not name.startswith("features.") or not isinstance(getattr(model, "features", None), nn.Sequential):
        raise ValueError(f"receptive fields are computed for layers of a Sequential `features` (e.g. features.3), not {name!r}")
    last = int(name.split(".")[1])
    size, jump, start = 1, 1, 0.0
    for m in list(model.features)[:last + 1]:
        if isinstance(m, (nn.Conv2d, nn.MaxPool2d)):
            pair = lambda v: v if isinstance(v, int) else v[0]  # noqa: E731 (square kernels)
            k, s, p, d = pair(m.kernel_size), pair(m.stride), pair(m.padding), pair(m.dilation)
            k = d * (k - 1) + 1
            start += ((k - 1) / 2 - p) * jump
            size += (k - 1) * jump
            jump *= s
        elif not isinstance(m, (nn.ReLU, nn.BatchNorm2d, nn.Dropout, nn.Identity)):
            raise ValueError(f"receptive_field: cannot follow a {type(m).__name__} in features")
    return size, jump, start


def crop(image, size, top, left, fill=0.0):
    """The size x size window of image (C x H x W) at (top, left), padded with `fill` outside."""
    c, h, w = image.shape
    out = image.new_full((c, size, size), fill)
    y0, x0, y1, x1 = max(top, 0), max(left, 0), min(top + size, h), min(left + size, w)
    if y1 > y0 and x1 > x0:
        out[:, y0 - top:y1 - top, x0 - left:x1 - left] = image[:, y0:y1, x0:x1]
    return out


@torch.no_grad()
def top_activations(model, name, images, channels, k=9, batch_size=100, prepare=lambda x: x):
    """Scan `images` once; for each channel the k images where its largest activation is highest
    (one entry per image, as Zeiler and Fergus). Returns values, image indices and unit positions
    (row, col), each channels x k. prepare: uint8 batch -> model input."""
    cut = Upto(model, name)
    best, where = [], []
    for i in tqdm(range(0, len(images), batch_size), desc="scan", mininterval=5):
        a = cut(prepare(images[i:i + batch_size]))[:, channels]  # B x K x h x w
        v, pos = a.flatten(2).max(2)
        best.append(v)
        where.append(pos)
    best, where = torch.cat(best), torch.cat(where)  # N x K
    values, index = best.topk(k, dim=0)  # k x K
    pos = where.gather(0, index)
    w = a.shape[-1]
    return values.T, index.T, torch.stack([pos // w, pos % w], -1).transpose(0, 1)


def deconvolve_unit(model, name, x, channel, row, col):
    """Zeiler and Fergus's deconvolution from one unit (channel, row, col) of layer `name`: C x H x W."""
    cut = Upto(model, name)
    with torch.no_grad():
        _, c, h, w = cut(x[None]).shape
    return deconvolution(cut, x[None], (channel * h + row) * w + col)[0]
