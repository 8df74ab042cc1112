"""The lecture tier's code path with a hand-placed weight file (no network): the file is checked
against its pinned SHA-256 before use, and the filter figures come out of torchvision's AlexNet."""
import hashlib

import pytest
import torch
import torchvision
import yaml

from conftest import TEST_CONFIG, snakemake

WEIGHTS = "cache/lecture/downloads/alexnet-owt-7be5be79.pth"


@pytest.fixture(scope="module")
def placed(tmp_path_factory):
    work = tmp_path_factory.mktemp("lecture")
    torch.manual_seed(0)
    path = work / WEIGHTS
    path.parent.mkdir(parents=True)
    torch.save(torchvision.models.alexnet(weights=None).state_dict(), path)
    return work, hashlib.sha256(path.read_bytes()).hexdigest()


def overlay(work, sha256):
    cfg = {"downloads": {"files": {"alexnet": {"base": "torchvision", "name": "alexnet-owt-7be5be79.pth", "sha256": sha256}}}}
    p = work / "overlay.yaml"
    p.write_text(yaml.safe_dump(cfg))
    return p


def test_placed_weights_make_the_lecture_filter_figures(placed):
    work, sha = placed
    r = snakemake(work, "figures/lecture/alexnet-conv1-filters-rgb.png", "figures/lecture/alexnet-conv2-filters.png",
                  configfiles=[TEST_CONFIG, overlay(work, sha)])
    assert "download" not in r.stdout.split("Job stats")[1].split("total")[0]  # nothing was fetched
    assert (work / "figures/lecture/alexnet-conv1-filters-rgb.png").stat().st_size > 1000
    assert "features.0: weights (64, 3, 11, 11)" in (work / "logs/lecture/figures/alexnet-conv1-filters-rgb.log").read_text()


def test_placed_weights_with_a_wrong_sum_are_refused(placed):
    work, _ = placed
    r = snakemake(work, "--forcerun", "filters", "--", "figures/lecture/alexnet-conv1-filters.png",
                  configfiles=[TEST_CONFIG, overlay(work, "0" * 64)], check=False)
    assert r.returncode != 0
    log = (work / "logs/lecture/figures/alexnet-conv1-filters.log").read_text()
    assert "sha256 mismatch: expected " + "0" * 64 in log
    assert not (work / "figures/lecture/alexnet-conv1-filters.png").exists()
