"""toy-hidden-lines: the hidden units of an MLP R^2 -> 2 as lines, at several points of training."""
import argparse

import matplotlib.pyplot as plt
import numpy as np
import torch

from underhood import io, toy
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("output")
p.add_argument("--nb-hidden", type=int, required=True)
p.add_argument("--nb-samples", type=int, required=True)
p.add_argument("--steps", type=int, nargs="+", required=True)
p.add_argument("--lr", type=float, required=True)
p.add_argument("--seed", type=int, required=True)
a = p.parse_args()

io.seed_all(a.seed, 1)
x, y = toy.triangle_data(a.nb_samples, a.seed)
snaps = toy.train_snapshots(x, y, a.nb_hidden, tuple(a.steps), a.lr, a.seed)

u = np.linspace(-1, 1, 301)
gx, gy = np.meshgrid(u, u)
grid = torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], 1))
fig, axes = plt.subplots(1, len(a.steps), figsize=(3.3 * len(a.steps), 3.6))
for ax, step in zip(np.atleast_1d(axes), sorted(snaps)):
    model, acc = snaps[step]
    with torch.no_grad():
        region = model(grid).argmax(1).reshape(gx.shape).numpy()
    ax.contourf(gx, gy, region, levels=[-0.5, 0.5, 1.5], colors=["#dde7f7", "#f9e0cc"])
    ax.scatter(*x[y == 0].T, s=4, c="#2a5caa", label="class 0")
    ax.scatter(*x[y == 1].T, s=4, c="#d2691e", label="class 1")
    w, b = toy.hidden_lines(model)
    for wi, bi in zip(w, b):
        seg = toy.line_segment(wi, bi)
        if seg:
            ax.plot(*zip(*seg), c="k", lw=0.8)
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"step {step}: train accuracy {acc:.0%}")
fig.suptitle(f"The {a.nb_hidden} hidden units of an MLP R^2 -> 2 as lines {{x : w.x + b = 0}}")
fig.tight_layout()
io.save_figure(fig, a.output)
print("accuracies:", {k: round(v[1], 3) for k, v in sorted(snaps.items())})
