"""Zeiler and Fergus 2014 (https://arxiv.org/abs/1311.2901), "top-9": for a conv channel, the 9
images of a data set that activate it most, the part of each image the unit sees (its receptive
field) and the deconvolution from that unit (underhood.backprop.deconvolution)."""
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from .backprop import deconvolution
from .data import as_float
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


def field_corner(size, jump, start, row, col, side):
    """Top-left corner (top, left) of the receptive field (receptive_field's size, jump, start) of the
    unit at (row, col), moved inside the side x side image where the field crosses its border."""
    top, left = round(start + row * jump - (size - 1) / 2), round(start + col * jump - (size - 1) / 2)
    return min(max(top, 0), max(side - size, 0)), min(max(left, 0), max(side - size, 0))


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


def top9(model, name, images, channels, k=9, side=None, to_input=lambda x: x):
    """Zeiler and Fergus's figure for `channels` (a tensor) of the layer `name`: `images` (uint8 N x C
    x H x W, bilinearly resized to side x side when given) scanned once; for each channel its k top
    images (top_activations), each cropped to the unit's receptive field (field_corner), and the
    deconvolution from that unit, cropped alike. to_input: images in [0, 1] -> model input, on the
    model's device. Returns the cached dict: channels, values, index, positions, layer, crops,
    deconvs, boxes (top, left), receptive_field, nb_scanned."""
    def pixels(u):  # uint8 batch -> float [0, 1] at the scanned resolution
        u = as_float(u)
        return F.interpolate(u, size=(side, side), mode="bilinear", align_corners=False) if side and u.shape[-1] != side else u

    prepare = lambda u: to_input(pixels(u))  # noqa: E731
    device = next(model.parameters()).device
    values, index, pos = top_activations(model, name, images, channels.to(device), k, prepare=prepare)
    size, jump, start = receptive_field(model, name)
    crops, deconvs, boxes = [], [], []
    for n, c in enumerate(channels.tolist()):
        for i, (r, col) in zip(index[n].tolist(), pos[n].tolist()):
            x = prepare(images[i:i + 1])[0]
            dec = deconvolve_unit(model, name, x, c, r, col)
            top, left = field_corner(size, jump, start, r, col, x.shape[-1])
            crops.append(crop(pixels(images[i:i + 1])[0], size, top, left, 1.0))
            deconvs.append(crop(dec.cpu(), size, top, left, 0.0))
            boxes.append((top, left))
    shape = (len(channels), k, 3, size, size)
    return dict(channels=channels, values=values.cpu(), index=index.cpu(), positions=pos.cpu(), layer=name,
                crops=torch.stack(crops).view(shape), deconvs=torch.stack(deconvs).view(shape),
                boxes=torch.tensor(boxes).view(len(channels), k, 2), receptive_field=size, nb_scanned=len(images))
