"""Embedded data: the shapes generator and digits28."""
import numpy as np
import torch

from underhood import data


def test_shapes_are_deterministic_and_depend_on_seed_and_index():
    a = data.draw_shape(3, 64, seed=0, index=5)
    assert a.shape == (64, 64, 3) and a.dtype == np.uint8
    assert np.array_equal(a, data.draw_shape(3, 64, seed=0, index=5))
    assert not np.array_equal(a, data.draw_shape(3, 64, seed=1, index=5))
    assert not np.array_equal(a, data.draw_shape(3, 64, seed=0, index=6))


def test_shapes_dataset_is_balanced_and_split_without_overlap():
    d = data.shapes_dataset(40, 20, size=32, seed=0)
    assert d["train_x"].shape == (40, 3, 32, 32) and d["train_x"].dtype == torch.uint8
    assert d["classes"] == data.SHAPES_CLASSES and len(set(d["classes"])) == 10
    assert torch.equal(torch.bincount(d["train_y"], minlength=10), torch.full((10,), 4))
    # test images are other draws than training images (index offset)
    flat_train = {bytes(x.numpy()) for x in d["train_x"]}
    assert not any(bytes(x.numpy()) in flat_train for x in d["test_x"])


def test_shape_object_differs_from_background():
    """The object is drawn: the centre region of a disc image is not the background gradient."""
    x = data.draw_shape(0, 64, seed=0, index=0).astype(float)
    assert x.std() > 10


def test_digits28_upsamples_sklearn_digits():
    from sklearn.datasets import load_digits

    d = data.digits28(size=28, test_fraction=0.2, seed=0)
    n = len(load_digits().target)
    assert len(d["train_y"]) + len(d["test_y"]) == n
    assert d["train_x"].shape[1:] == (1, 28, 28) and d["train_x"].dtype == torch.uint8
    assert d["train_x"].max() > 200 and d["train_x"].min() == 0


def test_swiss_roll_has_one_noise_dimension():
    x, t = data.swiss_roll(500, seed=0)
    assert x.shape == (500, 4) and t.shape == (500,)
    assert abs(np.corrcoef(x[:, 3], t)[0, 1]) < 0.15


def test_digits28_bilinear_equals_torch_interpolate():
    """The element-wise float64 resize (same bits on every CPU) is torch's bilinear interpolation."""
    from sklearn.datasets import load_digits

    x = load_digits().images[:50, None] / 16.0
    ref = torch.nn.functional.interpolate(torch.from_numpy(x), size=(28, 28), mode="bilinear", align_corners=False)
    np.testing.assert_allclose(data.bilinear(x, 28), ref.numpy(), rtol=0, atol=1e-12)
    ref = torch.nn.functional.interpolate(torch.from_numpy(x), size=(13, 13), mode="bilinear", align_corners=False)
    np.testing.assert_allclose(data.bilinear(x, 13), ref.numpy(), rtol=0, atol=1e-12)
