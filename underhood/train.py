"""Training of the models the pipeline makes itself, deterministic from the seed; each returns held-out metrics.

- classifiers (`train`): AdamW, label smoothing, horizontal flips, a one-cycle schedule over epochs,
  held-out accuracy after each;
- the 2d dynamics net (`train_dynamics`): Adam on the quadratic loss over a number of steps, held-out
  MSE next to that of "nothing moves".
Both run one loop (`fit`): seeded index batches, torch's one-cycle schedule (cosine), a progress bar.
Tensors are kept channels-last (NHWC) in memory: the same numbers' layout, 1.2-1.6x faster
convolutions on the CPU (bench/training.py), harmless on a GPU. Where the device computes bfloat16
natively (CPUs with AMX or AVX512-BF16, CUDA GPUs) the losses are computed in bfloat16 mixed precision
(torch.autocast; weights, gradients and the optimizer stay float32): 1.5-2.3x faster on the CPU."""
import time

import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

from .data import as_float
from .inputs import normalize


FORMAT = torch.channels_last
EPOCH_TEST = 500  # held-out images evaluated after each epoch but the last (all of them after the last)


@torch.no_grad()
def evaluate(model, x, y, mean, std, device, batch_size=500):
    model.eval()
    correct = 0
    for i in range(0, len(x), batch_size):
        xb = normalize(as_float(x[i:i + batch_size]).to(device), mean, std).contiguous(memory_format=FORMAT)
        correct += (model(xb).argmax(1).cpu() == y[i:i + batch_size]).sum().item()
    return correct / len(x)


@torch.no_grad()
def predict(model, x, device="cpu", batch_size=256):
    """The dynamics net on uint8 scenes (n, 2, S, S): predicted end images, float (n, 1, S, S), clamped to [0, 1]."""
    model.eval()
    out = [model(as_float(x[i:i + batch_size]).to(device)).clamp(0, 1).cpu() for i in range(0, len(x), batch_size)]
    return torch.cat(out)


def mse_metrics(model, x, y, device="cpu"):
    """Held-out MSE of the dynamics net, and of the trivial prediction "nothing moves" (end = start)."""
    pred = predict(model, x, device)
    target = as_float(y)
    mse = F.mse_loss(pred, target).item()
    still = F.mse_loss(as_float(x[:, :1]), target).item()
    return dict(test_mse=mse, nothing_moves_mse=still, ratio=mse / still)


PRECISIONS = ("auto", "float32", "bfloat16")


