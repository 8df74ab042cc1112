"""Occlusion, four ways on the same net, photo, mask, fill and thread count, in one run: Captum's
Occlusion, this project's batched path (whole forward passes), its exact incremental path (each layer
only where the window changed it) and its approximate drill-down; prints a table with each one's time,
speed-up over Captum and difference from the exact map.

    .venv/bin/python bench/occlusion.py                                  # VGG19, 224x224, mask 32, stride 2
    .venv/bin/python bench/occlusion.py --arch vgg_small --size 64 --mask 16 --time-stride 2
    .venv/bin/python bench/occlusion.py --device cuda

The lecture's grid (stride 2: 97 x 97 = 9,409 windows on 224x224) takes Captum about 50 min on 2 cores,
so Captum, batched and incremental are timed on the windows of a sparser grid (--time-stride; each
window costs the same whatever the stride) and scaled to the lecture's count; the three maps of that grid
must agree. The incremental and drill-down paths then run on the lecture's full grid, timed directly,
and the drill-down's map is compared with the exact one (max abs difference over the clean score, and
correlation). Weights are random (no download here): speed does not depend on their values; the
drill-down's share of windows does depend on the map, so its row is indicative."""
import argparse
import time

import torch
from captum.attr import Occlusion

from underhood import io, models, occlusion, photo
from underhood.inputs import InputSpace

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--arch", default="vgg19", help="an architecture of underhood.models (random weights)")
p.add_argument("--size", type=int, default=224, help="image side")
p.add_argument("--mask", type=int, default=32)
p.add_argument("--stride", type=int, default=2, help="the lecture's grid")
p.add_argument("--time-stride", type=int, default=8, help="the sparser grid Captum and batched are timed on")
p.add_argument("--batch-size", type=int, default=128, help="occluded copies per forward pass, all paths")
p.add_argument("--refine", type=float, nargs="+", default=[0.2, 0.3], help="drill-down: refine where the coarse map >= this x max (a row each)")
p.add_argument("--coarse", type=int, default=4, help="drill-down: coarse grid step, in windows")
p.add_argument("--radius", type=int, default=None, help="drill-down: refine this many windows around (default: the library's)")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--device", default="cpu")
a = p.parse_args()
io.seed_all(0, a.threads)
device = io.pick_device(a.device)
small = a.arch.endswith("_small")
model = models.build(a.arch, **({"num_classes": 10} if small else {})).eval().to(device)
space = InputSpace({"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}, device)
x = space.to_input(photo.photo_batch(["chelsea"], a.size).float().div(255).to(device))
fill = space.to_input(torch.full_like(x, 0.5))  # the lecture's grey patch
score = model(x)[0]
target = score.argmax().item()
clean = score[target].abs().item()


def timed(f):
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    out = f()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return out, time.perf_counter() - t0


def ours(stride, **kw):
    return occlusion.occlusion(model, x, target, a.mask, stride, fill, a.batch_size, **kw)[0]


def grid(stride):
    ys, xs = occlusion.windows(a.size, a.size, a.mask, stride)
    return len(ys) * len(xs)


full, sparse = grid(a.stride), grid(a.time_stride)
ours(a.time_stride, method="incremental")  # warm-up
cap = Occlusion(model)
rows = {}
rows["captum Occlusion"] = timed(lambda: cap.attribute(
    x, sliding_window_shapes=(3, a.mask, a.mask), strides=(3, a.time_stride, a.time_stride), baselines=fill,
    target=target, perturbations_per_eval=a.batch_size)[0, 0])
rows["underhood batched"] = timed(lambda: ours(a.time_stride, method="batched"))
rows["underhood incremental"] = timed(lambda: ours(a.time_stride, method="incremental"))
exact, t_exact = timed(lambda: ours(a.stride, method="incremental"))
drills = []
for refine in a.refine:
    stats = {}
    approx, t_approx = timed(lambda: ours(a.stride, method="incremental", refine=refine, coarse=a.coarse,
                                          radius=a.radius, stats=stats))
    drills.append((refine, approx, t_approx, stats["computed"][0]))

print(f"{a.arch} (random weights), chelsea {a.size}x{a.size}, mask {a.mask}, grey fill, target {target}, "
      f"{device}, {a.threads} thread(s), batch {a.batch_size}; clean score {clean:.3g}\n")
print(f"| implementation | windows run | time (s) | at stride {a.stride} ({full} windows), s | speed-up over Captum "
      "| max abs difference / clean score | correlation with exact |")
print("|---|--:|--:|--:|--:|--:|--:|")
reference = rows["underhood incremental"][0]
t_captum = rows["captum Occlusion"][1] * full / sparse
for name, (m, t) in rows.items():
    diff = (m - reference).abs().max().item() / clean
    print(f"| {name} (stride {a.time_stride}, scaled) | {sparse} | {t:.1f} | {t * full / sparse:.0f} "
          f"| {t_captum / (t * full / sparse):.1f}x | {diff:.1e} | - |")
print(f"| underhood incremental (stride {a.stride}) | {full} | {t_exact:.1f} | {t_exact:.0f} | {t_captum / t_exact:.1f}x "
      "| 0 (reference) | 1 |")
radius = a.radius if a.radius is not None else occlusion.drill_radius(a.coarse)
for refine, approx, t_approx, share in drills:
    corr = torch.corrcoef(torch.stack([approx.flatten(), exact.flatten()]))[0, 1].item()
    print(f"| underhood drill-down, refine {refine}, coarse {a.coarse}, radius {radius} (stride {a.stride}) "
          f"| {round(share * full)} ({share:.0%}) | {t_approx:.1f} | {t_approx:.0f} | {t_captum / t_approx:.1f}x "
          f"| {(approx - exact).abs().max().item() / clean:.1e} | {corr:.4f} |")
for name, (m, t) in rows.items():
    diff = (m - reference).abs().max().item()
    assert diff <= 1e-4 * clean, f"{name} differs from the incremental map by {diff} (clean score {clean})"
