"""Predicting the dynamics of 2d objects with a deep residual network (Fleuret, 2016, arXiv 1610.04032).

A small 2d physics world (pymunk) holds a few rectangles, with no gravity, damping so that they
come to rest, walls on the border of the field, and collisions between them. One rectangle is
grasped at a point picked at random and pulled in a fixed direction for a fixed time; the force
acts at the grasp point, so an off-centre grasp also makes the rectangle turn, and it pushes the
rectangles it hits. Each scene gives three grey images: the start configuration, the grasp point,
the end configuration (rectangles white on black, antialiased).

A residual network of 18 conv layers (3x3, no pooling, the resolution kept all along) maps
(start, grasp) to end; it is trained with a quadratic loss. Its layers are named as torchvision
names those of a ResNet (`conv1`, `layer2.1.conv2`, ...), and `DynamicsNet.depth_names()` gives,
for each of the 18 conv layers, the module whose output is the activation "at that depth".

Everything is deterministic: a scene from (seed, index), the training from the seed.
"""
import math
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .activations import recording
from .train import one_cycle

WORLD = 100.0  # the field is WORLD x WORLD simulation units, x to the right, y downwards

DEFAULTS = dict(
    size=64,                 # image side, pixels
    n_rects=3,               # rectangles per scene
    rect_min=0.14,           # rectangle sides, as fractions of the field side
    rect_max=0.30,
    gap=0.03,                # minimal free space between rectangles at start, fraction of the field
    grasp_margin=0.15,       # the grasp point keeps this fraction of each side away from the edges
    pull_angle=0.0,          # direction of the pull in degrees, 0 = right, 90 = up (image)
    pull_accel=120.0,        # force / mass of the grasped rectangle, field units per s^2
    pull_duration=0.4,       # seconds of pull
    duration=1.2,            # seconds simulated in all (the rest lets things settle)
    damping=0.05,            # fraction of velocity kept after one second
    dt=0.01,                 # simulation time step, seconds
    friction=0.4,
    elasticity=0.1,
    grasp_radius=0.025,      # radius of the grasp dot, fraction of the image side
    supersample=4,           # rendering supersampling
)


# ------------------------------------------------------------------------------------ scenes

def random_scene(rng, n_rects=3, rect_min=0.14, rect_max=0.30, gap=0.03, grasp_margin=0.15,
                 max_tries=1000, **_):
    """A scene: non-overlapping rectangles (x, y, w, h, angle) and a grasp (index, local point).

    Rectangles are placed one after the other, a placement being retried until it keeps `gap`
    away from the walls and from the rectangles already placed."""
    import pymunk

    space = pymunk.Space()
    rects = []
    g = gap * WORLD
    for _ in range(n_rects):
        for _ in range(max_tries):
            w, h = rng.uniform(rect_min, rect_max, size=2) * WORLD
            angle = rng.uniform(0.0, math.pi)
            # half extent of the rotated box along x and y, kept inside the field
            ex = 0.5 * (abs(w * math.cos(angle)) + abs(h * math.sin(angle))) + g
            ey = 0.5 * (abs(w * math.sin(angle)) + abs(h * math.cos(angle))) + g
            x, y = rng.uniform(ex, WORLD - ex), rng.uniform(ey, WORLD - ey)
            body = pymunk.Body(body_type=pymunk.Body.KINEMATIC)
            body.position, body.angle = (x, y), angle
            probe = pymunk.Poly.create_box(body, (w + 2 * g, h + 2 * g))
            space.add(body, probe)
            if not space.shape_query(probe):
                space.remove(probe)
                keep = pymunk.Poly.create_box(body, (w, h))
                space.add(keep)
                rects.append((x, y, w, h, angle))
                break
            space.remove(body, probe)
        else:
            raise RuntimeError(f"could not place {n_rects} rectangles without overlap; use fewer or smaller ones")
    k = int(rng.integers(n_rects))
    w, h = rects[k][2], rects[k][3]
    m = 0.5 - grasp_margin
    local = (float(rng.uniform(-m, m) * w), float(rng.uniform(-m, m) * h))
    return dict(rects=np.array(rects, dtype=np.float64), grasped=k, grasp_local=np.array(local))


def _local_to_world(rect, p):
    x, y, _, _, a = rect
    c, s = math.cos(a), math.sin(a)
    return np.array([x + c * p[0] - s * p[1], y + s * p[0] + c * p[1]])


