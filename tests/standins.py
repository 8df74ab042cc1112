"""Stand-ins for the lecture tier's downloads, in their real formats and under their real names, made
here (nothing is fetched): torchvision's AlexNet, VGG16, VGG19 and ResNet-152 with their seeded random
initialization saved as state dicts; MNIST's four idx .gz files holding scikit-learn's digits at 28x28;
CIFAR-10's python tarball (data_batch_1..5, test_batch, batches.meta) holding drawn shapes at 32x32.
The data are real images with real labels, so the small nets trained on them learn something.

    python tests/standins.py DIR     # writes the files and DIR/sums.json ({config key: sha256})

`served(DIR)` writes them and serves them on 127.0.0.1 for as long as a test needs them.
"""
import contextlib
import functools
import gzip
import hashlib
import http.server
import io
import json
import pickle
import struct
import sys
import tarfile
import threading
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WEIGHTS = {"alexnet": "alexnet-owt-7be5be79.pth", "vgg16": "vgg16-397923af.pth", "vgg19": "vgg19-dcbb9e9d.pth",
           "resnet152": "resnet152-394f9c45.pth"}
MNIST = {"mnist_train_images": "train-images-idx3-ubyte.gz", "mnist_train_labels": "train-labels-idx1-ubyte.gz",
         "mnist_test_images": "t10k-images-idx3-ubyte.gz", "mnist_test_labels": "t10k-labels-idx1-ubyte.gz"}
CIFAR = {"cifar10": "cifar-10-python.tar.gz"}
CIFAR_PER_BATCH = 100   # 5 training batches and a test batch of 100 shapes each


def idx_gz(array):
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.tobytes(), mtime=0)


def mnist_files():
    from underhood.data import digits28

    d = digits28()
    return {MNIST["mnist_train_images"]: idx_gz(d["train_x"][:, 0].numpy()),
            MNIST["mnist_train_labels"]: idx_gz(d["train_y"].numpy()),
            MNIST["mnist_test_images"]: idx_gz(d["test_x"][:, 0].numpy()),
            MNIST["mnist_test_labels"]: idx_gz(d["test_y"].numpy())}


def cifar_tarball(per_batch=CIFAR_PER_BATCH):
    from underhood.assets import CIFAR10_CLASSES
    from underhood.data import shapes

    x, y = shapes(6 * per_batch, size=32, seed=1)
    x = x.reshape(len(x), -1).numpy()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        def add(name, obj):
            data = pickle.dumps(obj, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))
        for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
            part = slice(i * per_batch, (i + 1) * per_batch)
            add(name, {b"batch_label": name.encode(), b"labels": y[part].tolist(), b"data": x[part]})
        add("batches.meta", {b"label_names": [c.encode() for c in CIFAR10_CLASSES], b"num_cases_per_batch": per_batch})
    return gzip.compress(buf.getvalue(), mtime=0)


def write(directory):
    """Make the stand-ins in `directory` (once: kept while sums.json is there); returns {config key: sha256}."""
    directory = Path(directory)
    sums_file = directory / "sums.json"
    if sums_file.exists():
        return json.loads(sums_file.read_text())
    import torchvision

    directory.mkdir(parents=True, exist_ok=True)
    files = {**mnist_files(), CIFAR["cifar10"]: cifar_tarball()}
    for name, data in files.items():
        (directory / name).write_bytes(data)
    for arch, name in WEIGHTS.items():
        torch.manual_seed(0)
        torch.save(getattr(torchvision.models, arch)(weights=None).state_dict(), directory / name)
    sums = {}
    for key, name in {**WEIGHTS, **MNIST, **CIFAR}.items():
        h = hashlib.sha256()
        with open(directory / name, "rb") as f:
            for block in iter(lambda: f.read(1 << 22), b""):
                h.update(block)
        sums[key] = h.hexdigest()
    sums_file.write_text(json.dumps(sums, indent=2, sort_keys=True) + "\n")
    return sums


def overlay(sums, url):
    """A config overlay that downloads the stand-ins from `url` and pins their sums."""
    names = {**WEIGHTS, **MNIST, **CIFAR}
    bases = {**{k: "torchvision" for k in WEIGHTS}, **{k: "mnist" for k in MNIST}, "cifar10": "cifar10"}
    return {"downloads": {"base_urls": {b: url for b in ("torchvision", "mnist", "cifar10")},
                          "files": {k: {"base": bases[k], "name": names[k], "sha256": sums[k]} for k in names}}}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def served(directory):
    """The stand-ins written in `directory` (write) and served on 127.0.0.1 (a free port) while the
    block runs; yields the config overlay that downloads them (overlay)."""
    sums = write(directory)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield overlay(sums, f"http://127.0.0.1:{httpd.server_address[1]}/")
    finally:
        httpd.shutdown()
        httpd.server_close()


if __name__ == "__main__":
    print(json.dumps(write(sys.argv[1]), indent=2))
