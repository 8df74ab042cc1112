"""dilation-sizes (CSV + table figure) and dilation-diagram (a 1-D convolution a trous)."""
import argparse

import matplotlib.pyplot as plt
import pandas as pd

from underhood import dilation, io, plot
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
sub = p.add_subparsers(dest="what", required=True)
s = sub.add_parser("sizes")
s.add_argument("--input-sizes", nargs="+", required=True, help="HxW, e.g. 20x30")
s.add_argument("--kernel-sizes", type=int, nargs="+", required=True)
s.add_argument("--dilations", type=int, nargs="+", required=True)
s.add_argument("--csv", required=True)
s.add_argument("--png", required=True)
d = sub.add_parser("diagram")
d.add_argument("--png", required=True)
a = p.parse_args()

if a.what == "sizes":
    sizes = [tuple(int(v) for v in hw.split("x")) for hw in a.input_sizes]
    rows = dilation.size_table(sizes, a.kernel_sizes, a.dilations)
    bad = [r for r in rows if not r["equal"]]
    if bad:
        raise SystemExit(f"nn.Conv2d disagrees with the formula: {bad[0]}")
    frame = pd.DataFrame(rows)
    io.save_csv(frame, a.csv)
    shown = pd.DataFrame({
        "input": [f"{r['input_h']}x{r['input_w']}" for r in rows],
        "k": frame.kernel, "d": frame.dilation, "support 1+(k-1)d": frame.support,
        "nn.Conv2d output": [f"{r['conv2d_h']}x{r['conv2d_w']}" for r in rows],
        "formula output": [f"{r['formula_h']}x{r['formula_w']}" for r in rows]})
    lecture = [i for i, r in enumerate(rows) if (r["input_h"], r["input_w"], r["kernel"], r["dilation"]) == (20, 30, 3, 4)]
    plot.table_figure(shown, "Output size of a dilated convolution: nn.Conv2d and n - (k-1)d agree",
                      a.png, highlight=lecture)
    print(f"{len(rows)} configurations, all equal")
else:
    # Three stacked 1-D convolutions, k = 3, dilations 1, 2, 4: taps of the top output unit down to the input.
    ks, ds = [3, 3, 3], [1, 2, 4]
    n = 1 + dilation.receptive_field(ks, ds) + 4
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), gridspec_kw=dict(width_ratios=[1, 1.6]))
    ax = axes[0]
    n1, k, dd = 13, 3, 4
    ax.scatter(range(n1), [0] * n1, s=40, c="#bbbbbb", zorder=3)
    out = n1 - (k - 1) * dd
    ax.scatter(range(out), [1] * out, s=40, c="#bbbbbb", zorder=3)
    j = 2
    for t in range(k):
        ax.plot([j, j + t * dd], [1, 0], c="#d2691e", lw=2)
        ax.scatter([j + t * dd], [0], s=60, c="#d2691e", zorder=4)
    ax.scatter([j], [1], s=60, c="#2a5caa", zorder=4)
    ax.text(-0.5, -0.35, f"input (n = {n1})", fontsize=9)
    ax.text(-0.5, 1.2, f"output (n - (k-1)d = {out})", fontsize=9)
    ax.set_title(f"k = {k}, d = {dd}: support 1 + (k-1)d = {dilation.support(k, dd)}, {k} non-zero taps")
    ax.set_ylim(-0.6, 1.5)
    ax.axis("off")
    ax = axes[1]
    centre = n // 2
    active = {len(ks): {centre}}
    for lvl in range(len(ks), 0, -1):
        nxt = set()
        for u in active[lvl]:
            for t in range(ks[lvl - 1]):
                v = u + (t - (ks[lvl - 1] - 1) // 2) * ds[lvl - 1]
                ax.plot([u, v], [lvl, lvl - 1], c="#d2691e", lw=1)
                nxt.add(v)
        active[lvl - 1] = nxt
    for lvl in range(len(ks) + 1):
        ax.scatter(range(n), [lvl] * n, s=18, c="#bbbbbb", zorder=3)
        ax.scatter(sorted(active[lvl]), [lvl] * len(active[lvl]), s=30, c="#2a5caa" if lvl else "#d2691e", zorder=4)
        rf = dilation.receptive_field(ks[:lvl], ds[:lvl]) if lvl else 1
        label = "input" if lvl == 0 else f"layer {lvl}: d = {ds[lvl - 1]}, receptive field {rf}"
        ax.text(n + 0.5, lvl - 0.1, label, fontsize=9)
    ax.set_xlim(-1, n + 12)
    ax.set_title("Stacked dilations 1, 2, 4 (k = 3): the receptive field grows exponentially, 3 -> 7 -> 15")
    ax.axis("off")
    fig.suptitle('Dilated convolution, "convolution a trous" (Yu and Koltun, 2015)')
    fig.tight_layout()
    io.save_figure(fig, a.png)
    print("receptive fields:", [dilation.receptive_field(ks[:i], ds[:i]) for i in range(1, 4)])
