"""Plots of the figures of D. (around an input), one function per figure: each takes the cached files
it reads (the images step's dict, the methods' maps) and the title, and returns the figure (`draw`
saves it)."""
import numpy as np

from .plot import plt, tile


def draw(figure, files, title, path):
    """`figure` (one of the functions below) drawn from the cached files it reads, saved to path."""
    from .io import load_torch, save_figure

    save_figure(figure(*[load_torch(f) for f in files], title), path)


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


def titled(fig, title, caption, y=-0.02):
    """The title above, the caption's line under the panels."""
    fig.suptitle(title)
    fig.text(0.5, y, caption, ha="center", fontsize=7)
    return fig


def predicted(m, k):
    return f"{m['classes'][m['target'][k]]} ({m['probs'][k]:.2f})"


def images_row(axes, x, m):
    """The images along a row of panels, each under the net's top class (softmax probability)."""
    for k, ax in enumerate(axes):
        ax.imshow(rgb(x[k]))
        ax.set_title(predicted(m, k), fontsize=7)


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


def originals(images, m, title):
    """occlusion-originals: the images, each with the net's top class."""
    x = images["images"]
    fig, axes = grid(1, len(x), 1.8)
    for k, ax in enumerate(axes[0]):
        ax.imshow(rgb(x[k]))
        ax.set_xlabel(predicted(m, k), fontsize=8)
    return titled(fig, title, "under each image: the net's top class (softmax probability)")


def occlusion_mask(images, m, title, positions=4):
    """occlusion-mask: the first image with the mask at a few random positions, one row per fill."""
    x = images["images"][0]
    s, side = m["mask"], x.shape[-1]
    rng = np.random.default_rng(0)
    spots = [(int(rng.integers(0, side - s + 1)), int(rng.integers(0, side - s + 1))) for _ in range(positions)]
    rows = [("grey patch", lambda y, z, im: im.__setitem__((slice(None), slice(y, y + s), slice(z, z + s)), 128))]
    if "blurred" in m:
        b = m["blurred"][0]
        rows.append(("blurred copy", lambda y, z, im: im.__setitem__((slice(None), slice(y, y + s), slice(z, z + s)),
                                                                      b[:, y:y + s, z:z + s])))
    fig, axes = grid(len(rows), positions, 1.8)
    for r, (name, paint) in enumerate(rows):
        for c, (y, z) in enumerate(spots):
            im = x.clone()
            paint(y, z, im)
            axes[r, c].imshow(rgb(im))
        axes[r, 0].set_ylabel(f"fill: {name}", fontsize=8)
    return titled(fig, title, f"mask {s}x{s} on a {side}x{side} image, at {positions} positions")


def occlusion(images, m, title):
    """occlusion-vgg19: the images, and under each its drop map per fill over the image in grey."""
    x = images["images"]
    fills = list(m["maps"])
    fig, axes = grid(1 + len(fills), len(x), 1.8)
    images_row(axes[0], x, m)
    for k in range(len(x)):
        grey = rgb(x[k]).mean(2)
        for r, f in enumerate(fills, 1):
            d = m["maps"][f][k].numpy()
            lim = np.abs(d).max() or 1
            axes[r, k].imshow(grey, cmap="gray", vmin=0, vmax=1)
            axes[r, k].imshow(d, cmap="bwr", vmin=-lim, vmax=lim, alpha=0.65)
            axes[r, k].set_xlabel(f"max drop {d.max():.2f}", fontsize=7)
    label_rows(axes, ["image"] + [f"fill: {'grey patch' if f == 'grey' else 'blurred copy'}" for f in fills])
    approx = m.get("approximate")
    return titled(fig, title, f"drop of the top class score when a {m['mask']}x{m['mask']} mask (stride {m['stride']})"
                  " covers the pixel; red: the score drops, blue: it rises; each map on its own symmetric scale"
                  + (f"\nAPPROXIMATE: adaptive drill-down, {approx['computed']:.0%} of the windows computed (where a 4x"
                     f" sparser map is >= {approx['refine']:g} x its max), the others interpolated" if approx else ""))


