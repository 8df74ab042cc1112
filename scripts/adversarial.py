"""Adversarial examples. `optimise`: the lecture's loop on two images, cached; `table`: the predicted
class per iteration (CSV) with the originals, adversarials and amplified differences (PNG);
`sphere`: class probabilities of random points on the sphere of radius 2 ||x - x~|| around x, cached;
`sphere-figure`: how many of them change the label (PNG + CSV)."""
import argparse

import torch

from underhood import adversarial as adv
from underhood import cli, io
from underhood import synthesis_plot as sp
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
sub = p.add_subparsers(dest="cmd", required=True)
o = cli.job_parser(sub, "optimise")
o.add_argument("--images", nargs="+", required=True,
               help="test-set indices of --data, or photos: scikit-image names or JPEG/PNG files (resized to the model's input size)")
o.add_argument("--data", default=None, help="a cached data set (the images are then indices into its test set)")
o.add_argument("--steps", type=int, required=True)
o.add_argument("--lr", type=float, required=True)
o.add_argument("--step", choices=["sgd", "sign"], required=True)
o.add_argument("--sign-step", type=float, required=True, help="step 'sign': pixel change per step ([0, 1] scale)")
cli.end_job(o)
cli.figure_parser(sub, "table", "--cache")
s = cli.job_parser(sub, "sphere")
s.add_argument("--cache", required=True)
s.add_argument("--samples", type=int, required=True)
s.add_argument("--radius", type=float, required=True, help="times ||x - x~||")
cli.end_job(s)
cli.figure_parser(sub, "sphere-figure", "--sphere")
a = p.parse_args()

if a.cmd == "optimise":
    model, info, space = cli.load_model(a)
    pixels, names = adv.images(a.images, a.data, info["input_size"][-1])
    x_tilde, preds, probs, xs = adv.in_pixels(model, space, pixels, a.steps, a.lr, a.step, a.sign_step)
    io.save_torch(dict(pixels=pixels, adversarial=x_tilde, iterates=xs, preds=preds, probs=probs, names=names,
                       classes=info["classes"], arch=info["arch"], step=a.step, lr=a.lr, sign_step=a.sign_step, steps=a.steps,
                       mean=info["mean"], std=info["std"]), a.output)
    l2, linf = adv.norms(x_tilde - pixels)
    for i, n in enumerate(names):
        print(f"{n}: {info['classes'][preds[0, i]]} -> {info['classes'][preds[-1, i]]}, L2 {l2[i]:.4f}, L-inf {linf[i] * 255:.2f}/255")

elif a.cmd == "table":
    c = io.load_torch(a.cache)
    classes, names, preds = c["classes"], c["names"], c["preds"]
    frame = adv.iterations(c)
    io.save_csv(frame, a.csv)
    table = frame.pivot(index="iteration", columns="image", values="predicted").reset_index()
    table.columns = ["Nb. iterations"] + [f"Image #{i + 1}" for i in range(len(names))]
    l2, linf = adv.norms(c["adversarial"] - c["pixels"])
    rule = f"SGD, lr {c['lr']:g}" if c["step"] == "sgd" else f"sign of the gradient, {c['sign_step'] * 255:.2f}/255 a step"
    sp.adversarial_figure(
        sp.as_images(c["pixels"]), sp.as_images(c["adversarial"]), table, names,
        [classes[k] for k in preds[0]], [classes[k] for k in preds[-1]],
        f"Adversarial examples ({c['arch']}): {c['steps']} steps of gradient ascent on the loss ({rule})", a.png,
        caption="; ".join(f"image #{i + 1}: L2 {l2[i]:.3f}, L-inf {linf[i] * 255:.2f}/255 (pixels in [0, 1])"
                          for i in range(len(names))))

elif a.cmd == "sphere":
    model, info, space = cli.load_model(a)
    g = torch.Generator().manual_seed(a.seed)
    io.save_torch(adv.sphere(model, space, io.load_torch(a.cache), a.radius, a.samples, g), a.output)

else:
    c = io.load_torch(a.sphere)
    rows, hist, p_orig, p_adv, labels = adv.sphere_statistics(c)
    io.save_csv(rows, a.csv)
    sp.sphere_figure(hist, p_orig, p_adv, labels,
                     f"{len(hist[0])} random points on the sphere of radius {c['radius_factor']:g} ||x - x~|| around x",
                     a.png, caption="x~: the first iterate of the previous figure whose class is not x's, at half that distance, in a direction"
                                    " the gradient found;"
                                    " random directions, twice as far, mostly keep the label (pixels in [0, 1], L2)")
