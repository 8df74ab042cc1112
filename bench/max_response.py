"""Time the maximum-response optimization (underhood.max_response) per objective, three ways side by
side: the net run to the end, the net run only up to the objective's layer, and (a centre unit) the net
run on that unit's receptive field alone (what underhood.max_response does); check that the second gives
the same images bit for bit, and give the third's largest difference (float rounding, grown by the steps).

    .venv/bin/python bench/max_response.py                                   # VGG-like net, 64x64, 16 units
    .venv/bin/python bench/max_response.py --arch vgg16 --size 224 --units 4 --steps 3   # the lecture's net
"""
import argparse
import time
from unittest import mock

import torch

from underhood import io, models
from underhood import max_response as mr

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--arch", default="vgg_small")
p.add_argument("--size", type=int, default=64, help="image side")
p.add_argument("--units", type=int, default=16, help="images optimized at once (one unit each)")
p.add_argument("--steps", type=int, default=20, help="Adam steps timed")
p.add_argument("--convs", type=int, nargs="+", default=[4, 7, 10, 13], help="the n-th convolutions' units")
p.add_argument("--threads", type=int, default=1)
a = p.parse_args()
io.seed_all(0, a.threads)
model = models.build(a.arch, **({"num_classes": 10} if a.arch.endswith("_small") else {})).eval()


def full(model, x, layers):
    """The former way: the whole net for every objective."""
    with mr.recording(model, set(layers) - {mr.OUTPUT}, keep=torch.clone) as acts:
        acts[mr.OUTPUT] = model(x)
    return acts


def run(objective, activations, crop=False):
    with mock.patch.object(mr, "activations", activations), \
            mock.patch.object(mr, "centre_crop", mr.centre_crop if crop else lambda *_: None):
        t0 = time.perf_counter()
        x, _, _ = mr.max_response(model, objective, (3, a.size, a.size), a.units, steps=a.steps,
                                  generator=torch.Generator().manual_seed(0), desc="")
        return x, time.perf_counter() - t0


objectives = [(f"unit of conv {n} ({mr.conv_layer_name(model, n)})", mr.unit(mr.conv_layer_name(model, n), list(range(a.units))))
              for n in a.convs] + [("logit", mr.logit([k % 10 for k in range(a.units)]))]
print(f"{a.arch}, {a.units} images of {a.size}x{a.size}, {a.steps} Adam steps, {a.threads} thread(s)\n")
print("| objective | whole net (s) | up to its layer (s) | its field (s) | input run | speed-up | same images (up to "
      "layer) | max abs diff (field) |\n|---|---:|---:|---:|---|---:|---|---:|")
for name, objective in objectives:
    x_full, t_full = run(objective, full)
    x_cut, t_cut = run(objective, mr.activations)
    x_field, t_field = run(objective, mr.activations, crop=True)
    crop = mr.centre_crop(model, objective, (3, a.size, a.size))
    part = "whole" if crop is None else f"{crop[1].stop - crop[1].start}x{crop[2].stop - crop[2].start}"
    print(f"| {name} | {t_full:.2f} | {t_cut:.2f} | {t_field:.2f} | {part} | {t_full / t_field:.2f}x | "
          f"{torch.equal(x_full, x_cut)} | {(x_field - x_cut).abs().max().item():.1e} |", flush=True)
