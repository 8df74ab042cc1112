"""The lecture's first picture: a one-hidden-layer MLP R^2 -> 2 whose hidden units are lines
{x : w.x + b = 0}. Trained on two classes of 2d points (inside / outside a triangle); snapshots of the lines during training."""
import copy

import numpy as np
import torch
from torch import nn


TRIANGLE = ((-0.7, -0.6), (0.8, -0.4), (-0.1, 0.8))


def triangle_data(n, seed=0, vertices=TRIANGLE):
    """Points uniform in [-1, 1]^2; class 1 inside the triangle, class 0 outside. Its boundary is
    three lines, so the hidden units' lines visibly gather on the triangle's sides as training goes."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 2, generator=g) * 2 - 1
    v = torch.tensor(vertices)
    inside = torch.ones(n, dtype=torch.bool)
    for i in range(3):
        a, b, c = v[i], v[(i + 1) % 3], v[(i + 2) % 3]
        normal = torch.stack([a[1] - b[1], b[0] - a[0]])
        inside &= ((x - a) @ normal) * torch.sign((c - a) @ normal) > 0
    return x, inside.long()


def mlp(nb_hidden=20):
    return nn.Sequential(nn.Linear(2, nb_hidden), nn.ReLU(), nn.Linear(nb_hidden, 2))


def train_snapshots(x, y, nb_hidden=20, steps=(0, 200, 1000, 5000), lr=0.01, seed=0):
    """Full-batch Adam on the cross-entropy; returns {step: (model copy, train accuracy)}.

    In float64: over 5,000 steps, float32's last-bit differences between CPUs' kernels grow into
    visibly different lines; float64's stay far below a pixel."""
    torch.manual_seed(seed)
    model = mlp(nb_hidden).double()
    x = x.double()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    snaps = {}
    for k in range(max(steps) + 1):
        if k in steps:
            with torch.no_grad():
                acc = (model(x).argmax(1) == y).float().mean().item()
            snaps[k] = (copy.deepcopy(model), acc)
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return snaps


def hidden_lines(model):
    """(w, b) of each hidden unit: the line {x : w.x + b = 0}."""
    lin = model[0]
    return lin.weight.detach().numpy(), lin.bias.detach().numpy()


def line_segment(w, b, lim=1.0):
    """The part of {x : w.x + b = 0} inside the square [-lim, lim]^2, or None."""
    pts = []
    for t in (-lim, lim):
        if abs(w[1]) > 1e-12:  # x0 = t
            v = -(b + w[0] * t) / w[1]
            if -lim <= v <= lim:
                pts.append((t, v))
        if abs(w[0]) > 1e-12:  # x1 = t
            u = -(b + w[1] * t) / w[0]
            if -lim <= u <= lim:
                pts.append((u, t))
    pts = sorted(set((round(p[0], 9), round(p[1], 9)) for p in pts))
    return (pts[0], pts[-1]) if len(pts) >= 2 else None
