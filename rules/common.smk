# Config validation and the helpers that turn config into file names.
import os
import re
import shlex
import sys

sys.path.insert(0, workflow.basedir)
from underhood.config import check_config, is_image_file
from underhood.names import check_names
from underhood.provenance import commit_time

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
# The date written into each figure (underhood/provenance.py): SOURCE_DATE_EPOCH, set here when unset to
# the checkout's last commit time (the reproducible-builds convention), so that a rerun of the same code
# gives the same bytes. Outside a checkout, and without it, a figure carries the time it was made.
if _epoch := commit_time():
    os.environ.setdefault("SOURCE_DATE_EPOCH", _epoch)


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
# Figure rules call their script as "{params.run}/NAME.py" with params.run=FIGURE_RUN: RUN, with the
# formats and dpi that io.save_figure writes (config keys formats and dpi) in its environment.
FORMATS = config["formats"]
FIGURE_RUN = f"UNDERHOOD_FORMATS={q(','.join(FORMATS))} UNDERHOOD_DPI={q(config['dpi'])} {RUN}"
FIGURE_IDS = {}  # id -> family (report category); each rules/*.smk adds its own, with its title
TITLES = {}
# The lecture's families, in its order (report categories and the gallery sort by these letters).
FAMILIES = {"Parameters as pictures": "A", "Activations": "B", "Layers as embeddings": "C",
            "Around an input": "D", "Synthesis": "E", "Architecture": "F"}


wildcard_constraints:
    tier="embedded|lecture",


def figure(tier, fid, ext="png"):
    return f"{FIGURES}/{tier}/{fid}.{ext}"


def vector(tier, fid):
    """The figure's other formats than PNG (config key formats): PDF, SVG; the rules' output `vector`."""
    return [figure(tier, fid, ext) for ext in FORMATS if ext != "png"]


def register(family, titles):
    """Figures of a family, {id: readable title}, in the lecture's order."""
    for fid, title in titles.items():
        FIGURE_IDS[fid] = family
        TITLES[fid] = title


def category(family):
    """A report category: the family with its letter, so that the report sorts them in the lecture's order."""
    return f"{FAMILIES[family]}. {family}"


def labels(fid=None):
    """A figure's report labels (its id and readable title), for a fixed id or the rule's {fid}."""
    return lambda w: {"figure": fid or w.fid, "title": TITLES[fid or w.fid]}


def lecture_order():
    """Figure ids in the lecture's order: by family letter, then as each family registers them."""
    return sorted(FIGURE_IDS, key=lambda fid: FAMILIES[FIGURE_IDS[fid]])


def all_figures(tier):
    return [f for fid in FIGURE_IDS for f in (figure(tier, fid), *vector(tier, fid))]


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


def train_args(wildcards):
    t = config["train"][wildcards.arch]
    args = f"--epochs {q(t['epochs'])} --batch-size {q(t['batch_size'])} --lr {q(t['lr'])} --weight-decay {q(t['weight_decay'])}"
    if "first_layer_weight_decay" in t:
        args += f" --first-layer-weight-decay {q(t['first_layer_weight_decay'])}"
    if not t.get("flips", True):
        args += " --no-flips"
    if "n_train" in t:
        args += f" --n-train {q(t['n_train'])}"
    depth = {e.get("depth") for e in config["zoo"][wildcards.tier].values()
             if e["arch"] == wildcards.arch and e.get("dataset") == wildcards.dataset} - {None}
    if depth:  # an architecture parameter of the zoo entry (resnet_nopool)
        args += f" --depth {q(depth.pop())}"
    return args


# The lecture tier's downloads, by file name.
DOWNLOADS = {e["name"]: e for e in config["downloads"]["files"].values()}


def download_url(wildcards):
    e = DOWNLOADS[wildcards.name]
    return config["downloads"]["base_urls"][e["base"]] + e["name"]


def download_sums(*keys):
    return [config["downloads"]["files"][k]["sha256"] for k in keys]


