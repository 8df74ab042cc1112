"""Internal activations as images: one input and, for each chosen layer, a few of its channels picked
at random (seeded), read from an activation cache (scripts/activations.py)."""
import argparse

import numpy as np

from underhood import activations, io, plot
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("--cache", required=True, help="activation cache written by scripts/activations.py")
p.add_argument("--sample", type=int, required=True, help="which input of the cache")
p.add_argument("--layers", nargs="+", required=True, help="layers to show (in the cache)")
p.add_argument("--nb-channels", type=int, required=True, help="channels per layer, picked at random")
p.add_argument("--seed", type=int, required=True)
p.add_argument("--title", required=True)
p.add_argument("output")
a = p.parse_args()

c = io.load_torch(a.cache)
if not 0 <= a.sample < len(c["images"]):
    raise SystemExit(f"--sample {a.sample}: the cache holds inputs 0..{len(c['images']) - 1}")
missing = [l for l in a.layers if l not in c["layers"]]
if missing:
    raise SystemExit(f"layers {missing} are not in {a.cache}; it holds {', '.join(c['layers'])}")

rows = []
for i, name in enumerate(a.layers):
    act = c["layers"][name][a.sample].float().numpy()
    if act.ndim != 3:
        raise SystemExit(f"layer {name!r} gives a vector of {act.size} values, not activation maps; pick a conv layer")
    channels = activations.pick_channels(act.shape[0], a.nb_channels, a.seed * 1000 + i)
    rows.append((name, act.shape, channels, act[channels]))

img = c["images"][a.sample].permute(1, 2, 0).numpy()
label = c["classes"][int(c["labels"][a.sample])]
ncols = max(len(r[2]) for r in rows)
plt = plot.plt
fig, axes = plt.subplots(len(rows) + 1, ncols, figsize=(1.3 * ncols, 1.45 * (len(rows) + 1)), squeeze=False)
for ax in axes.flat:
    ax.axis("off")
axes[0, 0].imshow(img[..., 0] if img.shape[-1] == 1 else img, cmap="gray", interpolation="nearest")
axes[0, 0].set_title(f"input ({label})", fontsize=8, loc="left")
for r, (name, shape, channels, maps) in enumerate(rows, start=1):
    for j, (ch, m) in enumerate(zip(channels, maps)):
        lo, hi = float(m.min()), float(m.max())
        axes[r, j].imshow((m - lo) / (hi - lo) if hi > lo else np.zeros_like(m), cmap="gray", vmin=0, vmax=1,
                          interpolation="nearest")
        axes[r, j].set_title(f"ch {ch}", fontsize=7)
    axes[r, 0].text(-0.08, 0.5, f"{name}\n{shape[0]}x{shape[1]}x{shape[2]}", transform=axes[r, 0].transAxes,
                    ha="right", va="center", fontsize=8)
fig.suptitle(a.title, fontsize=10)
fig.text(0.5, 0.005, "channels picked at random (seeded); each map scaled to its own range (black = min, white = max; uniform black: a constant map, e.g. a ReLU channel that is zero on this input)",
         ha="center", va="bottom", fontsize=7)
io.save_figure(fig, a.output)
print(", ".join(f"{n}: channels {ch}" for n, _, ch, _ in rows))
