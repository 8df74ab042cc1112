"""Fooling images (Nguyen et al. 2015). `evolve`: a genetic algorithm (no gradient) evolves one image
per target class from random low-resolution genomes, cached; `figure`: the images with the net's
confidence (PNG) and the best fitness along the evaluations (CSV)."""
import argparse

import pandas as pd
import torch

from underhood import cli, fooling, io
from underhood import synthesis_plot as sp
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
sub = p.add_subparsers(dest="cmd", required=True)
e = cli.job_parser(sub, "evolve")
e.add_argument("--classes", nargs="+", required=True, help="target class names")
e.add_argument("--evaluations", type=int, required=True, help="fitness evaluations per target class")
e.add_argument("--population", type=int, required=True)
e.add_argument("--genome-size", type=int, required=True)
e.add_argument("--elite", type=int, required=True)
e.add_argument("--tournament", type=int, required=True)
e.add_argument("--crossover", type=float, required=True)
e.add_argument("--mutation-rate", type=float, required=True)
e.add_argument("--mutation-std", type=float, required=True)
cli.end_job(e)
cli.figure_parser(sub, "figure", "--cache")
a = p.parse_args()

if a.cmd == "evolve":
    model, info, space = cli.load_model(a)
    unknown = [c for c in a.classes if c not in info["classes"]]
    if unknown:
        raise SystemExit(f"unknown class {unknown[0]!r}; the model's classes include: {', '.join(info['classes'][:12])}, ...")
    targets = [info["classes"].index(c) for c in a.classes]
    g = torch.Generator().manual_seed(a.seed)
    best, history = fooling.evolve(model, targets, info["input_size"][-1], space.to_input, a.evaluations, a.population,
                                   a.genome_size, a.elite, a.tournament, a.crossover, a.mutation_rate,
                                   a.mutation_std, generator=g, device=space.device)
    images = fooling.decode(best, info["input_size"][-1])
    with torch.no_grad():
        probs = model(space.to_input(images)).softmax(1).cpu()
    io.save_torch(dict(genomes=best, images=images, history=history, probs=probs, targets=targets, labels=list(a.classes),
                       classes=info["classes"], arch=info["arch"], population=a.population, elite=a.elite, evaluations=a.evaluations,
                       genome_size=a.genome_size), a.output)
    for c, h0, h1 in zip(a.classes, history[0], history[-1]):
        print(f"{c}: best fitness {h0:.3f} -> {h1:.3f}")
else:
    c = io.load_torch(a.cache)
    hist, probs = c["history"], c["probs"]
    P, E = c["population"], c["elite"]
    evals = [P + k * (P - E) for k in range(len(hist))]
    rows = []
    for k in range(len(hist)):
        for i, lab in enumerate(c["labels"]):
            rows.append(dict(generation=k, evaluations=evals[k], target=lab, best_fitness=round(float(hist[k, i]), 5)))
    io.save_csv(pd.DataFrame(rows), a.csv)
    img = c["images"].permute(0, 2, 3, 1).numpy()
    names = [f"{lab}\n{float(probs[i, t]) * 100:.1f}%" for i, (lab, t) in enumerate(zip(c["labels"], c["targets"]))]
    sp.image_grid(img, names, f"Fooling images ({c['arch']}): evolved with no gradient, classified with high confidence", a.png,
                  ncols=min(len(img), 5), cell=1.6,
                  caption=f"genetic algorithm: {c['evaluations']} evaluations per image, population {P}, elite {E};"
                          f" {c['genome_size']}x{c['genome_size']} RGB genomes upsampled (indirect encoding);"
                          f" under each image: the target class and the net's confidence in it")
