"""The multi-scale edge-energy prior of the lecture's maximum-response images:

    h(x) = sum_{s >= 0} || d^s(x) - g * d^s(x) ||^2

g a 5x5 pseudo-Gaussian kernel (the outer product of [1 4 6 4 1], normalized), d a factor-2
downscale (a 2x2 uniform kernel, stride 2, padding 1). Each channel is treated as a one-channel
image, and the loop goes down the scales while both sizes are > 5. It penalizes energy in the high
frequencies, at every scale: argmax_x f(x; w) - h(x) gives smoother, more "realistic" images than
argmax_x f(x; w) alone (EE-559 lecture 8, "Maximum response samples").
"""
import torch
import torch.nn.functional as F
from torch import nn


class MultiScaleEdgeEnergy(nn.Module):
    """h(x) for a batch x (N x C x H x W): a tensor of N values (the lecture's module, as buffers)."""

    def __init__(self):
        super().__init__()
        k = torch.tensor([[1.0, 4.0, 6.0, 4.0, 1.0]])
        k_5x5_pseudo_gaussian = k.t().mm(k).view(1, 1, 5, 5)
        self.register_buffer("k_5x5_pseudo_gaussian", k_5x5_pseudo_gaussian / k_5x5_pseudo_gaussian.sum())
        self.register_buffer("k_2x2_uniform", torch.full((1, 1, 2, 2), 0.25))

    def forward(self, x):
        if x.size(1) > 1:
            # dealing with multiple channels by unfolding them as as many one-channel images
            result = self(x.reshape(x.size(0) * x.size(1), 1, x.size(2), x.size(3)))
            return result.view(x.size(0), -1).sum(1)
        g, d = self.k_5x5_pseudo_gaussian.to(x.dtype), self.k_2x2_uniform.to(x.dtype)
        result = x.new_zeros(x.size(0))
        while x.size(2) > 5 and x.size(3) > 5:
            blurry = F.conv2d(x, g, padding=2)
            result = result + (x - blurry).reshape(x.size(0), -1).pow(2).sum(1)
            x = F.conv2d(x, d, stride=2, padding=1)
        return result


def edge_energy(x):
    """h(x), one value per image of the batch x (N x C x H x W)."""
    return MultiScaleEdgeEnergy().to(x.device)(x)
