"""Atomic writes, deterministic figure files, device and seed handling."""
import contextlib
import glob
import hashlib
import json
import os
import random
import tempfile
from pathlib import Path

import numpy as np
import torch

from . import provenance


class WriteError(OSError):
    """A file that cannot be written where it must go; the message is one line."""


def remove_stale_parts(path):
    """Remove the temporary files `.NAME.*.part` that a killed writer of `path` left beside it
    (one job writes a given output at a time, so none of them is in use)."""
    path = Path(path)
    for part in path.parent.glob(f".{glob.escape(path.name)}.*.part"):
        try:
            part.unlink()
        except FileNotFoundError:
            pass


def fsync_path(path):
    """Flush a written file (or a folder's entries) to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_synced(tmp, path):
    """os.replace, with the file flushed to the disk before and the folder's entry after, so that
    a crash leaves the old file or the new one, never an empty or partial one under the name."""
    fsync_path(tmp)
    os.replace(tmp, path)
    try:
        fsync_path(Path(path).parent)
    except OSError:  # some filesystems cannot fsync a folder
        pass


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds,
    so that no half-written file is ever left under the final name."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_parts(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix + ".part")
    except OSError as e:
        raise WriteError(f"cannot write {path}: folder {path.parent} is not writable ({e.strerror or e})") from None
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs are ordinary files
        replace_synced(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def save_torch(obj, path):
    """torch.save, atomically; through an open file, so that the zip inside holds no temporary name
    and the same object always gives the same bytes. Its SHA-256 goes beside it (sha256_sidecar)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        torch.save(obj, f)
    write_sha256(path)
    provenance.write_sidecar(path)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def sha256_sidecar(path):
    """NAME.sha256 beside NAME, in sha256sum's format (`sha256sum -c NAME.sha256` checks it by hand)."""
    return Path(f"{path}.sha256")


def write_sha256(path):
    with atomic_path(sha256_sidecar(path)) as tmp:
        tmp.write_text(f"{sha256_file(path)}  {Path(path).name}\n")


def check_sha256(path):
    """Check `path` against its sidecar, written after it by write_sha256. A file without a sidecar
    (a download, a committed test fixture) or one newer than its sidecar (replaced since, e.g. placed
    by hand: Snakemake sees its new time) is not checked; a file changed under an unchanged time is."""
    side = sha256_sidecar(path)
    try:
        side_time = side.stat().st_mtime_ns
        expected = side.read_text().split()[0].lower()
    except (OSError, IndexError):
        return
    if os.stat(path).st_mtime_ns > side_time:
        return
    actual = sha256_file(path)
    if actual != expected:
        raise CorruptFileError(f"{path} is corrupt (sha256 {actual} != {expected} in {side.name}): "
                               "delete it and rerun")


class CorruptFileError(ValueError):
    """A cached or downloaded file that cannot be what it should be; the message is one line."""


def _load_failure(e):
    """Why torch.load failed, in a few words. Never PyTorch's own advice: its message for a file
    that holds more than tensors suggests weights_only=False, which runs the file's code."""
    text = " ".join(str(e).split())
    if isinstance(e, EOFError) or not text:
        return "empty or truncated"
    if "weights_only" in text or "Weights only load failed" in text:
        return "not a file of tensors and plain values"
    if "zip archive" in text or "central directory" in text:
        return "not a complete zip archive: truncated or overwritten"
    return f"{type(e).__name__}: {text.split('. ')[0][:120]}"


def load_torch(path, map_location="cpu", record=True):
    """Load a file written by save_torch (or a downloaded state dict): tensors and plain types only.
    A missing file raises FileNotFoundError, an unreadable one CorruptFileError (one line each).
    record: note it in the provenance of what this process writes (False: the caller has)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such file; rerun the workflow to make it")
    check_sha256(path)
    try:
        obj = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # corrupt or foreign file: say which, and what to do
        raise CorruptFileError(f"{path}: not a readable torch file, corrupt ({_load_failure(e)}): "
                               "delete it and rerun") from None
    if record:
        provenance.used(path)
    return obj


def panels(fig):
    """Every image panel of a drawn figure: (title, map height, map width, drawn width, drawn height),
    the drawn size in pixels at the figure's dpi."""
    if not any(ax.get_images() for ax in fig.axes):
        return []
    fig.canvas.draw()
    out = []
    for ax in fig.axes:
        for im in ax.get_images():
            h, w = im.get_array().shape[:2]
            box = im.get_window_extent()
            box = box.intersection(box, ax.get_window_extent()) or box
            out.append((ax.get_title() or ax.get_ylabel(), h, w, box.width, box.height))
    return out


