"""Figure regression: each embedded figure made from the committed test-zoo checkpoints against its
baseline in tests/baselines/embedded/, on this machine's kernels and on another machine's (simulated:
conftest.OTHER_CPU). A figure that changes beyond its tolerance (tests/baselines/embedded/tolerances.yaml)
fails, and the new image and a diff image are saved under tests/failures/. Refresh on purpose with
`make baselines` (it retrains the test zoo into tests/fixtures/ first)."""
import json
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
    """(pixel, fraction, mean, blur): a pixel "differs" when a channel is off by more than `pixel`/255;
    at most `fraction` of the pixels may differ, and the mean abs difference is at most `mean`/255;
    with `blur` > 0 both images are first smoothed by a Gaussian of that many pixels (a point or a
    fine texture that moved a little no longer counts; a changed layout, colour or scale does)."""
    t = {**TOLERANCES["default"], **TOLERANCES.get("figures", {}).get(fid, {})}
    return t["pixel"], t["fraction"], t["mean"], t.get("blur", 0)


def load_rgb(path, blur=0):
    x = np.asarray(Image.open(path).convert("RGB")).astype(np.float32)
    if blur:
        from scipy.ndimage import gaussian_filter

        x = gaussian_filter(x, sigma=(blur, blur, 0), mode="nearest")
    return x


def compare(new_path, base_path, failures=FAILURES, tol=None):
    """None if the images match within tolerance, else a message (and the diff image saved)."""
    pixel_tol, fraction_tol, mean_tol, blur = tol or tolerance(new_path.stem)
    new, base = load_rgb(new_path, blur), load_rgb(base_path, blur)
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
            f"allowed {fraction_tol:.2%}, {mean_tol}{f'; blurred by {blur} px' if blur else ''}); see {failures / (stem + '.new.png')} and .diff.png")


def tightness(y, k=10):
    """Mean distance of a map's points to their k nearest neighbours over the mean distance between
    random pairs: how tight the clusters are, whatever the layout's orientation."""
    from sklearn.neighbors import NearestNeighbors

    y = np.asarray(y, dtype=np.float64)
    d, _ = NearestNeighbors(n_neighbors=k + 1).fit(y).kneighbors(y)
    i, j = np.random.default_rng(0).integers(0, len(y), (2, 5000))
    return float(d[:, 1:].mean() / np.linalg.norm(y[i] - y[j], axis=1).mean())


def map_numbers(figures_dir, model):
    """{map: {knn, tightness}} of the cached t-SNE maps behind a figure (layout-invariant numbers)."""
    folder = figures_dir.parents[1] / "cache" / "embedded" / "embeddings" / model
    out = {}
    for f in sorted(folder.glob("*.pt")):
        e = torch.load(f, weights_only=True)
        out[f.stem] = {"knn": round(float(e["knn_accuracy"]), 4), "tightness": round(tightness(e["y"].numpy()), 4)}
    return out


def check(fid, figures_dir, failures=FAILURES, update=False):
    """The figure test of `fid`: None if the figure in `figures_dir` matches its baseline, else why.
    Most figures are compared as images; the t-SNE maps whose layout depends on the CPU's last bits
    (tolerances.yaml: `numbers`) by their k-NN accuracy and tightness, map by map."""
    new, base = figures_dir / f"{fid}.png", BASELINES / f"{fid}.png"
    if not new.exists():
        return f"the workflow did not make {new}"
    t = TOLERANCES.get("figures", {}).get(fid, {})
    numbers = BASELINES / f"{fid}.numbers.json"
    if update:
        BASELINES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(new, base)
        if "numbers" in t:
            numbers.write_text(json.dumps(map_numbers(figures_dir, t["numbers"]["model"]), indent=1, sort_keys=True) + "\n")
        return None
    if not base.exists():
        return f"no baseline {base}: run `make baselines` after looking at the figure"
    if "numbers" not in t:
        return compare(new, base, failures)
    if Image.open(new).size != Image.open(base).size:
        return f"size changed: {Image.open(base).size} -> {Image.open(new).size}"
    want, got, tol = json.loads(numbers.read_text()), map_numbers(figures_dir, t["numbers"]["model"]), t["numbers"]
    if set(want) != set(got):
        return f"maps changed: {sorted(want)} -> {sorted(got)}"
    bad = [f"{m}: k-NN accuracy {got[m]['knn']} (baseline {want[m]['knn']} +- {tol['knn']})" for m in want
           if abs(got[m]["knn"] - want[m]["knn"]) > tol["knn"]]
    bad += [f"{m}: tightness {got[m]['tightness']} (baseline {want[m]['tightness']} +- {tol['tightness']:.0%})"
            for m in want if abs(got[m]["tightness"] / want[m]["tightness"] - 1) > tol["tightness"]]
    return "; ".join(bad) or None


@pytest.mark.parametrize("fid", TEST_FIGURES)
def test_figure_matches_baseline(figures, fid):
    msg = check(fid, figures, update=UPDATE)
    assert msg is None, f"{fid}: {msg}"


@pytest.mark.parametrize("fid", TEST_FIGURES)
def test_figure_matches_baseline_on_another_cpu(other_cpu_figures, fid):
    """The same baselines hold with another machine's kernels (what a newcomer's machine will do)."""
    if UPDATE:
        pytest.skip("updating baselines")
    msg = check(fid, other_cpu_figures, failures=FAILURES / "other-cpu")
    assert msg is None, f"{fid} (another CPU's kernels): {msg}"


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
        assert set(t) <= {"pixel", "fraction", "mean", "blur", "numbers", "why"} and "why" in t, (fid, t)
        if "numbers" in t:
            assert t["numbers"]["knn"] <= 0.03 and t["numbers"]["tightness"] <= 0.1, (fid, t)
        assert t.get("fraction", 0) <= 0.05 and t.get("pixel", 16) <= 32 and t.get("blur", 0) <= 3, (fid, t)


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
