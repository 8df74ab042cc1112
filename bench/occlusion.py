"""Time this project's occlusion (underhood.occlusion) against Captum's Occlusion on the same net,
image, window, stride and fill; check that both give the same map; print a table with the speed-up.

    .venv/bin/python bench/occlusion.py                      # a VGG-like net (random weights), 64x64
    .venv/bin/python bench/occlusion.py --model cache/embedded/models/vgg_small-shapes64.pt
    .venv/bin/python bench/occlusion.py --arch vgg19 --size 224 --mask 32 --stride 2 --device cuda
"""
import argparse
import time

import torch
from captum.attr import Occlusion

from underhood import io, models, occlusion

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--model", default=None, help="a checkpoint (default: --arch with random weights)")
p.add_argument("--arch", default="vgg_small")
p.add_argument("--size", type=int, default=64, help="image side")
p.add_argument("--mask", type=int, default=16)
p.add_argument("--stride", type=int, default=2)
p.add_argument("--batch-size", type=int, default=128, help="occluded copies per forward pass, both")
p.add_argument("--threads", type=int, default=1)
p.add_argument("--device", default="cpu")
a = p.parse_args()
io.seed_all(0, a.threads)
device = io.pick_device(a.device)
if a.model:
    model, _ = models.load(a.model, device=device)
else:
    model = models.build(a.arch, **({"num_classes": 10} if a.arch.endswith("_small") else {})).eval().to(device)
x = torch.randn(1, 3, a.size, a.size, device=device)
fill = 0.0
target = model(x).argmax(1).item()


def timed(f):
    f()  # warm-up
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    out = f()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return out, time.perf_counter() - t0


ours, t_ours = timed(lambda: occlusion.occlusion(model, x, target, a.mask, a.stride, fill, a.batch_size))
cap = Occlusion(model)
runs = {}
for ppe in (1, a.batch_size):
    runs[ppe] = timed(lambda: cap.attribute(x, sliding_window_shapes=(3, a.mask, a.mask), strides=(3, a.stride, a.stride),
                                            baselines=fill, target=target, perturbations_per_eval=ppe))
nwin = len(occlusion.windows(a.size, a.size, a.mask, a.stride)[0]) ** 2
print(f"{a.model or a.arch + ' (random weights)'}, one {a.size}x{a.size} image, mask {a.mask}, stride {a.stride}"
      f" ({nwin} windows), {device}, {a.threads} thread(s)\n")
print("| implementation | batch | time (s) | speed-up of underhood | max abs difference |")
print("|---|---|---|---|---|")
print(f"| underhood.occlusion | {a.batch_size} | {t_ours:.2f} | 1.0 | - |")
for ppe, (theirs, t) in runs.items():
    diff = (ours - theirs[:, 0]).abs().max().item()
    scale = ours.abs().max().item()
    assert diff <= 1e-5 * scale + 1e-7, f"maps differ by {diff} (scale {scale})"
    print(f"| captum Occlusion | {ppe} | {t:.2f} | {t / t_ours:.1f}x | {diff:.1e} |")
