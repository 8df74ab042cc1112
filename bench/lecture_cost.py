"""What the lecture tier costs on this machine, before running it: per heavy job, its work (passes, from
config.yaml's lecture settings) times the measured time of one pass (a short timed run of the same
code on the same shapes: torchvision's nets with random weights, random data: speed does not depend on
the values), and the total. Each pass is timed after a warm-up, on --threads threads, alone.

    .venv/bin/python bench/lecture_cost.py                 # 2 threads, the CPU
    .venv/bin/python bench/lecture_cost.py --device cuda   # one GPU

Left out: the downloads (network), and jobs of a few seconds (figures, filters, activations, dilation).
The dynamics jobs are the same in both tiers: see the cold-run table of the embedded tier."""
import argparse
import math
import sys
import time
from pathlib import Path

import torch
import yaml
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from underhood import io, max_response as mr, models, occlusion, train, tsne  # noqa: E402

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--config", default=str(ROOT / "config.yaml"))
p.add_argument("--threads", type=int, default=2)
p.add_argument("--device", default="cpu")
p.add_argument("--precision", default=None, help="training: auto | float32 | bfloat16 (default: config.yaml's)")
p.add_argument("--jobs", nargs="+", default=None, help="only the jobs whose name holds one of these words")
a = p.parse_args()
io.seed_all(0, a.threads)
device = io.pick_device(a.device)
cfg = yaml.safe_load(open(a.config))
fig = cfg["figures"]
precision = train.pick_precision(a.precision or cfg["precision"], device)
nets = {}


def net(arch, **kw):
    if arch not in nets:
        nets[arch] = models.build(arch, **kw).eval().to(device)
    return nets[arch]


