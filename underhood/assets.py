"""The lecture tier's assets: checked downloads, and readers for MNIST and CIFAR-10.

`fetch` streams a URL to a temporary file beside the destination, checks its SHA-256 and only
then renames it into place, so that a half-written or wrong file never sits under the final name.
Transient failures (connection refused or cut, timeout, truncated body, HTTP 5xx) are retried;
a checksum mismatch is not (the same bytes would come back). Every failure is one line.

`read_mnist` and `read_cifar10` turn the downloaded archives into the pipeline's data format:
uint8 images N x C x H x W, int64 labels, and the class names (as `underhood.data` does).
"""
import codecs
import gzip
import hashlib
import http.client
import io
import os
import pickle
import re
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import numpy as np

CHUNK = 1 << 20
MNIST_CLASSES = [str(k) for k in range(10)]
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
MNIST_PARTS = ("train_images", "train_labels", "test_images", "test_labels")


class DownloadError(RuntimeError):
    """A download that did not give the expected file; the message is one line."""


class ChecksumError(DownloadError):
    """A file whose SHA-256 is not the pinned one."""


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def verify(path, sha256):
    """Raise ChecksumError unless the file at `path` has the SHA-256 `sha256`."""
    actual = sha256_file(path)
    if actual != sha256.lower():
        raise ChecksumError(f"{path}: sha256 mismatch: expected {sha256.lower()}, got {actual}; "
                            "delete it (or put the right file there) and rerun")
    return path


def _one_line(text):
    return " ".join(str(text).split())


def _reason(e):
    if isinstance(e, urllib.error.HTTPError):
        return f"HTTP {e.code} {e.reason}"
    if isinstance(e, urllib.error.URLError):
        return _one_line(e.reason)
    return _one_line(f"{type(e).__name__}: {e}" if str(e) else type(e).__name__)


def _transient(e):
    """Whether trying again may help (a 404 will not go away; a cut connection may)."""
    if isinstance(e, urllib.error.HTTPError):
        return e.code >= 500 or e.code in (408, 429)
    return True


def _stream(url, out, timeout):
    """Copy `url` into the open file `out`; return the hex SHA-256 of what was received."""
    request = urllib.request.Request(url, headers={"User-Agent": "underhood"})
    h, n = hashlib.sha256(), 0
    with urllib.request.urlopen(request, timeout=timeout) as r:
        length = r.headers.get("Content-Length")
        while chunk := r.read(CHUNK):
            out.write(chunk)
            h.update(chunk)
            n += len(chunk)
    if length is not None and n != int(length):
        raise http.client.IncompleteRead(b"", int(length) - n)
    return h.hexdigest()


def fetch(url, dest, sha256, retries=3, timeout=60, log=print, backoff=2.0):
    """Download `url` to `dest` and check it against `sha256`; return `dest` as a Path.

    A file already at `dest` with the right sum is kept (no request is made); with a wrong sum
    it is reported (ChecksumError) and left alone. Connection errors, timeouts, truncated bodies
    and HTTP 5xx are retried `retries` times in all, waiting `backoff` * attempt seconds between
    tries; then DownloadError says where to place the file by hand."""
    dest, sha256 = Path(dest), sha256.lower()
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(f"{dest.name}: {sha256!r} is not a full SHA-256 (64 hex digits)")
    if dest.exists():
        verify(dest, sha256)
        log(f"{dest.name}: already present, sha256 ok")
        return dest
    from .io import WriteError, remove_stale_parts, replace_synced

    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_parts(dest)  # left by a killed download
    except OSError as e:
        raise WriteError(f"cannot write {dest}: folder {dest.parent} is not writable ({e.strerror or e})") from None
    umask = os.umask(0)
    os.umask(umask)
    reason = "no attempt made"
    for attempt in range(1, max(1, retries) + 1):
        try:
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        except OSError as e:
            raise WriteError(f"cannot write {dest}: folder {dest.parent} is not writable ({e.strerror or e})") from None
        try:
            log(f"{dest.name}: downloading {url} (attempt {attempt}/{retries})")
            with os.fdopen(fd, "wb") as out:
                actual = _stream(url, out, timeout)
            if actual != sha256:
                raise ChecksumError(f"{dest.name}: sha256 mismatch for {url}: expected {sha256}, got {actual}; "
                                    "the file was not kept")
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600: readable by the others, as any download
            replace_synced(tmp, dest)
            log(f"{dest.name}: sha256 ok, written to {dest}")
            return dest
        except ChecksumError:
            raise
        except (OSError, http.client.HTTPException) as e:  # URLError, timeouts and resets are OSErrors
            reason = _reason(e)
            if isinstance(e, http.client.IncompleteRead):
                reason = "truncated transfer" + (f", {e.expected} bytes missing" if e.expected else "")
            log(f"{dest.name}: attempt {attempt}/{retries} failed: {reason}")
            if not _transient(e):
                break
            if attempt < retries:
                time.sleep(backoff * attempt)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    raise DownloadError(f"cannot download {dest.name} from {url} ({reason}): run with network once, "
                        f"or place the file at {dest.absolute()} (sha256 {sha256})")


