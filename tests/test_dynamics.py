"""The 2d dynamics simulator and the 18-layer residual net (Fleuret, 2016): fast checks, tiny sizes."""
import math

import numpy as np
import pytest
import torch

from conftest import FIXTURES
from underhood import dynamics as D, models
from underhood.activations import activations
from underhood.models import DynamicsNet
from underhood.train import one_cycle, pick_precision, train_dynamics


def _scene(rects, grasped=0, local=(0.0, 0.0)):
    return dict(rects=np.array(rects, dtype=np.float64), grasped=grasped, grasp_local=np.array(local))


def test_scene_is_deterministic():
    a = D.make_scene(seed=3, index=7, size=32)
    b = D.make_scene(seed=3, index=7, size=32)
    for k in ("start", "grasp", "end", "rects", "end_rects", "grasp_point", "touched"):
        assert np.array_equal(a[k], b[k]), k
    assert a["grasped"] == b["grasped"]
    c = D.make_scene(seed=3, index=8, size=32)
    assert not np.array_equal(a["start"], c["start"])
    d1 = D.make_scenes(4, seed=1, offset=2, size=32)
    d2 = D.make_scenes(4, seed=1, offset=2, size=32)
    for k in d1:
        assert torch.equal(d1[k], d2[k]), k
    assert d1["x"].shape == (4, 2, 32, 32) and d1["y"].shape == (4, 1, 32, 32) and d1["x"].dtype == torch.uint8


def test_rectangles_do_not_overlap_at_start():
    for i in range(10):
        s = D.make_scene(seed=0, index=i, size=48)
        alone = sum(D.render(s["rects"][j:j + 1], 48).astype(int) for j in range(len(s["rects"])))
        assert alone.max() <= 255  # no pixel covered by two rectangles
        assert s["grasp"].max() > 200 and s["start"][s["grasp"] > 200].min() > 0  # the grasp point is on a rectangle


def test_grasped_moves_toward_pull_untouched_stay():
    """Over random scenes: the grasped rectangle moves along the pull; every rectangle neither
    grasped nor hit (no contact at all) ends exactly where it started."""
    direction = np.array([1.0, 0.0])  # pull_angle 0: to the right
    untouched = 0
    for i in range(30):
        s = D.make_scene(seed=0, index=i, size=32)
        g = s["grasped"]
        move = s["end_rects"][:, :2] - s["rects"][:, :2]
        assert move[g] @ direction > 3.0, (i, move[g])
        for j in range(len(move)):
            if j != g and not s["touched"][j]:
                untouched += 1
                assert np.array_equal(s["end_rects"][j], s["rects"][j]), (i, j)
    assert untouched >= 10


def test_pull_rotates_and_pushes():
    p = dict(D.DEFAULTS)
    # grasped at its centre, alone in its way: translation to the right, no rotation; the far one stays
    end, touched = D.simulate(_scene([(20, 30, 15, 10, 0.0), (50, 80, 15, 10, 0.3)]), **p)
    assert end[0, 0] - 20 > 5 and abs(end[0, 1] - 30) < 1e-6 and abs(end[0, 4]) < 1e-6
    assert np.array_equal(end[1], [50, 80, 15, 10, 0.3]) and not touched.any()
    # grasped off-centre (below the centre, y is downwards): the pull turns it
    end, _ = D.simulate(_scene([(20, 30, 15, 10, 0.0)], local=(0.0, 4.0)), **p)
    assert abs(end[0, 4]) > math.radians(5)
    # a rectangle right in the way is pushed to the right
    end, touched = D.simulate(_scene([(20, 50, 15, 15, 0.0), (40, 50, 10, 10, 0.0)]), **p)
    assert touched.all() and end[1, 0] - 40 > 3


def test_network_shapes_and_layers():
    torch.manual_seed(0)
    net = DynamicsNet(channels=8)
    convs = net.conv_names()
    assert len(convs) == 18
    assert convs[0] == "conv1" and convs[1] == "layer1.0.conv1" and convs[-1] == "conv_out"
    assert not any(isinstance(m, (torch.nn.MaxPool2d, torch.nn.AvgPool2d)) for m in net.modules())
    x = torch.rand(3, 2, 24, 24)
    assert net(x).shape == (3, 1, 24, 24)
    names = net.depth_names()
    assert len(names) == 18
    acts = activations(net, x, names, dtype=torch.float32, exact_on_cpu=False)
    assert all(acts[n].shape == (3, 8, 24, 24) for n in names[:-1]) and acts[names[-1]].shape == (3, 1, 24, 24)


def test_checkpoint_loads_through_the_zoo():
    """The committed checkpoint loads as every net's does (models.load), its layer names unchanged."""
    net, info = models.load(FIXTURES / "dynamics-resnet18.pt")
    assert isinstance(net, DynamicsNet) and info["arch"] == "dynamics_resnet18"
    assert info["params"]["pull_accel"] == D.DEFAULTS["pull_accel"] and "test_mse" in info["metrics"]


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_short_training_beats_nothing_moves(precision):
    """A few hundred steps on a tiny set: held-out MSE below that of 'nothing moves' (end = start), in
    float32 and in bfloat16 mixed precision (emulated where the CPU lacks it: slower, the same claim)."""
    torch.manual_seed(0)
    torch.set_num_threads(1)
    p = dict(size=24, n_rects=2, pull_accel=120)
    d = D.dataset(200, 40, seed=0, **p)
    net = DynamicsNet(channels=8)
    m = train_dynamics(net, d, steps=150, batch_size=16, lr=3e-3, seed=0, precision=precision, log=lambda s: None)
    assert m["nothing_moves_mse"] > 0
    assert m["ratio"] < 0.7, m


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_training_is_deterministic(precision):
    d = D.dataset(40, 8, seed=0, size=16, n_rects=2)
    states = []
    for _ in range(2):
        torch.manual_seed(1)
        net = DynamicsNet(channels=4)
        m = train_dynamics(net, d, steps=8, batch_size=8, lr=1e-3, seed=0, precision=precision, log=lambda s: None)
        states.append((net.state_dict(), m["test_mse"]))
    assert states[0][1] == states[1][1]
    assert all(torch.equal(states[0][0][k], states[1][0][k]) for k in states[0][0])


def test_precision_is_picked_from_the_device():
    assert pick_precision("float32", "cpu") == "float32" and pick_precision("bfloat16", "cpu") == "bfloat16"
    native = torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported()
    assert pick_precision("auto", "cpu") == ("bfloat16" if native else "float32")
    with pytest.raises(ValueError, match="precision: 'half' is not one of auto, float32, bfloat16"):
        pick_precision("half", "cpu")


@pytest.mark.parametrize("pct_start", [0.05, 0.25])
def test_one_cycle_schedule_works_for_every_step_count(pct_start):
    """OneCycleLR divides by zero where its warm-up ends at step 0 (20 steps at 5 %): every count works."""
    for steps in range(1, 61):
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.Adam([p], lr=0.1)
        sched = one_cycle(opt, 0.1, steps, pct_start)
        for _ in range(steps):
            opt.step()
            sched.step()
