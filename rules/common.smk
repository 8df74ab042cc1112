# Config validation and the helpers that turn config into file names.
import os
import re
import shlex
import sys

sys.path.insert(0, workflow.basedir)
from underhood.config import check_config, check_names

# The config against the schema, once (the checks of snakemake.utils.validate, with one-line messages
# naming the key), then the rules between keys that a schema cannot say.
check_config(config, f"{workflow.basedir}/schemas/config.schema.yaml")
# Layer and class names, against the nets; cached beside the workflow (shared by every working
# directory), else in the working directory's .snakemake/.
check_names(config, (f"{workflow.basedir}/.snakemake/underhood/names.json", ".snakemake/underhood/names.json"))

CACHE = config["cache_dir"]
FIGURES = config["figures_dir"]
# Logs and benchmarks: logs_dir and benchmarks_dir. Left at their defaults (logs, benchmarks) while
# cache_dir is not the default (cache), they follow the cache: <cache_dir>/logs and <cache_dir>/benchmarks,
# so that two runs with different caches do not overwrite each other's logs (issue 11). (Setting them
# explicitly to logs / benchmarks with another cache_dir cannot be told from the default: give an
# absolute path to keep them there.)
_FOLLOWS_CACHE = os.path.normpath(CACHE) != "cache"
LOGS = config["logs_dir"]
BENCHMARKS = config["benchmarks_dir"]
if _FOLLOWS_CACHE and LOGS == "logs":
    LOGS = f"{CACHE}/logs"
if _FOLLOWS_CACHE and BENCHMARKS == "benchmarks":
    BENCHMARKS = f"{CACHE}/benchmarks"
# Jobs write nothing under ~: matplotlib's config and font cache go under the cache (the jobs inherit
# this environment, and cluster jobs parse this file again). One that the user set is kept.
os.environ.setdefault("MPLCONFIGDIR", os.path.abspath(os.path.join(CACHE, "matplotlib")))


def q(value):
    """One shell word: a config value or a path, quoted so that the shell passes it on literally.
    Every value a helper below puts into a command line goes through q (or qs); rules quote their
    own fields with {x:q}."""
    return shlex.quote(str(value))


def qs(values):
    """Several shell words, each quoted (q)."""
    return " ".join(q(v) for v in values)


# "python .../scripts": the interpreter that runs Snakemake (the venv), also in cluster jobs.
# Rules call a script as "{params.run}/NAME.py" (params.run=RUN), both parts quoted.
SCRIPTS = f"{workflow.basedir}/scripts"
RUN = f"{q(sys.executable)} {q(SCRIPTS)}"
CONDA_ENV = "../envs/underhood.yaml"
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
    args = f"--model {q(model_file(tier, name))}"
    if "pretrained" in e:
        args += f" --arch {q(e['arch'])} --sha256 {q(config['downloads']['files'][e['pretrained']]['sha256'])}"
    return args


def download_file(key):
    return f"{CACHE}/lecture/downloads/{config['downloads']['files'][key]['name']}"


def caption(fid):
    return f"{workflow.basedir}/report/captions/{fid}.rst"


# ---------------------------------------------------------------- activations and embeddings (B, C)
# An activation cache per (model, inputs): {CACHE}/{tier}/activations/{model}-{inputs}.pt, where inputs
# is the model's data set (its test split), "photos" or "lfw". It holds every layer its figures need.


def tier_layers(spec, tier):
    """A config layer list, or its entry for `tier` where the two tiers' nets differ."""
    return spec[tier] if isinstance(spec, dict) else spec


def activation_inputs(tier, model, kind):
    """What `model` sees: its own data set when it has one (embedded nets, LeNet, the no-pool
    ResNet), else scikit-image photos (kind 'scene') or lfw_subset's patches (kind 'faces')."""
    dataset = zoo_entry(tier, model).get("dataset")
    return dataset if dataset else {"scene": "photos", "faces": "lfw"}[kind]


def activation_uses(tier):
    """(model, inputs) -> (layers, nb_samples or None for all) over the figures that read the cache."""
    act, face, ts = config["figures"]["activations"], config["figures"]["face_unit"], config["figures"]["tsne"]
    uses = {}

    def add(model, kind, layers, nb):
        key = (model, activation_inputs(tier, model, kind))
        old, n = uses.get(key, ([], 0))
        uses[key] = (old + [l for l in layers if l not in old], None if None in (n, nb) else max(n, nb))

    for model in ("lenet", "alexnet", "resnet152"):
        add(model, "scene", tier_layers(act["layers"][model], tier), act["sample"] + 1)
    add("alexnet", "faces", [face["layer"]], None)
    for model in ("lenet", "resnet_cifar"):
        add(model, "test", tier_layers(ts[model]["layers"], tier), ts[model]["nb_samples"])
    return uses


def activation_file(tier, model, kind):
    return f"{CACHE}/{tier}/activations/{model}-{activation_inputs(tier, model, kind)}.pt"


