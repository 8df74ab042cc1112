"""Filter grids, the toy MLP's lines, dilation sizes against nn.Conv2d."""
import numpy as np
import pytest
import torch

from underhood import dilation, plot, toy


def test_rescale_maps_zero_to_grey_per_filter_and_shared():
    w = np.array([[[[1.0, -1.0]]], [[[0.5, 0.0]]]])
    per = plot.rescale(w, "per_filter")
    assert per[0, 0, 0].tolist() == [1.0, 0.0] and per[1, 0, 0].tolist() == [1.0, 0.5]
    shared = plot.rescale(w, "shared")
    assert shared[1, 0, 0].tolist() == [0.75, 0.5]
    with pytest.raises(ValueError, match="per_filter, shared"):
        plot.rescale(w, "bogus")


def test_filter_grid_layout():
    w = np.random.default_rng(0).normal(size=(20, 15, 5, 5))
    g = plot.filter_grid(w)
    assert g.shape == (20 * 6 + 1, 15 * 6 + 1)  # one row per filter, one column per channel, 1 px padding
    cell = g[1 + 6 * 2: 1 + 6 * 2 + 5, 1 + 6 * 3: 1 + 6 * 3 + 5]  # filter 2, channel 3
    np.testing.assert_allclose(cell, 0.5 + 0.5 * w[2, 3] / np.abs(w[2]).max())
    rgb = plot.filter_grid(np.random.default_rng(0).normal(size=(20, 3, 7, 7)), rgb=True)
    assert rgb.ndim == 3 and rgb.shape[2] == 3
    grey1 = plot.filter_grid(np.ones((32, 1, 5, 5)))
    assert grey1.shape == (4 * 6 + 1, 8 * 6 + 1)  # 32 single-channel filters on an 8-wide grid


@pytest.mark.parametrize("k,d", [(3, 1), (3, 2), (3, 4), (5, 3), (2, 7)])
def test_dilation_formula_equals_conv2d(k, d):
    for h, w in [(20, 30), (33, 41)]:
        assert dilation.measured_output_size(h, w, k, d) == (dilation.output_size(h, k, d), dilation.output_size(w, k, d))


def test_lecture_dilation_example():
    assert dilation.support(3, 4) == 9
    assert dilation.measured_output_size(20, 30, 3, 4) == (12, 22)
    assert dilation.receptive_field([3, 3, 3], [1, 2, 4]) == 15


def test_hidden_line_segment_lies_on_the_line_and_in_the_square():
    w, b = np.array([1.0, 2.0]), -0.5
    (p, q) = toy.line_segment(w, b)
    for pt in (p, q):
        assert abs(w @ np.array(pt) + b) < 1e-9 and max(abs(pt[0]), abs(pt[1])) <= 1 + 1e-9
    assert toy.line_segment(np.array([1.0, 0.0]), 5.0) is None  # x0 = -5: outside


def test_toy_training_reaches_the_triangle():
    x, y = toy.triangle_data(400, seed=0)
    assert 0.1 < y.float().mean() < 0.6
    snaps = toy.train_snapshots(x, y, 20, steps=(0, 1500), lr=0.01, seed=0)
    assert snaps[1500][1] > 0.97 > snaps[0][1]
