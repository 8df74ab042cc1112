"""The same run twice gives byte-identical figures and CSVs (trained weights: test_training.py)."""
import hashlib

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
