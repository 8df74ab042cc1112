"""The 2d dynamics data set (Fleuret, 2016): rectangles pulled at a grasp point, simulated with
pymunk; (start, grasp) -> end images, cached as uint8 tensors."""
import argparse

from underhood import dynamics, io
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("output")
p.add_argument("--size", type=int, required=True)
p.add_argument("--n-rects", type=int, required=True)
p.add_argument("--n-train", type=int, required=True)
p.add_argument("--n-test", type=int, required=True)
p.add_argument("--pull-angle", type=float, required=True, help="degrees, 0 = right, 90 = up")
p.add_argument("--pull-accel", type=float, required=True, help="force / mass, field units (1/100 of the side) per s^2")
p.add_argument("--pull-duration", type=float, required=True, help="seconds")
p.add_argument("--seed", type=int, required=True)
a = p.parse_args()

d = dynamics.dataset(a.n_train, a.n_test, seed=a.seed, log=print, size=a.size, n_rects=a.n_rects,
                     pull_angle=a.pull_angle, pull_accel=a.pull_accel, pull_duration=a.pull_duration)
io.save_torch(d, a.output)
still = ((d["test_x"][:, :1].float() - d["test_y"].float()) / 255).pow(2).mean().item()
print(f"dynamics: {a.n_train} train, {a.n_test} test scenes of {a.n_rects} rectangles, images {a.size}x{a.size};"
      f" 'nothing moves' test MSE {still:.5f}; rectangles touched by another: {d['train_touched'].float().mean().item():.2f}")
