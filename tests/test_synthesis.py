"""Synthesis: the edge-energy prior against numpy, maximum-response objectives, adversarial examples,
the genetic algorithm of the fooling images; and the figures of the shared test run."""
import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from underhood import adversarial as adv
from underhood import fooling, models
from underhood import max_response as mr
from underhood.edge_energy import edge_energy

torch.set_num_threads(1)


def numpy_edge_energy(x):
    """h(x) = sum_s ||d^s(x) - g * d^s(x)||^2, written out with numpy loops (zero padding)."""
    k = np.array([1.0, 4, 6, 4, 1])
    g = np.outer(k, k) / np.outer(k, k).sum()
    out = np.zeros(x.shape[0])
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            im = x[n, c]
            while im.shape[0] > 5 and im.shape[1] > 5:
                p = np.pad(im, 2)
                blurry = np.array([[(p[i:i + 5, j:j + 5] * g).sum() for j in range(im.shape[1])] for i in range(im.shape[0])])
                out[n] += ((im - blurry) ** 2).sum()
                p = np.pad(im, 1)
                h, w = (p.shape[0] - 2) // 2 + 1, (p.shape[1] - 2) // 2 + 1
                im = np.array([[p[2 * i:2 * i + 2, 2 * j:2 * j + 2].mean() for j in range(w)] for i in range(h)])
    return out


def test_edge_energy_equals_numpy():
    x = torch.randn(2, 3, 23, 17, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    np.testing.assert_allclose(edge_energy(x).numpy(), numpy_edge_energy(x.numpy()), rtol=1e-10)
    assert edge_energy(torch.ones(1, 3, 32, 32)).item() < edge_energy(torch.randn(1, 3, 32, 32)).item()


def small_net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(4), nn.Flatten(), nn.Linear(128, 5)).eval()


def test_objectives_compose():
    net, x = small_net(), torch.randn(3, 3, 16, 16)
    acts = mr.activations(net, x, ["2", mr.OUTPUT])
    obj = mr.channel("2", [0, 1, 2]) - 0.5 * mr.prior() + 1
    expected = acts["2"][[0, 1, 2], [0, 1, 2]].flatten(1).sum(1) - 0.5 * edge_energy(x) + 1
    torch.testing.assert_close(obj(acts, x), expected)
    torch.testing.assert_close(mr.unit("2", 4)(acts, x), acts["2"][:, 4, 8, 8])
    torch.testing.assert_close(mr.logit([4, 0, 1])(acts, x), acts["output"][[0, 1, 2], [4, 0, 1]])
    with pytest.raises(ValueError, match="one per image"):
        mr.logit([0, 1])(acts, x)


def test_a_layer_objective_stops_the_forward_pass_with_the_same_values_and_gradients():
    net = small_net()
    ran = []
    net[6].register_forward_hook(lambda *_: ran.append("linear"))
    x = torch.randn(3, 3, 16, 16, requires_grad=True)
    obj = mr.channel("2", [0, 1, 2]) - 0.5 * mr.prior()
    value = obj(mr.activations(net, x, obj.layers), x)
    assert ran == []  # the net's last layers were not run
    (grad,) = torch.autograd.grad(value.sum(), x)
    full = {}
    net[2].register_forward_hook(lambda m, i, o: full.update(c=o))
    net(x)  # the whole net, by hand
    expected = full["c"][[0, 1, 2], [0, 1, 2]].flatten(1).sum(1) - 0.5 * edge_energy(x)
    assert ran == ["linear"] and torch.equal(value, expected)
    assert torch.equal(grad, torch.autograd.grad(expected.sum(), x)[0])
    assert mr.OUTPUT in mr.activations(net, x, mr.logit(0).layers)  # a logit needs the whole net


