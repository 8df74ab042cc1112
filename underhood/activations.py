"""Internal layer activations (lecture: "Convnet internal layer activations").

"Since the convolutional layers maintain the 2d structure of the signal, the activations can be
visualized as images." The outputs of chosen layers (named as torchvision names them, e.g.
`features.10`, `layer3.0`) are recorded with forward hooks during one batched forward pass; every
figure of the family reads them from a cache instead of recomputing them.
"""
import contextlib
import copy

import torch
from tqdm import tqdm

from . import models


@contextlib.contextmanager
def recording(model, layers, keep=lambda output: output):
    """Forward hooks on the modules `layers` of `model` (an unknown name raises ValueError listing the
    valid ones) for the time of a `with` block: yields a dict that each forward pass fills with
    {layer: keep(its output)}. `keep` may copy the output (an in-place operation later in the net,
    ReLU(inplace=True), would change it) or move it; by default the output itself, in the graph."""
    modules = {name: models.layer(model, name) for name in layers}
    out = {}

    def hook(name):
        def record(module, inputs, output):
            out[name] = keep(output)
        return record

    handles = [m.register_forward_hook(hook(name)) for name, m in modules.items()]
    try:
        yield out
    finally:
        for h in handles:
            h.remove()


@torch.no_grad()
def activations(model, x, layers, batch_size=256, device="cpu", dtype=torch.float16, exact_on_cpu=True):
    """The outputs of `layers` for the (already normalized) inputs `x` (N x C x H x W).

    model       an evaluation-mode network
    x           float tensor of inputs in the model's input space
    layers      layer names; an unknown name raises ValueError listing the valid ones
    batch_size  samples per forward pass (default 256)
    device      where the forward passes run (default cpu); results come back on the CPU
    dtype       storage type of the results (default float16, half the memory; float32 for exact values);
                a layer whose values overflow float16 (|x| > 65504) is kept in float32
    exact_on_cpu on the CPU, run the forward passes in float64 (on a copy of the model): float32
                kernels differ in their last bits between instruction sets (AVX2, AVX-512, ...), and
                a value near a float16 rounding boundary would be stored differently on another
                machine; from float64 the stored values are the same bits on every CPU

    Returns {layer name: tensor N x ...}. Each output is copied as soon as the hook sees it, so an
    in-place operation later in the net (ReLU(inplace=True)) does not change it; a module called
    several times in one forward pass (a shared ReLU) gives its last output."""
    if exact_on_cpu and torch.device(device).type == "cpu":
        model, x = copy.deepcopy(model).double(), x.double()
    out = {name: [] for name in layers}
    with recording(model, layers, keep=lambda o: o.detach().to("cpu", torch.float32, copy=True)) as current:
        for i in tqdm(range(0, len(x), batch_size), desc="activations", mininterval=5):
            current.clear()
            model(x[i:i + batch_size].to(device))
            for name in layers:
                out[name].append(current[name])
    result = {}
    for name, v in out.items():
        v = torch.cat(v)
        small = v.to(dtype)
        result[name] = small if torch.isinf(small).sum() == torch.isinf(v).sum() else v
    return result


def pick_channels(nb_channels, nb, seed):
    """`nb` channel indices out of `nb_channels`, picked at random without replacement (seeded), sorted."""
    g = torch.Generator().manual_seed(seed)
    return sorted(torch.randperm(nb_channels, generator=g)[:min(nb, nb_channels)].tolist())


def selectivity(responses, positive, score="dprime"):
    """How well each channel separates the positive images (faces, one class) from the others.

    responses  N x C, one number per image and channel (e.g. the max of its activation map)
    positive   N booleans, True for the positive group
    score      'dprime': (mean_pos - mean_neg) / pooled std, sqrt((var_pos + var_neg) / 2);
               'auc': area under the ROC curve of the channel used as a detector
               (Mann-Whitney U / (n_pos n_neg), ties counted half): 0.5 = chance, 1 = perfect.
    Returns C scores (higher = fires more on the positive group)."""
    r = torch.as_tensor(responses, dtype=torch.float64)
    pos = torch.as_tensor(positive, dtype=torch.bool)
    if pos.all() or not pos.any():
        raise ValueError("selectivity needs images of both groups (positive and negative)")
    a, b = r[pos], r[~pos]
    if score == "dprime":
        pooled = ((a.var(0) + b.var(0)) / 2).sqrt()
        return (a.mean(0) - b.mean(0)) / pooled.clamp_min(1e-12)
    if score == "auc":
        greater = (a[:, None, :] > b[None, :, :]).double().mean((0, 1))
        ties = (a[:, None, :] == b[None, :, :]).double().mean((0, 1))
        return greater + 0.5 * ties
    raise ValueError(f"score {score!r} is not one of dprime, auc")
