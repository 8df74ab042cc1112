"""Figure regression: each embedded figure made from the committed test-zoo checkpoints against its
baseline in tests/baselines/embedded/, on this machine's kernels and on another machine's (simulated:
conftest.OTHER_CPU). A figure that changes beyond its tolerance (tests/baselines/embedded/tolerances.yaml)
fails, and the new image and a diff image are saved under tests/failures/. Refresh on purpose with
`make baselines` (it retrains the test zoo into tests/fixtures/ first)."""
import os
import shutil

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from conftest import DATA, ROOT, TEST_FIGURES

BASELINES = ROOT / "tests" / "baselines" / "embedded"
FAILURES = ROOT / "tests" / "failures"
UPDATE = os.environ.get("UNDERHOOD_UPDATE_BASELINES") == "1"
TOLERANCES = yaml.safe_load((BASELINES / "tolerances.yaml").read_text())


def tolerance(fid):
    """(pixel, fraction, mean): a pixel "differs" when a channel is off by more than `pixel`/255; at
    most `fraction` of the pixels may differ, and the mean abs difference is at most `mean`/255."""
    t = {**TOLERANCES["default"], **TOLERANCES.get("figures", {}).get(fid, {})}
    return t["pixel"], t["fraction"], t["mean"]


def compare(new_path, base_path, failures=FAILURES, tol=None):
    """None if the images match within tolerance, else a message (and the diff image saved)."""
    pixel_tol, fraction_tol, mean_tol = tol or tolerance(new_path.stem)
    new = np.asarray(Image.open(new_path).convert("RGB")).astype(np.int16)
    base = np.asarray(Image.open(base_path).convert("RGB")).astype(np.int16)
    if new.shape != base.shape:
        return f"size changed: {base.shape[1]}x{base.shape[0]} -> {new.shape[1]}x{new.shape[0]}"
    diff = np.abs(new - base)
    bad = (diff.max(-1) > pixel_tol).mean()
    if bad <= fraction_tol and diff.mean() <= mean_tol:
        return None
    failures.mkdir(parents=True, exist_ok=True)
    stem = new_path.stem
    shutil.copyfile(new_path, failures / f"{stem}.new.png")
    Image.fromarray(np.clip(diff.max(-1) * 4, 0, 255).astype(np.uint8)).save(failures / f"{stem}.diff.png")
    return (f"{bad:.2%} of pixels differ by more than {pixel_tol}/255 (mean abs diff {diff.mean():.2f}; "
            f"allowed {fraction_tol:.2%}, {mean_tol}); see {failures / (stem + '.new.png')} and .diff.png")


@pytest.mark.parametrize("fid", TEST_FIGURES)
def test_figure_matches_baseline(figures, fid):
    new, base = figures / f"{fid}.png", BASELINES / f"{fid}.png"
    assert new.exists(), f"the workflow did not make {new}"
    if UPDATE:
        BASELINES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(new, base)
        return
    assert base.exists(), f"no baseline {base}: run `make baselines` after looking at the figure"
    msg = compare(new, base)
    assert msg is None, f"{fid}: {msg}"


@pytest.mark.parametrize("fid", TEST_FIGURES)
def test_figure_matches_baseline_on_another_cpu(other_cpu_figures, fid):
    """The same baselines hold with another machine's kernels (what a newcomer's machine will do)."""
    new, base = other_cpu_figures / f"{fid}.png", BASELINES / f"{fid}.png"
    assert new.exists(), f"the workflow did not make {new}"
    if UPDATE:
        pytest.skip("updating baselines")
    msg = compare(new, base, failures=FAILURES / "other-cpu")
    assert msg is None, f"{fid} (kernels {os.environ.get('ATEN_CPU_CAPABILITY', 'of another CPU')}): {msg}"


@pytest.mark.parametrize("name", DATA)
def test_data_sets_are_the_same_on_another_cpu(figures, other_cpu_figures, workdir, other_cpu_workdir, name):
    """The data sets are made by the code on each machine: the same bits with another CPU's kernels."""
    a = torch.load(workdir / f"cache/embedded/data/{name}.pt", weights_only=True)
    b = torch.load(other_cpu_workdir / f"cache/embedded/data/{name}.pt", weights_only=True)
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]) if torch.is_tensor(a[k]) else a[k] == b[k], f"{name}[{k!r}] differs"


def test_tolerances_name_test_figures_and_stay_small():
    """Every loosened tolerance names a test figure and still fails a figure that really changed."""
    for fid, t in TOLERANCES.get("figures", {}).items():
        assert fid in TEST_FIGURES, fid
        assert set(t) <= {"pixel", "fraction", "mean", "why"} and "why" in t, (fid, t)
        assert t.get("fraction", 0) <= 0.05 and t.get("pixel", 16) <= 32, (fid, t)


def test_compare_detects_a_change(tmp_path):
    """The comparison itself: identical images pass, a changed block fails and leaves a diff image."""
    a = (np.arange(64 * 64 * 3) % 251).astype(np.uint8).reshape(64, 64, 3)
    b = a.copy()
    b[10:20, 10:20] = 255 - b[10:20, 10:20]
    Image.fromarray(a).save(tmp_path / "x.png")
    Image.fromarray(a).save(tmp_path / "same.png")
    Image.fromarray(b).save(tmp_path / "changed.png")
    assert compare(tmp_path / "same.png", tmp_path / "x.png", tmp_path / "f") is None
    assert "pixels differ" in compare(tmp_path / "changed.png", tmp_path / "x.png", tmp_path / "f")
    assert (tmp_path / "f" / "changed.diff.png").exists() and (tmp_path / "f" / "changed.new.png").exists()
