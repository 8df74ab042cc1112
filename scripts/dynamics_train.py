"""Train the 18-layer residual net that predicts the end image of a 2d dynamics scene from the
start image and the grasp point (quadratic loss, Adam); write its checkpoint and held-out MSE
next to the MSE of the trivial prediction "nothing moves"."""
import argparse
import os

# threads that wait for work sleep instead of spinning: on a machine shared with other jobs,
# spinning OpenMP threads make a 2-thread run several times slower than a 1-thread one
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from underhood import io, models, train  # noqa: E402
from underhood.cli import one_line_errors  # noqa: E402

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("--data", required=True)
p.add_argument("--model", required=True)
p.add_argument("--metrics", required=True)
p.add_argument("--steps", type=int, default=1200)
p.add_argument("--batch-size", type=int, default=32)
p.add_argument("--lr", type=float, default=2e-3)
p.add_argument("--channels", type=int, default=16)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--device", default="auto")
p.add_argument("--threads", type=int, default=None)
a = p.parse_args()

io.seed_all(a.seed, a.threads)
device = io.pick_device(a.device)
d = io.load_torch(a.data)
kwargs = dict(in_channels=2, channels=a.channels, out_channels=1)
model = models.build("dynamics_resnet18", **kwargs)
print(f"{len(model.conv_names())} conv layers: {', '.join(model.conv_names())}")
metrics = train.train_dynamics(model, d, a.steps, a.batch_size, a.lr, seed=a.seed, device=device)
metrics.update(arch="dynamics_resnet18", channels=a.channels, data=a.data, device=str(device), threads=a.threads)
io.save_torch(models.checkpoint(model, "dynamics_resnet18", kwargs, metrics, params=d["params"]), a.model)
io.save_json(metrics, a.metrics)
print(f"held-out MSE {metrics['test_mse']:.5f} vs 'nothing moves' {metrics['nothing_moves_mse']:.5f}"
      f" (ratio {metrics['ratio']:.3f})")
