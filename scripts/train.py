"""Train one model of the zoo on a cached data set; write its checkpoint and held-out metrics."""
import argparse

from underhood import io, models, train
from underhood.data import as_float
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("--arch", required=True, choices=["lenet", "alexnet_small", "vgg_small", "resnet_small", "resnet_nopool"])
p.add_argument("--data", required=True)
p.add_argument("--model", required=True)
p.add_argument("--metrics", required=True)
p.add_argument("--epochs", type=int, default=10)
p.add_argument("--batch-size", type=int, default=64)
p.add_argument("--lr", type=float, default=3e-3)
p.add_argument("--weight-decay", type=float, default=5e-4)
p.add_argument("--first-layer-weight-decay", type=float, default=None)
p.add_argument("--no-flips", action="store_true")
p.add_argument("--n-train", type=int, default=None)
p.add_argument("--depth", type=int, default=None, help="resnet_nopool: weight layers")
p.add_argument("--seed", type=int, default=0)
p.add_argument("--device", default="auto")
p.add_argument("--threads", type=int, default=None)
a = p.parse_args()

io.seed_all(a.seed, a.threads)
device = io.pick_device(a.device)
d = io.load_torch(a.data)
if a.n_train:
    d["train_x"], d["train_y"] = d["train_x"][:a.n_train], d["train_y"][:a.n_train]
x = as_float(d["train_x"])
mean, std = x.mean((0, 2, 3)).tolist(), x.std((0, 2, 3)).tolist()
in_channels = x.shape[1]
kwargs = dict(num_classes=len(d["classes"]), in_channels=in_channels)
if a.depth:
    kwargs.update(depth=a.depth, input_size=x.shape[-1])
model = models.build(a.arch, **kwargs)
metrics = train.train(model, d, mean, std, a.epochs, a.batch_size, a.lr, a.weight_decay, seed=a.seed,
                      device=device, flips=not a.no_flips,
                      first_layer_weight_decay=a.first_layer_weight_decay)
metrics.update(arch=a.arch, data=a.data, device=str(device))
io.save_torch(models.checkpoint(model, a.arch, kwargs, metrics, classes=list(d["classes"]), mean=mean, std=std,
                                input_size=list(x.shape[1:])), a.model)
io.save_json(metrics, a.metrics)
print(f"{a.arch}: held-out accuracy {metrics['test_accuracy']:.4f}")
