"""D. Around an input: each method against Captum's implementation of the same method (on small
random nets of the zoo's architectures, inplace ReLUs and all), saliency against a finite difference,
and the model left exactly as it was (outputs, parameter gradients, hooks, modules)."""
import copy

import pytest
import torch
import torchvision
from captum.attr import Deconvolution, GuidedBackprop, NoiseTunnel, Occlusion, Saliency
from torch import nn

from underhood import backprop, models, occlusion, saliency, smoothgrad, zeiler

torch.set_num_threads(1)
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:captum")
ARCHS = ["alexnet_small", "vgg_small", "resnet_small"]


def net(arch, seed=0):
    torch.manual_seed(seed)
    m = models.build(arch).eval()
    for mod in m.modules():  # non-trivial batch-norm statistics
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.2, 0.2)
            mod.running_var.uniform_(0.5, 1.5)
    return m


def not_inplace(m):
    """A copy for Captum, whose backward hooks cannot handle inplace ReLUs."""
    m = copy.deepcopy(m)
    for mod in m.modules():
        if isinstance(mod, nn.ReLU):
            mod.inplace = False
    return m


def images(n=2, size=64, seed=1):
    return torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(seed))


def close(a, b):
    scale = b.abs().max().item()
    assert scale > 0
    torch.testing.assert_close(a, b, rtol=0, atol=1e-5 * scale)


def close_to_score(a, b, scores):
    """Occlusion maps are differences of scores: equal up to the rounding of the scores themselves
    (the incremental path sums in another order), 1e-5 of the largest score."""
    assert b.abs().max() > 0
    torch.testing.assert_close(a, b, rtol=0, atol=1e-5 * scores.detach().abs().max().item())


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("rule,captum", [("backprop", Saliency), ("deconvolution", Deconvolution), ("guided", GuidedBackprop)])
def test_relu_rules_equal_captum(arch, rule, captum):
    m, x = net(arch), images()
    t = m(x).argmax(1)
    ours = backprop.input_gradient(m, x, t, rule)
    kw = dict(abs=False) if captum is Saliency else {}
    theirs = captum(not_inplace(m)).attribute(x.clone(), target=t, **kw)
    close(ours, theirs)


def test_the_three_rules_differ():
    m, x = net("vgg_small"), images(1)
    g = {r: backprop.input_gradient(m, x, None, r) for r in backprop.RULES}
    assert not torch.allclose(g["backprop"], g["deconvolution"]) and not torch.allclose(g["deconvolution"], g["guided"])


@pytest.mark.parametrize("arch", ["alexnet_small", "vgg_small"])
def test_saliency_equals_captum(arch):
    m, x = net(arch), images()
    t = m(x).argmax(1)
    close(saliency.saliency(m, x, None), Saliency(not_inplace(m)).attribute(x.clone(), target=t, abs=True).sum(1))


def test_saliency_equals_finite_difference():
    m = net("lenet").double()
    x = torch.randn(1, 1, 28, 28, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    t = m(x).argmax(1).item()
    grad = backprop.backprop(m, x, t)
    sal = saliency.saliency(m, x, t)
    h = 1e-6
    for i, j in [(14, 14), (10, 17), (20, 8), (5, 5)]:
        e = torch.zeros_like(x)
        e[0, 0, i, j] = h
        with torch.no_grad():
            fd = (m(x + e)[0, t] - m(x - e)[0, t]) / (2 * h)
        assert abs(fd.item() - grad[0, 0, i, j].item()) < 1e-7
        assert abs(abs(fd.item()) - sal[0, i, j].item()) < 1e-7


@pytest.mark.parametrize("arch", ["alexnet_small", "vgg_small"])
def test_smoothgrad_equals_captum_noise_tunnel_with_the_same_noise(arch):
    m, x = net(arch), images(1)
    t = m(x).argmax(1).item()
    ours = smoothgrad.smoothgrad(m, x, t, sigma=0.25, nb_samples=10, batch_size=4,
                                 generator=torch.Generator().manual_seed(5))
    torch.manual_seed(5)  # Captum draws from the global generator, in the same order
    std = 0.25 * (x.max() - x.min()).item()
    theirs = NoiseTunnel(Saliency(not_inplace(m))).attribute(
        x.clone(), nt_type="smoothgrad", nt_samples=10, nt_samples_batch_size=4, stdevs=std, target=t, abs=False)
    close(ours, theirs.abs().sum(1))


def test_smoothgrad_is_seeded_and_needs_good_parameters():
    m, x = net("alexnet_small"), images(1)
    a = smoothgrad.smoothgrad(m, x, nb_samples=4, generator=torch.Generator().manual_seed(0))
    b = smoothgrad.smoothgrad(m, x, nb_samples=4, generator=torch.Generator().manual_seed(0))
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match="nb_samples=0"):
        smoothgrad.smoothgrad(m, x, nb_samples=0)