# ---------------------------------------------------------------- MNIST

def read_idx(path):
    """An idx file (gzip-compressed or not) of unsigned bytes, as a numpy uint8 array."""
    try:
        raw = Path(path).read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] != 0x08:
            raise ValueError("bad magic number (expected an idx file of unsigned bytes)")
        ndim = raw[3]
        dims = np.frombuffer(raw, dtype=">u4", count=ndim, offset=4).astype(int)
        start, size = 4 + 4 * ndim, int(np.prod(dims))
        if len(raw) != start + size:
            raise ValueError(f"{len(raw) - start} data bytes for shape {tuple(dims)}")
        return np.frombuffer(raw, dtype=np.uint8, offset=start).reshape(dims)
    except (OSError, EOFError, ValueError, IndexError, zlib.error) as e:
        raise ValueError(f"{path}: not a valid MNIST idx file ({_reason(e)}); delete it and rerun") from None


def read_mnist(paths):
    """MNIST from its four idx .gz files, given as a dict with keys train_images, train_labels,
    test_images, test_labels (or a sequence in that order). Images: uint8 N x 1 x 28 x 28."""
    import torch

    if not isinstance(paths, dict):
        paths = dict(zip(MNIST_PARTS, paths))
    out = dict(classes=list(MNIST_CLASSES))
    for split in ("train", "test"):
        x, y = read_idx(paths[f"{split}_images"]), read_idx(paths[f"{split}_labels"])
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise ValueError(f"{paths[f'{split}_images']}, {paths[f'{split}_labels']}: shapes {x.shape} and "
                             f"{y.shape} are not N x H x W images with N labels")
        if y.max(initial=0) > 9:
            raise ValueError(f"{paths[f'{split}_labels']}: label {y.max()} is not a digit")
        out[f"{split}_x"] = torch.from_numpy(x.copy()).unsqueeze(1)
        out[f"{split}_y"] = torch.from_numpy(y.astype(np.int64))
    return out


# ---------------------------------------------------------------- CIFAR-10

_RECONSTRUCT = np.ndarray.__reduce__(np.zeros(0))[0]  # numpy's array unpickling helper


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles plain containers and numpy arrays only: a pickle cannot run code through it."""

    def find_class(self, module, name):
        if module.startswith("numpy") and name == "_reconstruct":
            return _RECONSTRUCT
        if module == "numpy" and name in ("ndarray", "dtype"):
            return getattr(np, name)
        if (module, name) == ("_codecs", "encode"):  # how protocol-2 pickles written by Python 3 hold bytes
            return codecs.encode
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def _batch(data, where):
    d = _ArrayUnpickler(io.BytesIO(data), encoding="bytes").load()
    d = {k.decode() if isinstance(k, bytes) else k: v for k, v in d.items()}
    x, y = np.asarray(d["data"], dtype=np.uint8), np.asarray(d["labels"], dtype=np.int64)
    if x.ndim != 2 or x.shape[1] != 3 * 32 * 32 or len(x) != len(y):
        raise ValueError(f"{where}: data {x.shape} and labels {y.shape} are not N x 3072 with N labels")
    if y.size and (y.min() < 0 or y.max() > 9):
        raise ValueError(f"{where}: labels outside 0-9")
    return x.reshape(-1, 3, 32, 32), y


def read_cifar10(tar_path):
    """CIFAR-10 from cifar-10-python.tar.gz: data_batch_1..5 for training, test_batch for test.
    Images: uint8 N x 3 x 32 x 32. The pickled batches are read without running any code."""
    import torch

    try:
        with tarfile.open(tar_path, "r:*") as tar:
            members = {Path(m.name).name: m for m in tar.getmembers() if m.isfile()}
            train = sorted((n for n in members if re.fullmatch(r"data_batch_\d+", n)), key=lambda n: int(n[11:]))
            if not train or "test_batch" not in members:
                raise ValueError("no data_batch_N / test_batch members")
            parts = {n: _batch(tar.extractfile(members[n]).read(), n) for n in train + ["test_batch"]}
    except (OSError, EOFError, ValueError, KeyError, TypeError, zlib.error, tarfile.TarError,
            pickle.UnpicklingError) as e:
        raise ValueError(f"{tar_path}: not a valid CIFAR-10 python archive ({_reason(e)}); "
                         "delete it and rerun") from None
    train_x = np.concatenate([parts[n][0] for n in train])
    train_y = np.concatenate([parts[n][1] for n in train])
    test_x, test_y = parts["test_batch"]
    return dict(train_x=torch.from_numpy(train_x.copy()), train_y=torch.from_numpy(train_y),
                test_x=torch.from_numpy(test_x.copy()), test_y=torch.from_numpy(test_y),
                classes=list(CIFAR10_CLASSES))