def simulate(scene, pull_angle=0.0, pull_accel=120.0, pull_duration=0.4, duration=1.2, damping=0.05,
             dt=0.01, friction=0.4, elasticity=0.1, **_):
    """Run the physics. Returns (end rects (n, 5), touched (n,) bool: took part in a contact).

    The force mass * pull_accel, in the fixed direction pull_angle, is applied at the grasp point
    (a point of the rectangle, so it moves and turns with it) during pull_duration seconds."""
    import pymunk

    space = pymunk.Space()
    space.gravity = (0.0, 0.0)
    space.damping = damping
    r = 1.0
    for a, b in [((0, 0), (WORLD, 0)), ((WORLD, 0), (WORLD, WORLD)),
                 ((WORLD, WORLD), (0, WORLD)), ((0, WORLD), (0, 0))]:
        wall = pymunk.Segment(space.static_body, a, b, r)
        wall.friction, wall.elasticity = friction, elasticity
        space.add(wall)
    bodies = []
    for x, y, w, h, angle in scene["rects"]:
        body = pymunk.Body()
        body.position, body.angle = (float(x), float(y)), float(angle)
        shape = pymunk.Poly.create_box(body, (float(w), float(h)))
        shape.density, shape.friction, shape.elasticity = 1.0, friction, elasticity
        space.add(body, shape)
        bodies.append(body)
    grasped = bodies[scene["grasped"]]
    a = math.radians(pull_angle)
    direction = (math.cos(a), -math.sin(a))  # y is downwards in the image
    force = (grasped.mass * pull_accel * direction[0], grasped.mass * pull_accel * direction[1])
    local = tuple(float(v) for v in scene["grasp_local"])
    touched = np.zeros(len(bodies), dtype=bool)
    index = {id(b): i for i, b in enumerate(bodies)}

    def note(arbiter):
        b0, b1 = arbiter.bodies
        if b0.body_type == pymunk.Body.DYNAMIC and b1.body_type == pymunk.Body.DYNAMIC:
            touched[index[id(b0)]] = touched[index[id(b1)]] = True

    n_pull, n_steps = int(round(pull_duration / dt)), int(round(duration / dt))
    for step in range(n_steps):
        if step < n_pull:
            grasped.apply_force_at_world_point(force, grasped.local_to_world(local))
        space.step(dt)
        for b in bodies:
            b.each_arbiter(note)
    end = np.array([(b.position.x, b.position.y, w, h, b.angle)
                    for b, (_, _, w, h, _) in zip(bodies, scene["rects"])], dtype=np.float64)
    return end, touched


