"""The models the shared test run trained reach a useful held-out accuracy (test config: less data
and fewer epochs than config.yaml, whose zoo reaches >= 95 %; see README)."""
import json

import pytest

THRESHOLDS = {"lenet-digits28": 0.95, "alexnet_small-shapes64": 0.9, "vgg_small-shapes64": 0.9,
              "resnet_small-shapes64": 0.9}


@pytest.mark.parametrize("name", THRESHOLDS)
def test_test_zoo_accuracy(figures, workdir, name):
    path = workdir / "cache/embedded/models" / f"{name}.metrics.json"
    if not path.exists():
        pytest.skip(f"{name} is not needed by the test figures")
    m = json.loads(path.read_text())
    assert m["test_accuracy"] >= THRESHOLDS[name], m


def test_dynamics_net_beats_nothing_moves(figures, workdir):
    m = json.loads((workdir / "cache/embedded/models/dynamics-resnet18.metrics.json").read_text())
    assert m["test_mse"] < 0.8 * m["nothing_moves_mse"], m
