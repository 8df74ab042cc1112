"""D. Around an input: the figures, drawn from the cached maps (scripts/around_input.py)."""
import argparse

import matplotlib.pyplot as plt
import numpy as np

from underhood import io, plot  # noqa: F401 (plot sets matplotlib's backend and style)
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

FIGS = ["occlusion-originals", "occlusion-mask", "occlusion-vgg19", "saliency-alexnet", "saliency-vgg19",
        "gradient-irregularity", "smoothgrad-vgg19", "backprop-deconv-guided-vgg16", "zeiler-top9"]
p = argparse.ArgumentParser(description=__doc__)
p.add_argument("figure", choices=FIGS)
p.add_argument("output")
p.add_argument("--images", help="the images file")
p.add_argument("--maps", nargs="+", default=[], help="cached maps, as the figure needs them")
p.add_argument("--title", default="")
p.add_argument("--positions", type=int, default=4, help="occlusion-mask: mask positions shown")
a = p.parse_args()

load = io.load_torch
images = load(a.images) if a.images else None


def rgb(u8):
    """3 x H x W uint8 tensor -> H x W x 3 array in [0, 1]."""
    return u8.permute(1, 2, 0).numpy() / 255.0


def grid(nrows, ncols, size=1.6, top=0.6, bottom=0.35, left=0.125, right=0.9, wspace=0.15, hspace=0.3):
    """Rows of square panels, the figure as tall as they are: a title band of `top` inches, a band of
    `bottom` inches under the last row, gaps of `hspace` panel heights between rows."""
    width = size * ncols
    panel = width * (right - left) / (ncols + (ncols - 1) * wspace)
    height = top + bottom + panel * (nrows + (nrows - 1) * hspace)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False,
                             gridspec_kw=dict(top=1 - top / height, bottom=bottom / height, left=left, right=right,
                                              wspace=wspace, hspace=hspace))
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig, axes


def label_rows(axes, labels):
    for ax, lab in zip(axes[:, 0], labels):
        ax.set_ylabel(lab, fontsize=8)


