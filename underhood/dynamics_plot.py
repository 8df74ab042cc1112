"""Plots of the 2d dynamics net (Fleuret, 2016): test scenes with its predictions, and the activation
maps of a few channels at several depths."""
import numpy as np
import torch

from .activations import activations
from .data import as_float
from .plot import plt
from .train import predict


def grasp_overlay(x):
    """(2, S, S) uint8 (start, grasp) -> S x S x 3 floats: the start in grey, the grasp point in red."""
    start, grasp = as_float(x[0]).numpy(), as_float(x[1]).numpy()
    rgb = np.repeat((0.6 * start)[..., None], 3, axis=2)
    rgb[..., 0] = np.maximum(rgb[..., 0], grasp)
    rgb[..., 1] *= 1 - grasp
    rgb[..., 2] *= 1 - grasp
    return rgb


def pick_live_channels(acts, depth_names, layers, nb_channels, seed):
    """For each depth, nb_channels channels picked at random (one seeded generator for all depths) among
    those that are not constant over the scenes shown (dead channels say nothing). Same channels for
    every scene."""
    g = torch.Generator().manual_seed(seed)
    picks = {}
    for k in layers:
        a = acts[depth_names[k - 1]]
        live = [c for c in range(a.shape[1]) if float(a[:, c].std()) > 1e-6] or list(range(a.shape[1]))
        order = torch.randperm(len(live), generator=g).tolist()
        picks[k] = sorted(live[i] for i in order[:nb_channels])
    return picks


def _show(ax, img, title=None, cmap="gray", vmin=0, vmax=1):
    ax.imshow(img, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)
    if title:
        ax.set_title(title, fontsize=7, pad=2)


def _scene(ax, x, y, pred):
    """Start, grasp, true end and predicted end of one scene in the first four axes."""
    _show(ax[0], as_float(x[0]).numpy(), "start")
    _show(ax[1], grasp_overlay(x), "grasp (red)")
    _show(ax[2], as_float(y[0]).numpy(), "true end")
    _show(ax[3], pred[0].numpy(), "predicted end")


def _metrics(metrics):
    return (f"\nheld-out MSE {metrics['test_mse']:.4f} vs 'nothing moves' {metrics['nothing_moves_mse']:.4f}"
            f" (ratio {metrics['ratio']:.2f})")


def activations_figure(model, x, y, layers, nb_channels, seed, metrics=None):
    """For each scene (a column group): start, grasp, true end, prediction, then for each depth in
    `layers` the activation maps of nb_channels channels (each map scaled to its own max)."""
    names = model.depth_names()
    want = [names[k - 1] for k in layers]
    acts = activations(model.eval(), as_float(x), want, dtype=torch.float32, exact_on_cpu=False)
    pred = acts[names[-1]].clamp(0, 1) if names[-1] in acts else predict(model, x)
    picks = pick_live_channels(acts, names, layers, nb_channels, seed)
    n, ncol = len(x), max(nb_channels, 4)
    fig, axes = plt.subplots(1 + len(layers), n * ncol, figsize=(0.95 * n * ncol + 0.6, 1.05 * (1 + len(layers)) + 0.5),
                             squeeze=False, gridspec_kw=dict(wspace=0.06, hspace=0.22))
    for s in range(n):
        top = axes[0, s * ncol:(s + 1) * ncol]
        _scene(top, x[s], y[s], pred[s])
        for c in range(4, ncol):
            top[c].axis("off")
        for r, k in enumerate(layers, start=1):
            a = acts[names[k - 1]][s]
            for j in range(ncol):
                ax = axes[r, s * ncol + j]
                if j >= len(picks[k]):
                    ax.axis("off")
                    continue
                c = picks[k][j]
                m = a[c]
                lo, hi = (float(m.min()), float(m.max())) if k == len(names) else (0.0, float(m.max()))
                _show(ax, m.numpy(), f"ch {c}", vmin=lo, vmax=hi if hi > lo else lo + 1)
                if j == 0 and s == 0:  # one label per row, left of the first scene
                    ax.set_ylabel(f"layer {k}" + (" (out)" if k == len(names) else ""), fontsize=8)
    title = "Activations of the 18-layer residual net predicting 2d dynamics (Fleuret, 2016, re-run at a small scale)"
    if metrics:
        title += _metrics(metrics) + "; each map scaled to its own maximum (black = 0)"
    fig.suptitle(title, fontsize=9)
    return fig


def scenes_figure(model, x, y, metrics=None, per_row=2):
    """Test scenes: start, grasp, true end, predicted end, and |prediction - truth|."""
    pred = predict(model, x)
    n = len(x)
    rows = (n + per_row - 1) // per_row
    fig, axes = plt.subplots(rows, 5 * per_row, figsize=(1.1 * 5 * per_row, 1.2 * rows + 0.6), squeeze=False,
                             gridspec_kw=dict(wspace=0.06, hspace=0.25))
    for i in range(rows * per_row):
        r, c = divmod(i, per_row)
        ax = axes[r, 5 * c:5 * c + 5]
        if i >= n:
            for a in ax:
                a.axis("off")
            continue
        _scene(ax, x[i], y[i], pred[i])
        _show(ax[4], np.abs(pred[i, 0].numpy() - as_float(y[i, 0]).numpy()), "|error|")
    title = "2d dynamics: test scenes and the residual net's prediction"
    if metrics:
        title += _metrics(metrics)
    fig.suptitle(title, fontsize=9)
    return fig
