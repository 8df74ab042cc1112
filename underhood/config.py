"""Config checking: one line naming the bad key, its value and what is allowed, before any job runs.

Three passes, all before Snakemake plans a job:
- `coerce_strings`: `--config` gives nested values as strings (`train={lenet: {epochs: 5}}` has
  epochs '5'); where the schema wants a number, a boolean, a list or a mapping and gets a string,
  the string is read as YAML.
- `config_error`: the schema (schemas/config.schema.yaml), plus no control character in any string.
- `names_error`: every layer and class name the figures use exists in the model that stands for it
  (nets built on the `meta` device, no weights; the names are cached in .snakemake/ so that a warm
  run does not import torch)."""
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _where(path):
    return ".".join(str(p) for p in path) or "(top level)"


def _get(config, path):
    for p in path:
        config = config[p]
    return config


def coerce_strings(config, schema, max_rounds=50):
    """Read as YAML the string leaves where the schema wants another type (in place); returns config."""
    validator = jsonschema.Draft202012Validator(schema)
    for _ in range(max_rounds):
        changed = False
        for err in validator.iter_errors(config):
            if err.validator != "type" or not isinstance(err.instance, str) or not err.absolute_path:
                continue
            try:
                value = yaml.safe_load(err.instance)
            except yaml.YAMLError:
                continue
            if isinstance(value, str) or value is None:
                continue
            path = list(err.absolute_path)
            _get(config, path[:-1])[path[-1]] = value
            changed = True
            break  # the errors below may have moved
        if not changed:
            return config
    return config


def _control_error(value, path=()):
    if isinstance(value, str):
        if _CONTROL.search(value):
            return f"config: {_where(path)} is {value!r}: control characters (newline, tab, ...) are not allowed"
    elif isinstance(value, dict):
        for k, v in value.items():
            if (msg := _control_error(v, (*path, k))) is not None:
                return msg
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if (msg := _control_error(v, (*path, i))) is not None:
                return msg
    return None


def config_error(config, schema):
    """The first schema violation as one line, or None."""
    msg = _control_error(config)
    if msg:
        return msg
    validator = jsonschema.Draft202012Validator(schema)
    err = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if err is None:
        return cross_key_error(config)
    key = _where(err.absolute_path)
    if err.validator == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        extra = sorted(set(err.instance) - set(allowed))
        return f"config: unknown key {_where(list(err.absolute_path) + [extra[0]])!r}; allowed here: {', '.join(allowed)}"
    if err.validator == "enum":
        return f"config: {key} is {err.instance!r}; allowed: {', '.join(map(str, err.validator_value))}"
    if err.validator == "type":
        msg = f"config: {key} is {err.instance!r} ({type(err.instance).__name__}); expected {err.validator_value}"
        if isinstance(err.instance, str) and err.validator_value in ("object", "array"):
            msg += "; for nested values give a YAML file with --configfile"
        return msg
    if err.validator == "required":
        return f"config: {key}: {err.message}"
    if err.validator == "pattern" and "description" in err.schema:
        return f"config: {key} is {err.instance!r}; expected {err.schema['description']}"
    return f"config: {key} is {err.instance!r}: {err.message}"


def yaml_error(path):
    """A YAML file's syntax error as one line naming the file and the line, or None."""
    try:
        with open(path) as f:
            yaml.safe_load(f)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
        return f"config: {where}: {' '.join(str(e.problem or e.context or 'YAML syntax error').split())}"
    except yaml.YAMLError as e:
        return f"config: {path}: {' '.join(str(e).split())}"
    except OSError as e:
        return f"config: {path}: {e.strerror or e}"
    return None


def check_yaml_file(path):
    msg = yaml_error(path)
    if msg:
        raise SystemExit(msg)


def check_config(config, schema_path):
    with open(schema_path) as f:
        schema = yaml.safe_load(f)
    coerce_strings(config, schema)
    msg = config_error(config, schema)
    if msg:
        raise SystemExit(msg)


# Image sides of the around-input figures' inputs, per tier: shapes64 test images, 224x224 photo crops.
AROUND_INPUT_SIDE = {"embedded": 64, "lecture": 224}


