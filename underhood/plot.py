"""Plots shared by the figure scripts: filter grids, image grids, tables; saved by io.save_figure."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

plt.rcParams.update({"font.size": 9, "figure.dpi": 100, "svg.hashsalt": "underhood"})


def rescale(w, scale="per_filter", axes=None):
    """Map weights to [0, 1] for display, symmetrically around 0 (0 is mid grey).

    scale='per_filter': each w[i] by its own max |w[i]|; 'shared': all by the global max |w|."""
    w = np.asarray(w, dtype=np.float64)
    if scale == "shared":
        m = np.abs(w).max()
        return 0.5 + 0.5 * w / (m if m > 0 else 1)
    if scale != "per_filter":
        raise ValueError(f"scale {scale!r} is not one of per_filter, shared")
    axes = tuple(range(1, w.ndim)) if axes is None else axes
    m = np.abs(w).max(axis=axes, keepdims=True)
    return 0.5 + 0.5 * w / np.where(m > 0, m, 1)


def tile(images, nrows, ncols, pad=1, pad_value=1.0):
    """Images (N x h x w or N x h x w x 3, values in [0, 1]) into one nrows x ncols mosaic with padding."""
    images = np.asarray(images)
    n, h, w = images.shape[:3]
    rest = images.shape[3:]
    out = np.full((nrows * (h + pad) + pad, ncols * (w + pad) + pad) + rest, pad_value, dtype=np.float64)
    for i in range(min(n, nrows * ncols)):
        r, c = divmod(i, ncols)
        out[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = images[i]
    return out


def filter_grid(weights, scale="per_filter", rgb=False):
    """Conv weights (out x in x k x k) as a mosaic: one row per filter, one column per input channel
    (grey), or one cell per filter with its 3 channels as colours (rgb=True)."""
    w = np.asarray(weights)
    if rgb:
        if w.shape[1] != 3:
            raise ValueError(f"rgb display needs 3 input channels, got {w.shape[1]}")
        img = rescale(w, scale, axes=(1, 2, 3)).transpose(0, 2, 3, 1)
        n = len(img)
        ncols = int(np.ceil(np.sqrt(n * 2)))
        return tile(img, int(np.ceil(n / ncols)), ncols)
    img = rescale(w, scale, axes=(1, 2, 3))  # per filter (all its channels share a scale)
    o, i = w.shape[:2]
    if i == 1:  # single-channel filters: a near-square grid, filters in reading order
        ncols = int(np.ceil(np.sqrt(o * 2)))
        return tile(img[:, 0], int(np.ceil(o / ncols)), ncols)
    return tile(img.reshape(o * i, *w.shape[2:]), o, i)


def show_mosaic(mosaic, title, path, size=6.0, caption=None):
    """The mosaic as a grey (or RGB) image whose longer side is `size` inches, nearest-neighbour."""
    from .io import save_figure

    h, w = mosaic.shape[:2]
    scale = size / max(h, w)
    fig, ax = plt.subplots(figsize=(max(4.0, w * scale), h * scale + 0.8))
    ax.imshow(mosaic, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")
    if caption:
        fig.text(0.5, 0.01, caption, ha="center", va="bottom", fontsize=7)
    save_figure(fig, path)


def table_figure(frame, title, path, col_width=1.3, highlight=None):
    """A pandas frame rendered as a table figure (for the CSV figures)."""
    from .io import save_figure

    nrows, ncols = frame.shape
    fig, ax = plt.subplots(figsize=(max(4, col_width * ncols), 0.6 + 0.25 * (nrows + 1)))
    ax.axis("off")
    t = ax.table(cellText=frame.astype(str).values, colLabels=list(frame.columns), loc="center", cellLoc="center")
    t.auto_set_font_size(False)
    t.set_fontsize(8)
    if highlight is not None:
        for r in highlight:
            for c in range(ncols):
                t[r + 1, c].set_facecolor("#ffe9a8")
    ax.set_title(title)
    save_figure(fig, path)
