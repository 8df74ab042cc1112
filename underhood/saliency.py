"""Saliency maps (Erhan et al. 2009; Simonyan et al. 2013, https://arxiv.org/abs/1312.6034): the
gradient of the maximally responding output unit with respect to the input, taken with
torch.autograd.grad (the parameters' gradients are left alone), as |gradient| summed over channels."""
from .backprop import backprop


def saliency(model, inputs, target=None):
    """N x H x W: sum over channels of |d f_target / d x|; target=None takes the max-response unit."""
    return backprop(model, inputs, target).abs().sum(1)