def cross_key_error(config):
    """The first rule between keys that the schema cannot say (a value bounded by another), as one
    line, or None. Runs on a config that passed the schema."""
    fig = config["figures"]
    ai = fig["around_input"]
    for tier, side in AROUND_INPUT_SIDE.items():
        o = ai["occlusion"][tier]
        if o["mask"] > side:
            return (f"config: figures.around_input.occlusion.{tier}.mask is {o['mask']}: larger than the "
                    f"{side}x{side} images; at most {side}")
        if o["stride"] > o["mask"]:
            return (f"config: figures.around_input.occlusion.{tier}.stride is {o['stride']}: larger than the mask "
                    f"({o['mask']}), so some pixels are never occluded; at most {o['mask']}")
        images = ai["images"][tier]
        if ai["gradient_irregularity"]["image"] >= len(images):
            return (f"config: figures.around_input.gradient_irregularity.image is {ai['gradient_irregularity']['image']}:"
                    f" the {tier} tier has {len(images)} images (figures.around_input.images.{tier}); at most {len(images) - 1}")
    z = ai["zeiler"]
    for tier in AROUND_INPUT_SIDE:
        scan = z[tier]["nb_scan"]
        if scan and z["nb_top"] > scan:
            return (f"config: figures.around_input.zeiler.nb_top is {z['nb_top']}: more than the {scan} images scanned "
                    f"(figures.around_input.zeiler.{tier}.nb_scan); at most {scan}, or nb_scan 0 (all)")
    t = fig["tsne"]
    for key in ("swiss_roll", "lenet", "resnet_cifar"):
        if t[key]["nb_samples"] <= 3 * t["perplexity"]:
            return (f"config: figures.tsne.{key}.nb_samples is {t[key]['nb_samples']}: t-SNE with perplexity "
                    f"{t['perplexity']} (figures.tsne.perplexity) needs more than {3 * t['perplexity']} points")
    d = config["dynamics"]
    for key in ("show_scenes",):
        bad = [i for i in d[key] if i >= d["n_test"]]
        if bad:
            return f"config: dynamics.{key} has {bad[0]}: only {d['n_test']} test scenes (dynamics.n_test); at most {d['n_test'] - 1}"
    if d["nb_scenes"] > d["n_test"]:
        return f"config: dynamics.nb_scenes is {d['nb_scenes']}: only {d['n_test']} test scenes (dynamics.n_test); at most {d['n_test']}"
    return None


# ---------------------------------------------------------------- layer and class names

TIERS = ("embedded", "lecture")


def _uses(config):
    """(config key path, names, tier, model, 'layers' | 'classes') for every name a figure looks up."""
    f = config["figures"]
    zoo = config["zoo"]

    def per_tier(spec, tier):
        return spec[tier] if isinstance(spec, dict) else spec

    for tier in TIERS:
        models = zoo.get(tier, {})

        def use(path, names, model, kind):
            """names: one name (the value at path) or a list of them (indexed under path)."""
            if model in models:
                for i, name in ([(None, names)] if isinstance(names, str) else enumerate(names)):
                    yield (path if i is None else (*path, i)), name, tier, model, kind

        for key, spec in f.get("filters", {}).items():
            if isinstance(spec, dict) and "layer" in spec:
                yield from use(("figures", "filters", key, "layer"), spec["layer"], key.split("_conv")[0], "layers")
        for model, spec in f.get("activations", {}).get("layers", {}).items():
            sub = (tier,) if isinstance(spec, dict) else ()
            yield from use(("figures", "activations", "layers", model, *sub), per_tier(spec, tier), model, "layers")
        if "face_unit" in f:
            yield from use(("figures", "face_unit", "layer"), f["face_unit"]["layer"], "alexnet", "layers")
            if "dataset" in models.get("alexnet", {}):  # lecture tier (no dataset): faces vs non-faces
                yield from use(("figures", "face_unit", "class"), f["face_unit"]["class"], "alexnet", "classes")
        for model in ("lenet", "resnet_cifar"):
            spec = f.get("tsne", {}).get(model, {}).get("layers")
            if spec is not None:
                sub = (tier,) if isinstance(spec, dict) else ()
                yield from use(("figures", "tsne", model, "layers", *sub), per_tier(spec, tier), model, "layers")
        zeiler = f.get("around_input", {}).get("zeiler", {}).get(tier)
        if zeiler:
            yield from use(("figures", "around_input", "zeiler", tier, "layer"), zeiler["layer"], "alexnet", "layers")
        for key in ("noprior_classes", "classes"):
            names = f.get("max_response", {}).get(key, {}).get(tier)
            if names:
                yield from use(("figures", "max_response", key, tier), names, "vgg16", "classes")
        names = f.get("fooling", {}).get("classes", {}).get(tier)
        if names:
            yield from use(("figures", "fooling", "classes", tier), names, "alexnet", "classes")


