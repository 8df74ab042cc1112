"""Mutation check of the figure tests: does a small deliberate change to the code fail a figure test?

    .venv/bin/python tests/mutations.py [--only NAME ...] [--workdir DIR] [--markdown FILE]
    .venv/bin/python tests/mutations.py --list | --check      (text only: no workflow, no torch)

Run on demand; NOT part of `make test` (pytest does not collect this file). Each entry of MUTATIONS
replaces one exact substring (it must occur once) of one file of a copy of the repository (ROOT's
files are never touched), rebuilds the figures it can affect from the committed test-zoo
checkpoints with the copy's Snakefile and scripts (PYTHONPATH puts the copy's `underhood` ahead of
the editable install), and compares them with tests/baselines/embedded/ as test_figures.py does.
A change is caught when one of its figures fails (or the workflow fails). An unmutated control run
over the same figures must pass first (exit 2 otherwise). Prints a table and `caught N of M (P %)`.

Out of scope: changes to the data sets or to training (the data sets are made once and the
checkpoints are fixtures, so such a change never reaches a figure here).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import ROOT, TEST_FIGURES, jobs_run, place_fixtures, snakemake  # noqa: E402
from test_figures import check  # noqa: E402


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str
    old: str
    new: str
    figures: tuple


FILTERS = ("lenet-conv1-filters", "lenet-conv2-filters", "alexnet-conv1-filters", "alexnet-conv2-filters")
MAX_RESPONSE = ("max-response-noprior", "max-response-vgg16-conv4", "max-response-vgg16-conv7",
                "max-response-vgg16-conv10", "max-response-vgg16-conv13", "max-response-vgg16-classes")
M = Mutation
MUTATIONS = [
    M("hidden-unit-line-sign", "underhood/toy.py",
      "v = -(b + w[0] * t) / w[1]", "v = (b + w[0] * t) / w[1]", ("toy-hidden-lines",)),
    M("filters-shared-scale", "underhood/plot.py",
      "img = rescale(w, scale, axes=(1, 2, 3))  #", 'img = rescale(w, "shared", axes=(1, 2, 3))  #', FILTERS),
    M("filters-transposed", "underhood/plot.py",
      "return tile(img.reshape(o * i, *w.shape[2:]), o, i)",
      "return tile(img.reshape(o * i, *w.shape[2:]).transpose(0, 2, 1), o, i)",
      ("lenet-conv2-filters", "alexnet-conv1-filters", "alexnet-conv2-filters")),
    M("filters-colormap-inverted", "underhood/plot.py",
      'ax.imshow(mosaic, cmap="gray"', 'ax.imshow(mosaic, cmap="gray_r"', FILTERS),
    M("dilation-receptive-field-ignores-d", "underhood/dilation.py",
      "1 + sum((k - 1) * d for k, d in", "1 + sum((k - 1) for k, d in", ("dilation-diagram",)),
    M("size-table-highlight-off-by-one", "underhood/plot.py",
      "t[r + 1, c].set_facecolor", "t[r, c].set_facecolor", ("dilation-sizes",)),
    M("activations-first-channels-not-random", "underhood/activations.py",
      "return sorted(torch.randperm(nb_channels, generator=g)[:min(nb, nb_channels)].tolist())",
      "return list(range(min(nb, nb_channels)))",
      ("lenet-activations", "alexnet-activations", "resnet152-activations")),
    M("face-unit-dprime-sign", "underhood/activations.py",
      "return (a.mean(0) - b.mean(0)) / pooled", "return (b.mean(0) - a.mean(0)) / pooled", ("face-unit",)),
    M("tsne-perplexity-halved", "underhood/tsne.py",
      "perplexity=perplexity, negative_gradient_method", "perplexity=perplexity / 2, negative_gradient_method",
      ("tsne-swiss-roll", "tsne-lenet-mnist", "tsne-resnet-cifar10")),
    M("occlusion-fill-black", "underhood/occlusion.py",
      "as_float(torch.full_like(images, 128))", "as_float(torch.full_like(images, 0))", ("occlusion-vgg19",)),
    M("occlusion-window-offset", "underhood/occlusion.py",
      "ys = [i * stride for i in", "ys = [i * stride + size // 2 for i in", ("occlusion-vgg19",)),
    M("saliency-abs-dropped", "underhood/saliency.py",
      "backprop(model, inputs, target).abs().sum(1)", "backprop(model, inputs, target).sum(1)",
      ("saliency-alexnet", "saliency-vgg19", "smoothgrad-vgg19")),
    M("smoothgrad-sigma-doubled", "underhood/smoothgrad.py",
      "std = sigma * (x.max() - x.min())", "std = 2 * sigma * (x.max() - x.min())", ("smoothgrad-vgg19",)),
    M("gradient-path-stops-halfway", "underhood/smoothgrad.py",
      "t = torch.linspace(0, 1, nb_steps", "t = torch.linspace(0, 0.5, nb_steps", ("gradient-irregularity",)),
    M("guided-backprop-uses-deconvolution-rule", "underhood/backprop.py",
      "return g.clamp(min=0) * (x > 0), None  # guided", "return g.clamp(min=0), None  # guided",
      ("backprop-deconv-guided-vgg16",)),
    M("deconvolution-uses-backprop-rule", "underhood/backprop.py",
      "return g.clamp(min=0), None", "return g * (x > 0), None", ("backprop-deconv-guided-vgg16", "zeiler-top9")),
    M("zeiler-top9-ranking-reversed", "underhood/zeiler.py",
      "best.topk(k, dim=0)", "best.topk(k, dim=0, largest=False)", ("zeiler-top9",)),
    M("edge-energy-blur-not-normalized", "underhood/edge_energy.py",
      "k_5x5_pseudo_gaussian / k_5x5_pseudo_gaussian.sum()", "k_5x5_pseudo_gaussian", MAX_RESPONSE[1:]),
    M("max-response-adam-lr-tenth", "underhood/max_response.py",
      "torch.optim.Adam([x], lr=lr)", "torch.optim.Adam([x], lr=lr / 10)", MAX_RESPONSE),
    M("max-response-clamp-removed", "underhood/max_response.py",
      "x.copy_(torch.maximum(torch.minimum(x, hi), lo))", "pass  # no clamp to the valid range", MAX_RESPONSE),
    M("adversarial-step-sign-flipped", "underhood/adversarial.py",
      "x -= eps * x.grad.sign()", "x += eps * x.grad.sign()", ("adversarial-alexnet", "adversarial-sphere")),
    M("adversarial-sphere-radius-doubled", "underhood/adversarial.py",
      "z = x.unsqueeze(0) + radius * u", "z = x.unsqueeze(0) + 2 * radius * u", ("adversarial-sphere",)),
    M("fooling-tournament-picks-worst", "underhood/fooling.py",
      "win = fit[rows.unsqueeze(-1), cand].argmax(-1)", "win = fit[rows.unsqueeze(-1), cand].argmin(-1)",
      ("fooling-images",)),
    M("dynamics-skip-connection-dropped", "underhood/models.py",
      "return self.relu2(self.bn2(self.conv2(y)) + identity)", "return self.relu2(self.bn2(self.conv2(y)))",
      ("dynamics-activations", "dynamics-scenes")),
]
CONTROL = Mutation("none (control)", "", "", "", ())


def problems(mutations):
    """What is wrong with the list: an `old` not found exactly once, an unknown figure, a mutated
    Python file that does not parse, a repeated name."""
    import ast

    out, seen = [], set()
    for m in mutations:
        if m.name in seen:
            out.append(f"{m.name}: name used twice")
        seen.add(m.name)
        path = ROOT / m.file
        if not path.is_file():
            out.append(f"{m.name}: no file {m.file}")
            continue
        text = path.read_text()
        if text.count(m.old) != 1:
            out.append(f"{m.name}: `{m.old}` occurs {text.count(m.old)} times in {m.file} (must be once)")
        elif m.old == m.new:
            out.append(f"{m.name}: the replacement changes nothing")
        elif path.suffix == ".py":
            try:
                ast.parse(text.replace(m.old, m.new, 1))
            except SyntaxError as e:
                out.append(f"{m.name}: the mutated {m.file} does not parse: {e}")
        bad = [f for f in m.figures if f not in TEST_FIGURES]
        if bad or not m.figures:
            out.append(f"{m.name}: figures {bad or '(none)'} not in conftest.TEST_FIGURES")
    return out


def copy_repository(dest):
    """The repository's files (tracked, and untracked ones git does not ignore) copied to dest."""
    names = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           check=True, stdout=subprocess.PIPE).stdout.decode().split("\0")
    for name in filter(None, names):
        src = ROOT / name
        if src.is_file():  # (a file deleted in the working tree is still listed)
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def run(m, figures, base, runs):
    """Rebuild `figures` with mutation m applied to a copy; returns {figure: None (passes) or why it fails}."""
    top = runs / m.name.split(" ")[0]
    shutil.rmtree(top, ignore_errors=True)
    src, work = top / "src", top / "work"
    copy_repository(src)
    if m.file:
        path = src / m.file
        path.write_text(path.read_text().replace(m.old, m.new, 1))
    for part in ("data", "models"):
        shutil.copytree(base / "cache" / "embedded" / part, work / "cache" / "embedded" / part)
    for f in (work / "cache" / "embedded" / "models").iterdir():
        os.utime(f)  # the checkpoints newer than the data sets: nothing is trained
    pythonpath = os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))
    r = snakemake(work, *[f"figures/embedded/{f}.png" for f in figures], snakefile=src / "Snakefile",
                  configfiles=(src / "tests" / "config.test.yaml",), env={"PYTHONPATH": pythonpath}, check=False)
    (top / "snakemake.log").write_text(r.stdout)
    trained = jobs_run(r.stdout) & {"train", "dynamics_train"}
    if trained:
        print(f"  warning: the run trained {sorted(trained)}; the fixtures were not taken as up to date", flush=True)
    result = {}
    for fid in figures:
        new = work / "figures" / "embedded" / f"{fid}.png"
        if r.returncode != 0:
            result[fid] = "job failed"
        elif not new.exists():
            result[fid] = "not made"
        else:
            msg = check(fid, new.parent, failures=top / "failures")
            result[fid] = msg and (msg.split(" of pixels")[0] + " px" if " of pixels" in msg else msg[:80])
    shutil.rmtree(src, ignore_errors=True)  # keep the figures, failures and log; drop the bulky copies
    shutil.rmtree(work / "cache", ignore_errors=True)
    return result


