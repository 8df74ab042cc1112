"""Train the 18-layer residual net that predicts the end image of a 2d dynamics scene from the
start image and the grasp point (quadratic loss, Adam); write its checkpoint and held-out MSE
next to the MSE of the trivial prediction "nothing moves"."""
import argparse
import os

# threads that wait for work sleep instead of spinning: on a machine shared with other jobs,
# spinning OpenMP threads make a 2-thread run several times slower than a 1-thread one
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from underhood import cli, models, train  # noqa: E402

cli.one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
cli.add_training_args(p)
p.add_argument("--steps", type=int, required=True)
p.add_argument("--batch-size", type=int, required=True)
p.add_argument("--lr", type=float, required=True)
p.add_argument("--channels", type=int, required=True)
a = p.parse_args()

device, d = cli.start_training(a)
kwargs = dict(in_channels=2, channels=a.channels, out_channels=1)
model = models.build("dynamics_resnet18", **kwargs)
print(f"{len(model.conv_names())} conv layers: {', '.join(model.conv_names())}")
metrics = train.train_dynamics(model, d, a.steps, a.batch_size, a.lr, seed=a.seed, device=device,
                               precision=a.precision)
metrics.update(channels=a.channels, threads=a.threads)
cli.save_trained(a, device, model, "dynamics_resnet18", kwargs, metrics, params=d["params"])
print(f"held-out MSE {metrics['test_mse']:.5f} vs 'nothing moves' {metrics['nothing_moves_mse']:.5f}"
      f" (ratio {metrics['ratio']:.3f})")
