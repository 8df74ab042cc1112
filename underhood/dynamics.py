"""Predicting the dynamics of 2d objects with a deep residual network (Fleuret, 2016, arXiv 1610.04032):
the scenes and their data set.

A small 2d physics world (pymunk) holds a few rectangles, with no gravity, damping so that they
come to rest, walls on the border of the field, and collisions between them. One rectangle is
grasped at a point picked at random and pulled in a fixed direction for a fixed time; the force
acts at the grasp point, so an off-centre grasp also makes the rectangle turn, and it pushes the
rectangles it hits. Each scene gives three grey images: the start configuration, the grasp point,
the end configuration (rectangles white on black, antialiased).

A residual network of 18 conv layers (3x3, no pooling, the resolution kept all along) maps
(start, grasp) to end (models.DynamicsNet, arch `dynamics_resnet18`); it is trained with a quadratic
loss (train.train_dynamics); dynamics_plot draws its figures. Its layers are named as torchvision
names those of a ResNet (`conv1`, `layer2.1.conv2`, ...), and `DynamicsNet.depth_names()` gives,
for each of the 18 conv layers, the module whose output is the activation "at that depth".

Everything is deterministic: a scene from (seed, index), the training from the seed. The defaults
are the lecture's values (config.yaml's dynamics section), in DEFAULTS only.
"""
import math

import numpy as np
import torch

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

def random_scene(rng, n_rects, rect_min, rect_max, gap, grasp_margin, max_tries=1000, **_):
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


def simulate(scene, pull_angle, pull_accel, pull_duration, duration, damping, dt, friction, elasticity, **_):
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


def render(rects, size=DEFAULTS["size"], supersample=DEFAULTS["supersample"]):
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


def render_grasp(point, size, radius, supersample):
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