FORMATS = ("png", "pdf", "svg")


def figure_settings():
    """The formats and dpi the workflow asks for (UNDERHOOD_FORMATS, UNDERHOOD_DPI; config keys
    `formats` and `dpi`): PNG at 100 dpi by default."""
    formats = [f for f in os.environ.get("UNDERHOOD_FORMATS", "png").split(",") if f]
    bad = [f for f in formats if f not in FORMATS]
    if bad or "png" not in formats:
        raise ValueError(f"UNDERHOOD_FORMATS is {','.join(formats)!r}: png and any of pdf, svg")
    return formats, int(os.environ.get("UNDERHOOD_DPI", "100"))


def save_figure(fig, path, dpi=None, full_size_from=128):
    """Save a matplotlib figure as a byte-reproducible PNG (no software/date metadata; its provenance
    in text chunks: underhood.provenance), atomically, and as PDF and SVG where asked
    (figure_settings): the same drawing, text and lines as vectors, images embedded at their native
    resolution (no resampling: interpolation 'none'), fonts embedded (TrueType, Type 42).
    Maps of at least `full_size_from` pixels a side (the lecture tier's 224x224 photos and maps) are
    drawn at their full size at least: the dpi is raised until the most shrunk such panel gets a
    figure pixel per map pixel. Each image panel's map and drawn sizes are printed (into the job's log)."""
    import warnings

    import matplotlib
    import matplotlib.pyplot as plt

    formats, default_dpi = figure_settings()
    dpi = dpi or default_dpi
    shown = panels(fig)
    shrink = max([max(w / dw, h / dh) for _, h, w, dw, dh in shown
                  if max(h, w) >= full_size_from and dw > 0 and dh > 0] + [0.0])
    if shrink * fig.dpi > dpi:
        dpi = int(np.ceil(shrink * fig.dpi * 1.01))  # 1 %: the renderer snaps panels to whole pixels
    scale = dpi / fig.dpi
    for i, (title, h, w, dw, dh) in enumerate(shown):
        print(f"panel {i} {title!r}: map {h}x{w} drawn at {dh * scale:.0f}x{dw * scale:.0f} px")
    facts = provenance.figure_facts(path)
    when = provenance.date()
    metadata = {
        "png": {"Software": None, **facts},
        "pdf": {"Creator": "underhood", "Producer": None, "CreationDate": when, "Title": facts["figure"], **facts},
        "svg": {"Creator": "underhood", "Date": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "Title": facts["figure"],
                "Description": json.dumps(facts, sort_keys=True)},
    }
    for fmt in sorted(formats, key=lambda f: f != "png"):  # the PNG first, as drawn
        if fmt != "png":  # vector files: every image at its native resolution
            for ax in fig.axes:
                for im in ax.get_images():
                    im.set_interpolation("none")
        with atomic_path(Path(path).with_suffix(f".{fmt}")) as tmp, warnings.catch_warnings(), \
                matplotlib.rc_context({"pdf.fonttype": 42, "svg.hashsalt": "underhood"}):
            warnings.filterwarnings("ignore", "Unknown infodict keyword")
            fig.savefig(tmp, dpi=dpi, format=fmt, metadata=metadata[fmt], bbox_inches="tight", pad_inches=0.1)
    plt.close(fig)


def save_csv(frame, path):
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n")


def save_json(obj, path):
    import json

    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")


def pick_device(name="auto"):
    """'auto' takes CUDA when a GPU is visible (CUDA_VISIBLE_DEVICES), else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device: 'cuda' was asked for but no CUDA device is visible; use 'auto' or 'cpu'")
    if name not in ("cpu", "cuda"):
        raise ValueError(f"device: {name!r} is not one of auto, cpu, cuda")
    return torch.device(name)


def seed_all(seed, threads=None):
    """Fixed seeds and deterministic algorithms, so that the same run twice gives the same files."""
    provenance.seeded(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    if threads:
        torch.set_num_threads(int(threads))