def _signature(entry):
    """What the layer and class names of a zoo entry depend on."""
    data = "imagenet" if "pretrained" in entry else entry.get("dataset", "")
    return f"{entry['arch']}|{entry.get('depth', '')}|{data}"


def _code_key():
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256()
    for name in ("models.py", "data.py", "assets.py", "config.py"):
        h.update((ROOT / name).read_bytes())
    for pkg in ("torch", "torchvision"):
        try:
            h.update(version(pkg).encode())
        except PackageNotFoundError:
            pass
    return h.hexdigest()


def _compute_names(signature):
    """{'layers': [...], 'classes': [...]} of a zoo entry's net, built on the meta device."""
    import torch

    from . import assets, data, models

    arch, depth, dataset = signature.split("|")
    kwargs = {"depth": int(depth)} if depth else {}
    with torch.device("meta"):
        net = models.build(arch, **kwargs)
    layers = [n for n, _ in net.named_modules() if n]
    blocks = [n for n, m in net.named_modules() if n and not isinstance(m, torch.nn.Sequential)]
    classes = {"imagenet": models.imagenet_classes, "digits28": lambda: data.DIGITS_CLASSES,
               "shapes64": lambda: data.SHAPES_CLASSES, "shapes32": lambda: data.SHAPES_CLASSES,
               "mnist": lambda: assets.MNIST_CLASSES, "cifar10": lambda: assets.CIFAR10_CLASSES}.get(dataset)
    return {"layers": layers, "shown": blocks, "classes": list(classes()) if classes else None}


CACHE_FILE = ".snakemake/underhood/names.json"


def zoo_names(config, cache_files=(CACHE_FILE,)):
    """{signature: names} for every zoo entry. Read from the first of `cache_files` written by this
    code (same sources, same torch), else computed and written to the first writable one."""
    key = _code_key()
    names = {}
    for cache_file in cache_files:
        try:
            cached = json.loads(Path(cache_file).read_text())
        except (OSError, ValueError):
            continue
        if isinstance(cached, dict) and cached.get("key") == key:
            names = cached.get("names", {})
            break
    wanted = {_signature(e) for tier in TIERS for e in config["zoo"].get(tier, {}).values()}
    missing = wanted - set(names)
    if missing:
        for s in sorted(missing):
            names[s] = _compute_names(s)
        for cache_file in cache_files:
            try:
                path = Path(cache_file)
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
                try:
                    with os.fdopen(fd, "w") as out:
                        json.dump({"key": key, "names": names}, out)
                    os.chmod(tmp, 0o644)
                    os.replace(tmp, path)
                finally:
                    if os.path.exists(tmp):
                        os.unlink(tmp)
                break
            except OSError:
                continue  # read-only: the next place, else none (the names are computed each time)
    return names


def _listing(valid, wrong, what):
    if len(valid) <= 60:
        return f"valid {what}: {', '.join(valid)}"
    if what == "layers":  # a deep net: its blocks (their sublayers are valid too)
        blocks = [n for n in valid if n.count(".") <= 1]
        if wrong not in blocks and len(blocks) <= 80:
            return f"valid layers: {', '.join(blocks)} and their sublayers (e.g. {valid[-1]})"
    import difflib

    close = difflib.get_close_matches(wrong, valid, n=5, cutoff=0.5)
    hint = f"closest: {', '.join(close)}; " if close else ""
    return f"{hint}{len(valid)} valid {what}, e.g. {', '.join(valid[:30])}, ..."


def names_error(config, cache_files=(CACHE_FILE,)):
    """The first unknown layer or class name of the config as one line, or None."""
    uses = list(_uses(config))
    if not uses:
        return None
    names = zoo_names(config, cache_files)
    for path, name, tier, model, kind in uses:
        got = names[_signature(config["zoo"][tier][model])]
        valid = got[kind]
        if valid is not None and name not in valid:
            shown = got["shown"] if kind == "layers" else valid
            return (f"config: {_where(path)} is {name!r}: not a {'class' if kind == 'classes' else 'layer'} of {model} "
                    f"({config['zoo'][tier][model]['arch']}, {tier} tier); {_listing(shown, name, kind)}")
    return None


def check_names(config, cache_files=(CACHE_FILE,)):
    msg = names_error(config, cache_files)
    if msg:
        raise SystemExit(msg)
