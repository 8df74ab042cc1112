"""Where the time of a cold `make figures` goes: run the whole workflow from an empty cache (a scratch
working directory, so nothing of ./cache is used) and print every job's wall time, CPU time and
peak memory, sorted, with the run's total, the sum over jobs and the critical path (the longest chain
of jobs each waiting on the previous one's output: what no number of cores can beat).

    python bench/cold_run.py                     # config.yaml, --cores 2, scratch dir under /tmp
    python bench/cold_run.py --configfile tests/config.test.yaml
    python bench/cold_run.py --log W/.snakemake/log/X.snakemake.log --workdir W   # tabulate a past run

Times come from Snakemake's own log (job start and "Finished" lines, one-second resolution) and,
for rules with `benchmark:`, from their benchmark files (wall s, cpu_time, max_rss). Run it alone on
the machine: any other busy process slows PyTorch jobs several-fold."""
import argparse
import csv
import datetime
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")
START = re.compile(r"^(?:local)?(?:rule|checkpoint) (\w+):$")
FIELD = re.compile(r"^\s+(input|output|jobid|wildcards|benchmark|threads): (.*)$")
FINISHED = re.compile(r"^Finished job(?:id)?:? (\d+)")


def parse_log(lines):
    """Jobs of a Snakemake log: {jobid: dict(rule, wildcards, inputs, outputs, benchmark, threads, start, end)}."""
    jobs, stamp, current = {}, None, None
    for line in lines:
        line = line.rstrip("\n")
        if m := STAMP.match(line):
            stamp = datetime.datetime.strptime(m.group(1), "%a %b %d %H:%M:%S %Y").timestamp()
            current = None
        elif m := START.match(line):
            current = dict(rule=m.group(1), wildcards="", inputs=[], outputs=[], benchmark=None, threads=1,
                           start=stamp, end=None)
        elif current is not None and (m := FIELD.match(line)):
            key, value = m.groups()
            if key == "jobid":
                jobs[int(value)] = current
            elif key in ("input", "output"):
                current[key + "s"] = [v.strip() for v in value.split(",")]
            elif key == "threads":
                current["threads"] = int(value)
            else:
                current[key] = value.strip()
        elif m := FINISHED.match(line):
            if int(m.group(1)) in jobs:
                jobs[int(m.group(1))]["end"] = stamp
    return {k: j for k, j in jobs.items() if j["end"] is not None and j["rule"] != "all"}


def read_benchmark(path):
    with open(path) as f:
        row = next(csv.DictReader(f, delimiter="\t"))
    def num(key):
        try:
            return float(row[key])
        except (KeyError, ValueError):
            return None
    return dict(wall=num("s"), cpu=num("cpu_time"), rss=num("max_rss"))


def critical_path(jobs):
    """The chain of jobs (each needing an output of the one before) with the largest sum of wall times."""
    producer = {out: k for k, j in jobs.items() for out in j["outputs"]}
    best = {}

    def longest(k):
        if k not in best:
            deps = {producer[i] for i in jobs[k]["inputs"] if i in producer}
            prev = max((longest(d) for d in deps), key=lambda p: p[0], default=(0.0, []))
            best[k] = (prev[0] + jobs[k]["wall"], prev[1] + [k])
        return best[k]

    return max((longest(k) for k in jobs), key=lambda p: p[0], default=(0.0, []))


def table(jobs, workdir, total=None, out=sys.stdout):
    for j in jobs.values():
        j["wall"], j["cpu"], j["rss"] = j["end"] - j["start"], None, None
        if j["benchmark"] and (workdir / j["benchmark"]).exists():
            b = read_benchmark(workdir / j["benchmark"])
            j["wall"], j["cpu"], j["rss"] = b["wall"] or j["wall"], b["cpu"], b["rss"]
    name = {k: j["rule"] + (f" [{j['wildcards']}]" if j["wildcards"] else "") for k, j in jobs.items()}
    width = min(90, max([len(n) for n in name.values()] + [3]))
    print(f"| {'job':<{width}} | wall s | CPU s | max RSS MB | threads |", file=out)
    print(f"|{'-' * (width + 2)}|-------:|------:|-----------:|--------:|", file=out)
    for k, j in sorted(jobs.items(), key=lambda kj: -kj[1]["wall"]):
        cpu = f"{j['cpu']:.0f}" if j["cpu"] is not None else "-"
        rss = f"{j['rss']:.0f}" if j["rss"] is not None else "-"
        print(f"| {name[k][:width]:<{width}} | {j['wall']:6.0f} | {cpu:>5} | {rss:>10} | {j['threads']:>7} |", file=out)
    length, path = critical_path(jobs)
    print(f"\njobs: {len(jobs)}; sum of job wall times: {sum(j['wall'] for j in jobs.values()):.0f} s", file=out)
    if total is not None:
        print(f"whole run (wall clock): {total:.0f} s = {total / 60:.1f} min", file=out)
    print(f"critical path: {length:.0f} s: " + " -> ".join(f"{name[k]} ({jobs[k]['wall']:.0f} s)" for k in path), file=out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cores", type=int, default=2)
    p.add_argument("--configfile", action="append", default=[], help="overlays on config.yaml (repeatable)")
    p.add_argument("--workdir", type=Path, help="scratch working directory (default: a new one under /tmp)")
    p.add_argument("--log", type=Path, help="tabulate this Snakemake log of a past run instead of running")
    p.add_argument("targets", nargs="*", help="targets (default: every figure of config.yaml's tier)")
    a = p.parse_args()
    if a.log:
        if not a.workdir:
            p.error("--log needs --workdir (where the run's benchmark files are)")
        table(parse_log(a.log.read_text().splitlines()), a.workdir)
        return
    workdir = a.workdir or Path(tempfile.mkdtemp(prefix="underhood-cold-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if (workdir / "cache").exists():
        sys.exit(f"error: {workdir}/cache exists: a cold run needs an empty cache (give a new --workdir)")
    snakemake = Path(sys.executable).parent / "snakemake"
    cmd = [str(snakemake), "-s", str(ROOT / "Snakefile"), "--directory", str(workdir), "--cores", str(a.cores),
           "--rerun-incomplete"]
    if a.configfile:
        cmd += ["--configfile", *[str(Path(c).resolve()) for c in a.configfile]]
    cmd += a.targets
    print(" ".join(cmd), file=sys.stderr)
    start = time.time()
    r = subprocess.run(cmd, cwd=workdir, env=dict(os.environ, PATH=f"{snakemake.parent}{os.pathsep}{os.environ['PATH']}"))
    total = time.time() - start
    if r.returncode:
        sys.exit(f"error: the workflow failed (exit {r.returncode}); its logs are under {workdir}/logs")
    log = max((workdir / ".snakemake" / "log").glob("*.snakemake.log"), key=lambda f: f.stat().st_mtime)
    print(f"cold run in {workdir} ({os.cpu_count()} CPUs seen, --cores {a.cores}); log {log}\n")
    table(parse_log(log.read_text().splitlines()), workdir, total)


if __name__ == "__main__":
    main()
