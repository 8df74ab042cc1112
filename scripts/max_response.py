"""Maximum-response images. `optimise`: optimize one image per unit / channel / class, as one batch,
and cache them; `figure`: the cached images as a grid (PNG) and their final objective values (CSV)."""
import argparse

import pandas as pd
import torch

from underhood import cli, io, models
from underhood import max_response as mr
from underhood import synthesis_plot as sp
from underhood.edge_energy import edge_energy
from underhood.inputs import InputSpace
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
sub = p.add_subparsers(dest="cmd", required=True)
o = cli.job_parser(sub, "optimise")
o.add_argument("--objective", required=True, choices=["channel", "unit", "logit"])
o.add_argument("--conv", type=int, default=None, help="the n-th nn.Conv2d (channel, unit)")
o.add_argument("--nb-units", type=int, default=16, help="channel / unit: the first N of the layer")
o.add_argument("--classes", nargs="+", default=None, help="logit: class names")
o.add_argument("--prior-weight", type=float, default=0.0, help="objective - weight * h(x)")
o.add_argument("--steps", type=int, required=True)
o.add_argument("--lr", type=float, required=True)
o.add_argument("--init-std", type=float, required=True)
cli.end_job(o)
f = cli.figure_parser(sub, "figure", "--cache")
f.add_argument("--title", required=True)
f.add_argument("--contrast", type=float, required=True, help="display: 0.5 + contrast * (x - mean) / std")
a = p.parse_args()

if a.cmd == "optimise":
    model, info, space = cli.load_model(a)
    if a.objective == "logit":
        if not a.classes:
            raise SystemExit("--objective logit needs --classes")
        unknown = [c for c in a.classes if c not in info["classes"]]
        if unknown:
            raise SystemExit(f"unknown class {unknown[0]!r}; the model's classes include: {', '.join(info['classes'][:12])}, ...")
        idx = [info["classes"].index(c) for c in a.classes]
        labels, layer = list(a.classes), "output"
        objective = mr.logit(idx)
    else:
        if a.conv is None:
            raise SystemExit(f"--objective {a.objective} needs --conv N")
        layer = mr.conv_layer_name(model, a.conv)
        width = models.layer(model, layer).out_channels
        idx = list(range(min(a.nb_units, width)))
        labels = [f"channel {k}" for k in idx]
        objective = (mr.channel if a.objective == "channel" else mr.unit)(layer, idx)
    if a.prior_weight:
        objective = objective - a.prior_weight * mr.prior()
    g = torch.Generator().manual_seed(a.seed)
    x, start, end = mr.max_response(model, objective, tuple(info["input_size"]), len(idx), a.steps, a.lr, a.init_std,
                                    space.lo, space.hi, generator=g, device=space.device, desc=f"{a.objective} {layer}")
    with torch.no_grad():
        probs = model(x.to(space.device)).softmax(1).cpu()
    io.save_torch(dict(images=x, start=start, end=end, labels=labels, indices=idx, layer=layer,
                       objective=a.objective, conv=a.conv, arch=info["arch"], prior_weight=a.prior_weight, steps=a.steps, lr=a.lr, init_std=a.init_std,
                       h=edge_energy(x), probs=probs, classes=info["classes"], mean=info["mean"], std=info["std"]),
                  a.output)
    print(f"{a.objective} {layer} ({len(idx)} images): objective {start.mean():.3f} -> {end.mean():.3f} (mean)")
else:
    c = io.load_torch(a.cache)
    x, probs = c["images"], c["probs"]
    top = probs.argmax(1)
    rows = dict(label=c["labels"], layer=c["layer"], index=c["indices"], objective_start=c["start"].tolist(),
                objective_end=c["end"].tolist(), edge_energy=c["h"].tolist(),
                top_class=[c["classes"][k] for k in top], top_probability=probs.max(1).values.tolist())
    if c["objective"] == "logit":
        rows["class_probability"] = probs[torch.arange(len(x)), torch.tensor(c["indices"])].tolist()
        names = [f"{lab}\np = {q:.2f}" for lab, q in zip(c["labels"], rows["class_probability"])]
    else:
        names = c["labels"]
    frame = pd.DataFrame(rows).round(4)
    frame.insert(2, "prior_weight", c["prior_weight"])
    frame.insert(3, "steps", c["steps"])
    io.save_csv(frame, a.csv)
    img = sp.stretch(sp.as_images(InputSpace(c).to_pixels(x)), a.contrast)
    what = {"channel": "the sum of a channel over its map", "unit": "the unit at the centre of a channel's map",
            "logit": "an output unit (class score)"}[c["objective"]]
    prior = f"minus {c['prior_weight']:g} h(x) (multi-scale edge energy)" if c["prior_weight"] else "no prior"
    sp.image_grid(img, names, a.title, a.png, ncols=min(len(x), 8 if c["objective"] != "logit" else 5),
                  caption=f"{c['arch']}: maximizing {what} ({c['layer']}), {prior}; Adam, lr {c['lr']:g}, {c['steps']} steps,"
                          f" from N(0, {c['init_std']:g}^2), pixels clamped to [0, 1]; shown as 0.5 + {a.contrast:g} (x - mean) / std")