def pick_precision(precision, device):
    """'auto': 'bfloat16' where `device` computes it natively (a CUDA GPU that supports it; a CPU with
    AMX or AVX512-BF16, which oneDNN uses), else 'float32' (elsewhere bfloat16 would be emulated)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision: {precision!r} is not one of {', '.join(PRECISIONS)}")
    if precision != "auto":
        return precision
    if torch.device(device).type == "cuda":
        return "bfloat16" if torch.cuda.is_bf16_supported() else "float32"
    native = getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)() or \
        getattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)()
    return "bfloat16" if native else "float32"


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


def batches(n, batch_size, g, drop_last=False):
    """Batches of indices into n samples, endlessly: a permutation (seeded generator g) cut into pieces,
    a fresh one once it is used up; with drop_last, the smaller piece at its end is skipped."""
    perm, pos = torch.randperm(n, generator=g), 0
    while True:
        if pos >= n or drop_last and pos + batch_size > n:
            perm, pos = torch.randperm(n, generator=g), 0
        yield perm[pos:pos + batch_size]
        pos += batch_size


def fit(model, optimizer, lr, pct_start, steps, batches, loss_of, device, precision="float32"):
    """The loop both trainers share: the model channels-last on `device`, in training mode; the optimizer
    optimizer(model), made then; `steps` steps on the losses loss_of(idx) of the index batches `batches`,
    along a one-cycle schedule up to lr (warm-up: the first pct_start of the steps); a progress bar;
    the losses computed under autocast when precision is 'bfloat16' (pick_precision's answer).
    Yields (step, batch size, loss) after each step, steps counted from 1."""
    device = torch.device(device)
    model.to(device, memory_format=FORMAT).train()
    opt = optimizer(model)
    sched = one_cycle(opt, lr, steps, pct_start)
    for step, idx in zip(tqdm(range(1, steps + 1), desc="train", mininterval=5), batches):
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bfloat16"):
            loss = loss_of(idx)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        yield step, len(idx), loss.item()


def train(model, data, mean, std, epochs, batch_size, lr, weight_decay, seed=0, device="cpu", precision="float32",
          flips=True, label_smoothing=0.05, first_layer_weight_decay=None, log=print):
    """A classifier: AdamW (param_groups), cross-entropy with label smoothing, random horizontal flips,
    `epochs` passes over the data, a 25 % warm-up. Returns the held-out accuracy."""
    g = torch.Generator().manual_seed(seed)
    x, y = data["train_x"], data["train_y"]
    per_epoch = (len(x) + batch_size - 1) // batch_size
    steps = epochs * per_epoch
    loss_fn = nn.CrossEntropyLoss(label_smoothing=label_smoothing)

    def loss_of(idx):
        xb = as_float(x[idx])
        if flips:
            flip = torch.rand(len(idx), generator=g) < 0.5
            xb[flip] = xb[flip].flip(-1)
        return loss_fn(model(normalize(xb.to(device), mean, std).contiguous(memory_format=FORMAT)), y[idx].to(device))

    start, total = time.time(), 0.0
    run = fit(model, lambda m: torch.optim.AdamW(param_groups(m, weight_decay, first_layer_weight_decay), lr=lr),
              lr, 0.25, steps, batches(len(x), batch_size, g), loss_of, device, precision)
    for step, n, loss in run:
        total += loss * n
        if step % per_epoch == 0 and step < steps:  # a progress estimate on the first EPOCH_TEST held-out images
            acc = evaluate(model, data["test_x"][:EPOCH_TEST], data["test_y"][:EPOCH_TEST], mean, std, device)
            log(f"epoch {step // per_epoch}/{epochs} loss {total / len(x):.4f} accuracy on {min(EPOCH_TEST, len(data['test_x']))} held-out images {acc:.4f}")
            model.train()
            total = 0.0
    acc = evaluate(model, data["test_x"], data["test_y"], mean, std, device)
    log(f"epoch {epochs}/{epochs} loss {total / len(x):.4f} test accuracy {acc:.4f}")
    log(f"trained in {time.time() - start:.1f} s")
    return dict(test_accuracy=acc, epochs=epochs,
                n_train=len(x), n_test=len(data["test_x"]))


def train_dynamics(model, data, steps, batch_size, lr, seed=0, device="cpu", precision="float32", log=print):
    """The 2d dynamics net: Adam on the quadratic loss, `steps` batches (the smaller one at the end of a
    pass skipped), a 5 % warm-up. Returns the held-out metrics (mse_metrics)."""
    g = torch.Generator().manual_seed(seed)
    x, y = data["train_x"], data["train_y"]

    def loss_of(idx):
        xb = as_float(x[idx]).to(device).contiguous(memory_format=FORMAT)
        yb = as_float(y[idx]).to(device).contiguous(memory_format=FORMAT)
        return F.mse_loss(model(xb), yb)

    start, running = time.time(), None
    run = fit(model, lambda m: torch.optim.Adam(m.parameters(), lr=lr), lr, 0.05, steps,
              batches(len(x), batch_size, g, drop_last=True), loss_of, device, precision)
    for step, _, loss in run:
        running = loss if running is None else 0.98 * running + 0.02 * loss
        if step % max(1, steps // 20) == 0:
            log(f"step {step}/{steps} loss {running:.5f} ({time.time() - start:.0f} s)")
    seconds = time.time() - start
    metrics = mse_metrics(model, data["test_x"], data["test_y"], device)
    metrics.update(steps=steps, batch_size=batch_size, lr=lr, n_train=len(x), n_test=len(data["test_x"]),
                   train_seconds=round(seconds, 1))
    log(f"trained in {seconds:.1f} s; held-out MSE {metrics['test_mse']:.5f}, "
        f"nothing moves {metrics['nothing_moves_mse']:.5f}, ratio {metrics['ratio']:.3f}")
    return metrics
