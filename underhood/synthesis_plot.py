"""Plots of the synthesis figures (maximum response, adversarial examples, fooling images)."""
import numpy as np

from .plot import plt


def as_images(pixels):
    """Pixels (an N x C x H x W tensor) -> N x H x W x C arrays clamped to [0, 1], as imshow takes them."""
    return pixels.clamp(0, 1).permute(0, 2, 3, 1).numpy()


def stretch(x, contrast=0.15):
    """The lecture's display of a synthesized image: 0.5 + contrast * (x - mean) / std, per image
    (the lecture uses 0.1), clipped to [0, 1]."""
    x = np.asarray(x, dtype=np.float64)
    axes = tuple(range(1, x.ndim))
    z = (x - x.mean(axes, keepdims=True)) / np.maximum(x.std(axes, keepdims=True), 1e-12)
    return np.clip(0.5 + contrast * z, 0, 1)


def image_grid(images, labels, title, path, ncols=None, cell=1.4, caption=None):
    """Images (N x H x W x 3 in [0, 1]) in a grid, each with its label underneath."""
    from .io import save_figure

    n = len(images)
    ncols = ncols or int(np.ceil(np.sqrt(n)))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(cell * ncols, (cell + 0.35) * nrows + 0.5), squeeze=False,
                             gridspec_kw=dict(hspace=0.35, wspace=0.08))
    for ax in axes.flat:
        ax.axis("off")
    for ax, img, lab in zip(axes.flat, images, labels):
        ax.imshow(img, interpolation="nearest" if img.shape[0] < 100 else "bilinear")
        ax.text(0.5, -0.03, lab, fontsize=7, ha="center", va="top", transform=ax.transAxes)
    fig.suptitle(title, fontsize=9)
    if caption:
        import textwrap

        fig.text(0.5, 0.0, textwrap.fill(caption, int(cell * ncols * 17)), ha="center", va="top", fontsize=7)
    save_figure(fig, path)


def adversarial_figure(originals, adversarials, table, image_names, names_orig, names_adv, title, path,
                       amplify=None, caption=None):
    """Originals, adversarials and their difference (amplified) side by side, one row per image,
    and the table of the predicted class per iteration beside them."""
    from .io import save_figure

    n = len(originals)
    diff = adversarials - originals
    top = np.abs(diff).max()
    amplify = amplify or (0.5 / top if top > 1e-5 else 1.0)  # below 1e-5: float rounding, no perturbation
    fig = plt.figure(figsize=(9.5, max(3.2, 1.6 * n + 1.0)))
    gs = fig.add_gridspec(n, 4, width_ratios=[1, 1, 1, 2.2])
    for i in range(n):
        for j, (img, lab) in enumerate([(originals[i], f"{image_names[i]}: {names_orig[i]}"),
                                        (adversarials[i], f"adversarial: {names_adv[i]}"),
                                        (np.clip(0.5 + amplify * diff[i], 0, 1), f"difference x {amplify:.0f}")]):
            ax = fig.add_subplot(gs[i, j])
            ax.imshow(img, interpolation="nearest" if img.shape[0] < 100 else "bilinear")
            ax.set_title(lab, fontsize=7)
            ax.axis("off")
    ax = fig.add_subplot(gs[:, 3])
    ax.axis("off")
    t = ax.table(cellText=table.astype(str).values, colLabels=list(table.columns), loc="center", cellLoc="center")
    t.auto_set_font_size(False)
    t.set_fontsize(7)
    t.auto_set_column_width(list(range(len(table.columns))))
    t.scale(1, 1.1)
    fig.suptitle(title, fontsize=9)
    if caption:
        fig.text(0.5, 0.0, caption, ha="center", va="top", fontsize=7)
    save_figure(fig, path)


def sphere_figure(probs, p_orig, p_adv, labels, title, path, caption=None):
    """Per image: histogram of the original class's probability over the sphere samples, with the
    original's and the adversarial's marked."""
    from .io import save_figure

    n = len(probs)
    fig, axes = plt.subplots(1, n, figsize=(4 * n, 3), squeeze=False)
    bins = np.linspace(0, 1, 41)
    for ax, p, po, pa, lab in zip(axes[0], probs, p_orig, p_adv, labels):
        ax.hist(p, bins=bins, color="tab:blue", label="sphere samples")
        ax.axvline(po, color="tab:green", ls="--", label="original x")
        ax.axvline(pa, color="tab:red", ls="--", label="adversarial x~")
        ax.set_xlim(0, 1)
        ax.set_xlabel("probability of the original class")
        ax.set_title(lab, fontsize=8)
    axes[0, 0].set_ylabel("samples")
    axes[0, 0].legend(fontsize=7, loc="upper left")
    fig.suptitle(title, fontsize=9)
    if caption:
        fig.text(0.5, -0.02, caption, ha="center", va="top", fontsize=7)
    fig.tight_layout()
    save_figure(fig, path)