def show_maps(axes_row, maps, cmap="gray", q=99):
    """Each map scaled by its own q-th percentile, larger values clipped (as Smilkov et al.); bright = large."""
    for ax, m in zip(axes_row, maps):
        m = m.numpy()
        top = np.percentile(m, q)
        top = top if top > 0 else m.max()  # a sparse map: its max
        ax.imshow(np.clip(m / (top if top > 0 else 1), 0, 1), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")


def signed_rgb(g, q=99.5):
    """C x H x W signed map -> H x W x 3 in [0, 1]: grey is 0, scaled by the q-th percentile of |g|."""
    g = g.numpy()
    s = np.percentile(np.abs(g), q)
    return np.clip(0.5 + 0.5 * g / (s if s > 0 else 1), 0, 1).transpose(1, 2, 0)


def predicted(m, k):
    return f"{m['classes'][m['target'][k]]} ({m['probs'][k]:.2f})"


if a.figure == "occlusion-originals":
    m = load(a.maps[0])
    x = images["images"]
    fig, axes = grid(1, len(x), 1.8)
    for k, ax in enumerate(axes[0]):
        ax.imshow(rgb(x[k]))
        ax.set_xlabel(predicted(m, k), fontsize=8)
    fig.suptitle(a.title)
    fig.text(0.5, -0.02, "under each image: the net's top class (softmax probability)", ha="center", fontsize=7)

elif a.figure == "occlusion-mask":
    m = load(a.maps[0])
    x = images["images"][0]
    s, side = m["mask"], x.shape[-1]
    rng = np.random.default_rng(0)
    spots = [(int(rng.integers(0, side - s + 1)), int(rng.integers(0, side - s + 1))) for _ in range(a.positions)]
    rows = [("grey patch", lambda y, z, im: im.__setitem__((slice(None), slice(y, y + s), slice(z, z + s)), 128))]
    if "blurred" in m:
        b = m["blurred"][0]
        rows.append(("blurred copy", lambda y, z, im: im.__setitem__((slice(None), slice(y, y + s), slice(z, z + s)),
                                                                      b[:, y:y + s, z:z + s])))
    fig, axes = grid(len(rows), a.positions, 1.8)
    for r, (name, paint) in enumerate(rows):
        for c, (y, z) in enumerate(spots):
            im = x.clone()
            paint(y, z, im)
            axes[r, c].imshow(rgb(im))
        axes[r, 0].set_ylabel(f"fill: {name}", fontsize=8)
    fig.suptitle(a.title)
    fig.text(0.5, -0.02, f"mask {s}x{s} on a {side}x{side} image, at {a.positions} positions", ha="center", fontsize=7)

elif a.figure == "occlusion-vgg19":
    m = load(a.maps[0])
    x = images["images"]
    fills = list(m["maps"])
    fig, axes = grid(1 + len(fills), len(x), 1.8)
    for k in range(len(x)):
        axes[0, k].imshow(rgb(x[k]))
        axes[0, k].set_title(predicted(m, k), fontsize=7)
        grey = rgb(x[k]).mean(2)
        for r, f in enumerate(fills, 1):
            d = m["maps"][f][k].numpy()
            lim = np.abs(d).max() or 1
            axes[r, k].imshow(grey, cmap="gray", vmin=0, vmax=1)
            im = axes[r, k].imshow(d, cmap="bwr", vmin=-lim, vmax=lim, alpha=0.65)
            axes[r, k].set_xlabel(f"max drop {d.max():.2f}", fontsize=7)
    label_rows(axes, ["image"] + [f"fill: {'grey patch' if f == 'grey' else 'blurred copy'}" for f in fills])
    fig.suptitle(a.title)
    fig.text(0.5, -0.02, f"drop of the top class score when a {m['mask']}x{m['mask']} mask (stride {m['stride']}) covers the pixel;"
             " red: the score drops, blue: it rises; each map on its own symmetric scale", ha="center", fontsize=7)

elif a.figure in ("saliency-alexnet", "saliency-vgg19"):
    m = load(a.maps[0])
    x = images["images"]
    fig, axes = grid(2, len(x), 1.8)
    for k in range(len(x)):
        axes[0, k].imshow(rgb(x[k]))
        axes[0, k].set_title(predicted(m, k), fontsize=7)
    show_maps(axes[1], m["maps"])
    label_rows(axes, ["image", "|gradient|"])
    fig.suptitle(a.title)
    fig.text(0.5, -0.02, "|d f / d x| of the max-response output, summed over the colour channels; each map scaled by its 99th percentile",
             ha="center", fontsize=7)

elif a.figure == "smoothgrad-vgg19":
    sal, sg = load(a.maps[0]), load(a.maps[1])
    x = images["images"]
    fig, axes = grid(3, len(x), 1.8)
    for k in range(len(x)):
        axes[0, k].imshow(rgb(x[k]))
        axes[0, k].set_title(predicted(sg, k), fontsize=7)
    show_maps(axes[1], sal["maps"])
    show_maps(axes[2], sg["maps"])
    label_rows(axes, ["image", "gradient", f"SmoothGrad, σ = Δ/{1 / sg['sigma']:g}"])
    fig.suptitle(a.title)
    fig.text(0.5, -0.02, f"SmoothGrad: |mean of the gradients at {sg['nb_samples']} noisy copies| summed over channels;"
             " each map scaled by its 99th percentile", ha="center", fontsize=7)

elif a.figure == "gradient-irregularity":
    m = load(a.maps[0])
    x = images["images"][m["image"]]
    t, frac, pix = m["t"].numpy(), m["fraction"].numpy(), m["pixels"].tolist()
    n = len(pix)
    fig, axes = plt.subplots(1, n + 2, figsize=(2.3 * (n + 2), 2.6), gridspec_kw=dict(width_ratios=[1] + [1.4] * n + [1]))
    marks = "os^v"
    axes[0].imshow(rgb(x))
    for i, (r, c) in enumerate(pix):
        axes[0].plot(c, r, marks[i % 4], mfc="none", mec="yellow", ms=8, mew=1.5)
    axes[0].set_title("x", fontsize=8)
    axes[-1].imshow(rgb(m["far"]))
    axes[-1].set_title("x + ε", fontsize=8)
    for ax in (axes[0], axes[-1]):
        ax.set_xticks([])
        ax.set_yticks([])
    for i, (r, c) in enumerate(pix):
        ax = axes[1 + i]
        for ch, col in enumerate("rgb"):
            ax.plot(t, frac[:, i, ch], color=col, lw=0.9, label="RGB"[ch])
        ax.axhline(0, color="k", lw=0.4)
        ax.set_title(f"pixel {marks[i % 4]} ({r}, {c})", fontsize=8)
        ax.set_xlabel("t", fontsize=8)
        if i == 0:
            ax.set_ylabel("∂S_c/∂x_i / max_i |∂S_c/∂x_i|", fontsize=7)
            ax.legend(fontsize=6, frameon=False)
    fig.suptitle(a.title, y=1.04)
    fig.text(0.5, -0.06, f"gradient at x + tε, t in [0, 1]; ε ~ N(0, ({m['eps_std']:g}Δ)²), Δ = max - min of x"
             f" (largest change {m['max_change']:.3f}Δ)", ha="center", fontsize=7)
    fig.tight_layout()

elif a.figure == "backprop-deconv-guided-vgg16":
    m = load(a.maps[0])
    x = images["images"]
    names = {"backprop": "back-propagation\n1{s>0} g", "deconvolution": "deconvolution\n1{g>0} g",
             "guided": "guided back-prop.\n1{s>0} 1{g>0} g"}
    fig, axes = grid(4, len(x), 1.8)
    for k in range(len(x)):
        axes[0, k].imshow(rgb(x[k]))
        for r, rule in enumerate(names, 1):
            axes[r, k].imshow(signed_rgb(m["maps"][rule][k]), interpolation="nearest")
    label_rows(axes, ["image"] + list(names.values()))
    fig.suptitle(a.title)
    fig.text(0.5, -0.02, "gradient of the max unit of the convolutional part (features) wrt the image, as RGB;"
             " grey is 0, each map scaled by its 99.5th percentile of |value|", ha="center", fontsize=7)

elif a.figure == "zeiler-top9":
    m = load(a.maps[0])
    K, n = m["crops"].shape[:2]
    side = int(np.ceil(np.sqrt(n)))
    cols = 2 if K > 1 else 1
    rows = int(np.ceil(K / cols))
    fig, axes = plt.subplots(rows, 2 * cols, figsize=(3.0 * 2 * cols, 3.2 * rows + 0.4), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for k in range(K):
        r, c = divmod(k, cols)
        dec = np.stack([signed_rgb(d, 99.9) for d in m["deconvs"][k]])
        crops = m["crops"][k].permute(0, 2, 3, 1).numpy()
        axes[r, 2 * c].imshow(plot.tile(dec, side, side, pad=2), interpolation="nearest")
        axes[r, 2 * c + 1].imshow(plot.tile(crops, side, side, pad=2), interpolation="nearest")
        axes[r, 2 * c].set_title(f"channel {m['channels'][k]}: deconvolutions", fontsize=8)
        axes[r, 2 * c + 1].set_title(f"channel {m['channels'][k]}: image crops", fontsize=8)
    fig.suptitle(a.title)
    fig.text(0.5, -0.01, f"{m['layer']}: for each channel (picked at random) the {n} images of {m['nb_scanned']} that activate it"
             f" most, cropped to the unit's {m['receptive_field']}x{m['receptive_field']} receptive field (moved inside the image at the borders),"
             " and the deconvolution from that unit", ha="center", fontsize=7)

io.save_figure(fig, a.output)
