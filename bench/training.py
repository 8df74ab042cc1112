"""Training speed of the zoo's nets on this machine, the levers side by side in one run: threads,
memory format (channels_last), deterministic algorithms, batch size, precision (bfloat16 autocast, as
underhood.train runs it where the CPU computes bfloat16 natively). Each row: milliseconds per
training step (AdamW, cross-entropy, the shapes the embedded tier trains on) and per sample, median
of --steps steps after --warmup. Run it alone on the machine.

    python bench/training.py                      # every net, the default levers
    python bench/training.py --archs vgg_small --threads 1 2
"""
import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from underhood import models, train  # noqa: E402

# (input shape, build kwargs) as the embedded tier trains them (config.yaml)
SHAPES = {"lenet": ((1, 28, 28), {}), "alexnet_small": ((3, 64, 64), {}), "vgg_small": ((3, 64, 64), {}),
          "resnet_small": ((3, 64, 64), {}), "resnet_nopool": ((3, 32, 32), {"depth": 14, "input_size": 32}),
          "dynamics_resnet18": ((2, 64, 64), {"channels": 16})}


def build(arch):
    shape, kwargs = SHAPES[arch]
    if arch == "dynamics_resnet18":
        return models.build(arch, **kwargs), shape
    return models.build(arch, num_classes=10, in_channels=shape[0], **kwargs), shape


def step_times(arch, threads, batch, channels_last, deterministic, steps, warmup, bf16=False):
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(deterministic, warn_only=True)
    torch.manual_seed(0)
    model, shape = build(arch)
    model.train()
    x = torch.randn(batch, *shape)
    if arch == "dynamics_resnet18":
        y, loss_fn = torch.rand(batch, 1, *shape[1:]), nn.MSELoss()
    else:
        y, loss_fn = torch.randint(0, 10, (batch,)), nn.CrossEntropyLoss()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    times = []
    for i in range(warmup + steps):
        t = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = loss_fn(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if i >= warmup:
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--archs", nargs="+", default=list(SHAPES))
    p.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    p.add_argument("--batch", nargs="+", type=int, default=[0], help="0: the config's (64; dynamics 32)")
    p.add_argument("--channels-last", nargs="+", type=int, default=[0, 1])
    p.add_argument("--deterministic", nargs="+", type=int, default=[1])
    p.add_argument("--bf16", nargs="+", type=int, default=[0], help="1: bfloat16 autocast")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    a = p.parse_args()
    native = train.pick_precision("auto", "cpu") == "bfloat16"
    print(f"torch {torch.__version__}, {torch.backends.cpu.get_cpu_capability()}, bfloat16 native: {native}, "
          f"median of {a.steps} steps")
    print("| net | threads | batch | channels_last | deterministic | bf16 | ms / step | ms / sample |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    for arch, threads, batch, cl, det, bf16 in itertools.product(a.archs, a.threads, a.batch, a.channels_last,
                                                                a.deterministic, a.bf16):
        batch = batch or (32 if arch == "dynamics_resnet18" else 64)
        s = step_times(arch, threads, batch, bool(cl), bool(det), a.steps, a.warmup, bool(bf16))
        print(f"| {arch} | {threads} | {batch} | {cl} | {det} | {bf16} | {1000 * s:.0f} | {1000 * s / batch:.2f} |",
              flush=True)


if __name__ == "__main__":
    main()