def table(rows):
    lines = ["| change | figures rebuilt | failed tests | caught |", "|---|---|---|---|"]
    for m, result in rows:
        failed = [f"{fid} ({why})" for fid, why in result.items() if why]
        caught = "yes" if failed else "**no**"
        lines.append(f"| {m.name} | {', '.join(result)} | {', '.join(failed) or '-'} | {caught} |")
    n, caught = len(rows), sum(any(r.values()) for _, r in rows)
    lines.append("")
    lines.append(f"caught {caught} of {n} ({100 * caught / max(n, 1):.0f} %)")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--list", action="store_true", help="print the mutations and exit")
    p.add_argument("--check", action="store_true", help="check the list against the code (no workflow run)")
    p.add_argument("--only", nargs="+", metavar="NAME", help="these mutations (a name, or a part of names)")
    p.add_argument("--workdir", type=Path, help="keep the runs here, reuse its data sets (default: a temp dir)")
    p.add_argument("--markdown", type=Path, help="also write the result table to this file")
    a = p.parse_args()

    chosen = MUTATIONS
    if a.only:
        chosen = [m for m in MUTATIONS if m.name in a.only or any(o in m.name for o in a.only)]
        if not chosen:
            raise SystemExit(f"--only {a.only}: no such mutation; names: {', '.join(m.name for m in MUTATIONS)}")
    if a.list:
        for m in chosen:
            print(f"{m.name}\n    {m.file}: `{m.old}` -> `{m.new}`\n    figures: {', '.join(m.figures)}")
        print(f"{len(chosen)} mutations")
    if a.check:
        bad = problems(MUTATIONS)
        print("\n".join(bad) if bad else f"{len(MUTATIONS)} mutations: each `old` occurs once, every figure is a test figure")
        raise SystemExit(1 if bad else 0)
    if a.list:
        return 0
    bad = problems(chosen)
    if bad:
        raise SystemExit("the mutation list does not match the code:\n" + "\n".join(bad))

    workdir = a.workdir or Path(tempfile.mkdtemp(prefix="underhood-mutations-"))
    base, runs = workdir / "base", workdir / "runs"
    base.mkdir(parents=True, exist_ok=True)
    print(f"workdir {workdir}: data sets and test-zoo checkpoints in {base}", flush=True)
    place_fixtures(base)

    union = [f for f in TEST_FIGURES if any(f in m.figures for m in chosen)]
    print(f"{CONTROL.name}: {len(union)} figures ...", flush=True)
    control = run(CONTROL, union, base, runs)
    failed = {f: why for f, why in control.items() if why}
    if failed:
        print(f"WARNING: the unmutated code fails {len(failed)} figure tests ({failed}); the baselines do not match "
              f"this machine's figures, so the mutations would say nothing (see {runs / 'none'}).", flush=True)
        return 2
    rows = []
    for k, m in enumerate(chosen, 1):
        print(f"[{k}/{len(chosen)}] {m.name} ({m.file}) ...", flush=True)
        result = run(m, m.figures, base, runs)
        rows.append((m, result))
        print(f"  {'caught' if any(result.values()) else 'NOT caught'}: "
              f"{', '.join(f'{f}: {w}' for f, w in result.items() if w) or 'every figure matches its baseline'}", flush=True)
    out = table(rows)
    print(out)
    if a.markdown:
        a.markdown.write_text(out + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