@pytest.mark.parametrize("arch,side,conv", [("vgg_small", 64, 7), ("vgg16", 128, 10), ("vgg16", 224, 13), ("alexnet", 160, 3)])
def test_a_centre_unit_runs_on_its_receptive_field_with_the_same_values_and_gradients(arch, side, conv):
    torch.manual_seed(0)
    net = models.build(arch, **({"num_classes": 10} if arch == "vgg_small" else {})).eval()
    for q in net.parameters():
        q.requires_grad_(False)
    layer = mr.conv_layer_name(net, conv)
    obj = mr.unit(layer, [0, 1]) - 0.5 * mr.prior()
    crop = mr.centre_crop(net, obj, (3, side, side), max_share=1.0)  # the geometry, however large the field
    x = torch.randn(2, 3, side, side, requires_grad=True)
    whole = mr.evaluate(net, obj, x)
    (g_whole,) = torch.autograd.grad(whole.sum(), x)
    part = mr.evaluate(net, obj, x, crop)
    (g_part,) = torch.autograd.grad(part.sum(), x)
    torch.testing.assert_close(part, whole, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(g_part, g_whole, rtol=1e-5, atol=1e-6)
    _, rows, cols, _, _ = crop
    unit_only = torch.autograd.grad(mr.evaluate(net, mr.unit(layer, [0, 1]), x).sum(), x)[0]
    outside = unit_only.clone()
    outside[:, :, rows, cols] = 0
    assert outside.abs().max() == 0 and unit_only[:, :, rows, cols].abs().max() > 0  # the field holds every dependency
    assert (rows.stop - rows.start) * (cols.stop - cols.start) < side * side, crop


def test_only_a_centre_unit_of_the_first_stack_is_cropped():
    vgg = models.build("vgg16").eval()
    layer = mr.conv_layer_name(vgg, 10)
    assert mr.centre_crop(vgg, mr.channel(layer, [0]), (3, 224, 224)) is None  # a whole map
    assert mr.centre_crop(vgg, mr.logit([0]) - mr.prior(), (3, 224, 224)) is None
    assert mr.centre_crop(vgg, mr.unit(layer, [0]) + mr.channel(layer, [0]), (3, 224, 224)) is None
    _, rows, cols, offset, size = mr.centre_crop(vgg, mr.unit(layer, [0]) - mr.prior(), (3, 224, 224))
    assert (rows, cols, offset, size) == (slice(64, 168), slice(64, 168), (8, 8), (28, 28))  # 92x92, widened to strides of 8
    assert mr.centre_crop(vgg, mr.unit(mr.conv_layer_name(vgg, 13), [0]), (3, 224, 224)) is None  # 208x208: too large to pay
    assert mr.centre_crop(small_net(), mr.unit("2", [0]), (3, 16, 16)) is None  # no first stage to cut
    vgg_small = models.build("vgg_small", num_classes=10)
    assert mr.centre_crop(vgg_small, mr.unit(mr.conv_layer_name(vgg_small, 10), [0]), (3, 64, 64)) is None  # all of it
    resnet = models.build("resnet_small", num_classes=10)
    assert mr.centre_crop(resnet, mr.unit(mr.conv_layer_name(resnet, 3), [0]), (3, 64, 64)) is None


def test_a_conv_objective_reads_the_convolution_before_torchvisions_in_place_relu():
    torch.manual_seed(0)
    vgg = models.build("vgg16").eval()
    x, k = torch.randn(8, 3, 64, 64), list(range(8))
    with torch.no_grad():
        conv = vgg.features[:22](x)[k, k, 4, 4]  # conv 10 (features.21), before features.22, ReLU(inplace=True)
        out = vgg(x)
        assert (conv < 0).any()
        torch.testing.assert_close(mr.evaluate(vgg, mr.unit("features.21", k), x), conv)  # the net cut after it
        both = mr.unit("features.21", k) + mr.logit(k)  # the whole net, the layer's output kept
        torch.testing.assert_close(mr.evaluate(vgg, both, x), conv + out[k, k])


def test_conv_layers_are_derived_from_the_model():
    assert [mr.conv_layer_name(models.VGGSmall(), n) for n in (4, 7, 10, 13)] == \
        ["features.10", "features.20", "features.30", "features.40"]
    import torchvision

    vgg16 = torchvision.models.vgg16(weights=None)
    assert [mr.conv_layer_name(vgg16, n) for n in (4, 7, 10, 13)] == ["features.7", "features.14", "features.21", "features.28"]
    with pytest.raises(ValueError, match="13 convolutional layers"):
        mr.conv_layer_name(vgg16, 14)


@pytest.mark.parametrize("make", [lambda: mr.channel("2", list(range(4))), lambda: mr.logit([0, 1, 2, 3])])
def test_max_response_raises_the_objective(make):
    net = small_net()
    x, start, end = mr.max_response(net, make(), (3, 16, 16), 4, steps=30, lr=0.1, lo=-2.0, hi=2.0,
                                    generator=torch.Generator().manual_seed(0))
    assert (end > start + 0.25).all(), (start, end)
    assert x.min() >= -2 and x.max() <= 2  # clamped


def test_prior_lowers_high_frequency_energy():
    net, g = small_net(), lambda: torch.Generator().manual_seed(0)
    free, _, e0 = mr.max_response(net, mr.logit([0, 1, 2]), (3, 16, 16), 3, steps=60, generator=g())
    smooth, _, e1 = mr.max_response(net, mr.logit([0, 1, 2]) - 0.05 * mr.prior(), (3, 16, 16), 3, steps=60, generator=g())
    assert (edge_energy(smooth) < 0.5 * edge_energy(free)).all()


def test_sign_step_changes_a_linear_models_class_with_bounded_perturbation():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(12, 3)).eval()
    x = torch.randn(4, 3, 2, 2)
    x_tilde, preds, probs, xs = adv.adversarial(net, x, steps=40, step="sign", eps=0.05)
    assert (preds[-1] != preds[0]).all()
    assert (x_tilde - x).abs().max() <= 40 * 0.05 + 1e-6
    assert preds.shape == probs.shape == (41, 4) and xs.shape == (41, 4, 3, 2, 2)
    torch.testing.assert_close(xs[0], x)
    torch.testing.assert_close((xs[1:] - xs[:-1]).abs().amax((2, 3, 4)), torch.full((40, 4), 0.05))
    first = adv.first_changed(preds)
    assert all(preds[first[i], i] != preds[0, i] and (preds[:first[i], i] == preds[0, i]).all() for i in range(4))


