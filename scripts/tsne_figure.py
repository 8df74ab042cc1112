"""Layers as embeddings: t-SNE maps read from the embedding caches (scripts/embed.py). Either the
swiss roll (the roll, its PCA and its t-SNE, colour = position along the roll), or one map per layer
along the depth of a net (input first), coloured by class."""
import argparse
import math

import numpy as np

from underhood import io, plot
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
src = p.add_mutually_exclusive_group(required=True)
src.add_argument("--swiss-roll", help="swiss roll embedding cache")
src.add_argument("--embeddings", nargs="+", help="layer embedding caches, along the depth")
p.add_argument("--title", required=True)
p.add_argument("--max-cols", type=int, default=5)
p.add_argument("output")
a = p.parse_args()
plt = plot.plt


def clean(ax):
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal", adjustable="datalim")


if a.swiss_roll:
    e = io.load_torch(a.swiss_roll)
    x, t = e["x"].numpy(), e["t"].numpy()
    fig = plt.figure(figsize=(11, 3.8))
    ax = fig.add_subplot(1, 3, 1, projection="3d")
    ax.scatter(x[:, 0], x[:, 1], x[:, 2], c=t, cmap="Spectral", s=3, linewidths=0)
    ax.view_init(elev=12, azim=-70)
    ax.set_xticks([]), ax.set_yticks([]), ax.set_zticks([])
    ax.set_title(f"swiss roll, {len(x)} points in R^4\n(3 shown; the 4th is noise)", fontsize=9)
    for k, (key, name) in enumerate([("pca", "PCA"), ("tsne", f"t-SNE (perplexity {e['perplexity']:g}, {e['engine']})")]):
        ax = fig.add_subplot(1, 3, k + 2)
        ax.scatter(e[key][:, 0].numpy(), e[key][:, 1].numpy(), c=t, cmap="Spectral", s=3, linewidths=0)
        clean(ax)
        ax.set_title(name, fontsize=9)
    fig.suptitle(a.title, fontsize=10)
    fig.text(0.5, 0.0, "colour = position along the roll", ha="center", va="bottom", fontsize=7)
    io.save_figure(fig, a.output)
    raise SystemExit(0)

es = [io.load_torch(f) for f in a.embeddings]
classes = es[0]["classes"]
ncols = math.ceil(len(es) / math.ceil(len(es) / a.max_cols))  # rows as full as possible
nrows = math.ceil(len(es) / ncols)
fig, axes = plt.subplots(nrows, ncols, figsize=(3.1 * ncols, 3.3 * nrows + 0.5), squeeze=False)
cmap = plt.get_cmap("tab10")
for ax in axes.flat:
    ax.axis("off")
for ax, e in zip(axes.flat, es):
    ax.axis("on")
    y, lab = e["y"].numpy(), e["labels"].numpy()
    ax.scatter(y[:, 0], y[:, 1], c=[cmap(int(k) % 10) for k in lab], s=2 if len(y) > 3000 else 4, linewidths=0,
               rasterized=True)
    clean(ax)
    shape = "x".join(map(str, e["shape"]))
    ax.set_title(f"{e['layer']} ({shape} = {e['dims']} dims)\n10-NN accuracy in the map {e['knn_accuracy']:.2f}", fontsize=8)
handles = [plt.Line2D([], [], ls="", marker="o", ms=5, color=cmap(k % 10)) for k in range(len(classes))]
fig.legend(handles, classes, loc="lower center", ncol=min(10, len(classes)), fontsize=7, frameon=False,
           bbox_to_anchor=(0.5, -0.01))
e = es[0]
fig.suptitle(f"{a.title}\n{len(e['y'])} test samples, t-SNE perplexity {e['perplexity']:g} ({e['engine']})", fontsize=10)
fig.tight_layout(rect=(0, 0.04, 1, 1))
io.save_figure(fig, a.output)
print(", ".join(f"{e['layer']}: {e['knn_accuracy']:.3f}" for e in es))
