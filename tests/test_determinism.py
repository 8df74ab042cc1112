"""The same run twice gives byte-identical figures, CSVs and trained weights."""
import hashlib
import shutil

import torch

from conftest import TEST_FIGURES, snakemake


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_figures_are_byte_identical_when_remade(figures, workdir):
    files = [figures / f"{f}.png" for f in TEST_FIGURES] + [figures / "dilation-sizes.csv"]
    before = {f.name: digest(f) for f in files}
    snakemake(workdir, "--forcerun", "toy_hidden_lines", "filters", "dilation_sizes", "dilation_diagram",
              "--", *[str(f.relative_to(workdir)) for f in files])
    after = {f.name: digest(f) for f in files}
    assert after == before


def test_png_has_no_timestamp_or_software_metadata(figures):
    from PIL import Image

    info = Image.open(figures / "toy-hidden-lines.png").info
    assert not {"Software", "Creation Time", "date:create", "timestamp"} & set(info)


def test_training_is_deterministic(figures, workdir, tmp_path):
    """Retrain LeNet from the same cached data in another folder: identical weights."""
    (tmp_path / "cache/embedded/data").mkdir(parents=True)
    shutil.copy(workdir / "cache/embedded/data/digits28.pt", tmp_path / "cache/embedded/data/digits28.pt")
    target = "cache/embedded/models/lenet-digits28.pt"
    snakemake(tmp_path, target)
    a = torch.load(workdir / target, weights_only=True)["state_dict"]
    b = torch.load(tmp_path / target, weights_only=True)["state_dict"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert (tmp_path / "cache/embedded/models/lenet-digits28.metrics.json").read_bytes() == \
        (workdir / "cache/embedded/models/lenet-digits28.metrics.json").read_bytes()
