"""Activations recorded with hooks against direct forward passes, unknown layers, channel picking,
the face-unit selectivity scores against scikit-learn's ROC AUC, and the cached activations of the
shared test run against the trained models."""
import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from underhood import activations, data, inputs, io, models


def small_lenet():
    torch.manual_seed(0)
    return models.build("lenet").eval()


def test_hooks_give_what_a_direct_forward_pass_gives():
    model = small_lenet()
    x = torch.randn(7, 1, 28, 28)
    acts = activations.activations(model, x, ["features.0", "features.1", "features.4", "classifier.2", "classifier.3"],
                                   batch_size=3, dtype=torch.float32)
    with torch.no_grad():
        conv1 = model.features[0](x)
        conv2 = model.features[3](model.features[2](torch.relu(conv1)))
        fc1 = torch.relu(model.classifier[1](model.classifier[0](model.features[5](torch.relu(conv2)))))
        out = model(x)
    # features.0 is followed by an in-place ReLU: the hook must have kept the pre-ReLU values
    torch.testing.assert_close(acts["features.0"], conv1, rtol=1e-5, atol=1e-5)
    assert (acts["features.0"] < 0).any()
    torch.testing.assert_close(acts["features.1"], torch.relu(conv1), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(acts["features.4"], torch.relu(conv2), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(acts["classifier.2"], fc1, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(acts["classifier.3"], out, rtol=1e-5, atol=1e-5)


def test_float16_storage_is_within_half_precision():
    model = models.build("resnet_nopool", depth=8).eval()
    x = torch.randn(5, 3, 32, 32)
    acts = activations.activations(model, x, ["layer2.0", "fc"], batch_size=2)
    assert acts["layer2.0"].dtype == torch.float16 and acts["layer2.0"].shape == (5, 32, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(acts["fc"].float(), model(x), rtol=2e-3, atol=2e-3)


def test_unknown_layer_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"unknown layer 'features\.99'; valid layers: features\.0, features\.1"):
        activations.activations(small_lenet(), torch.zeros(1, 1, 28, 28), ["features.99"])
    with pytest.raises(ValueError, match=r"valid layers: conv1, bn1, relu, layer1\.0, .*layer3\.2, .*fc"):
        activations.activations(models.build("resnet_nopool", depth=20), torch.zeros(1, 3, 32, 32), ["layer4.0"])


def test_nopool_resnet_depth_counts_weight_layers_and_has_no_pooling():
    for depth, blocks in [(8, [1, 1, 1]), (14, [2, 2, 2]), (66, [11, 11, 10])]:
        m = models.build("resnet_nopool", depth=depth)
        weight_layers = [n for n, mod in m.named_modules()
                         if isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)) and "downsample" not in n]
        assert len(weight_layers) == depth
        assert [len(m.layer1), len(m.layer2), len(m.layer3)] == blocks
        assert not any(isinstance(mod, (torch.nn.MaxPool2d, torch.nn.AvgPool2d, torch.nn.AdaptiveAvgPool2d))
                       for mod in m.modules())
    with pytest.raises(ValueError, match="depth 9"):
        models.build("resnet_nopool", depth=9)


def test_pick_channels_is_seeded_and_distinct():
    a, b = activations.pick_channels(64, 8, seed=3), activations.pick_channels(64, 8, seed=3)
    assert a == b and len(set(a)) == 8 and all(0 <= c < 64 for c in a)
    assert activations.pick_channels(64, 8, seed=4) != a
    assert activations.pick_channels(5, 8, seed=0) == [0, 1, 2, 3, 4]


def test_selectivity_against_sklearn_auc_and_the_dprime_formula():
    rng = np.random.default_rng(0)
    positive = np.r_[np.ones(30, bool), np.zeros(50, bool)]
    r = rng.normal(size=(80, 6))
    r[positive, 2] += 2.0  # channel 2 fires on the positive group
    r[:, 4] = np.round(r[:, 4])  # ties
    auc = activations.selectivity(r, positive, "auc").numpy()
    np.testing.assert_allclose(auc, [roc_auc_score(positive, r[:, k]) for k in range(6)], atol=1e-12)
    d = activations.selectivity(r, positive, "dprime").numpy()
    a, b = r[positive], r[~positive]
    np.testing.assert_allclose(d, (a.mean(0) - b.mean(0)) / np.sqrt((a.var(0, ddof=1) + b.var(0, ddof=1)) / 2))
    assert d.argmax() == 2 and auc.argmax() == 2
    with pytest.raises(ValueError, match="dprime, auc"):
        activations.selectivity(r, positive, "bogus")
    with pytest.raises(ValueError, match="both groups"):
        activations.selectivity(r, np.ones(80, bool))


@pytest.mark.parametrize("cache,model,dataset", [("lenet-digits28", "lenet-digits28", "digits28"),
                                                  ("alexnet-shapes64", "alexnet_small-shapes64", "shapes64")])
def test_cached_activations_are_the_trained_models_forward_pass(figures, workdir, cache, model, dataset):
    c = io.load_torch(workdir / f"cache/embedded/activations/{cache}.pt")
    net, info = models.load(workdir / f"cache/embedded/models/{model}.pt")
    d = io.load_torch(workdir / f"cache/embedded/data/{dataset}.pt")
    n = 4
    assert torch.equal(c["images"][:n], d["test_x"][:n]) and torch.equal(c["labels"][:n], d["test_y"][:n])
    x = inputs.normalize(data.as_float(d["test_x"][:n]), info["mean"], info["std"])
    direct = {}
    hooks = [models.layer(net, name).register_forward_hook(
        lambda m, i, o, name=name: direct.__setitem__(name, o.detach().clone())) for name in c["layers"]]
    with torch.no_grad():
        net(x)
    for h in hooks:
        h.remove()
    for name, act in c["layers"].items():
        assert act.dtype == torch.float16
        ref = direct[name]
        torch.testing.assert_close(act[:n].float(), ref, rtol=1e-2, atol=1e-2 * max(1.0, ref.abs().max().item()))
