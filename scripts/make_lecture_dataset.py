"""Turn the lecture tier's downloads into the pipeline's data format (uint8 images, int64 labels, classes).

mnist:   --files train-images train-labels test-images test-labels (the four idx .gz files)
cifar10: --files cifar-10-python.tar.gz
Each file is first checked against the SHA-256 given in the same order (--sha256), so that a file
placed by hand is checked too.
"""
import argparse
import sys

from underhood import assets, io
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("name", choices=["mnist", "cifar10"])
p.add_argument("output")
p.add_argument("--files", nargs="+", required=True)
p.add_argument("--sha256", nargs="+", required=True)
a = p.parse_args()

expected = 4 if a.name == "mnist" else 1
if len(a.files) != expected or len(a.sha256) != expected:
    sys.exit(f"{a.name}: expected {expected} --files and as many --sha256, got {len(a.files)} and {len(a.sha256)}")
try:
    for path, sha in zip(a.files, a.sha256):
        assets.verify(path, sha)
    d = assets.read_mnist(a.files) if a.name == "mnist" else assets.read_cifar10(a.files[0])
except (assets.ChecksumError, ValueError) as e:
    sys.exit(str(e))
io.save_torch(d, a.output)
print(f"{a.name}: {len(d['train_y'])} train, {len(d['test_y'])} test, images {tuple(d['train_x'].shape[1:])}")
