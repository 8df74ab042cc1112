"""Config checking: one line naming the bad key, its value and what is allowed, before any job runs.

Three passes, all before Snakemake plans a job:
- `coerce_strings`: `--config` gives nested values as strings (`train={lenet: {epochs: 5}}` has
  epochs '5'); where the schema wants a number, a boolean, a list or a mapping and gets a string,
  the string is read as YAML.
- `config_error`: the schema (schemas/config.schema.yaml), plus no control character in any string,
  the rules between keys, and every photo given as a file (a .jpg, .jpeg or .png path) there.
- `names.names_error` (its own module): every layer and class name the figures use exists in the
  model that stands for it."""
import os
import re
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
        return cross_key_error(config) or photo_file_error(config)
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
    if err.validator in ("pattern", "contains") and "description" in err.schema:
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


# ---------------------------------------------------------------- photos given as files
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def is_image_file(entry):
    """Whether a photo entry of the config is a file (a path ending .jpg, .jpeg or .png, any case)
    rather than a scikit-image photo name (letters, digits and _: no dot)."""
    return isinstance(entry, str) and entry.lower().endswith(IMAGE_SUFFIXES)


def photo_entries(config):
    """(config key path, entry) of every photo the figures read: the around-input images, the
    adversarial images and the activations photo (the lecture tier's)."""
    f = config["figures"]
    for key in (("around_input", "images", "lecture"), ("adversarial", "images", "lecture")):
        for i, entry in enumerate(_get(f, key[:-1]).get(key[-1], [])):
            yield ("figures", *key, i), entry
    yield ("figures", "activations", "photo"), f["activations"]["photo"]


def photo_file_error(config):
    """The first photo file that is missing or cannot be read, as one line, or None (its content is
    read by the job: underhood.photo.read_photo)."""
    for path, entry in photo_entries(config):
        if not is_image_file(entry):
            continue
        where = "" if os.path.isabs(entry) else f" (relative to the working directory {os.getcwd()})"
        if not os.path.exists(entry):
            return f"config: {_where(path)} is {entry!r}: no such file{where}"
        if not os.path.isfile(entry):
            return f"config: {_where(path)} is {entry!r}: not a file{where}"
        if not os.access(entry, os.R_OK):
            return f"config: {_where(path)} is {entry!r}: not readable (permissions)"
    return None
