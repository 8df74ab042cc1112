"""MANIFEST.json of a tier's figures, in the lecture's order: each figure's provenance (read from its
PNG), the SHA-256 of its files (PNG, PDF, SVG, CSV) and the wall time of the jobs behind it."""
import argparse
from pathlib import Path

from underhood import io, provenance
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("output", help="figures/<tier>/MANIFEST.json; the figures are beside it")
p.add_argument("--figure", nargs=2, action="append", required=True, metavar=("ID", "BENCHMARK"),
               help="a figure and the benchmark file of the job that drew it, in the lecture's order")
p.add_argument("--formats", nargs="+", default=["png"], help="the formats made (config key formats)")
p.add_argument("--cache-dir", required=True)
p.add_argument("--benchmarks-dir", required=True)
a = p.parse_args()

folder = Path(a.output).parent
figures = []
for fid, bench in a.figure:
    others = [folder / f"{fid}.{ext}" for ext in a.formats if ext != "png"]
    others += [f for f in [folder / f"{fid}.csv"] if f.exists()]
    figures.append(provenance.manifest_entry(folder / f"{fid}.png", others, bench, a.cache_dir, a.benchmarks_dir))
io.save_json({"tier": folder.name, "figures": figures}, a.output)
print(f"{len(figures)} figures, {sum(f['wall_s_total'] for f in figures):.1f} s of jobs behind them")
