"""Layer and class names: every one the figures use must exist in the model that stands for it, in
its tier (nets built on the `meta` device, no weights; the names are cached in .snakemake/ so that a
warm run does not import torch). One line naming the bad key, the name and the valid ones."""
import hashlib
import json
import os
import tempfile
from pathlib import Path

from .config import ROOT, _where

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
    for name in ("models.py", "data.py", "assets.py", "names.py"):
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
