"""Train one model of the zoo on a cached data set; write its checkpoint and held-out metrics."""
import argparse

from underhood import cli, models, train
from underhood.data import as_float

cli.one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("--arch", required=True, choices=["lenet", "alexnet_small", "vgg_small", "resnet_small", "resnet_nopool"])
cli.add_training_args(p)
p.add_argument("--epochs", type=int, required=True)
p.add_argument("--batch-size", type=int, required=True)
p.add_argument("--lr", type=float, required=True)
p.add_argument("--weight-decay", type=float, required=True)
p.add_argument("--first-layer-weight-decay", type=float, default=None)
p.add_argument("--no-flips", action="store_true")
p.add_argument("--n-train", type=int, default=None)
p.add_argument("--depth", type=int, default=None, help="resnet_nopool: weight layers")
a = p.parse_args()

device, d = cli.start_training(a)
if a.n_train:
    d["train_x"], d["train_y"] = d["train_x"][:a.n_train], d["train_y"][:a.n_train]
x = as_float(d["train_x"])
mean, std = x.mean((0, 2, 3)).tolist(), x.std((0, 2, 3)).tolist()
kwargs = dict(num_classes=len(d["classes"]), in_channels=x.shape[1])
if a.depth:
    kwargs.update(depth=a.depth, input_size=x.shape[-1])
model = models.build(a.arch, **kwargs)
metrics = train.train(model, d, mean, std, a.epochs, a.batch_size, a.lr, a.weight_decay, seed=a.seed,
                      device=device, precision=a.precision, flips=not a.no_flips,
                      first_layer_weight_decay=a.first_layer_weight_decay)
cli.save_trained(a, device, model, a.arch, kwargs, metrics, classes=list(d["classes"]), mean=mean, std=std,
                 input_size=list(x.shape[1:]))
print(f"{a.arch}: held-out accuracy {metrics['test_accuracy']:.4f}")
