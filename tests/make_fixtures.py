"""Train the test zoo (config.yaml + tests/config.test.yaml) in a scratch folder and commit-ready copy
its checkpoints and metrics to tests/fixtures/embedded/models/. Run by `make baselines`, on purpose:
the figure baselines are then made from these weights, on any machine.

    python tests/make_fixtures.py [--workdir DIR]
"""
import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import DATA, FIXTURES, ZOO, snakemake  # noqa: E402

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--workdir", help="where to train (default: a temporary folder, removed afterwards)")
a = p.parse_args()

work = Path(a.workdir or tempfile.mkdtemp(prefix="underhood-fixtures-"))
work.mkdir(parents=True, exist_ok=True)
targets = [f"cache/embedded/data/{d}.pt" for d in DATA] + [f"cache/embedded/models/{m}.pt" for m in ZOO]
print(f"training the test zoo in {work} ...", flush=True)
snakemake(work, *targets, timeout=7200)
FIXTURES.mkdir(parents=True, exist_ok=True)
for m in ZOO:
    for suffix in (".pt", ".metrics.json"):
        src = work / "cache" / "embedded" / "models" / f"{m}{suffix}"
        shutil.copyfile(src, FIXTURES / src.name)
        print(f"{FIXTURES / src.name}: {src.stat().st_size / 1e6:.2f} MB")
if not a.workdir:
    shutil.rmtree(work)
