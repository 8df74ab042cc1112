"""Back-propagation, deconvolution and guided back-propagation: the gradient of one output unit
with respect to the input, computed by a backward pass that differs only in what passes back
through the ReLU layers (s: the ReLU's input, g: the gradient wrt its output):

    backprop                 1{s>0} g          Erhan et al. 2009; Simonyan et al. 2013
    deconvolution            1{g>0} g          Zeiler and Fergus 2014, https://arxiv.org/abs/1311.2901
    guided back-propagation  1{s>0} 1{g>0} g   Springenberg et al. 2014, https://arxiv.org/abs/1412.6806

During the call every nn.ReLU module of the model (inplace or not) is swapped for one that applies
the rule in its backward pass; the original modules are put back afterwards, even on error.
Gradients are taken with torch.autograd.grad, so the parameters' .grad are never touched.
"""
import contextlib

import torch
from torch import nn

RULES = ("backprop", "deconvolution", "guided")


class _RuleReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, s, rule):
        x = s.clamp(min=0)
        ctx.rule = rule
        ctx.save_for_backward(x)  # x > 0 exactly where s > 0
        return x

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        if ctx.rule == "backprop":
            return g * (x > 0), None
        if ctx.rule == "deconvolution":
            return g.clamp(min=0), None
        return g.clamp(min=0) * (x > 0), None  # guided


class RuleReLU(nn.Module):
    def __init__(self, rule):
        super().__init__()
        self.rule = rule

    def forward(self, s):
        return _RuleReLU.apply(s, self.rule)


@contextlib.contextmanager
def relu_rule(model, rule):
    """Within the block, every nn.ReLU of `model` back-propagates with `rule` (one of RULES)."""
    if rule not in RULES:
        raise ValueError(f"ReLU rule {rule!r} is not one of {', '.join(RULES)}")
    if isinstance(model, nn.ReLU):
        raise ValueError("the model itself is a ReLU; wrap it in nn.Sequential")
    swapped = []
    try:
        for parent in list(model.modules()):
            for name, child in list(parent._modules.items()):
                if isinstance(child, nn.ReLU):
                    parent._modules[name] = RuleReLU(rule)  # same key: the module order is kept
                    swapped.append((parent, name, child))
        yield model
    finally:
        for parent, name, child in swapped:
            parent._modules[name] = child


def output_unit(output, target):
    """One unit per sample: output flattened per sample, indexed by `target` (int, or a tensor of
    one index per sample); None takes each sample's maximally responding unit."""
    flat = output.reshape(len(output), -1)
    if target is None:
        target = flat.argmax(1)
    target = torch.as_tensor(target, device=flat.device).long().reshape(-1).expand(len(flat))
    if (target < 0).any() or (target >= flat.shape[1]).any():
        raise ValueError(f"target {target.tolist()} out of range: the output has {flat.shape[1]} units per sample")
    return flat.gather(1, target[:, None])[:, 0], target


@torch.no_grad()
def classify(model, inputs, classes):
    """What the maps explain, as the cached maps store it (on the CPU): the class names, each image's
    maximally responding output unit (target), its score and its softmax probability."""
    logits = model(inputs).cpu()
    target = logits.argmax(1)
    return dict(classes=classes, target=target, scores=logits.gather(1, target[:, None])[:, 0],
                probs=logits.softmax(1).gather(1, target[:, None])[:, 0])


def input_gradient(model, inputs, target=None, rule="backprop"):
    """d f_target / d inputs (N x C x H x W) with the given ReLU rule; f is the model's output,
    flattened per sample, and target=None takes the maximally responding unit."""
    x = inputs.detach().clone().requires_grad_(True)
    with relu_rule(model, rule):
        f, _ = output_unit(model(x), target)
        grad, = torch.autograd.grad(f.sum(), x)
    return grad


def backprop(model, inputs, target=None):
    """The plain gradient: 1{s>0} g through the ReLUs."""
    return input_gradient(model, inputs, target, "backprop")


def deconvolution(model, inputs, target=None):
    """Zeiler and Fergus's deconvolution: 1{g>0} g through the ReLUs."""
    return input_gradient(model, inputs, target, "deconvolution")


def guided_backprop(model, inputs, target=None):
    """Springenberg et al.'s guided back-propagation: 1{s>0} 1{g>0} g through the ReLUs."""
    return input_gradient(model, inputs, target, "guided")
