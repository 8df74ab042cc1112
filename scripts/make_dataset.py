"""Make an embedded data set and cache it as uint8 tensors: digits28 or shapes."""
import argparse

from underhood import data, io
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("name", choices=["digits28", "shapes"])
p.add_argument("output")
p.add_argument("--size", type=int, default=None)
p.add_argument("--test-fraction", type=float, default=0.2)
p.add_argument("--n-train", type=int, default=10000)
p.add_argument("--n-test", type=int, default=2000)
p.add_argument("--seed", type=int, required=True)
a = p.parse_args()

if a.name == "digits28":
    d = data.digits28(a.size or 28, a.test_fraction, a.seed)
else:
    d = data.shapes_dataset(a.n_train, a.n_test, a.size or 64, a.seed)
io.save_torch(d, a.output)
print(f"{a.name}: {len(d['train_y'])} train, {len(d['test_y'])} test, images {tuple(d['train_x'].shape[1:])}")