def filter_args(wildcards):
    model, key, rgb, title = FILTER_FIGURES[wildcards.fid]  # (rules/parameters.smk, read when a job is made)
    f = config["figures"]["filters"][key]
    args = f"--layer {q(f['layer'])} --scale {q(config['figures']['filters']['scale'])}"
    if "nb_filters" in f:
        args += f" --nb-filters {q(f['nb_filters'])}"
    if "nb_channels" in f:
        args += f" --nb-channels {q(f['nb_channels'])}"
    if rgb:
        args += " --rgb"
    return f"{model_args(wildcards.tier, model)} {args}"


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


def photo_files(entries):
    """The photos given as JPEG/PNG files (paths as in the config): inputs of the jobs that read them,
    so that an edited photo reruns them. (Those that are missing stop the run at config time.)"""
    return [e for e in entries if is_image_file(e)]


def activation_input_files(wildcards):
    if wildcards.inputs == "photos":
        return photo_files([config["figures"]["activations"]["photo"]])
    if wildcards.inputs == "lfw":
        return []
    return dataset_file(wildcards.tier, wildcards.inputs)


def activation_args(wildcards):
    key = (wildcards.model, wildcards.inputs)
    uses = activation_uses(wildcards.tier)
    if key not in uses:
        raise ValueError(f"no figure reads activations of {key[0]} on {key[1]}; known: "
                         + ", ".join(f"{m}-{i}" for m, i in uses))
    layers, nb = uses[key]
    args = f"{model_args(wildcards.tier, wildcards.model)} --layers {qs(layers)}"
    if wildcards.inputs == "photos":
        args += f" --inputs photos --photos {q(config['figures']['activations']['photo'])}"
    elif wildcards.inputs == "lfw":
        args += " --inputs lfw"
    else:
        args += f" --inputs {q(dataset_file(wildcards.tier, wildcards.inputs))}"
    if nb:
        args += f" --nb-samples {q(nb)}"
    return args


def embedding_file(tier, model, layer):
    return f"{CACHE}/{tier}/embeddings/{model}/{layer}.pt"


def embedding_files(tier, model):
    """The t-SNE caches of `model` along its depth: the input, then each configured layer."""
    layers = tier_layers(config["figures"]["tsne"][model]["layers"], tier)
    return [embedding_file(tier, model, l) for l in ["input", *layers]]


# D. Around an input (rules/around_input.smk)
def around_images_input(wildcards):
    """The lecture tier's photos given as files, or the embedded tier's data set."""
    if wildcards.tier == "lecture":
        return photo_files(config["figures"]["around_input"]["images"]["lecture"])
    return dataset_file(wildcards.tier, "shapes64")


def around_images_args(wildcards):
    picked = config["figures"]["around_input"]["images"][wildcards.tier]
    if wildcards.tier == "lecture":
        return f"--photos {qs(picked)} --size 224"
    return f"--data {q(dataset_file(wildcards.tier, 'shapes64'))} --indices {qs(picked)}"


def around_images_file(tier):
    return f"{CACHE}/{tier}/attributions/images.pt"


def zeiler_data(tier):
    return dataset_file(tier, config["figures"]["around_input"]["zeiler"][tier]["dataset"])


def method_options(key, tier, skip=()):
    """The config block figures.around_input.<key> as script options, in its order: key k -> --k
    (underscores as dashes), a list -> several words, the tier's entry (embedded, lecture) in its place."""
    opts = {}
    for k, v in config["figures"]["around_input"].get(key, {}).items():
        opts.update(v if k == tier else {} if k in ("embedded", "lecture") else {k: v})
    return "".join(f" --{k.replace('_', '-')} {qs(v) if isinstance(v, list) else q(v)}" for k, v in opts.items() if k not in skip)


def attribution_args(wildcards):
    """A method's arguments: the images, and its config block (figures.around_input.<method>, - as _)."""
    return f"--images {q(around_images_file(wildcards.tier))}{method_options(wildcards.method.replace('-', '_'), wildcards.tier)}"


