"""The lecture tier's downloads against a loopback HTTP server (no network): fetch, readers, the rule."""
import functools
import gzip
import hashlib
import http.server
import io
import os
import pickle
import socket
import struct
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from underhood import assets
from conftest import NO_SLURM

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def sha(data):
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- fixture files, made here

def idx_bytes(array):
    array = np.asarray(array, dtype=np.uint8)
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.tobytes(), mtime=0)


def mnist_files():
    rng = np.random.default_rng(0)
    x_train, x_test = rng.integers(0, 256, (6, 28, 28)), rng.integers(0, 256, (4, 28, 28))
    return {"train-images-idx3-ubyte.gz": idx_bytes(x_train), "train-labels-idx1-ubyte.gz": idx_bytes([0, 1, 2, 3, 4, 9]),
            "t10k-images-idx3-ubyte.gz": idx_bytes(x_test), "t10k-labels-idx1-ubyte.gz": idx_bytes([5, 6, 7, 8])}


def cifar_tar(n=2):
    rng = np.random.default_rng(1)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            batch = {b"batch_label": name.encode(), b"labels": [int(v) for v in rng.integers(0, 10, n)],
                     b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8)}
            data = pickle.dumps(batch, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def weights():
    torch.manual_seed(0)
    buf = io.BytesIO()
    torch.save(torch.nn.Linear(3, 2).state_dict(), buf)
    return buf.getvalue()


FILES = {"tiny-weights.pth": weights(), "cifar-10-python.tar.gz": cifar_tar(), **mnist_files()}


# ---------------------------------------------------------------- the loopback server

class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the fixture directory; /truncated/NAME promises more bytes than it sends, then hangs up."""

    def do_GET(self):
        self.server.requests.append(self.path)
        if self.path.startswith("/truncated/"):
            body = FILES[self.path.rsplit("/", 1)[1]][:100]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body) + 1000))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    for name, data in FILES.items():
        (root / name).write_bytes(data)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url, dest, sha256, **kw):
    return assets.fetch(url, dest, sha256, retries=kw.pop("retries", 2), timeout=5, log=lambda m: None, backoff=0, **kw)


# ---------------------------------------------------------------- fetch

def test_good_file_is_fetched_checked_and_loads_weights_only(server, tmp_path):
    dest = tmp_path / "d" / "tiny-weights.pth"
    assert fetch(server.url + "tiny-weights.pth", dest, sha(FILES["tiny-weights.pth"])) == dest
    assert dest.read_bytes() == FILES["tiny-weights.pth"]
    state = torch.load(dest, map_location="cpu", weights_only=True)
    assert set(state) == {"weight", "bias"} and state["weight"].shape == (2, 3)
    assert os.listdir(dest.parent) == ["tiny-weights.pth"]  # no temp file left


def test_checksum_mismatch_names_file_and_both_sums_and_keeps_nothing(server, tmp_path):
    dest, wrong = tmp_path / "tiny-weights.pth", "0" * 64
    with pytest.raises(assets.ChecksumError) as e:
        fetch(server.url + "tiny-weights.pth", dest, wrong)
    msg = str(e.value)
    assert "tiny-weights.pth" in msg and wrong in msg and sha(FILES["tiny-weights.pth"]) in msg
    assert "\n" not in msg
    assert os.listdir(tmp_path) == []


def test_truncated_transfer_is_retried_then_fails_clearly(server, tmp_path):
    dest, before = tmp_path / "tiny-weights.pth", len(server.requests)
    with pytest.raises(assets.DownloadError) as e:
        fetch(server.url + "truncated/tiny-weights.pth", dest, sha(FILES["tiny-weights.pth"]), retries=3)
    assert server.requests[before:] == ["/truncated/tiny-weights.pth"] * 3
    msg = str(e.value)
    assert "truncated" in msg and "tiny-weights.pth" in msg and "\n" not in msg
    assert os.listdir(tmp_path) == []


def test_server_down_fails_with_one_line_saying_where_to_place_the_file(tmp_path):
    dest, digest = tmp_path / "x" / "alexnet.pth", "a" * 64
    url = f"http://127.0.0.1:{free_port()}/alexnet.pth"
    with pytest.raises(assets.DownloadError) as e:
        fetch(url, dest, digest)
    msg = str(e.value)
    assert msg.startswith(f"cannot download alexnet.pth from {url} (")
    assert f"run with network once, or place the file at {dest} (sha256 {digest})" in msg
    assert "\n" not in msg
    assert os.listdir(dest.parent) == []


def test_http_404_is_not_retried(server, tmp_path):
    before = len(server.requests)
    with pytest.raises(assets.DownloadError, match="HTTP 404"):
        fetch(server.url + "missing.pth", tmp_path / "missing.pth", "b" * 64, retries=3)
    assert len(server.requests) == before + 1


def test_present_file_is_not_fetched_again_and_a_wrong_one_is_reported(server, tmp_path):
    dest, digest = tmp_path / "tiny-weights.pth", sha(FILES["tiny-weights.pth"])
    fetch(server.url + "tiny-weights.pth", dest, digest)
    before = len(server.requests)
    fetch(server.url + "tiny-weights.pth", dest, digest)
    assert len(server.requests) == before
    dest.write_bytes(b"not the weights")
    with pytest.raises(assets.ChecksumError, match="expected " + digest):
        fetch(server.url + "tiny-weights.pth", dest, digest)
    assert len(server.requests) == before and dest.read_bytes() == b"not the weights"


# ---------------------------------------------------------------- readers

def write_fixtures(directory):
    for name, data in FILES.items():
        (directory / name).write_bytes(data)
    return directory


def test_read_mnist(tmp_path):
    d = write_fixtures(tmp_path)
    m = assets.read_mnist([d / "train-images-idx3-ubyte.gz", d / "train-labels-idx1-ubyte.gz",
                           d / "t10k-images-idx3-ubyte.gz", d / "t10k-labels-idx1-ubyte.gz"])
    assert m["train_x"].shape == (6, 1, 28, 28) and m["train_x"].dtype == torch.uint8
    assert m["test_x"].shape == (4, 1, 28, 28)
    assert m["train_y"].tolist() == [0, 1, 2, 3, 4, 9] and m["test_y"].tolist() == [5, 6, 7, 8]
    assert m["classes"] == [str(k) for k in range(10)]
    raw = gzip.decompress(FILES["train-images-idx3-ubyte.gz"])
    assert m["train_x"][0, 0].flatten().tolist() == list(raw[16:16 + 784])


def test_read_mnist_corrupt(tmp_path):
    d = write_fixtures(tmp_path)
    (d / "bad.gz").write_bytes(FILES["train-images-idx3-ubyte.gz"][:-40])
    parts = dict(train_images=d / "bad.gz", train_labels=d / "train-labels-idx1-ubyte.gz",
                 test_images=d / "t10k-images-idx3-ubyte.gz", test_labels=d / "t10k-labels-idx1-ubyte.gz")
    with pytest.raises(ValueError, match="bad.gz: not a valid MNIST idx file"):
        assets.read_mnist(parts)
    parts["train_images"] = d / "t10k-images-idx3-ubyte.gz"  # 4 images for 6 labels
    with pytest.raises(ValueError, match="not N x H x W images with N labels"):
        assets.read_mnist(parts)


def test_read_cifar10(tmp_path):
    d = write_fixtures(tmp_path)
    c = assets.read_cifar10(d / "cifar-10-python.tar.gz")
    assert c["train_x"].shape == (10, 3, 32, 32) and c["train_x"].dtype == torch.uint8
    assert c["test_x"].shape == (2, 3, 32, 32) and c["test_y"].dtype == torch.int64
    assert c["classes"][0] == "airplane" and len(c["classes"]) == 10


def test_read_cifar10_corrupt_or_hostile(tmp_path):
    bad = tmp_path / "cut.tar.gz"
    bad.write_bytes(FILES["cifar-10-python.tar.gz"][:500])
    with pytest.raises(ValueError, match="cut.tar.gz: not a valid CIFAR-10 python archive"):
        assets.read_cifar10(bad)
    hostile = tmp_path / "hostile.tar.gz"  # a pickle that would run code is refused, not run
    with tarfile.open(hostile, "w:gz") as tar:
        for name in ("data_batch_1", "test_batch"):
            data = pickle.dumps({b"data": os.system, b"labels": []})
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(ValueError, match="refusing to load"):
        assets.read_cifar10(hostile)


# ---------------------------------------------------------------- the Snakemake rules, end to end

def run_snakemake(workdir, configfile, *targets):
    env = dict(os.environ, PATH=os.pathsep.join([str(VENV_BIN), str(NO_SLURM), os.environ["PATH"]]))
    return subprocess.run(
        [str(VENV_BIN / "snakemake"), "-s", str(ROOT / "Snakefile"), "--directory", str(workdir),
         "--configfile", str(ROOT / "config.yaml"), str(configfile), "--cores", "1", *targets],
        capture_output=True, text=True, env=env, timeout=300)


def test_download_and_dataset_rules_end_to_end(server, tmp_path):
    names = {"alexnet": "tiny-weights.pth", "mnist_train_images": "train-images-idx3-ubyte.gz",
             "mnist_train_labels": "train-labels-idx1-ubyte.gz", "mnist_test_images": "t10k-images-idx3-ubyte.gz",
             "mnist_test_labels": "t10k-labels-idx1-ubyte.gz", "cifar10": "cifar-10-python.tar.gz"}
    files = {k: {"base": "loop", "name": n, "sha256": sha(FILES[n])} for k, n in names.items()}
    files["broken"] = {"base": "loop", "name": "broken.pth", "sha256": "c" * 64}
    cfg = tmp_path / "test.yaml"
    cfg.write_text(yaml.safe_dump({"downloads": {"retries": 2, "timeout": 5, "base_urls": {"loop": server.url},
                                                 "files": files}}))
    work = tmp_path / "work"
    weights_out = work / "cache/lecture/downloads/tiny-weights.pth"
    r = run_snakemake(work, cfg, "cache/lecture/downloads/tiny-weights.pth", "cache/lecture/data/mnist.pt")
    assert r.returncode == 0, r.stderr[-3000:]
    assert weights_out.read_bytes() == FILES["tiny-weights.pth"]
    assert (work / "logs/lecture/downloads/tiny-weights.pth.log").exists()
    m = torch.load(work / "cache/lecture/data/mnist.pt", weights_only=True)
    assert m["train_x"].shape == (6, 1, 28, 28) and m["test_y"].tolist() == [5, 6, 7, 8]
    assert not list((work / "cache/lecture/downloads").glob(".*"))  # no temp files

    r = run_snakemake(work, cfg, "cache/lecture/downloads/broken.pth")  # not served: 404
    assert r.returncode != 0
    assert "cannot download broken.pth" in r.stderr and "place the file at" in r.stderr
    assert not (work / "cache/lecture/downloads/broken.pth").exists()
