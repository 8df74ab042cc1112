"""A wrong config key or value stops the run before any job, with one line naming it."""
import pytest

from conftest import ROOT, snakemake

CASES = [
    ("tier: imagenet\n", "config: tier is 'imagenet'; allowed: embedded, lecture"),
    ("device: gpu\n", "config: device is 'gpu'; allowed: auto, cpu, cuda"),
    ("seed: zero\n", "config: seed is 'zero' (str); expected integer"),
    ("figures:\n  filters:\n    scale: log\n", "config: figures.filters.scale is 'log'; allowed: per_filter, shared"),
    ("colour: blue\n", "config: unknown key 'colour'; allowed here:"),
    ("train:\n  lenet: {epochs: 0, batch_size: 64, lr: 0.1, weight_decay: 0}\n", "config: train.lenet.epochs is 0"),
    ("cache_dir: \"cache$(touch x)\"\n", "config: cache_dir is 'cache$(touch x)'; expected a directory (no $"),
    ("figures:\n  face_unit: {layer: features.10, class: \"disc; ls\", score: auc, nb_top: 3, nb_images: 2}\n",
     "config: figures.face_unit.class is 'disc; ls'; expected a class name"),
    ("figures:\n  filters:\n    lenet_conv1: {layer: features.99}\n",
     "config: figures.filters.lenet_conv1.layer is 'features.99': not a layer of lenet (lenet, embedded tier); "
     "valid layers: features.0,"),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_bad_config_stops_with_one_line(tmp_path, text, expected):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    r = snakemake(tmp_path, "-n", configfiles=[bad], check=False)
    assert r.returncode != 0
    lines = [l for l in r.stdout.splitlines() if l.startswith("config: ")]
    assert len(lines) == 1 and lines[0].startswith(expected), r.stdout[-2000:]
    assert not (tmp_path / "figures").exists() and not (tmp_path / "cache").exists()


def test_default_config_dry_run_lists_every_figure(tmp_path):
    r = snakemake(tmp_path, "-n", configfiles=[ROOT / "tests" / "config.test.yaml"])
    for fid in ["toy-hidden-lines", "lenet-conv1-filters", "alexnet-conv2-filters", "dilation-sizes"]:
        assert f"figures/embedded/{fid}.png" in r.stdout