def zeiler_args(wildcards):
    return f"--data {q(zeiler_data(wildcards.tier))}{method_options('zeiler', wildcards.tier, skip=('dataset',))}"


# ---------------------------------------------------------------- E. Synthesis (rules/synthesis.smk)

def max_response_objective(wildcards):
    """Script arguments of the maximum-response objective `what` (noprior, conv4..conv13, classes)."""
    mr, tier, what = config["figures"]["max_response"], wildcards.tier, wildcards.what
    if what in ("noprior", "classes"):
        classes = mr["noprior_classes" if what == "noprior" else "classes"][tier]
        weight = 0 if what == "noprior" else mr["prior_weight"][tier]["logit"]
        return f"--objective logit --classes {qs(classes)} --prior-weight {q(weight)}"
    n = int(what[len("conv"):])
    kind = "channel" if n <= 7 else "unit"  # the lecture: channels of conv 4 and 7, units of conv 10 and 13
    return f"--objective {kind} --conv {n} --nb-units {q(mr['nb_units'])} --prior-weight {q(mr['prior_weight'][tier][kind])}"


def adversarial_data(tier):
    """The data set the adversarial images come from: shapes64 (embedded), none (photos, lecture)."""
    return dataset_file(tier, "shapes64") if tier == "embedded" else []


def adversarial_photos(tier):
    """The lecture tier's adversarial photos given as files (the embedded tier's are test-set indices)."""
    return photo_files(config["figures"]["adversarial"]["images"][tier]) if tier == "lecture" else []


def adversarial_images(tier):
    images = config["figures"]["adversarial"]["images"][tier]
    data = f"--data {q(adversarial_data(tier))} " if tier == "embedded" else ""
    return f"{data}--images {qs(images)}"


# ---------------------------------------------------------------- the gallery (rules/gallery.smk)

def gallery_files(tier):
    """What the default target adds to the figures: MANIFEST.json and the gallery index.html."""
    return [figure(tier, "MANIFEST", "json"), figure(tier, "index", "html")]


def figure_benchmark(tier, fid):
    """The benchmark file of the job that drew `fid` (the dynamics job draws both its figures)."""
    return f"{BENCHMARKS}/{tier}/figures/{'dynamics' if fid.startswith('dynamics-') else fid}.tsv"


def manifest_args(wildcards):
    """Each figure in the lecture's order with its drawing job's benchmark file; the folders."""
    figs = " ".join(f"--figure {q(fid)} {q(figure_benchmark(wildcards.tier, fid))}" for fid in lecture_order())
    return f"{figs} --formats {qs(FORMATS)} --cache-dir {q(CACHE)} --benchmarks-dir {q(BENCHMARKS)}"


def figure_caption(fid):
    """The caption file of `fid`: its own, else its family's shared one (filters, activations, ...)."""
    own = caption(fid)
    if os.path.exists(own):
        return own
    for table, name in (("FILTER_FIGURES", "filters"), ("ACTIVATION_FIGURES", "activations"),
                        ("MAX_RESPONSE", "max-response"), ("TSNE_FIGURES", "tsne-layers")):
        if fid in globals()[table]:
            return caption(name)
    raise ValueError(f"no caption for figure {fid}: add report/captions/{fid}.rst")


def gallery_entries(wildcards):
    """The gallery's figures, in the lecture's order, as JSON: id, family, title, caption file, and
    the values the caption templates read (as the report's snakemake.params and .wildcards)."""
    import json

    values = {"scale": config["figures"]["filters"]["scale"], "step": config["figures"]["adversarial"]["step"][wildcards.tier],
              "sign_step": config["figures"]["adversarial"]["sign_step"]}
    return json.dumps([{"id": fid, "family": category(FIGURE_IDS[fid]), "title": TITLES[fid],
                        "caption": figure_caption(fid), "params": {**values, "title": TITLES[fid]}}
                       for fid in lecture_order()])
