"""The model zoo: layer names as torchvision's, checkpoints round-trip, clear errors; a model's input space."""
import pytest
import torch

from underhood import io, models
from underhood.inputs import InputSpace


@pytest.mark.parametrize("arch,shape", [("lenet", (2, 1, 28, 28)), ("alexnet_small", (2, 3, 64, 64)),
                                        ("vgg_small", (2, 3, 64, 64)), ("resnet_small", (2, 3, 64, 64))])
def test_zoo_shapes(arch, shape):
    m = models.build(arch, num_classes=10, in_channels=shape[1]).eval()
    assert m(torch.zeros(shape)).shape == (2, 10)


def test_vgg_small_has_13_convs_and_lenet_the_lecture_shape():
    vgg = models.build("vgg_small")
    assert sum(isinstance(m, torch.nn.Conv2d) for m in vgg.modules()) == 13
    lenet = models.build("lenet", in_channels=1)
    assert tuple(models.layer(lenet, "features.0").weight.shape) == (32, 1, 5, 5)
    assert tuple(models.layer(lenet, "features.3").weight.shape) == (64, 32, 5, 5)
    alex = models.build("alexnet_small")
    assert tuple(models.layer(alex, "features.0").weight.shape[:2]) == (64, 3)
    assert tuple(models.layer(alex, "features.3").weight.shape[:2]) == (192, 64)


def test_unknown_layer_lists_valid_names():
    with pytest.raises(ValueError, match=r"unknown layer 'features\.99'; valid layers: .*features\.0"):
        models.layer(models.build("lenet", in_channels=1), "features.99")


def test_unknown_arch():
    with pytest.raises(ValueError, match="unknown architecture 'resnet9000'; known: lenet"):
        models.build("resnet9000")


def test_checkpoint_round_trip_with_weights_only(tmp_path):
    m = models.build("lenet", in_channels=1)
    ck = models.checkpoint(m, "lenet", dict(num_classes=10, in_channels=1), classes=list("0123456789"), mean=[0.1],
                           std=[0.3], input_size=[1, 28, 28])
    io.save_torch(ck, tmp_path / "m.pt")
    m2, info = models.load(tmp_path / "m.pt")
    assert info["classes"][3] == "3" and info["mean"] == [0.1]
    x = torch.randn(2, 1, 28, 28)
    assert torch.equal(m.eval()(x), m2(x))


def test_torchvision_state_dict_loads_with_arch(tmp_path):
    import torchvision

    sd = torchvision.models.alexnet(weights=None).state_dict()
    torch.save(sd, tmp_path / "alexnet.pth")
    m, info = models.load(tmp_path / "alexnet.pth", arch="alexnet")
    assert len(info["classes"]) == 1000 and info["input_size"] == [3, 224, 224]


def test_corrupt_checkpoint_is_named(tmp_path):
    (tmp_path / "bad.pt").write_bytes(b"not a torch file")
    with pytest.raises(ValueError, match="bad.pt: not a readable torch file"):
        models.load(tmp_path / "bad.pt")


def test_input_space_normalizes_per_channel_and_back():
    space = InputSpace(dict(mean=[0.5, 0.4, 0.3], std=[0.2, 0.25, 0.5]))
    pixels = torch.rand(2, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    x = space.to_input(pixels)
    torch.testing.assert_close(x[:, 1], (pixels[:, 1] - 0.4) / 0.25)
    torch.testing.assert_close(space.to_pixels(x), pixels)
    torch.testing.assert_close(space.to_input(torch.zeros(1, 3, 1, 1))[0], space.lo)  # [0, 1] -> [lo, hi]
    torch.testing.assert_close(space.to_input(torch.ones(1, 3, 1, 1))[0], space.hi)
    assert space.to_pixels(x[0]).shape == (3, 4, 4)  # one image as well as a batch
