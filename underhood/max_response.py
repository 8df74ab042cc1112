"""Maximum-response samples: optimize an input from small noise to maximize a unit, a channel's
sum over its map, or an output logit, minus a "realistic" prior h (EE-559 lecture 8; Simonyan et
al. 2013, Yosinski et al. 2015):

    argmax_x f(x; w) - h(x),    x_{k+1} = x_k - eta grad_x (h(x_k) - f(x_k; w))   (Adam, lr 0.1)

Objectives are small values that compose, as in Lucent: `channel("features.7", c) - 0.02 * prior()`.
An objective maps (activations, x) to ONE value per image of the batch, so many units are optimized
at once as one batch, image i for unit i (a list of indices, one per image).
"""
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from .activations import recording
from .edge_energy import MultiScaleEdgeEnergy
from .incremental import ELEMENTWISE, REGION, pair

OUTPUT = "output"  # the key of the model's output (logits) among the activations


class Objective:
    """A function (acts, x) -> N values, where acts maps layer names (and OUTPUT) to activations.
    Objectives add, subtract and scale: `logit(k) - 0.05 * prior()`."""

    def __init__(self, fn, layers=(), name="", whole=None):
        # whole: the layers it reads beyond the centre unit of their map (all of `layers` unless told)
        self.fn, self.layers, self.name = fn, frozenset(layers), name
        self.whole = self.layers if whole is None else frozenset(whole)

    def __call__(self, acts, x):
        return self.fn(acts, x)

    def __add__(self, other):
        other = other if isinstance(other, Objective) else constant(other)
        return Objective(lambda a, x: self(a, x) + other(a, x), self.layers | other.layers, f"{self.name} + {other.name}",
                         self.whole | other.whole)

    def __radd__(self, other):
        return self + other

    def __neg__(self):
        return -1 * self

    def __sub__(self, other):
        return self + (-1 * other)

    def __mul__(self, k):
        return Objective(lambda a, x: k * self(a, x), self.layers, f"{k} * {self.name}", self.whole)

    __rmul__ = __mul__


def constant(v):
    return Objective(lambda a, x: torch.full((x.size(0),), float(v), device=x.device), name=str(v))


def _per_image(indices, x):
    idx = torch.as_tensor(indices, device=x.device).view(-1)
    if idx.numel() == 1:
        idx = idx.expand(x.size(0))
    if idx.numel() != x.size(0):
        raise ValueError(f"{idx.numel()} unit indices for a batch of {x.size(0)} images; give one per image")
    return idx


def channel(layer, indices):
    """The sum over its activation map of channel indices[i] of `layer`, for image i."""
    def fn(acts, x):
        a = acts[layer]
        return a[torch.arange(a.size(0), device=a.device), _per_image(indices, x)].flatten(1).sum(1)
    return Objective(fn, [layer], f"channel({layer})")