@pytest.mark.parametrize("arch,size,stride,fill", [("alexnet_small", 16, 4, 0.3), ("vgg_small", 16, 6, "image"),
                                                   ("resnet_small", 20, 8, -1.0)])
def test_occlusion_equals_captum(arch, size, stride, fill):
    m, x = net(arch), images()
    t = m(x).argmax(1)
    base = images(seed=7) if fill == "image" else fill  # a tensor fill, like a blurred copy
    ours = occlusion.occlusion(m, x, None, size, stride, base, batch_size=50)
    theirs = Occlusion(not_inplace(m)).attribute(x.clone(), sliding_window_shapes=(3, size, size),
                                                 strides=(3, stride, stride), baselines=base, target=t,
                                                 perturbations_per_eval=50)
    for c in range(3):
        close_to_score(ours, theirs[:, c], m(x))


@pytest.mark.parametrize("arch,side,size,stride", [("vgg_small", 64, 16, 2), ("alexnet_small", 61, 13, 5),
                                                   ("vgg11", 64, 13, 7), ("alexnet", 99, 20, 9)])
def test_incremental_occlusion_equals_batched(arch, side, size, stride):
    """The incremental path (each layer only where the window changed it) against whole forward
    passes: trained-like nets (batch norm), torchvision's VGG and AlexNet at small sizes, windows
    clipped by the border (side - size not a multiple of the stride)."""
    torch.manual_seed(0)
    m = net(arch) if arch.endswith("_small") else getattr(torchvision.models, arch)(weights=None).eval()
    x = torch.randn(2, 3, side, side, generator=torch.Generator().manual_seed(3))
    fill = torch.rand(2, 3, side, side, generator=torch.Generator().manual_seed(4))
    assert isinstance(occlusion._engine(m, x[:1], m(x[:1])[0], "auto"), occlusion.Incremental)
    exact = occlusion.occlusion(m, x, None, size, stride, fill, batch_size=16, method="batched")
    fast = occlusion.occlusion(m, x, None, size, stride, fill, batch_size=16, method="incremental")
    close_to_score(fast, exact, m(x))


def test_occlusion_method_choice():
    m, x = net("resnet_small"), images(1)
    assert isinstance(occlusion._engine(m, x, m(x)[0], "auto"), occlusion.Batched)  # not a conv/pool stack
    with pytest.raises(ValueError, match="'incremental' needs a model with a plain conv/pool"):
        occlusion.occlusion(m, x, size=16, stride=8, method="incremental")
    with pytest.raises(ValueError, match="occlusion method 'fast' is not one of auto, batched, incremental"):
        occlusion.occlusion(m, x, size=16, stride=8, method="fast")
    v = net("vgg_small").train()  # batch statistics: not a fixed function of each copy
    assert isinstance(occlusion._engine(v, x, v(x)[0], "auto"), occlusion.Batched)


def test_drill_down_refines_where_the_coarse_map_is_high():
    i, j = torch.meshgrid(torch.arange(31.0), torch.arange(29.0), indexing="ij")
    truth = torch.exp(-((i - 10) ** 2 + (j - 12) ** 2) / 8)
    calls = []

    def drops(cells, desc):
        calls.append(len(cells))
        return torch.stack([truth[a, b] for a, b in cells])

    grid, share = occlusion.drill_down(drops, 31, 29, 0.2, 4)
    hot = truth >= 0.25
    assert torch.equal(grid[hot], truth[hot])  # near the peak: computed, not interpolated
    assert (grid - truth).abs().max() < 0.1 and share < 0.45 and sum(calls) == round(share * 31 * 29)
    everything, share = occlusion.drill_down(drops, 31, 29, -1.0, 4)
    assert torch.equal(everything, truth) and share == 1.0


def test_occlusion_rejects_bad_windows():
    m, x = net("alexnet_small"), images(1)
    with pytest.raises(ValueError, match="mask size 100"):
        occlusion.occlusion(m, x, size=100)
    with pytest.raises(ValueError, match="stride 20"):
        occlusion.occlusion(m, x, size=16, stride=20)


def state(m, x):
    with torch.no_grad():
        out = m(x)
    hooks = [(n, len(mod._forward_hooks), len(mod._backward_hooks), len(mod._forward_pre_hooks),
              len(getattr(mod, "_backward_pre_hooks", {}))) for n, mod in m.named_modules()]
    return out, [None if p.grad is None else p.grad.clone() for p in m.parameters()], hooks, \
        [(n, type(mod).__name__, getattr(mod, "inplace", None)) for n, mod in m.named_modules()]


