"""Workflow runs shared by the tests, one of each per test session.

- `figures`: every test figure of the embedded tier, made from the committed test-zoo checkpoints
  (tests/fixtures/embedded/, made by `make baselines`) on this machine's kernels. No training runs:
  the figures depend on the code and on those weights only, not on the float rounding of the CPU
  that trained them.
- `other_cpu_figures`: the same figures from the same checkpoints with the kernels of another x86-64
  machine (OTHER_CPU below): the figure tests must pass against the same baselines there too.
- `trained`: the test zoo trained from scratch, and the outputs whose claims must hold on any machine
  (accuracy, t-SNE k-NN accuracy, d', adversarial flips, dynamics).

Each run uses config.yaml + tests/config.test.yaml in a scratch directory (UNDERHOOD_TEST_WORKDIR to
keep and reuse them between test sessions)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TEST_CONFIG = ROOT / "tests" / "config.test.yaml"
FIXTURES = ROOT / "tests" / "fixtures" / "embedded" / "models"

# The kernels of another machine, simulated on this one: ATen's portable (non-vectorised) CPU kernels,
# MKL's instruction-set-independent code path, oneDNN limited to SSE4.1, numpy without its AVX2/FMA
# (x86-64-v3) loops.
OTHER_CPU = {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE", "ONEDNN_MAX_CPU_ISA": "SSE41",
             "NPY_DISABLE_CPU_FEATURES": "X86_V3"}

# The SLURM executor plugin runs `scontrol show config` each time Snakemake starts (for a help text);
# where SLURM's client is installed but no controller answers (after test_slurm.py stopped its own),
# that waits 10 s per run. The local runs of the tests find this stub first, which fails at once.
NO_SLURM = ROOT / "tests" / "no-slurm"

# Data sets of the test figures: made by the code, bit-identical on every CPU (test_data.py checks it).
DATA = ["digits28", "shapes64", "shapes32", "dynamics"]
# The test zoo: every checkpoint the test figures read, trained by `make baselines` (tests/make_fixtures.py).
ZOO = ["lenet-digits28", "alexnet_small-shapes64", "vgg_small-shapes64", "resnet_small-shapes64",
       "resnet_nopool-shapes32", "dynamics-resnet18"]

# Figures the shared run makes (embedded tier).
TEST_FIGURES = [
    "toy-hidden-lines", "lenet-conv1-filters", "lenet-conv2-filters", "alexnet-conv1-filters",
    "alexnet-conv1-filters-rgb", "alexnet-conv2-filters", "dilation-sizes", "dilation-diagram",
    "max-response-noprior", "max-response-vgg16-conv4", "max-response-vgg16-conv7", "max-response-vgg16-conv10",
    "max-response-vgg16-conv13", "max-response-vgg16-classes", "adversarial-alexnet", "adversarial-sphere",
    "fooling-images",
    "dynamics-activations", "dynamics-scenes",
    "lenet-activations", "alexnet-activations", "resnet152-activations", "face-unit",
    "tsne-swiss-roll", "tsne-lenet-mnist", "tsne-resnet-cifar10",
    "occlusion-originals", "occlusion-mask", "occlusion-vgg19", "saliency-alexnet", "saliency-vgg19",
    "gradient-irregularity", "smoothgrad-vgg19", "backprop-deconv-guided-vgg16", "zeiler-top9",
]

# What the `trained` run makes: the checkpoints and the outputs whose claims the tests check.
TRAINED_TARGETS = (
    [f"cache/embedded/models/{m}.metrics.json" for m in ZOO]
    + [f"figures/embedded/{f}.png" for f in ("tsne-lenet-mnist", "tsne-resnet-cifar10", "face-unit",
                                             "adversarial-alexnet")]
)


def snakemake(workdir, *args, configfiles=(TEST_CONFIG,), check=True, timeout=3600, env=None, snakefile=None):
    """Run the workflow in `workdir`; returns the CompletedProcess (stdout and stderr merged).
    `env`: variables added to this process' environment (e.g. OTHER_CPU); `snakefile`: another
    checkout's Snakefile (tests/mutations.py)."""
    cmd = [str(BIN / "snakemake"), "-s", str(snakefile or ROOT / "Snakefile"), "--directory", str(workdir),
           "--configfile", *map(str, configfiles), "--cores", "2", "--rerun-incomplete", *args]
    full_env = dict(os.environ, PATH=os.pathsep.join([str(BIN), str(NO_SLURM), os.environ["PATH"]]), **(env or {}))
    r = subprocess.run(cmd, cwd=workdir, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{r.stdout[-6000:]}")
    return r


def jobs_run(stdout):
    """The rule names of the jobs a Snakemake run executed (from its 'Job stats' table)."""
    if "Job stats:" not in stdout:
        return set()
    table = stdout.split("Job stats:")[1].split("total")[0].splitlines()[3:]
    return {line.split()[0] for line in table if line.strip()}


def place_fixtures(workdir, env=None):
    """Make the data sets, then place the committed test-zoo checkpoints, newer than the data, so that
    the workflow takes them as up to date and trains nothing."""
    snakemake(workdir, *[f"cache/embedded/data/{d}.pt" for d in DATA], env=env)
    models = workdir / "cache" / "embedded" / "models"
    models.mkdir(parents=True, exist_ok=True)
    for name in ZOO:
        for suffix in (".pt", ".metrics.json"):
            src = FIXTURES / f"{name}{suffix}"
            if not src.exists():
                raise FileNotFoundError(f"missing test fixture {src}: run `make baselines` (it trains the test zoo)")
            dst = models / src.name
            if not (dst.exists() and dst.read_bytes() == src.read_bytes()
                    and dst.stat().st_mtime >= max(d.stat().st_mtime for d in (workdir / "cache/embedded/data").iterdir())):
                shutil.copyfile(src, dst)  # a fresh mtime: newer than the data sets


def _workdir(tmp_path_factory, name):
    keep = os.environ.get("UNDERHOOD_TEST_WORKDIR")
    if keep:
        path = Path(keep) / name
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp(name)


def _figure_run(workdir, env=None):
    place_fixtures(workdir, env)
    r = snakemake(workdir, *[f"figures/embedded/{f}.png" for f in TEST_FIGURES], env=env)
    trained = jobs_run(r.stdout) & {"train", "dynamics_train"}
    assert not trained, f"the figure run trained {trained}: the fixtures were not taken as up to date"
    return workdir / "figures" / "embedded"


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return _workdir(tmp_path_factory, "this-cpu")


@pytest.fixture(scope="session")
def figures(workdir):
    """Every test figure of the embedded tier, from the fixtures, on this machine's kernels."""
    return _figure_run(workdir)


@pytest.fixture(scope="session")
def other_cpu_workdir(tmp_path_factory):
    return _workdir(tmp_path_factory, "other-cpu")


@pytest.fixture(scope="session")
def other_cpu_figures(other_cpu_workdir):
    """The same figures from the same fixtures with another machine's kernels (OTHER_CPU)."""
    return _figure_run(other_cpu_workdir, env=OTHER_CPU)


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """The test zoo trained from scratch with this machine's kernels, in float32 (the test overlay's
    `precision`, as the fixtures were made); returns the workdir. (On the machine that made the
    fixtures it trains the same bits; anywhere else, other weights, and the
    claims of test_training.py must hold all the same. With OTHER_CPU's kernels, training is about
    2.3x slower here: it was run so once, see the README.)"""
    work = _workdir(tmp_path_factory, "trained")
    snakemake(work, *TRAINED_TARGETS)
    return work
