"""Provenance of a figure: what made it, written into the figure file itself and into MANIFEST.json.

A job records the files it loads (io.load_torch) and the seeds it sets (io.seed_all); each cache it
writes (io.save_torch) gets those, with its own command line, in `NAME.provenance.json` beside it, so
that a figure made from caches knows the models and data sets behind them. A figure's facts:
figure id, tier, the SHA-256 of every file behind it, the seed, a digest of the config values its
jobs were given (their command lines), the versions of torch, torchvision and underhood, the git
commit of the code (`-dirty` when changed since) and the date: SOURCE_DATE_EPOCH when set (the
workflow sets it to the last commit's time), else the time it was made.

    python -m underhood.provenance figures/embedded/occlusion-vgg19.png   # prints a figure's facts
"""
import datetime
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_FILES = {}  # path -> sha256 of every file this process loaded, and of the files behind it
_JOBS = set()  # the command lines of the jobs behind what this process loaded, its own included
_SEEDS = set()
KEYS = ("figure", "tier", "files", "seed", "config", "versions", "commit", "date")


def _sidecar(path):
    return Path(f"{path}.provenance.json")


def _sha256(path):
    """A file's SHA-256: from its `.sha256` sidecar when that is not older than the file, else read."""
    from .io import sha256_file, sha256_sidecar

    side = sha256_sidecar(path)
    try:
        if side.stat().st_mtime_ns >= os.stat(path).st_mtime_ns:
            return side.read_text().split()[0].lower()
    except (OSError, IndexError):
        pass
    return sha256_file(path)


def used(path, sha256=None):
    """Record a loaded file, and what its provenance sidecar says was behind it. `sha256`: its sum when
    the caller has just checked it (a pinned download), so that the file is not read twice."""
    _FILES[os.path.normpath(path)] = sha256.lower() if sha256 else _sha256(path)
    try:
        behind = json.loads(_sidecar(path).read_text())
    except (OSError, ValueError):
        return
    _FILES.update(behind.get("files", {}))
    _JOBS.update(behind.get("jobs", []))
    _SEEDS.update(behind.get("seeds", []))


def seeded(seed):
    _SEEDS.add(int(seed))


def command_line(argv=None):
    """This job's command line as its config: the script's name and its arguments, without the
    thread count (it follows --cores, not the config)."""
    argv = list(sys.argv if argv is None else argv)
    args, skip = [Path(argv[0]).name], False
    for a in argv[1:]:
        if skip or a == "--threads":
            skip = not skip
            continue
        args.append(a)
    return " ".join(args)


def record():
    """What is behind the outputs of this process so far: files, jobs, seeds (sorted, for JSON)."""
    return {"files": dict(sorted(_FILES.items())), "jobs": sorted(_JOBS | {command_line()}),
            "seeds": sorted(_SEEDS)}


def write_sidecar(path):
    from .io import atomic_path

    with atomic_path(_sidecar(path)) as tmp:
        tmp.write_text(json.dumps(record(), indent=1, sort_keys=True) + "\n")


def _git(*args):
    """The output of a git command on the checkout, stripped, or None (not a checkout, no git, failure).
    (No index refresh: parallel jobs run this at once.)"""
    try:
        r = subprocess.run(["git", "--no-optional-locks", "-C", str(ROOT), *args], capture_output=True, text=True,
                           timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def commit():
    """The git commit of the code, `-dirty` when tracked files changed since; None outside a checkout."""
    head = _git("rev-parse", "HEAD")
    if head is None:
        return None
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return head + ("-dirty" if dirty else "")


def commit_time():
    """The checkout's last commit time (seconds since 1970), or None."""
    t = _git("log", "-1", "--format=%ct")
    return t if t and t.isdigit() else None


def date():
    """SOURCE_DATE_EPOCH when set (reruns give the same bytes), else now; UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    t = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch else \
        datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return t


def versions():
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("torch", "torchvision", "underhood"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "none"
    return out


def figure_facts(path):
    """The facts of the figure saved at `path` (figures/<tier>/<id>.<ext>), each a string."""
    path = Path(path)
    rec = record()
    return {
        "figure": path.stem,
        "tier": path.parent.name,
        "files": json.dumps(rec["files"], sort_keys=True),
        "seed": ",".join(map(str, rec["seeds"])) or "none",
        "config": hashlib.sha256("\n".join(rec["jobs"]).encode()).hexdigest(),
        "versions": json.dumps(versions(), sort_keys=True),
        "commit": commit() or "none",
        "date": date().strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def read(path):
    """The facts written into a figure file: a PNG's text chunks or a PDF's Info dictionary."""
    path = Path(path)
    if path.suffix == ".png":
        from PIL import Image

        with Image.open(path) as im:
            return {k: v for k, v in im.text.items() if k in KEYS}
    if path.suffix == ".pdf":
        import re

        data = path.read_bytes()
        out = {}
        for k in KEYS:  # matplotlib writes the Info dictionary uncompressed, strings as (...)
            m = re.search(rb"/" + k.encode() + rb" \(((?:[^()\\]|\\.)*)\)", data)
            if m:
                out[k] = re.sub(rb"\\(.)", rb"\1", m.group(1)).decode("latin-1")
        return out
    raise ValueError(f"{path}: provenance is read from .png and .pdf files")


def benchmark_seconds(tsv):
    """A Snakemake benchmark file's wall time (its `s` column), or None."""
    try:
        lines = Path(tsv).read_text().splitlines()
        return float(lines[1].split("\t")[lines[0].split("\t").index("s")])
    except (OSError, ValueError, IndexError):
        return None


def job_benchmark(path, cache_dir, benchmarks_dir):
    """The benchmark file of the job that wrote the cache file `path`: <cache>/<tier>/<sub>.pt is timed in
    <benchmarks>/<tier>/<sub>.tsv, except checkpoints (<tier>/models/NAME.pt: <tier>/train/NAME.tsv)."""
    rel = os.path.relpath(path, cache_dir)
    parts = Path(rel).parts
    if rel.startswith("..") or len(parts) < 3:
        return None
    tier, kind, rest = parts[0], parts[1], Path(*parts[2:])
    name = f"{rest}.tsv" if kind == "downloads" else str(rest.with_suffix(".tsv"))
    return Path(benchmarks_dir, tier, "train" if kind == "models" else kind, name)


def manifest_entry(png, other_files, figure_benchmark, cache_dir, benchmarks_dir):
    """One figure's MANIFEST.json entry: its facts, each file's SHA-256 (the PNG and `other_files`:
    PDF, SVG, CSV) and the wall time of the jobs behind it that left a benchmark file."""
    from .io import sha256_file

    facts = read(png)
    for k in ("files", "versions"):
        facts[k] = json.loads(facts.get(k, "{}"))
    facts["outputs"] = {Path(f).name: sha256_file(f) for f in [png, *other_files]}
    jobs = {"figure": benchmark_seconds(figure_benchmark)}
    for f in facts["files"]:
        tsv = job_benchmark(f, cache_dir, benchmarks_dir)
        if tsv is not None and (s := benchmark_seconds(tsv)) is not None:
            jobs[f] = s
    facts["wall_s"] = {k: v for k, v in jobs.items() if v is not None}
    facts["wall_s_total"] = round(sum(facts["wall_s"].values()), 3)
    return facts


def main(argv=None):
    for p in (argv if argv is not None else sys.argv[1:]):
        print(json.dumps(read(p), indent=1))


if __name__ == "__main__":
    main()