METHODS = {
    "saliency": lambda m, x: saliency.saliency(m, x),
    "smoothgrad": lambda m, x: smoothgrad.smoothgrad(m, x, nb_samples=3, generator=torch.Generator().manual_seed(0)),
    "deconvolution": lambda m, x: backprop.deconvolution(m, x),
    "guided": lambda m, x: backprop.guided_backprop(m, x),
    "occlusion": lambda m, x: occlusion.occlusion(m, x, size=32, stride=16),
    "zeiler": lambda m, x: zeiler.deconvolve_unit(m, "features.3", x[0], 1, 2, 3),
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("grads", [False, True])
def test_model_left_as_it_was(method, grads):
    m, x = net("alexnet_small"), images(1)
    if grads:  # some parameters carry a gradient, the others None
        m.classifier[-1].weight.grad = torch.ones_like(m.classifier[-1].weight)
    before = state(m, x)
    METHODS[method](m, x)
    after = state(m, x)
    torch.testing.assert_close(after[0], before[0], rtol=0, atol=0)
    assert [g is None for g in after[1]] == [g is None for g in before[1]]
    assert all(torch.equal(a, b) for a, b in zip(after[1], before[1]) if a is not None)
    assert after[2] == before[2] and after[3] == before[3]


def test_relu_rule_restores_modules_on_error():
    m = net("alexnet_small")
    relus = [mod for mod in m.modules() if isinstance(mod, nn.ReLU)]
    with pytest.raises(RuntimeError):
        backprop.input_gradient(m, torch.randn(1, 5, 64, 64))  # wrong number of channels
    assert [mod for mod in m.modules() if isinstance(mod, nn.ReLU)] == relus
    with pytest.raises(ValueError, match="not one of backprop"):
        backprop.input_gradient(m, images(1), rule="bogus")


def test_receptive_field_and_top_activations():
    m = net("alexnet_small")
    size, jump, start = zeiler.receptive_field(m, "features.3")
    assert (size, jump) == (37, 6)
    # the unit's gradient is zero outside its receptive field, and not everywhere zero inside
    x = images(1)[0]
    r, c = 4, 5
    g = zeiler.deconvolve_unit(m, "features.3", x, 7, r, c).abs().sum(0)
    top, left = round(start + r * jump - (size - 1) / 2), round(start + c * jump - (size - 1) / 2)
    inside = torch.zeros_like(g, dtype=torch.bool)
    inside[max(top, 0):top + size, max(left, 0):left + size] = True
    assert g[~inside].abs().max() == 0 and g[inside].abs().max() > 0
    u8 = (torch.rand(20, 3, 64, 64, generator=torch.Generator().manual_seed(0)) * 255).byte()
    prep = lambda u: u.float() / 255  # noqa: E731
    values, index, pos = zeiler.top_activations(m, "features.3", u8, torch.tensor([3, 7]), k=4, batch_size=6, prepare=prep)
    with torch.no_grad():
        a = zeiler.Upto(m, "features.3")(prep(u8))[:, [3, 7]].flatten(2).max(2).values
    assert torch.equal(values, a.topk(4, dim=0).values.T)
    with pytest.raises(ValueError, match="unknown layer"):
        zeiler.Upto(m, "features.99")


def test_occlusion_fills():
    u8 = (torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 255).byte()
    assert torch.equal(occlusion.fill(u8, "grey"), torch.full_like(u8, 128).float() / 255)
    flat = torch.full((1, 3, 32, 32), 77, dtype=torch.uint8)  # a blurred constant image stays constant
    torch.testing.assert_close(occlusion.fill(flat, "blur", 0.1), flat.float() / 255)
    assert not torch.equal(occlusion.fill(u8, "blur"), u8.float() / 255)
    with pytest.raises(ValueError, match="not one of grey, blur"):
        occlusion.fill(u8, "black")


def test_pixels_followed_are_large_apart_and_seeded():
    s = torch.rand(64, 64, generator=torch.Generator().manual_seed(3))
    picks = smoothgrad.pixels_followed(s, 3, seed=1)
    top = set(s.flatten().argsort(descending=True)[:64 * 64 // 20].tolist())
    assert len(picks) == 3 and all(r * 64 + c in top for r, c in picks)
    assert all(abs(r - r2) + abs(c - c2) > 8 for i, (r, c) in enumerate(picks) for r2, c2 in picks[:i])
    assert picks == smoothgrad.pixels_followed(s, 3, seed=1) != smoothgrad.pixels_followed(s, 3, seed=2)


def test_receptive_field_corner_moves_inside_the_image():
    assert zeiler.field_corner(37, 6, 0.0, 4, 5, 64) == (6, 12)
    assert zeiler.field_corner(37, 6, 0.0, 0, 0, 64) == (0, 0)  # crosses the top-left border
    assert zeiler.field_corner(37, 6, 0.0, 9, 9, 64) == (27, 27)  # crosses the bottom-right one: 64 - 37
