"""Figure regression: each embedded figure made by the shared test run against its baseline in
tests/baselines/embedded/. A figure that changes beyond a small tolerance fails, and the new image
and a diff image are saved under tests/failures/. Refresh on purpose with `make baselines`."""
import os
import shutil

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, TEST_FIGURES

BASELINES = ROOT / "tests" / "baselines" / "embedded"
FAILURES = ROOT / "tests" / "failures"
UPDATE = os.environ.get("UNDERHOOD_UPDATE_BASELINES") == "1"
# a pixel "differs" beyond 16/255 in some channel; at most 0.2 % of them may, mean abs diff < 0.5/255
PIXEL_TOL, FRACTION_TOL, MEAN_TOL = 16, 0.002, 0.5


def compare(new_path, base_path, failures=FAILURES):
    """None if the images match within tolerance, else a message (and the diff image saved)."""
    new = np.asarray(Image.open(new_path).convert("RGB")).astype(np.int16)
    base = np.asarray(Image.open(base_path).convert("RGB")).astype(np.int16)
    if new.shape != base.shape:
        return f"size changed: {base.shape[1]}x{base.shape[0]} -> {new.shape[1]}x{new.shape[0]}"
    diff = np.abs(new - base)
    bad = (diff.max(-1) > PIXEL_TOL).mean()
    if bad <= FRACTION_TOL and diff.mean() <= MEAN_TOL:
        return None
    failures.mkdir(parents=True, exist_ok=True)
    stem = new_path.stem
    shutil.copyfile(new_path, failures / f"{stem}.new.png")
    Image.fromarray(np.clip(diff.max(-1) * 4, 0, 255).astype(np.uint8)).save(failures / f"{stem}.diff.png")
    return (f"{bad:.2%} of pixels differ by more than {PIXEL_TOL}/255 (mean abs diff {diff.mean():.2f}); "
            f"see {failures / (stem + '.new.png')} and .diff.png")


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
