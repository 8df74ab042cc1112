"""Adversarial examples. `optimise`: the lecture's loop on two images, cached; `table`: the predicted
class per iteration (CSV) with the originals, adversarials and amplified differences (PNG);
`sphere`: class probabilities of random points on the sphere of radius 2 ||x - x~|| around x, cached;
`sphere-figure`: how many of them change the label (PNG + CSV)."""
import argparse

import numpy as np
import pandas as pd
import torch

from underhood import adversarial as adv
from underhood import cli, data, io
from underhood import synthesis_plot as sp
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
sub = p.add_subparsers(dest="cmd", required=True)
o = sub.add_parser("optimise")
cli.add_model_args(o)
o.add_argument("--images", nargs="+", required=True,
               help="test-set indices of --data, or scikit-image photo names (resized to the model's input size)")
o.add_argument("--data", default=None, help="a cached data set (the images are then indices into its test set)")
o.add_argument("--steps", type=int, required=True)
o.add_argument("--lr", type=float, required=True)
o.add_argument("--step", choices=["sgd", "sign"], required=True)
o.add_argument("--sign-step", type=float, required=True, help="step 'sign': pixel change per step ([0, 1] scale)")
cli.add_run_args(o)
o.add_argument("--output", required=True)
t = sub.add_parser("table")
t.add_argument("--cache", required=True)
t.add_argument("--png", required=True)
t.add_argument("--csv", required=True)
s = sub.add_parser("sphere")
s.add_argument("--cache", required=True)
cli.add_model_args(s)
s.add_argument("--samples", type=int, required=True)
s.add_argument("--radius", type=float, required=True, help="times ||x - x~||")
cli.add_run_args(s)
s.add_argument("--output", required=True)
sf = sub.add_parser("sphere-figure")
sf.add_argument("--sphere", required=True)
sf.add_argument("--png", required=True)
sf.add_argument("--csv", required=True)
a = p.parse_args()


def norms(d):
    """L2 and L-inf of pixel-space perturbations (N x C x H x W, [0, 1] scale)."""
    return d.flatten(1).norm(dim=1), d.flatten(1).abs().max(1).values


if a.cmd == "optimise":
    model, info, space = cli.load_model(a)
    size = info["input_size"][-1]
    if a.data:
        d = io.load_torch(a.data)
        try:
            idx = [int(i) for i in a.images]
        except ValueError:
            raise SystemExit(f"--images {a.images}: with --data, give test-set indices (0..{len(d['test_x']) - 1})")
        bad = [i for i in idx if not 0 <= i < len(d["test_x"])]
        if bad:
            raise SystemExit(f"--images: index {bad[0]} is outside the test set (0..{len(d['test_x']) - 1})")
        pixels, names = data.as_float(d["test_x"][idx]), [f"test #{i}" for i in idx]
    else:
        photos = data.photos(a.images, size)
        pixels = data.as_float(torch.from_numpy(np.stack(list(photos.values()))).permute(0, 3, 1, 2).contiguous())
        names = list(photos)
    eps = (a.sign_step / space.std).to(space.device)
    x_tilde, preds, probs, xs = adv.adversarial(model, space.to_input(pixels), a.steps, a.lr, a.step, eps, space.lo, space.hi)
    x_tilde_pixels = space.to_pixels(x_tilde)
    io.save_torch(dict(pixels=pixels, adversarial=x_tilde_pixels, iterates=space.to_pixels(xs), preds=preds, probs=probs, names=names,
                       classes=info["classes"], arch=info["arch"], step=a.step, lr=a.lr, sign_step=a.sign_step, steps=a.steps,
                       mean=info["mean"], std=info["std"]), a.output)
    l2, linf = norms(x_tilde_pixels - pixels)
    for i, n in enumerate(names):
        print(f"{n}: {info['classes'][preds[0, i]]} -> {info['classes'][preds[-1, i]]}, L2 {l2[i]:.4f}, L-inf {linf[i] * 255:.2f}/255")

