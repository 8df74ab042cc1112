"""dynamics-activations and dynamics-scenes: test scenes through the trained 2d dynamics net, its
predictions, and the activation maps of a few channels (seeded random pick) at several depths."""
import argparse

from underhood import dynamics_plot, io, models
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("--data", required=True)
p.add_argument("--model", required=True)
p.add_argument("--activations", required=True, help="output PNG: dynamics-activations")
p.add_argument("--scenes", required=True, help="output PNG: dynamics-scenes")
p.add_argument("--layers", type=int, nargs="+", required=True, help="conv layers, 1..18 (18: the output)")
p.add_argument("--nb-channels", type=int, required=True)
p.add_argument("--activation-scenes", type=int, nargs="+", required=True, help="test scene indices")
p.add_argument("--nb-scenes", type=int, required=True, help="test scenes in dynamics-scenes")
p.add_argument("--seed", type=int, required=True)
a = p.parse_args()

io.seed_all(a.seed, 1)
d = io.load_torch(a.data)
model, info = models.load(a.model)
n_layers = len(model.conv_names())
bad = [k for k in a.layers if not 1 <= k <= n_layers]
if bad:
    raise SystemExit(f"--layers: {bad} not in 1..{n_layers}")
x, y = d["test_x"], d["test_y"]
idx = a.activation_scenes
fig = dynamics_plot.activations_figure(model, x[idx], y[idx], a.layers, a.nb_channels, a.seed, info["metrics"])
io.save_figure(fig, a.activations)
fig = dynamics_plot.scenes_figure(model, x[:a.nb_scenes], y[:a.nb_scenes], info["metrics"])
io.save_figure(fig, a.scenes)
print(f"test scenes {idx}, layers {a.layers}; metrics {info['metrics']}")
