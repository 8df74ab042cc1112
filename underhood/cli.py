"""What the scripts share: their model and run arguments, the training scripts' setup, and how they end
on an error.

`one_line_errors()` (called by every script under scripts/ before it does anything) makes an error
that this project's code raises with a message (a missing or corrupt file, a wrong name or value, a
failed download, a folder that cannot be written) end the script with one line, `error: MESSAGE`,
and exit status 1, instead of a traceback. Anything else (a bug, an error inside a library) keeps
its traceback; UNDERHOOD_TRACEBACK=1 shows the traceback of every error."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OWN_CODE = (str(ROOT / "underhood") + os.sep, str(ROOT / "scripts") + os.sep)


def add_model_args(parser):
    """--model PATH, and for a downloaded torchvision state dict --arch and its pinned --sha256."""
    parser.add_argument("--model", required=True, help="checkpoint (or torchvision state dict with --arch)")
    parser.add_argument("--arch", default=None)
    parser.add_argument("--sha256", default=None)


def add_run_args(parser):
    """--seed, --device (auto | cpu | cuda) and --threads."""
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=1)


def job_parser(sub, name):
    """A subcommand that computes with a model and caches the result: the model's arguments
    (add_model_args) first; the caller adds its own, then end_job."""
    parser = sub.add_parser(name)
    add_model_args(parser)
    return parser


def end_job(parser):
    """The run arguments (add_run_args) and --output, the cache file the job writes."""
    add_run_args(parser)
    parser.add_argument("--output", required=True)


def figure_parser(sub, name, *inputs):
    """A subcommand that draws a figure from cached files: each of `inputs` (e.g. --cache), --png, --csv."""
    parser = sub.add_parser(name)
    for option in (*inputs, "--png", "--csv"):
        parser.add_argument(option, required=True)
    return parser


def load_model(a):
    """Seeds and device (add_run_args), and the model (add_model_args) frozen: input gradients only.
    Returns (model, info, space), space its inputs.InputSpace (to_input: images in [0, 1] to the
    model's input, on its device; to_pixels: back)."""
    from . import io, models
    from .inputs import InputSpace

    io.seed_all(a.seed, a.threads)
    device = io.pick_device(a.device)
    model, info = models.load(a.model, a.arch, device=device, sha256=a.sha256)
    for q in model.parameters():
        q.requires_grad_(False)
    return model, info, InputSpace(info, device)


def load_model_and_images(a):
    """load_model, and the images (--images) in the model's input space, classified: what the maps
    explain (backprop.classify; printed). Returns (model, x, out), out the head of the cached dict."""
    from . import backprop, io
    from .data import as_float

    model, info, space = load_model(a)
    x = space.to_input(as_float(io.load_torch(a.images)["images"]))
    out = backprop.classify(model, x, info["classes"])
    print("classified as", [info["classes"][t] for t in out["target"].tolist()])
    return model, x, out


def maps_parser(doc, images=True):
    """The arguments of a script of D. (around an input) that caches a method's maps: the output file,
    --images (the images step's file; images=False: the script says what it reads), the model and
    the run arguments. The script adds the method's own options."""
    import argparse

    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("output")
    if images:
        p.add_argument("--images", required=True, help="the images (scripts/around_input_images.py)")
    add_model_args(p)
    add_run_args(p)
    return p


def add_training_args(parser):
    """The training scripts' files and run: --data, --model, --metrics, --seed, --device, --precision,
    --threads (all required: the rules pass every one)."""
    from .train import PRECISIONS

    for name in ("--data", "--model", "--metrics", "--device"):
        parser.add_argument(name, required=True)
    parser.add_argument("--precision", required=True, choices=PRECISIONS)
    for name in ("--seed", "--threads"):
        parser.add_argument(name, type=int, required=True)


def start_training(a):
    """Seeds and threads set, the device and the training's precision picked (a.precision resolved),
    the data set loaded: (device, data)."""
    from . import io, train

    io.seed_all(a.seed, a.threads)
    device = io.pick_device(a.device)
    a.precision = train.pick_precision(a.precision, device)
    return device, io.load_torch(a.data)


def save_trained(a, device, model, arch, kwargs, metrics, **info):
    """The checkpoint (models.checkpoint, with info) and the metrics JSON of a model trained on `device`."""
    from . import io, models

    metrics.update(arch=arch, data=a.data, device=str(device), precision=a.precision)
    io.save_torch(models.checkpoint(model, arch, kwargs, metrics, **info), a.model)
    io.save_json(metrics, a.metrics)


def _own_error_types():
    from .io import WriteError

    types = [ValueError, FileNotFoundError, WriteError]
    if "underhood.assets" in sys.modules:
        types.append(sys.modules["underhood.assets"].DownloadError)
    return tuple(types)


def _raised_by_own_code(tb):
    """Whether the innermost frame of a traceback is in underhood/ or scripts/."""
    last = None
    while tb is not None:
        last, tb = tb, tb.tb_next
    return last is not None and os.path.abspath(last.tb_frame.f_code.co_filename).startswith(OWN_CODE)


def one_line_message(error):
    """The project's error as one line: `error: MESSAGE`, or None when it deserves a traceback."""
    if os.environ.get("UNDERHOOD_TRACEBACK") or not isinstance(error, _own_error_types()):
        return None
    text = " ".join(str(error).split())
    if not text or not _raised_by_own_code(error.__traceback__):
        return None
    return f"error: {text}"


def _excepthook(kind, error, tb):
    message = one_line_message(error) if isinstance(error, Exception) else None
    if message is None:
        sys.__excepthook__(kind, error, tb)
    else:
        print(message, file=sys.stderr, flush=True)  # Python then exits with status 1


def one_line_errors():
    """Install the one-line ending for the project's own errors (see the module's doc)."""
    sys.excepthook = _excepthook


def main(function, *args, **kwargs):
    """Call `function`; the project's own errors end the program with `error: ...` and status 1."""
    try:
        return function(*args, **kwargs)
    except Exception as e:
        message = one_line_message(e)
        if message is None:
            raise
        print(message, file=sys.stderr, flush=True)
        raise SystemExit(1) from None