elif a.cmd == "table":
    c = io.load_torch(a.cache)
    classes, names, preds, probs = c["classes"], c["names"], c["preds"], c["probs"]
    l2, linf = norms(c["adversarial"] - c["pixels"])
    rule = f"SGD, lr {c['lr']:g}" if c["step"] == "sgd" else f"sign of the gradient, {c['sign_step'] * 255:.2f}/255 a step"
    rows = []
    for k in range(len(preds)):
        l2k, linfk = norms(c["iterates"][k] - c["pixels"])  # the perturbation x_k - x, pixels in [0, 1]
        for i, n in enumerate(names):
            rows.append(dict(iteration=k, image=f"image #{i + 1}", source=n, predicted=classes[preds[k, i]],
                             probability=round(float(probs[k, i]), 4), step_rule=c["step"],
                             step_size=c["lr"] if c["step"] == "sgd" else round(c["sign_step"], 6),
                             l2=round(float(l2k[i]), 5), linf=round(float(linfk[i]), 6),
                             linf_255=round(float(linfk[i]) * 255, 3)))
    frame = pd.DataFrame(rows)
    io.save_csv(frame, a.csv)
    table = frame.pivot(index="iteration", columns="image", values="predicted").reset_index()
    table.columns = ["Nb. iterations"] + [f"Image #{i + 1}" for i in range(len(names))]
    sp.adversarial_figure(
        sp.as_images(c["pixels"]), sp.as_images(c["adversarial"]), table, names,
        [classes[k] for k in preds[0]], [classes[k] for k in preds[-1]],
        f"Adversarial examples ({c['arch']}): {c['steps']} steps of gradient ascent on the loss ({rule})", a.png,
        caption="; ".join(f"image #{i + 1}: L2 {l2[i]:.3f}, L-inf {linf[i] * 255:.2f}/255 (pixels in [0, 1])"
                          for i in range(len(names))))

elif a.cmd == "sphere":
    model, info, space = cli.load_model(a)
    c = io.load_torch(a.cache)
    g = torch.Generator().manual_seed(a.seed)
    # x~: the first iterate whose class is not the original one (the last iterate if none is)
    first = adv.first_changed(c["preds"])
    x_tilde = c["iterates"][first, torch.arange(len(first))]
    out = []
    for i, n in enumerate(c["names"]):
        x = c["pixels"][i]
        r = a.radius * (x_tilde[i] - x).norm()
        out.append(adv.sphere_samples(model, x.to(space.device), r.item(), a.samples, g, space.to_input))
    with torch.no_grad():
        p_orig = model(space.to_input(c["pixels"])).softmax(1).cpu()
        p_adv = model(space.to_input(x_tilde)).softmax(1).cpu()
    io.save_torch(dict(probs=torch.stack(out), p_orig=p_orig, p_adv=p_adv, names=c["names"], classes=c["classes"],
                       radius_factor=a.radius, iteration=first, l2=(x_tilde - c["pixels"]).flatten(1).norm(dim=1)),
                  a.output)

else:
    c = io.load_torch(a.sphere)
    classes, rows, hist, labels = c["classes"], [], [], []
    po, pa = [], []
    for i, n in enumerate(c["names"]):
        y = int(c["p_orig"][i].argmax())
        probs = c["probs"][i]
        changed = int((probs.argmax(1) != y).sum())
        rows.append(dict(image=f"image #{i + 1}", source=n, original_class=classes[y],
                         adversarial_class=classes[int(c["p_adv"][i].argmax())],
                         adversarial_iteration=int(c["iteration"][i]), adversarial_l2=round(float(c["l2"][i]), 5), radius=round(float(c["radius_factor"] * c["l2"][i]), 5),
                         samples=len(probs), changed=changed,
                         min_probability=round(float(probs[:, y].min()), 4),
                         median_probability=round(float(probs[:, y].median()), 4)))
        hist.append(probs[:, y].numpy())
        po.append(float(c["p_orig"][i, y])), pa.append(float(c["p_adv"][i, y]))
        found = int(c["p_adv"][i].argmax()) != y
        labels.append(f"image #{i + 1} ({n}, {classes[y]}): {changed} / {len(probs)} samples change the label"
                      + ("" if found else "\n(no adversarial example found: radius 0)"))
    io.save_csv(pd.DataFrame(rows), a.csv)
    sp.sphere_figure(hist, po, pa, labels,
                     f"{len(hist[0])} random points on the sphere of radius {c['radius_factor']:g} ||x - x~|| around x",
                     a.png, caption="x~: the first iterate of the previous figure whose class is not x's, at half that distance, in a direction"
                                    " the gradient found;"
                                    " random directions, twice as far, mostly keep the label (pixels in [0, 1], L2)")
