"""The embedded tier's data: made by the code or shipped in packages, so it runs offline.

- digits28: scikit-learn's 1,797 handwritten 8x8 digits, upsampled to 28x28 (stands for MNIST).
- shapes:   RGB scenes of 10 named shape classes drawn by the code (stands for ILSVRC12 / CIFAR-10).
- faces:    scikit-image's `lfw_subset` (100 faces, 100 non-faces). (Photos: underhood/photo.py.)
- swiss roll: scikit-learn's, with one noise dimension.

Images are stored as uint8 tensors N x C x H x W; `as_float` maps them to [0, 1].
"""
import math

import numpy as np
import torch
from PIL import Image, ImageDraw


SHAPES_CLASSES = ["disc", "ring", "square", "triangle", "star", "cross",
                  "horizontal stripes", "vertical stripes", "checker", "ellipse"]
DIGITS_CLASSES = [str(k) for k in range(10)]


def as_float(x):
    """uint8 images -> float32 in [0, 1]."""
    return x.float().div_(255.0)


# ---------------------------------------------------------------- digits28

def _bilinear_weights(n_in, n_out):
    """Source indices and weights of a bilinear resize along one axis (align_corners=False, as
    torch.nn.functional.interpolate)."""
    src = np.maximum((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(int), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    w1 = src - i0
    return i0, i1, 1.0 - w1, w1


def bilinear(x, size):
    """Bilinear resize of N x C x H x W float64 arrays to size x size, in element-wise float64 (no
    BLAS, no vectorised reduction), so that the result is the same bits on every CPU."""
    i0, i1, a, b = _bilinear_weights(x.shape[-2], size)
    x = x[..., i0, :] * a[:, None] + x[..., i1, :] * b[:, None]
    j0, j1, c, d = _bilinear_weights(x.shape[-1], size)
    return x[..., j0] * c + x[..., j1] * d


def digits28(size=28, test_fraction=0.2, seed=0):
    """scikit-learn's digits, bilinearly upsampled from 8x8 to size x size, split train/test."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x = bilinear(d.images[:, None] / 16.0, size)
    x = torch.from_numpy((np.clip(x, 0, 1) * 255).round().astype(np.uint8))
    y = torch.from_numpy(d.target).long()
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    n_test = int(round(len(y) * test_fraction))
    test, train = perm[:n_test], perm[n_test:]
    return dict(train_x=x[train], train_y=y[train], test_x=x[test], test_y=y[test],
                classes=DIGITS_CLASSES)


# ---------------------------------------------------------------- shapes

def _polygon(cx, cy, r, n, angle, inner=None):
    pts = []
    for k in range(n * (2 if inner else 1)):
        a = angle + math.pi * k / n if inner else angle + 2 * math.pi * k / n
        rr = (inner if k % 2 else r) if inner else r
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return pts


def _rotate(points, cx, cy, angle):
    c, s = math.cos(angle), math.sin(angle)
    return [(cx + c * (x - cx) - s * (y - cy), cy + s * (x - cx) + c * (y - cy)) for x, y in points]


def _colour(rng):
    return tuple(int(v) for v in rng.integers(0, 256, 3))


def _contrasting(rng, other, min_dist=120):
    for _ in range(100):
        c = _colour(rng)
        if sum(abs(a - b) for a, b in zip(c, other)) >= min_dist:
            return c
    return tuple(255 - v for v in other)


def draw_shape(label, size=64, seed=0, index=0):
    """One scene of class `label` (an index into SHAPES_CLASSES) as an H x W x 3 uint8 array.

    Deterministic from (seed, index, label): a background gradient between two random colours,
    3-7 thin clutter lines, the object at a random position, scale, rotation and colour, and a
    little pixel noise. Drawn at twice the size and downsampled (anti-aliasing)."""
    rng = np.random.default_rng([seed, index, label])
    S = 2 * size
    # background: linear gradient between two colours along a random direction
    c0, c1 = np.array(_colour(rng), float), np.array(_colour(rng), float)
    a = rng.uniform(0, 2 * math.pi)
    yy, xx = np.mgrid[0:S, 0:S] / (S - 1) - 0.5
    t = (np.cos(a) * xx + np.sin(a) * yy + 0.71) / 1.42
    bg = c0 * (1 - t[..., None]) + c1 * t[..., None]
    img = Image.fromarray(bg.clip(0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    mean_bg = tuple(int(v) for v in (c0 + c1) / 2)
    # clutter
    for _ in range(rng.integers(3, 8)):
        p = rng.uniform(0, S, 4)
        d.line([(p[0], p[1]), (p[2], p[3])], fill=_colour(rng), width=int(rng.integers(1, 3)))
    fg = _contrasting(rng, mean_bg)
    r = rng.uniform(0.22, 0.36) * S
    cx, cy = rng.uniform(r + 2, S - r - 2, 2)
    ang = rng.uniform(0, 2 * math.pi)
    name = SHAPES_CLASSES[label]
    box = [cx - r, cy - r, cx + r, cy + r]
    if name == "disc":
        d.ellipse(box, fill=fg)
    elif name == "ring":
        d.ellipse(box, outline=fg, width=max(3, int(r * 0.3)))
    elif name == "ellipse":
        ratio = rng.uniform(0.35, 0.55)
        pts = [(cx + r * math.cos(u), cy + ratio * r * math.sin(u)) for u in np.linspace(0, 2 * math.pi, 64)]
        d.polygon(_rotate(pts, cx, cy, ang), fill=fg)
    elif name == "square":
        d.polygon(_polygon(cx, cy, r, 4, ang), fill=fg)
    elif name == "triangle":
        d.polygon(_polygon(cx, cy, r, 3, ang), fill=fg)
    elif name == "star":
        d.polygon(_polygon(cx, cy, r, 5, ang, inner=0.42 * r), fill=fg)
    elif name == "cross":
        w = r * 0.32
        arm = [(cx - r, cy - w), (cx + r, cy - w), (cx + r, cy + w), (cx - r, cy + w)]
        d.polygon(_rotate(arm, cx, cy, ang), fill=fg)
        d.polygon(_rotate(arm, cx, cy, ang + math.pi / 2), fill=fg)
    else:  # textured patches: stripes and checker, in a square window
        n = int(rng.integers(3, 6))
        step = 2 * r / (2 * n)
        patch = Image.new("L", (S, S), 0)
        pd = ImageDraw.Draw(patch)
        for i in range(2 * n):
            for j in range(2 * n):
                x0, y0 = cx - r + i * step, cy - r + j * step
                on = {"horizontal stripes": j % 2 == 0, "vertical stripes": i % 2 == 0,
                      "checker": (i + j) % 2 == 0}[name]
                if on:
                    pd.rectangle([x0, y0, x0 + step, y0 + step], fill=255)
        img.paste(Image.new("RGB", (S, S), fg), (0, 0), patch)
    img = img.resize((size, size), Image.BILINEAR)
    x = np.asarray(img).astype(np.float32) + rng.normal(0, 4.0, (size, size, 3))
    return x.clip(0, 255).round().astype(np.uint8)


def shapes(n, size=64, seed=0, offset=0):
    """n scenes with balanced labels: image i has label i % 10 and its own generator (seed, offset + i)."""
    from tqdm import tqdm

    labels = np.arange(offset, offset + n) % len(SHAPES_CLASSES)
    x = np.stack([draw_shape(int(l), size, seed, offset + i)
                  for i, l in enumerate(tqdm(labels, desc=f"shapes{size}", mininterval=2))])
    return torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(), torch.from_numpy(labels).long()


def shapes_dataset(n_train, n_test, size=64, seed=0):
    train_x, train_y = shapes(n_train, size, seed, offset=0)
    test_x, test_y = shapes(n_test, size, seed, offset=n_train)
    return dict(train_x=train_x, train_y=train_y, test_x=test_x, test_y=test_y, classes=SHAPES_CLASSES)


def faces():
    """scikit-image's lfw_subset: 25x25 grey patches, the first 100 faces, the next 100 not."""
    import skimage.data

    x = skimage.data.lfw_subset()
    return x, np.r_[np.ones(100, int), np.zeros(100, int)]


def swiss_roll(n=2000, noise=0.0, seed=0):
    """The swiss roll in R^3 plus one pure-noise dimension; `t` is the position along the roll."""
    from sklearn.datasets import make_swiss_roll

    x, t = make_swiss_roll(n, noise=noise, random_state=seed)
    extra = np.random.default_rng(seed).normal(0, x.std(), (n, 1))
    return np.hstack([x, extra]).astype(np.float32), t
