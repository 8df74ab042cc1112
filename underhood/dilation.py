"""Dilated convolution (Yu & Koltun, 2015): a kernel of size k and dilation d covers 1 + (k - 1) d
inputs, so a valid convolution shrinks a map of size n to n - (k - 1) d."""
import torch
from torch import nn


def support(k, d):
    return 1 + (k - 1) * d


def output_size(n, k, d, stride=1, padding=0):
    return (n + 2 * padding - support(k, d)) // stride + 1


def measured_output_size(h, w, k, d):
    """Run an actual nn.Conv2d and read the size it gives."""
    conv = nn.Conv2d(1, 1, kernel_size=k, dilation=d)
    with torch.no_grad():
        return tuple(conv(torch.zeros(1, 1, h, w)).shape[2:])


def size_table(input_sizes, kernel_sizes, dilations):
    rows = []
    for h, w in input_sizes:
        for k in kernel_sizes:
            for d in dilations:
                if support(k, d) > min(h, w):
                    continue
                mh, mw = measured_output_size(h, w, k, d)
                fh, fw = output_size(h, k, d), output_size(w, k, d)
                rows.append(dict(input_h=h, input_w=w, kernel=k, dilation=d, support=support(k, d),
                                 conv2d_h=mh, conv2d_w=mw, formula_h=fh, formula_w=fw,
                                 equal=(mh, mw) == (fh, fw)))
    return rows


def receptive_field(kernels, dilations):
    """Receptive field of stacked stride-1 convolutions: 1 + sum (k_i - 1) d_i."""
    return 1 + sum((k - 1) * d for k, d in zip(kernels, dilations))