def test_genetic_algorithm_best_fitness_never_decreases():
    net = small_net()
    best, hist = fooling.evolve(net, [0, 3], 16, lambda x: x, evaluations=300, population=20, genome_size=4,
                                generator=torch.Generator().manual_seed(0))
    assert best.shape == (2, 3, 4, 4) and hist.shape[1] == 2
    assert (hist[1:] >= hist[:-1]).all() and (hist[-1] > hist[0]).all()


# ---------------------------------------------------------------- the figures of the shared test run

def test_adversarial_sphere_figure_counts_1000_samples(figures):
    t = pd.read_csv(figures / "adversarial-sphere.csv")
    assert (t.samples == 1000).all() and (t.changed <= t.samples).all()


def test_max_response_and_fooling_figures_report_rising_objectives(figures):
    for fid in ["max-response-noprior", "max-response-vgg16-conv4", "max-response-vgg16-conv13", "max-response-vgg16-classes"]:
        t = pd.read_csv(figures / f"{fid}.csv")
        assert (t.objective_end > t.objective_start).all(), fid
    f = pd.read_csv(figures / "fooling-images.csv")
    for _, g in f.groupby("target"):
        assert g.best_fitness.is_monotonic_increasing and g.best_fitness.iloc[-1] > g.best_fitness.iloc[0]
