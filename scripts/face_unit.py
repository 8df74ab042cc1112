"""A unit with a clear semantic (Yosinski et al. 2015, the conv5 "face" channel of an AlexNet): rank the
channels of the last conv layer by how well their response (max of the map) separates the positive
images (faces; embedded tier: one `shapes` class) from the others, and show the best channel's map."""
import argparse

import numpy as np
import pandas as pd

from underhood import activations, io, plot
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("--cache", required=True, help="activation cache written by scripts/activations.py")
p.add_argument("--layer", required=True, help="the conv layer whose channels are ranked (in the cache)")
p.add_argument("--positive", required=True, help="the class of the positive group (face, disc, ...)")
p.add_argument("--score", choices=["dprime", "auc"], required=True)
p.add_argument("--nb-top", type=int, required=True, help="bars: the best channels")
p.add_argument("--nb-images", type=int, required=True, help="images of each group shown")
p.add_argument("--csv", required=True, help="the ranking of all channels")
p.add_argument("--title", required=True)
p.add_argument("output")
a = p.parse_args()

c = io.load_torch(a.cache)
if a.layer not in c["layers"]:
    raise SystemExit(f"layer {a.layer!r} is not in {a.cache}; it holds {', '.join(c['layers'])}")
if a.positive not in c["classes"]:
    raise SystemExit(f"--positive {a.positive!r} is not a class of {a.cache}; classes: {', '.join(c['classes'])}")
maps = c["layers"][a.layer].float()  # N x C x H x W
if maps.dim() != 4:
    raise SystemExit(f"layer {a.layer!r} gives vectors, not activation maps; pick a conv layer")
positive = (c["labels"] == c["classes"].index(a.positive)).numpy()
responses = maps.amax((2, 3))  # a unit "responds" to the object anywhere in the image
scores = activations.selectivity(responses, positive, a.score).numpy()
order = np.argsort(-scores, kind="stable")
best = int(order[0])
label = {"dprime": "d' = (mean pos - mean neg) / pooled std", "auc": "ROC AUC"}[a.score]
neg_name = "non-face" if a.positive == "face" else f"not {a.positive}"
io.save_csv(pd.DataFrame({"rank": np.arange(1, len(order) + 1), "channel": order,
                          a.score: np.round(scores[order], 4),
                          f"mean max response ({a.positive})": np.round(responses[positive][:, order].mean(0).numpy(), 4),
                          f"mean max response ({neg_name})": np.round(responses[~positive][:, order].mean(0).numpy(), 4)}),
            a.csv)

pos_idx, neg_idx = np.flatnonzero(positive)[:a.nb_images], np.flatnonzero(~positive)[:a.nb_images]
shown = maps[np.r_[pos_idx, neg_idx], best]
vmin, vmax = float(shown.min()), float(shown.max())
n = a.nb_images
plt = plot.plt
fig = plt.figure(figsize=(1.25 * n + 4.2, 5.6))
gs = fig.add_gridspec(4, n + 3, width_ratios=[1] * n + [0.12, 1.0, 3.2], wspace=0.08, hspace=0.3)
for g, (idx, name) in enumerate([(pos_idx, a.positive), (neg_idx, neg_name)]):
    for j, i in enumerate(idx):
        ax = fig.add_subplot(gs[2 * g, j])
        im = c["images"][i].permute(1, 2, 0).numpy()
        ax.imshow(im, interpolation="nearest")
        ax.axis("off")
        if j == 0:
            ax.set_title(name, fontsize=8, loc="left")
        ax = fig.add_subplot(gs[2 * g + 1, j])
        mappable = ax.imshow(maps[i, best].numpy(), cmap="magma", vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.axis("off")
        ax.set_title(f"max {float(responses[i, best]):.2f}", fontsize=6)
cax = fig.add_subplot(gs[1:, n])
fig.colorbar(mappable, cax=cax)
cax.set_title(f"ch {best}", fontsize=7)
ax = fig.add_subplot(gs[:, n + 2])
top = order[:a.nb_top]
ax.barh(np.arange(len(top)), scores[top], color=["#c44e52"] + ["#8c8c8c"] * (len(top) - 1))
ax.set_yticks(np.arange(len(top)), [f"ch {k}" for k in top], fontsize=7)
ax.invert_yaxis()
ax.set_xlabel(label, fontsize=7)
ax.set_title(f"top {len(top)} of {len(scores)} channels", fontsize=8)
if a.score == "auc":
    ax.axvline(0.5, color="k", lw=0.6, ls=":")
fig.suptitle(a.title, fontsize=10)
fig.text(0.5, 0.0, f"{a.layer} channel {best} (best {a.score} = {scores[best]:.2f}) over {positive.sum()} {a.positive} "
         f"and {(~positive).sum()} other images; response = max of the map; one colour scale for all maps",
         ha="center", va="bottom", fontsize=7)
io.save_figure(fig, a.output)
print(f"best channel {best}: {a.score} {scores[best]:.3f}; top: {order[:10].tolist()}")
