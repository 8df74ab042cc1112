"""Mutation check of the figure tests: does a small deliberate change to the code fail a figure test?

    .venv/bin/python tests/mutations.py [--only NAME ...] [--workdir DIR] [--markdown FILE]
    .venv/bin/python tests/mutations.py --list | --check      (text only: no workflow, no torch)

Run on demand; NOT part of `make test` (pytest does not collect this file). Each entry of
tests/mutations.yaml replaces one exact substring (it must occur once) of one file of a copy of the repository (ROOT's
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

import yaml

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


MUTATIONS = [Mutation(m["name"], m["file"], m["old"], m["new"], tuple(m["figures"]))
             for m in yaml.safe_load((Path(__file__).with_suffix(".yaml")).read_text())]
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
