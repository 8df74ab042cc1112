"""Training of the models the pipeline makes itself: AdamW, a one-cycle schedule, label smoothing,
horizontal flips; deterministic from the seed. Returns held-out metrics.

Tensors are kept channels-last (NHWC) in memory: the same numbers' layout, 1.2-1.6x faster
convolutions on the CPU (bench/training.py), harmless on a GPU."""
import time

import torch
from torch import nn
from tqdm import tqdm

from .data import as_float


FORMAT = torch.channels_last
EPOCH_TEST = 500  # held-out images evaluated after each epoch but the last (all of them after the last)


def normalize(x, mean, std):
    m = torch.tensor(mean, device=x.device).view(1, -1, 1, 1)
    s = torch.tensor(std, device=x.device).view(1, -1, 1, 1)
    return (x - m) / s


@torch.no_grad()
def evaluate(model, x, y, mean, std, device, batch_size=500):
    model.eval()
    correct = 0
    for i in range(0, len(x), batch_size):
        xb = normalize(as_float(x[i:i + batch_size]).to(device), mean, std).contiguous(memory_format=FORMAT)
        correct += (model(xb).argmax(1).cpu() == y[i:i + batch_size]).sum().item()
    return correct / len(x)


def one_cycle(opt, lr, steps, pct_start, **kwargs):
    """torch's OneCycleLR over `steps` steps; its warm-up ends at step pct_start * steps - 1, and where
    that is exactly 0 (e.g. 20 steps at 5 %) torch divides by zero: warm up half a step longer then."""
    if abs(pct_start * steps - 1) < 1e-9:
        pct_start += 0.5 / steps
    return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=pct_start, **kwargs)


def param_groups(model, weight_decay, first_layer_weight_decay=None):
    """AdamW groups: the first convolution may get its own (stronger) decoupled weight decay, which
    wears away its random initialization (the part of the filters the data never constrains), so
    the filters show what training put there."""
    first = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
    if first is None or first_layer_weight_decay is None:
        return [dict(params=list(model.parameters()), weight_decay=weight_decay)]
    ids = {id(first.weight)}
    return [dict(params=[first.weight], weight_decay=first_layer_weight_decay),
            dict(params=[p for p in model.parameters() if id(p) not in ids], weight_decay=weight_decay)]


def train(model, data, mean, std, epochs, batch_size, lr, weight_decay, seed=0, device="cpu",
          flips=True, label_smoothing=0.05, first_layer_weight_decay=None, log=print):
    g = torch.Generator().manual_seed(seed)
    model.to(device, memory_format=FORMAT).train()
    x, y = data["train_x"], data["train_y"]
    steps = epochs * ((len(x) + batch_size - 1) // batch_size)
    opt = torch.optim.AdamW(param_groups(model, weight_decay, first_layer_weight_decay), lr=lr)
    sched = one_cycle(opt, lr, steps, pct_start=0.25)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=label_smoothing)
    start = time.time()
    bar = tqdm(total=steps, desc="train", mininterval=5)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=g)
        total = 0.0
        for i in range(0, len(x), batch_size):
            idx = perm[i:i + batch_size]
            xb = as_float(x[idx])
            if flips:
                flip = torch.rand(len(idx), generator=g) < 0.5
                xb[flip] = xb[flip].flip(-1)
            xb, yb = normalize(xb.to(device), mean, std).contiguous(memory_format=FORMAT), y[idx].to(device)
            loss = loss_fn(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            bar.update()
        if epoch + 1 < epochs:  # a progress estimate on the first EPOCH_TEST held-out images
            acc = evaluate(model, data["test_x"][:EPOCH_TEST], data["test_y"][:EPOCH_TEST], mean, std, device)
            log(f"epoch {epoch + 1}/{epochs} loss {total / len(x):.4f} accuracy on {min(EPOCH_TEST, len(data['test_x']))} held-out images {acc:.4f}")
    acc = evaluate(model, data["test_x"], data["test_y"], mean, std, device)
    log(f"epoch {epochs}/{epochs} loss {total / len(x):.4f} test accuracy {acc:.4f}")
    bar.close()
    model.eval()
    log(f"trained in {time.time() - start:.1f} s")
    return dict(test_accuracy=acc, epochs=epochs,
                n_train=len(x), n_test=len(data["test_x"]))
