"""One workflow run per test session, shared by every test that needs trained models or figures.

The run uses config.yaml + tests/config.test.yaml (small data, short training) in a scratch
directory (UNDERHOOD_TEST_WORKDIR to keep and reuse one between runs)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TEST_CONFIG = ROOT / "tests" / "config.test.yaml"

# Figures the shared run makes (embedded tier); each family's tests add theirs here.
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


def snakemake(workdir, *args, configfiles=(TEST_CONFIG,), check=True, timeout=3600):
    """Run the workflow in `workdir`; returns the CompletedProcess (stdout and stderr merged)."""
    cmd = [str(BIN / "snakemake"), "-s", str(ROOT / "Snakefile"), "--directory", str(workdir),
           "--configfile", *map(str, configfiles), "--cores", "2", "--rerun-incomplete", *args]
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    r = subprocess.run(cmd, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{r.stdout[-6000:]}")
    return r


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    keep = os.environ.get("UNDERHOOD_TEST_WORKDIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        return Path(keep)
    return tmp_path_factory.mktemp("workflow")


@pytest.fixture(scope="session")
def figures(workdir):
    """Make every test figure of the embedded tier once; returns the figures folder."""
    snakemake(workdir, *[f"figures/embedded/{f}.png" for f in TEST_FIGURES])
    return workdir / "figures" / "embedded"