def timed(f, repeat=1):
    """Seconds of one call of f, after a warm-up call (median of `repeat`)."""
    f()
    out = []
    for _ in range(repeat):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        f()
        if device.type == "cuda":
            torch.cuda.synchronize()
        out.append(time.perf_counter() - t)
    return sorted(out)[len(out) // 2]


def image(n=1, side=224, c=3):
    return torch.randn(n, c, side, side, device=device)


def occlusion_window():
    o = fig["around_input"]["occlusion"]
    mask, stride = o["lecture"]["mask"], max(o["lecture"]["stride"], 16)
    ys, xs = occlusion.windows(224, 224, mask, stride)
    return timed(lambda: occlusion.occlusion(net("vgg19"), image(), 0, mask, stride, 0.0, o["batch_size"],
                                             method=o["method"])) / (len(ys) * len(xs))


def occlusion_passes():
    o = fig["around_input"]["occlusion"]
    ys, xs = occlusion.windows(224, 224, o["lecture"]["mask"], o["lecture"]["stride"])
    return len(fig["around_input"]["images"]["lecture"]) * len(o["fills"]) * len(ys) * len(xs)


def max_response_step(what, n, steps=2):
    """Seconds per image and Adam step of a max-response objective on VGG16 (cut after its layer, a
    centre unit run on its receptive field), n images optimized as one batch, as the job does: the
    time of 1 + steps steps minus that of 1 step (which leaves out the set-up and the final forward)."""
    m = net("vgg16")
    if what == "logit":
        objective = mr.logit([0] * n)
    else:
        layer = mr.conv_layer_name(m, int(what[4:]))
        objective = (mr.channel if what in ("conv4", "conv7") else mr.unit)(layer, list(range(n)))

    def run(k):
        return lambda: mr.max_response(m, objective - 1.0 * mr.prior(), (3, 224, 224), n, steps=k, device=device, desc="")
    return (timed(run(1 + steps)) - timed(run(1))) / (n * steps)


def train_step(arch, shape, batch, **kw):
    """Seconds of one training step, as underhood.train runs it: channels-last, AdamW, the precision
    config.yaml's `precision` picks on this device (bfloat16 autocast where native)."""
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bfloat16")
    m = models.build(arch, num_classes=10, in_channels=shape[0], **kw).to(device).train()
    m = m.to(memory_format=torch.channels_last)
    x = torch.randn(batch, *shape, device=device).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (batch,), device=device)
    opt = torch.optim.AdamW(m.parameters(), lr=1e-3)

    def step():
        with autocast:
            loss = nn.functional.cross_entropy(m(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return timed(lambda: [step() for _ in range(3)]) / 3


def forward(arch, n, side=224):
    m, x = net(arch), image(n, side)
    with torch.no_grad():
        return timed(lambda: m(x), 3) / n


def backward(arch, n, side=224):
    m, x = net(arch), image(n, side).requires_grad_(True)
    for q in m.parameters():
        q.requires_grad_(False)
    return timed(lambda: m(x)[:, 0].sum().backward(), 3) / n


def tsne_point(n=2000):
    x = torch.randn(n, 50, generator=torch.Generator().manual_seed(0)).numpy()
    return timed(lambda: tsne.tsne(x, ts["perplexity"], ts["engine"], n_jobs=a.threads)) / n


mrc = fig["max_response"]
nb_units, steps = mrc["nb_units"], mrc["steps"]
lenet, nopool = cfg["train"]["lenet"], cfg["train"]["resnet_nopool"]
sg, gi = fig["around_input"]["smoothgrad"], fig["around_input"]["gradient_irregularity"]
nb_photos = len(fig["around_input"]["images"]["lecture"])
zl = fig["around_input"]["zeiler"]["lecture"]
ts = fig["tsne"]
depth = cfg["zoo"]["lecture"]["resnet_cifar"]["depth"]
# (job, work, passes, seconds per pass: a function timing one)
ITEMS = [
    ("occlusion-vgg19", f"{nb_photos} photos x {len(fig['around_input']['occlusion']['fills'])} fills x windows "
     f"(mask {fig['around_input']['occlusion']['lecture']['mask']}, stride "
     f"{fig['around_input']['occlusion']['lecture']['stride']}, method {fig['around_input']['occlusion']['method']})",
     occlusion_passes(), occlusion_window),
    *[(f"max-response {w} (VGG16)", f"{nb_units} images x {steps} Adam steps, net cut after its layer"
       + (", on the unit's receptive field" if w == "conv10" else ""), nb_units * steps,
       lambda w=w: max_response_step(w, nb_units)) for w in ("conv4", "conv7", "conv10", "conv13")],
    ("max-response classes + no-prior (VGG16)",
     f"{len(mrc['classes']['lecture']) + len(mrc['noprior_classes']['lecture'])} images x {steps} Adam steps, whole net",
     (len(mrc["classes"]["lecture"]) + len(mrc["noprior_classes"]["lecture"])) * steps,
     lambda: max_response_step("logit", len(mrc["classes"]["lecture"]))),
    ("train LeNet (MNIST)", f"{lenet['epochs']} epochs x {math.ceil(60000 / lenet['batch_size'])} steps of "
     f"{lenet['batch_size']}", lenet["epochs"] * math.ceil(60000 / lenet["batch_size"]),
     lambda: train_step("lenet", (1, 28, 28), lenet["batch_size"])),
    (f"train ResNet-{depth}, no pooling (CIFAR-10)", f"{nopool['epochs']} epochs x "
     f"{math.ceil(50000 / nopool['batch_size'])} steps of {nopool['batch_size']}",
     nopool["epochs"] * math.ceil(50000 / nopool["batch_size"]),
     lambda: train_step("resnet_nopool", (3, 32, 32), nopool["batch_size"], depth=depth, input_size=32)),
    ("fooling (AlexNet)", f"{len(fig['fooling']['classes']['lecture'])} classes x {fig['fooling']['evaluations']} "
     "evaluations (forward passes)", len(fig["fooling"]["classes"]["lecture"]) * fig["fooling"]["evaluations"],
     lambda: forward("alexnet", fig["fooling"]["population"])),
    ("smoothgrad-vgg19", f"{nb_photos} photos x {sg['nb_samples']} noisy copies (forward + backward)",
     nb_photos * sg["nb_samples"], lambda: backward("vgg19", min(sg["batch_size"], 4))),
    ("gradient irregularity (VGG19)", f"{gi['nb_steps']} steps along a line (forward + backward)", gi["nb_steps"],
     lambda: backward("vgg19", min(gi["batch_size"], 4))),
    ("zeiler-top9 scan (AlexNet)", f"{zl['nb_scan']} CIFAR-10 images at {zl['size']}x{zl['size']} (forward)",
     zl["nb_scan"], lambda: forward("alexnet", 100, zl["size"])),
    ("adversarial sphere (AlexNet)", f"{fig['adversarial']['sphere_samples']} x 2 images (forward)",
     2 * fig["adversarial"]["sphere_samples"], lambda: forward("alexnet", 100)),
    ("t-SNE, LeNet + ResNet layers", f"{len(ts['lenet']['layers']) + 1} x {ts['lenet']['nb_samples']} + "
     f"{len(ts['resnet_cifar']['layers']['lecture']) + 1} x {ts['resnet_cifar']['nb_samples']} points",
     (len(ts["lenet"]["layers"]) + 1) * ts["lenet"]["nb_samples"]
     + (len(ts["resnet_cifar"]["layers"]["lecture"]) + 1) * ts["resnet_cifar"]["nb_samples"], tsne_point),
]

cpu = torch.backends.cpu.get_cpu_capability() if device.type == "cpu" else torch.cuda.get_device_name()
print(f"lecture tier, {device} ({cpu}), {a.threads} thread(s), training in {precision}, torch {torch.__version__}\n")
print("| job | work | passes | s / pass | estimated |")
print("|---|---|--:|--:|--:|")
total = 0.0
for job, work, passes, unit in ITEMS:
    if a.jobs and not any(w in job for w in a.jobs):
        continue
    s = unit()
    total += passes * s
    print(f"| {job} | {work} | {passes:,} | {s:.4f} | {passes * s / 60:.1f} min |", flush=True)
print(f"| **total** | | | | **{total / 3600:.2f} h** |")
