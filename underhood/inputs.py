"""A model's input space: pixels in [0, 1] normalized per channel, (x - mean) / std, with the mean and
std its checkpoint carries (info["mean"], info["std"]), and back."""
import torch


def normalize(x, mean, std):
    """Pixels (N x C x H x W, in [0, 1]) -> the model's input, (x - mean) / std per channel."""
    m = torch.as_tensor(mean, device=x.device).view(1, -1, 1, 1)
    s = torch.as_tensor(std, device=x.device).view(1, -1, 1, 1)
    return (x - m) / s


class InputSpace:
    """The input space of a model (its info dict: a checkpoint's, or a cache's with mean and std) on `device`.

    mean, std: C x 1 x 1 tensors on the CPU (they broadcast to an image or a batch);
    lo, hi: the valid range of the input space, (0 - mean) / std and (1 - mean) / std, on `device`."""

    def __init__(self, info, device="cpu"):
        self.device = device
        self.mean, self.std = (torch.tensor(info[k]).view(-1, 1, 1) for k in ("mean", "std"))
        self.lo, self.hi = ((0 - self.mean) / self.std).to(device), ((1 - self.mean) / self.std).to(device)

    def to_input(self, pixels):
        """Pixels in [0, 1] -> the model's input, on its device."""
        return normalize(pixels.to(self.device), self.mean, self.std)

    def to_pixels(self, x):
        """The model's input -> pixels (on the CPU, not clamped: [0, 1] where x is in [lo, hi])."""
        return x.cpu() * self.std + self.mean
