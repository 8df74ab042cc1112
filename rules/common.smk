# Config validation and the helpers that turn config into file names.
import sys

from snakemake.utils import validate

sys.path.insert(0, workflow.basedir)
from underhood.config import check_config

check_config(config, f"{workflow.basedir}/schemas/config.schema.yaml")
validate(config, "../schemas/config.schema.yaml")

CACHE = config["cache_dir"]
FIGURES = config["figures_dir"]
PY = sys.executable  # the interpreter that runs Snakemake (the venv), also in cluster jobs
SCRIPTS = f"{workflow.basedir}/scripts"
FIGURE_IDS = {}  # id -> family (report category); each rules/*.smk adds its own


wildcard_constraints:
    tier="embedded|lecture",


def figure(tier, fid, ext="png"):
    return f"{FIGURES}/{tier}/{fid}.{ext}"


def register(family, *ids):
    for fid in ids:
        FIGURE_IDS[fid] = family


def all_figures(tier):
    return [figure(tier, fid) for fid in FIGURE_IDS]


def zoo_entry(tier, name):
    zoo = config["zoo"][tier]
    if name not in zoo:
        raise ValueError(f"unknown model {name!r} for tier {tier}; known: {', '.join(zoo)}")
    return zoo[name]


def dataset_file(tier, dataset):
    return f"{CACHE}/{tier}/data/{dataset}.pt"


def model_file(tier, name):
    """The checkpoint that stands for the lecture's model `name` in `tier`."""
    e = zoo_entry(tier, name)
    if "pretrained" in e:
        return download_file(e["pretrained"])
    return f"{CACHE}/{tier}/models/{e['arch']}-{e['dataset']}.pt"


def model_arch(tier, name):
    return zoo_entry(tier, name)["arch"]


def download_file(key):
    return f"{CACHE}/lecture/downloads/{config['downloads']['files'][key]['name']}"


def caption(fid):
    return f"{workflow.basedir}/report/captions/{fid}.rst"