def unit(layer, indices):
    """The activation of channel indices[i] of `layer` at the centre of its map, for image i."""
    def fn(acts, x):
        a = acts[layer]
        return a[torch.arange(a.size(0), device=a.device), _per_image(indices, x), a.size(2) // 2, a.size(3) // 2]
    return Objective(fn, [layer], f"unit({layer})", whole=[])


def logit(indices):
    """The output unit (pre-softmax score) indices[i], for image i."""
    def fn(acts, x):
        a = acts[OUTPUT]
        return a[torch.arange(a.size(0), device=a.device), _per_image(indices, x)]
    return Objective(fn, [OUTPUT], "logit")


def prior():
    """h(x), the multi-scale edge energy (underhood.edge_energy)."""
    h = MultiScaleEdgeEnergy()
    return Objective(lambda a, x: h.to(x.device)(x), [], "h")


def conv_layer_name(model, n):
    """The name of the n-th nn.Conv2d of `model` (1-based, in module order): 'conv 4' of VGG16 is
    features.7 in torchvision's vgg16, features.10 in our VGG-like net (which has batch norm)."""
    convs = [name for name, m in model.named_modules() if isinstance(m, nn.Conv2d)]
    if not 1 <= n <= len(convs):
        raise ValueError(f"conv layer {n}: the model has {len(convs)} convolutional layers (1..{len(convs)})")
    return convs[n - 1]


class _Enough(Exception):
    """Raised by a hook once every layer an objective reads has its output: the rest of the net is
    not run (conv 4 of VGG16 needs about a third of its work)."""


def activations(model, x, layers):
    """Forward x; return {layer: its output} for `layers` (and OUTPUT: model(x), when asked for).
    Without OUTPUT, the forward pass stops once the last of `layers` has its output, where every one
    is a member of an nn.Sequential (run once per pass, in order, as VGG's `features`); the values and
    their gradients are those of the full pass. A layer's output is taken as it leaves the layer
    (copied: torchvision's VGG applies ReLU(inplace=True) to its convolutions' outputs next)."""
    layers = set(layers)
    hooked = layers - {OUTPUT}
    parents = {name: name.rpartition(".")[0] for name in hooked}
    stop = OUTPUT not in layers and hooked and all(
        isinstance(model.get_submodule(p), nn.Sequential) for p in parents.values())
    with recording(model, hooked, keep=torch.clone) as acts:  # (a later ReLU(inplace=True) would change it)
        if not stop:
            acts[OUTPUT] = model(x)
            return acts
        handles = [model.get_submodule(name).register_forward_hook(_stop_when(acts, hooked)) for name in hooked]
        try:
            model(x)
        except _Enough:
            pass
        finally:
            for h in handles:
                h.remove()
    missing = hooked - set(acts)
    if missing:
        raise RuntimeError(f"the forward pass never reached {', '.join(sorted(missing))}")
    return acts


def _stop_when(acts, hooked):
    def hook(module, inputs, output):
        if hooked <= set(acts):
            raise _Enough
    return hook


def centre_crop(model, objective, shape, max_share=0.5):
    """The input an objective that reads only the centre unit of one layer depends on (its receptive
    field), when that layer is in the model's first stage, an nn.Sequential of convolutions, pools and
    element-wise layers (VGG's and AlexNet's `features`): (layer, rows, cols, offset, size), rows and
    cols the input's slices, widened to whole strides of the layer so that the crop's maps line up with
    the full ones, offset the crop's first row and column in the layer's map, size that map's (H, W).
    None otherwise: the objective reads a whole map, the output, or two layers, or the field covers
    more than `max_share` of the input (a 208x208 crop of VGG16's 224x224 input, conv 13, ran slower
    than the whole input on this project's CPU: bench/max_response.py). The centre unit of conv 10 of
    VGG16 (conv4_3, a 28x28 map) sees 92x92 of the 224x224 input, 104x104 once widened: a fifth of
    the work."""
    if objective.whole or len(objective.layers) != 1:
        return None
    (layer,) = objective.layers
    parent, _, last = layer.rpartition(".")
    stack = model.get_submodule(parent) if parent else None
    if not isinstance(stack, nn.Sequential) or stack is not next(model.children(), None):
        return None
    geometry = []  # per module: (kernel, stride, padding, dilation), each a pair (rows, cols)
    for name, m in stack.named_children():
        if isinstance(m, REGION):
            if getattr(m, "ceil_mode", False) or getattr(m, "padding_mode", "zeros") != "zeros" or isinstance(m.padding, str):
                return None
            geometry.append([pair(getattr(m, f, 1)) for f in ("kernel_size", "stride", "padding", "dilation")])
        elif isinstance(m, ELEMENTWISE):
            geometry.append([(1, 1), (1, 1), (0, 0), (1, 1)])
        else:
            return None
        if name == last:
            break
    else:
        return None
    cut, offset, size = [], [], []
    for axis, n in enumerate(shape[1:]):
        sizes, stride = [n], 1
        for k, s, p, d in geometry:
            sizes.append((sizes[-1] + 2 * p[axis] - d[axis] * (k[axis] - 1) - 1) // s[axis] + 1)
            stride *= s[axis]
        lo = hi = sizes[-1] // 2
        for (k, s, p, d), m in zip(reversed(geometry), reversed(sizes[:-1])):
            lo = max(0, lo * s[axis] - p[axis])
            hi = min(m - 1, hi * s[axis] - p[axis] + d[axis] * (k[axis] - 1))
        start = lo // stride * stride
        cut.append(slice(start, min(n, start + -(-(hi + 1 - start) // stride) * stride)))
        offset.append(start // stride)
        size.append(sizes[-1])
    if (cut[0].stop - cut[0].start) * (cut[1].stop - cut[1].start) > max_share * shape[1] * shape[2]:
        return None
    return layer, cut[0], cut[1], tuple(offset), tuple(size)


def evaluate(model, objective, x, crop=None):
    """The objective's N values on x; with `crop` (centre_crop), the net runs on that part of x alone
    and the layer's map is padded back to its full size around it (the objective reads its centre)."""
    if crop is None:
        return objective(activations(model, x, objective.layers), x)
    layer, rows, cols, (oy, ox), (h, w) = crop
    acts = activations(model, x[:, :, rows, cols], objective.layers)
    a = acts[layer]
    acts[layer] = F.pad(a, (ox, w - ox - a.size(3), oy, h - oy - a.size(2)))
    return objective(acts, x)


def max_response(model, objective, shape, n, steps=250, lr=0.1, init_std=0.01, lo=None, hi=None,
                 generator=None, device="cpu", desc="max response"):
    """Optimize n images (n x shape, in the model's input space) to maximize `objective`, as one batch.

    Adam on the input, learning rate `lr` (lecture: 0.1), `steps` steps (lecture: 250), from
    N(0, init_std^2) noise (lecture: 0.01) drawn from `generator`; after each step the pixels are
    clamped to [lo, hi] (per-channel tensors broadcastable to the batch: the valid range of the
    normalized input space), when given. An objective on a centre unit runs the net on its receptive
    field alone (centre_crop), checked on the first step against the whole input.
    Returns (images, objective at the start, at the end)."""
    for p in model.parameters():
        p.requires_grad_(False)
    x = torch.randn((n, *shape), generator=generator).mul_(init_std).to(device)
    lo = None if lo is None else torch.as_tensor(lo, dtype=x.dtype, device=device)
    hi = None if hi is None else torch.as_tensor(hi, dtype=x.dtype, device=device)
    x.requires_grad_(True)
    opt = torch.optim.Adam([x], lr=lr)
    crop = centre_crop(model, objective, shape)
    if crop is not None:
        with torch.no_grad():
            whole, part = evaluate(model, objective, x), evaluate(model, objective, x, crop)
        if not torch.allclose(part, whole, rtol=1e-4, atol=1e-5 * whole.abs().max().item() + 1e-12):
            print(f"max_response: the receptive field of {crop[0]} computed by centre_crop does not give the whole"
                  " input's value: running the whole input")
            crop = None
    start = None
    for _ in tqdm(range(steps), desc=desc, mininterval=2):
        value = evaluate(model, objective, x, crop)
        if start is None:
            start = value.detach().cpu()
        opt.zero_grad()
        (-value.sum()).backward()
        opt.step()
        if lo is not None:
            with torch.no_grad():
                x.copy_(torch.maximum(torch.minimum(x, hi), lo))
    with torch.no_grad():
        end = evaluate(model, objective, x).cpu()
    return x.detach().cpu(), start, end