def render(rects, size=64, supersample=4):
    """Rectangles, white on black, antialiased: a size x size uint8 array."""
    from PIL import Image, ImageDraw

    S = size * supersample
    img = Image.new("L", (S, S), 0)
    d = ImageDraw.Draw(img)
    k = S / WORLD
    for rect in rects:
        w, h = rect[2], rect[3]
        corners = [_local_to_world(rect, (sx * w / 2, sy * h / 2)) for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
        d.polygon([(float(p[0] * k), float(p[1] * k)) for p in corners], fill=255)
    return np.asarray(img.resize((size, size), Image.BOX))


def render_grasp(point, size=64, radius=0.025, supersample=4):
    """The grasp point as a white dot on black: a size x size uint8 array."""
    from PIL import Image, ImageDraw

    S = size * supersample
    img = Image.new("L", (S, S), 0)
    d = ImageDraw.Draw(img)
    x, y = point[0] * S / WORLD, point[1] * S / WORLD
    r = max(radius * S, 0.75 * supersample)
    d.ellipse([x - r, y - r, x + r, y + r], fill=255)
    return np.asarray(img.resize((size, size), Image.BOX))


def make_scene(seed, index, **params):
    """Scene number `index` of the stream `seed`: a dict with the start and end images (uint8),
    the grasp image, and the rectangles' parameters before and after."""
    p = {**DEFAULTS, **params}
    rng = np.random.default_rng([int(seed), int(index)])
    scene = random_scene(rng, **p)
    end, touched = simulate(scene, **p)
    point = _local_to_world(scene["rects"][scene["grasped"]], scene["grasp_local"])
    return dict(
        start=render(scene["rects"], p["size"], p["supersample"]),
        grasp=render_grasp(point, p["size"], p["grasp_radius"], p["supersample"]),
        end=render(end, p["size"], p["supersample"]),
        rects=scene["rects"], end_rects=end, grasped=scene["grasped"], grasp_point=point, touched=touched)


def make_scenes(n, seed=0, offset=0, log=None, **params):
    """Scenes offset .. offset+n-1: x (n, 2, S, S) uint8 = (start, grasp), y (n, 1, S, S) uint8 = end,
    and per scene: start and end rectangles (n, n_rects, 5), grasped index, grasp point, touched."""
    from tqdm import tqdm

    xs, ys, r0, r1, gi, gp, tc = [], [], [], [], [], [], []
    for i in tqdm(range(offset, offset + n), desc="scenes", mininterval=5, disable=log is None):
        s = make_scene(seed, i, **params)
        xs.append(np.stack([s["start"], s["grasp"]]))
        ys.append(s["end"][None])
        r0.append(s["rects"]); r1.append(s["end_rects"]); gi.append(s["grasped"])
        gp.append(s["grasp_point"]); tc.append(s["touched"])
    return dict(x=torch.from_numpy(np.stack(xs)), y=torch.from_numpy(np.stack(ys)),
                rects=torch.from_numpy(np.stack(r0)), end_rects=torch.from_numpy(np.stack(r1)),
                grasped=torch.tensor(gi), grasp_point=torch.from_numpy(np.stack(gp)),
                touched=torch.from_numpy(np.stack(tc)))


def dataset(n_train, n_test, seed=0, log=None, **params):
    """Training scenes are indices 0 .. n_train-1 of the stream `seed`, test scenes follow them."""
    p = {**DEFAULTS, **params}
    train = make_scenes(n_train, seed=seed, offset=0, log=log, **p)
    test = make_scenes(n_test, seed=seed, offset=n_train, log=log, **p)
    d = {f"train_{k}": v for k, v in train.items()}
    d.update({f"test_{k}": v for k, v in test.items()})
    d["params"] = {k: p[k] for k in DEFAULTS}
    d["seed"] = int(seed)
    return d


# ------------------------------------------------------------------------------------ network

class BasicBlock(nn.Module):
    """Two 3x3 convs with batch norm and a skip connection around them (torchvision's BasicBlock,
    with its two ReLUs as two modules so that each can be hooked)."""

    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.relu2 = nn.ReLU(inplace=True)

    def forward(self, x):
        out = self.relu1(self.bn1(self.conv1(x)))
        return self.relu2(x + self.bn2(self.conv2(out)))


class DynamicsNet(nn.Module):
    """18 conv layers, no pooling: conv1 (in -> C), layer1..layer4 of two residual blocks each
    (16 convs C -> C), conv_out (C -> 1). Input (start, grasp) in [0, 1], output the end image."""

    def __init__(self, in_channels=2, channels=16, out_channels=1, blocks=(2, 2, 2, 2)):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        for i, n in enumerate(blocks):
            setattr(self, f"layer{i + 1}", nn.Sequential(*[BasicBlock(channels) for _ in range(n)]))
        self.n_stages = len(blocks)
        self.conv_out = nn.Conv2d(channels, out_channels, 3, padding=1)
        for m in self.modules():
            if isinstance(m, BasicBlock):  # each block starts as the identity (torchvision's zero_init_residual)
                nn.init.zeros_(m.bn2.weight)
        nn.init.normal_(self.conv_out.weight, std=1e-3)  # the output starts flat, at 0
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        for i in range(self.n_stages):
            x = getattr(self, f"layer{i + 1}")(x)
        return self.conv_out(x)

    def conv_names(self):
        return [n for n, m in self.named_modules() if isinstance(m, nn.Conv2d)]

    def depth_names(self):
        """For conv layer k = 1..18, the module whose output is the activation at depth k: the ReLU
        after it (for the second conv of a block: after the skip connection is added), and for
        the last layer conv_out itself (the prediction)."""
        names = ["relu"]
        for i in range(self.n_stages):
            for j in range(len(getattr(self, f"layer{i + 1}"))):
                names += [f"layer{i + 1}.{j}.relu1", f"layer{i + 1}.{j}.relu2"]
        return names + ["conv_out"]


def activations(model, x, names):
    """Forward x through model and return {name: output of the module `name`} (detached, cpu)."""
    with recording(model, names, keep=lambda o: o.detach().clone().cpu()) as out, torch.no_grad():
        model(x)
    return dict(out)


def as_float(x):
    return x.float().div_(255.0)


@torch.no_grad()
def predict(model, x, device="cpu", batch_size=256):
    """uint8 (n, 2, S, S) -> predicted end images, float (n, 1, S, S), clamped to [0, 1]."""
    model.eval()
    out = [model(as_float(x[i:i + batch_size]).to(device)).clamp(0, 1).cpu() for i in range(0, len(x), batch_size)]
    return torch.cat(out)


def mse_metrics(model, x, y, device="cpu"):
    """Held-out MSE of the model, and of the trivial prediction "nothing moves" (end = start)."""
    pred = predict(model, x, device)
    target = as_float(y)
    mse = F.mse_loss(pred, target).item()
    still = F.mse_loss(as_float(x[:, :1]), target).item()
    return dict(test_mse=mse, nothing_moves_mse=still, ratio=mse / still)


def train(model, data, steps=2000, batch_size=32, lr=2e-3, seed=0, device="cpu", log=print):
    """Adam on the quadratic loss, the learning rate decayed along a cosine to 0; batches drawn
    with a seeded generator. Returns the held-out metrics."""
    from tqdm import tqdm

    g = torch.Generator().manual_seed(seed)
    fmt = torch.channels_last  # faster convolutions on CPU, harmless on GPU
    model.to(device, memory_format=fmt).train()
    x, y = data["train_x"], data["train_y"]
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = one_cycle(opt, lr, steps, pct_start=0.05, anneal_strategy="cos")
    start, running = time.time(), None
    bar = tqdm(range(steps), desc="train", mininterval=10)
    perm, pos = torch.randperm(len(x), generator=g), 0
    for step in bar:
        if pos + batch_size > len(x):
            perm, pos = torch.randperm(len(x), generator=g), 0
        idx = perm[pos:pos + batch_size]
        pos += batch_size
        xb = as_float(x[idx]).to(device).contiguous(memory_format=fmt)
        yb = as_float(y[idx]).to(device).contiguous(memory_format=fmt)
        loss = F.mse_loss(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if (step + 1) % max(1, steps // 20) == 0:
            log(f"step {step + 1}/{steps} loss {running:.5f} ({time.time() - start:.0f} s)")
    bar.close()
    seconds = time.time() - start
    metrics = mse_metrics(model, data["test_x"], data["test_y"], device)
    metrics.update(steps=steps, batch_size=batch_size, lr=lr, n_train=len(x), n_test=len(data["test_x"]),
                   train_seconds=round(seconds, 1))
    log(f"trained in {seconds:.1f} s; held-out MSE {metrics['test_mse']:.5f}, "
        f"nothing moves {metrics['nothing_moves_mse']:.5f}, ratio {metrics['ratio']:.3f}")
    return metrics


def checkpoint(model, kwargs, metrics, params):
    return dict(arch="dynamics_resnet18", kwargs=kwargs, state_dict=model.state_dict(), metrics=metrics,
                params=params)


def load(ckpt):
    model = DynamicsNet(**ckpt["kwargs"])
    model.load_state_dict(ckpt["state_dict"])
    return model.eval()


# ------------------------------------------------------------------------------------ figures

def grasp_overlay(x):
    """(2, S, S) uint8 (start, grasp) -> S x S x 3 floats: the start in grey, the grasp point in red."""
    start, grasp = as_float(x[0]).numpy(), as_float(x[1]).numpy()
    rgb = np.repeat((0.6 * start)[..., None], 3, axis=2)
    rgb[..., 0] = np.maximum(rgb[..., 0], grasp)
    rgb[..., 1] *= 1 - grasp
    rgb[..., 2] *= 1 - grasp
    return rgb


def pick_channels(acts, depth_names, layers, nb_channels, seed=0):
    """For each depth, nb_channels channels picked at random (seeded) among those that are not
    constant over the scenes shown (dead channels say nothing). Same channels for every scene."""
    g = torch.Generator().manual_seed(seed)
    picks = {}
    for k in layers:
        a = acts[depth_names[k - 1]]
        live = [c for c in range(a.shape[1]) if float(a[:, c].std()) > 1e-6] or list(range(a.shape[1]))
        order = torch.randperm(len(live), generator=g).tolist()
        picks[k] = sorted(live[i] for i in order[:nb_channels])
    return picks


def _show(ax, img, title=None, cmap="gray", vmin=0, vmax=1):
    ax.imshow(img, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)
    if title:
        ax.set_title(title, fontsize=7, pad=2)


def activations_figure(model, x, y, layers, nb_channels=4, seed=0, metrics=None):
    """For each scene (a column group): start, grasp, true end, prediction, then for each depth in
    `layers` the activation maps of nb_channels channels (each map scaled to its own max)."""
    import matplotlib.pyplot as plt

    names = model.depth_names()
    want = [names[k - 1] for k in layers]
    acts = activations(model.eval(), as_float(x), want)
    pred = acts[names[-1]].clamp(0, 1) if names[-1] in acts else predict(model, x)
    picks = pick_channels(acts, names, layers, nb_channels, seed)
    n, ncol = len(x), max(nb_channels, 4)
    fig, axes = plt.subplots(1 + len(layers), n * ncol, figsize=(0.95 * n * ncol + 0.6, 1.05 * (1 + len(layers)) + 0.5),
                             squeeze=False, gridspec_kw=dict(wspace=0.06, hspace=0.22))
    for s in range(n):
        top = axes[0, s * ncol:(s + 1) * ncol]
        _show(top[0], as_float(x[s, 0]).numpy(), "start")
        _show(top[1], grasp_overlay(x[s]), "grasp (red)")
        _show(top[2], as_float(y[s, 0]).numpy(), "true end")
        _show(top[3], pred[s, 0].numpy(), "predicted end")
        for c in range(4, ncol):
            top[c].axis("off")
        for r, k in enumerate(layers, start=1):
            a = acts[names[k - 1]][s]
            for j in range(ncol):
                ax = axes[r, s * ncol + j]
                if j >= len(picks[k]):
                    ax.axis("off")
                    continue
                c = picks[k][j]
                m = a[c]
                lo, hi = (float(m.min()), float(m.max())) if k == len(names) else (0.0, float(m.max()))
                _show(ax, m.numpy(), f"ch {c}", vmin=lo, vmax=hi if hi > lo else lo + 1)
                if j == 0 and s == 0:  # one label per row, left of the first scene
                    ax.set_ylabel(f"layer {k}" + (" (out)" if k == len(names) else ""), fontsize=8)
    title = "Activations of the 18-layer residual net predicting 2d dynamics (Fleuret, 2016, re-run at a small scale)"
    if metrics:
        title += (f"\nheld-out MSE {metrics['test_mse']:.4f} vs 'nothing moves' {metrics['nothing_moves_mse']:.4f}"
                  f" (ratio {metrics['ratio']:.2f}); each map scaled to its own maximum (black = 0)")
    fig.suptitle(title, fontsize=9)
    return fig


def scenes_figure(model, x, y, metrics=None, per_row=2):
    """Test scenes: start, grasp, true end, predicted end, and |prediction - truth|."""
    import matplotlib.pyplot as plt

    pred = predict(model, x)
    n = len(x)
    rows = (n + per_row - 1) // per_row
    fig, axes = plt.subplots(rows, 5 * per_row, figsize=(1.1 * 5 * per_row, 1.2 * rows + 0.6), squeeze=False,
                             gridspec_kw=dict(wspace=0.06, hspace=0.25))
    for i in range(rows * per_row):
        r, c = divmod(i, per_row)
        ax = axes[r, 5 * c:5 * c + 5]
        if i >= n:
            for a in ax:
                a.axis("off")
            continue
        t = as_float(y[i, 0]).numpy()
        p = pred[i, 0].numpy()
        _show(ax[0], as_float(x[i, 0]).numpy(), "start")
        _show(ax[1], grasp_overlay(x[i]), "grasp (red)")
        _show(ax[2], t, "true end")
        _show(ax[3], p, "predicted end")
        _show(ax[4], np.abs(p - t), "|error|")
    title = "2d dynamics: test scenes and the residual net's prediction"
    if metrics:
        title += (f"\nheld-out MSE {metrics['test_mse']:.4f} vs 'nothing moves' {metrics['nothing_moves_mse']:.4f}"
                  f" (ratio {metrics['ratio']:.2f})")
    fig.suptitle(title, fontsize=9)
    return fig
