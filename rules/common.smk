# Config validation and the helpers that turn config into file names.
import re
import sys

from snakemake.utils import validate

sys.path.insert(0, workflow.basedir)
from underhood.config import check_config

check_config(config, f"{workflow.basedir}/schemas/config.schema.yaml")
validate(config, "../schemas/config.schema.yaml")

CACHE = config["cache_dir"]
FIGURES = config["figures_dir"]
# "python .../scripts": the interpreter that runs Snakemake (the venv), also in cluster jobs.
# Rules call a script as "{params.run}/NAME.py" (params.run=RUN).
RUN = f"{sys.executable} {workflow.basedir}/scripts"
CONDA_ENV = "../envs/underhood.yaml"
PY, SCRIPTS = sys.executable, f"{workflow.basedir}/scripts"  # (dynamics.smk until it moves to params.run)
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


def model_args(tier, name):
    """Script arguments that load the lecture's model `name`: --model PATH, and for a downloaded
    torchvision state dict its architecture and pinned SHA-256."""
    e = zoo_entry(tier, name)
    args = f"--model {model_file(tier, name)}"
    if "pretrained" in e:
        args += f" --arch {e['arch']} --sha256 {config['downloads']['files'][e['pretrained']]['sha256']}"
    return args


def download_file(key):
    return f"{CACHE}/lecture/downloads/{config['downloads']['files'][key]['name']}"


def caption(fid):
    return f"{workflow.basedir}/report/captions/{fid}.rst"


def train_args(wildcards):
    t = config["train"][wildcards.arch]
    args = f"--epochs {t['epochs']} --batch-size {t['batch_size']} --lr {t['lr']} --weight-decay {t['weight_decay']}"
    if "first_layer_weight_decay" in t:
        args += f" --first-layer-weight-decay {t['first_layer_weight_decay']}"
    if not t.get("flips", True):
        args += " --no-flips"
    if "n_train" in t:
        args += f" --n-train {t['n_train']}"
    return args


# The lecture tier's downloads, by file name.
DOWNLOADS = {e["name"]: e for e in config["downloads"]["files"].values()}


def download_url(wildcards):
    e = DOWNLOADS[wildcards.name]
    return config["downloads"]["base_urls"][e["base"]] + e["name"]


def download_sums(*keys):
    return " ".join(config["downloads"]["files"][k]["sha256"] for k in keys)


def filter_args(wildcards):
    model, key, rgb, title = FILTER_FIGURES[wildcards.fid]  # (rules/parameters.smk)
    f = config["figures"]["filters"][key]
    args = f"--layer {f['layer']} --scale {config['figures']['filters']['scale']}"
    if "nb_filters" in f:
        args += f" --nb-filters {f['nb_filters']}"
    if "nb_channels" in f:
        args += f" --nb-channels {f['nb_channels']}"
    if rgb:
        args += " --rgb"
    return f"{model_args(wildcards.tier, model)} {args}"
