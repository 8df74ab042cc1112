"""Filters as pictures: a conv layer's weights as grey images (filters x input channels) or as RGB."""
import argparse

from underhood import models, plot
from underhood.cli import add_model_args, one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
add_model_args(p)
p.add_argument("--layer", required=True, help="conv layer, named as torchvision names it (e.g. features.0)")
p.add_argument("--nb-filters", type=int, default=None, help="first N filters (default: all)")
p.add_argument("--nb-channels", type=int, default=None, help="first N input channels (default: all)")
p.add_argument("--scale", choices=["per_filter", "shared"], default="per_filter")
p.add_argument("--rgb", action="store_true")
p.add_argument("--title", required=True)
p.add_argument("output")
a = p.parse_args()

model, info = models.load(a.model, a.arch, sha256=a.sha256)
conv = models.layer(model, a.layer)
if not hasattr(conv, "weight") or conv.weight.dim() != 4:
    raise SystemExit(f"layer {a.layer!r} is a {type(conv).__name__}, not a 2d convolution")
w = conv.weight.detach()
nf = min(a.nb_filters or w.shape[0], w.shape[0])
nc = min(a.nb_channels or w.shape[1], w.shape[1])
w = w[:nf, :nc].numpy()
mosaic = plot.filter_grid(w, a.scale, rgb=a.rgb)
scale = "each filter scaled by its own max |w|" if a.scale == "per_filter" else "one scale for all filters"
layout = "one cell per filter (RGB)" if a.rgb else "one row per filter, one column per input channel" if w.shape[1] > 1 else "one cell per filter"
plot.show_mosaic(mosaic, a.title, a.output, size=4.0 if a.rgb or w.shape[1] == 1 else 7.0, caption=f"{layout}; grey = 0, {scale}")
print(f"{a.layer}: weights {tuple(conv.weight.shape)}, shown {tuple(w.shape)}")