def saliency(images, m, title):
    """saliency-alexnet, saliency-vgg19: the images and their |gradient| maps."""
    x = images["images"]
    fig, axes = grid(2, len(x), 1.8)
    images_row(axes[0], x, m)
    show_maps(axes[1], m["maps"])
    label_rows(axes, ["image", "|gradient|"])
    return titled(fig, title, "|d f / d x| of the max-response output, summed over the colour channels;"
                  " each map scaled by its 99th percentile")


def smoothgrad(images, sal, sg, title):
    """smoothgrad-vgg19: the images, their gradient (saliency) and SmoothGrad maps."""
    x = images["images"]
    fig, axes = grid(3, len(x), 1.8)
    images_row(axes[0], x, sg)
    show_maps(axes[1], sal["maps"])
    show_maps(axes[2], sg["maps"])
    label_rows(axes, ["image", "gradient", f"SmoothGrad, σ = Δ/{1 / sg['sigma']:g}"])
    return titled(fig, title, f"SmoothGrad: |mean of the gradients at {sg['nb_samples']} noisy copies| summed over"
                  " channels; each map scaled by its 99th percentile")


def gradient_irregularity(images, m, title):
    """gradient-irregularity: x with the pixels followed, their gradient along x + t eps, and x + eps."""
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
    fig.suptitle(title, y=1.04)
    fig.text(0.5, -0.06, f"gradient at x + tε, t in [0, 1]; ε ~ N(0, ({m['eps_std']:g}Δ)²), Δ = max - min of x"
             f" (largest change {m['max_change']:.3f}Δ)", ha="center", fontsize=7)
    fig.tight_layout()
    return fig


def backprop_deconv_guided(images, m, title):
    """backprop-deconv-guided-vgg16: the images and their gradient by each ReLU rule, as RGB."""
    x = images["images"]
    names = {"backprop": "back-propagation\n1{s>0} g", "deconvolution": "deconvolution\n1{g>0} g",
             "guided": "guided back-prop.\n1{s>0} 1{g>0} g"}
    fig, axes = grid(4, len(x), 1.8)
    for k in range(len(x)):
        axes[0, k].imshow(rgb(x[k]))
        for r, rule in enumerate(names, 1):
            axes[r, k].imshow(signed_rgb(m["maps"][rule][k]), interpolation="nearest")
    label_rows(axes, ["image"] + list(names.values()))
    return titled(fig, title, "gradient of the max unit of the convolutional part (features) wrt the image, as RGB;"
                  " grey is 0, each map scaled by its 99.5th percentile of |value|")


def zeiler_top9(m, title):
    """zeiler-top9: per channel, the deconvolutions from its top units and the image crops they see."""
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
        axes[r, 2 * c].imshow(tile(dec, side, side, pad=2), interpolation="nearest")
        axes[r, 2 * c + 1].imshow(tile(crops, side, side, pad=2), interpolation="nearest")
        axes[r, 2 * c].set_title(f"channel {m['channels'][k]}: deconvolutions", fontsize=8)
        axes[r, 2 * c + 1].set_title(f"channel {m['channels'][k]}: image crops", fontsize=8)
    rf = m["receptive_field"]
    return titled(fig, title, f"{m['layer']}: for each channel (picked at random) the {n} images of {m['nb_scanned']}"
                  f" that activate it most, cropped to the unit's {rf}x{rf} receptive field (moved inside the image"
                  " at the borders), and the deconvolution from that unit", y=-0.01)


FIGURES = {  # figure id -> its function; rules/around_input.smk's AROUND_FIGURES says what each reads
    "occlusion-originals": originals, "occlusion-mask": occlusion_mask, "occlusion-vgg19": occlusion,
    "saliency-alexnet": saliency, "saliency-vgg19": saliency, "smoothgrad-vgg19": smoothgrad,
    "gradient-irregularity": gradient_irregularity, "backprop-deconv-guided-vgg16": backprop_deconv_guided,
    "zeiler-top9": zeiler_top9,
}
