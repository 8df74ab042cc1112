"""Hardening (issue 11): no config string reaches a shell unquoted, wrong names are caught before any job
runs, files on disk are written safely, and every failure of the project's own making is one line.

Cheap: dry runs (`snakemake -n`), in-process checks, and two real runs of targets that train nothing
(dilation-sizes, digits28)."""
import copy
import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

from conftest import FIXTURES, ROOT, snakemake
from underhood import assets, cli, io
from underhood.config import check_config, coerce_strings, config_error
from underhood.names import names_error

SCHEMA = yaml.safe_load((ROOT / "schemas" / "config.schema.yaml").read_text())
NAMES_CACHE = (str(ROOT / ".snakemake" / "underhood" / "names.json"),)
PAYLOADS = ["$(touch SENTINEL)", "'; touch SENTINEL; '"]


def base_config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def set_key(config, path, value):
    node = config
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return config


def config_lines(stdout):
    return [line for line in stdout.splitlines() if line.startswith("config: ")]


def write_overlay(tmp_path, data, name="overlay.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


# ---------------------------------------------------------------- 1. shell injection

# Every string-valued config key whose value reaches a command line (or a path in one).
STRING_KEYS = [
    ("cache_dir",), ("figures_dir",), ("logs_dir",), ("benchmarks_dir",),
    ("figures", "filters", "lenet_conv1", "layer"), ("figures", "filters", "alexnet_conv2", "layer"),
    ("figures", "activations", "layers", "lenet", 0), ("figures", "activations", "layers", "resnet152", "lecture", 1),
    ("figures", "activations", "photo"),
    ("figures", "face_unit", "layer"), ("figures", "face_unit", "class"),
    ("figures", "tsne", "lenet", "layers", 0), ("figures", "tsne", "resnet_cifar", "layers", "embedded", 0),
    ("figures", "around_input", "zeiler", "embedded", "layer"),
    ("figures", "around_input", "images", "lecture", 0),
    ("figures", "max_response", "classes", "embedded", 0), ("figures", "max_response", "noprior_classes", "lecture", 1),
    ("figures", "fooling", "classes", "lecture", 0),
    ("figures", "adversarial", "images", "embedded", 0), ("figures", "adversarial", "images", "lecture", 0),
    ("downloads", "base_urls", "torchvision"),
    ("downloads", "files", "alexnet", "name"), ("downloads", "files", "alexnet", "base"),
    ("zoo", "lecture", "alexnet", "pretrained"),
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("path", STRING_KEYS, ids=lambda p: ".".join(map(str, p)))
def test_shell_payload_in_a_string_key_is_refused_naming_the_key(path, payload):
    config = set_key(base_config(), path, payload if path[0] != "downloads" or path[-1] != "torchvision"
                     else "https://example.org/" + payload)
    msg = config_error(config, SCHEMA)
    assert msg is not None, f"{path}: {payload!r} accepted"
    assert "\n" not in msg and msg.startswith(f"config: {'.'.join(map(str, path))} is "), msg


@pytest.mark.parametrize("overlay,key", [
    ({"figures": {"filters": {"lenet_conv1": {"layer": "features.0$(touch SENTINEL)"}}}},
     "figures.filters.lenet_conv1.layer"),
    ({"cache_dir": "cache'; touch SENTINEL; '"}, "cache_dir"),
    ({"figures_dir": "figures$(touch SENTINEL)"}, "figures_dir"),
    ({"logs_dir": "logs; touch SENTINEL"}, "logs_dir"),
])
def test_shell_payload_stops_the_workflow_with_one_line(tmp_path, overlay, key):
    r = snakemake(tmp_path, "-n", "-p", configfiles=[write_overlay(tmp_path, overlay)], check=False)
    assert r.returncode != 0
    lines = config_lines(r.stdout)
    assert len(lines) == 1 and lines[0].startswith(f"config: {key} is "), r.stdout[-2000:]
    assert not (tmp_path / "SENTINEL").exists() and not Path("SENTINEL").exists()


def _commands(stdout, marker):
    return [shlex.split(line.strip()) for line in stdout.splitlines() if marker in line]


def test_odd_but_allowed_strings_reach_the_scripts_literally(tmp_path):
    """Spaces, parentheses, #, * and an apostrophe are allowed; each arrives as one argument."""
    cache, figures = "my cache (v2) #1 *", "my figures"
    overlay = {"tier": "lecture", "cache_dir": cache, "figures_dir": figures,
               "figures": {"max_response": {"classes": {"lecture": ["potter's wheel", "king crab"]}},
                           "filters": {"alexnet_conv1": {"layer": "features.0"}}}}
    r = snakemake(tmp_path, "-n", "-p", "--forceall", f"{figures}/lecture/max-response-vgg16-classes.png",
                  f"{figures}/lecture/alexnet-conv1-filters.png",
                  configfiles=[write_overlay(tmp_path, overlay)])
    (opt,) = _commands(r.stdout, "max_response.py optimise")
    assert opt[opt.index("--classes") + 1:opt.index("--classes") + 3] == ["potter's wheel", "king crab"]
    assert opt[opt.index("--output") + 1] == f"{cache}/lecture/synthesis/max-response-classes.pt"
    assert opt[opt.index("--model") + 1] == f"{cache}/lecture/downloads/vgg16-397923af.pth"
    (fig,) = _commands(r.stdout, "max_response.py figure")
    assert fig[fig.index("--png") + 1] == f"{figures}/lecture/max-response-vgg16-classes.png"
    (filt,) = _commands(r.stdout, "filters.py")
    assert filt[filt.index(">") - 1] == f"{figures}/lecture/alexnet-conv1-filters.png"
    assert filt[filt.index("--layer") + 1] == "features.0"
    assert not (tmp_path / "SENTINEL").exists()


def test_figures_dir_with_a_space_works_end_to_end(tmp_path, monkeypatch):
    """A real run of two cheap targets with spaces in both folders; nothing is written under ~
    (matplotlib's config and cache go under the cache: MPLCONFIGDIR)."""
    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    overlay = write_overlay(tmp_path, {"cache_dir": "my cache", "figures_dir": "my figures"})
    r = snakemake(work, "--cores", "1", "my figures/embedded/dilation-sizes.png", "my cache/embedded/data/digits28.pt",
                  configfiles=[overlay], env={"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
                                              "XDG_CONFIG_HOME": str(home / ".config")}, check=False)
    assert r.returncode == 0, r.stdout[-3000:]
    assert (work / "my figures" / "embedded" / "dilation-sizes.png").stat().st_size > 0
    assert (work / "my figures" / "embedded" / "dilation-sizes.csv").stat().st_size > 0
    assert torch.load(work / "my cache" / "embedded" / "data" / "digits28.pt", weights_only=True)["train_x"].dtype == torch.uint8
    # the logs follow the cache (logs_dir left at its default): nothing else beside the two folders
    assert sorted(p.name for p in work.iterdir()) == [".snakemake", "my cache", "my figures"]
    assert (work / "my cache" / "logs" / "embedded" / "figures" / "dilation-sizes.log").exists()
    assert (work / "my cache" / "matplotlib").is_dir()
    # (Snakemake itself may keep a cache in ~/.cache/snakemake: not the project's doing)
    written = [str(p.relative_to(home)) for p in home.rglob("*")
               if p.is_file() and not str(p.relative_to(home)).startswith(".cache/snakemake")]
    assert written == [], f"written under ~: {written}"


def _job_paths(stdout, field):
    """The `log:` or `benchmark:` paths of the jobs a dry run lists."""
    prefix = f"{field}: "
    return [p for line in stdout.splitlines() if line.startswith("    " + prefix)
            for p in line.strip()[len(prefix):].split(", ")]


@pytest.mark.parametrize("config,logs,benchmarks", [
    ([], "logs/embedded/", "benchmarks/embedded/"),                        # the defaults
    (["cache_dir=otherc"], "otherc/logs/embedded/", "otherc/benchmarks/embedded/"),  # follow the cache
    (["cache_dir=otherc", "logs_dir=mylogs"], "mylogs/embedded/", "otherc/benchmarks/embedded/"),  # set: kept
    (["benchmarks_dir=my bench"], "logs/embedded/", "my bench/embedded/"),
], ids=["defaults", "cache_dir", "cache_dir+logs_dir", "benchmarks_dir"])
def test_logs_and_benchmarks_follow_cache_dir_unless_set(tmp_path, config, logs, benchmarks):
    """Issue 11: two runs with different caches keep their own logs and benchmarks; logs_dir and
    benchmarks_dir left at their defaults follow cache_dir, set explicitly they win."""
    r = snakemake(tmp_path, "-n", "-p", "--forceall", *(["--config", *config] if config else []))
    log_paths, bench_paths = _job_paths(r.stdout, "log"), _job_paths(r.stdout, "benchmark")
    assert len(log_paths) > 50 and len(bench_paths) > 20, r.stdout[-2000:]
    assert [p for p in log_paths if not p.startswith(logs)] == []
    assert [p for p in bench_paths if not p.startswith(benchmarks)] == []
    redirects = [c[c.index(">") + 1] for c in _commands(r.stdout, "scripts/") if ">" in c]
    assert len(redirects) == len(log_paths) and all(p.startswith(logs) for p in redirects), redirects[:5]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".snakemake"]  # a dry run makes no folder


RULE_FIELD = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_.\[\]]*)(:[a-z]*)?\}(?!\})")
# params that are argument strings built (and quoted) by the helpers of rules/common.smk
PREBUILT = {"params.run", "params.args", "params.model", "params.objective", "params.images", "threads"}


def test_every_rule_field_is_quoted():
    """In every shell command, each {field} is {field:q}, or an argument string quoted by common.smk."""
    unquoted = []
    for smk in sorted((ROOT / "rules").glob("*.smk")):
        in_shell = False
        for n, line in enumerate(smk.read_text().splitlines(), 1):
            s = line.strip()
            if s == "shell:":
                in_shell = True
                continue
            if in_shell and not s.startswith(('"', "'")):
                in_shell = False
            if in_shell:
                unquoted += [f"{smk.name}:{n}: {{{m.group(1)}}}" for m in RULE_FIELD.finditer(line)
                             if m.group(2) != ":q" and m.group(1) not in PREBUILT]
    assert unquoted == []


# ---------------------------------------------------------------- 2. caught before any job runs

@pytest.mark.parametrize("path,value,expected", [
    (("figures", "filters", "lenet_conv1", "layer"), "features.99",
     "config: figures.filters.lenet_conv1.layer is 'features.99': not a layer of lenet (lenet, embedded tier); "
     "valid layers: features.0, features.1"),
    (("figures", "max_response", "classes", "embedded"), ["disc", "unicorn"],
     "config: figures.max_response.classes.embedded.1 is 'unicorn': not a class of vgg16 (vgg_small, embedded tier); "
     "valid classes: disc, ring, square"),
    (("figures", "face_unit", "class"), "unicorn", "config: figures.face_unit.class is 'unicorn': not a class of alexnet"),
    (("figures", "fooling", "classes", "lecture"), ["starfsh"],
     "config: figures.fooling.classes.lecture.0 is 'starfsh': not a class of alexnet (alexnet, lecture tier); closest: starfish"),
    (("figures", "activations", "layers", "resnet152", "lecture"), ["relu", "layer9.0"],
     "config: figures.activations.layers.resnet152.lecture.1 is 'layer9.0': not a layer of resnet152"),
    (("figures", "tsne", "resnet_cifar", "layers", "embedded"), ["layer1.0", "layer3.9"],
     "config: figures.tsne.resnet_cifar.layers.embedded.1 is 'layer3.9': not a layer of resnet_cifar (resnet_nopool, embedded"),
    (("figures", "around_input", "zeiler", "lecture", "layer"), "features.13",
     "config: figures.around_input.zeiler.lecture.layer is 'features.13': not a layer of alexnet (alexnet, lecture tier)"),
])
def test_unknown_layer_or_class_is_refused_with_the_valid_names(path, value, expected):
    config = set_key(base_config(), path, value)
    assert config_error(config, SCHEMA) is None
    msg = names_error(config, NAMES_CACHE)
    assert msg is not None and "\n" not in msg and msg.startswith(expected), msg


def test_default_configs_have_known_names():
    assert names_error(base_config(), NAMES_CACHE) is None
    test = base_config()
    overlay = yaml.safe_load((ROOT / "tests" / "config.test.yaml").read_text())

    def merge(a, b):
        for k, v in b.items():
            if isinstance(v, dict) and isinstance(a.get(k), dict):
                merge(a[k], v)
            else:
                a[k] = v
    merge(test, overlay)
    assert names_error(test, NAMES_CACHE) is None


def test_unknown_layer_stops_the_workflow_before_any_job(tmp_path):
    overlay = write_overlay(tmp_path, {"figures": {"filters": {"lenet_conv1": {"layer": "features.99"}}}})
    r = snakemake(tmp_path, "-n", configfiles=[overlay], check=False)
    assert r.returncode != 0
    lines = config_lines(r.stdout)
    assert len(lines) == 1 and "valid layers: features.0" in lines[0], r.stdout[-2000:]
    assert not (tmp_path / "figures").exists() and not (tmp_path / "cache").exists()


def test_names_check_is_cached_and_needs_no_torch():
    """The warm check reads .snakemake/underhood/names.json: no torch import, well under a second."""
    names_error(base_config(), NAMES_CACHE)  # warm
    code = ("import sys, time, yaml; sys.path.insert(0, sys.argv[1]); from underhood.names import names_error;"
            "c = yaml.safe_load(open(sys.argv[1] + '/config.yaml')); t = time.perf_counter();"
            "assert names_error(c, (sys.argv[2],)) is None; print(time.perf_counter() - t, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT), NAMES_CACHE[0]], capture_output=True, text=True,
                         check=True).stdout.split()
    assert float(out[0]) < 0.5 and out[1] == "False", out


def test_nested_config_on_the_command_line(tmp_path):
    r = snakemake(tmp_path, "-n", "-p", "--forceall", "cache/embedded/models/lenet-digits28.pt",
                  "--config", "train={lenet: {epochs: 5}}")
    (train,) = _commands(r.stdout, "train.py")
    assert train[train.index("--epochs") + 1] == "5"
    assert train[train.index("--batch-size") + 1] == "64"  # the other keys of train.lenet are kept


def test_string_leaves_are_read_as_yaml_where_the_schema_wants_numbers():
    config = base_config()
    config["train"]["lenet"] = {"epochs": "5", "batch_size": "64", "lr": "0.003", "weight_decay": "2.0", "flips": "false"}
    config["dynamics"]["show_layers"] = "[2, 6]"
    coerce_strings(config, SCHEMA)
    assert config["train"]["lenet"] == {"epochs": 5, "batch_size": 64, "lr": 0.003, "weight_decay": 2.0, "flips": False}
    assert config["dynamics"]["show_layers"] == [2, 6]
    config["figures"]["adversarial"]["images"]["embedded"] = ["0", "4"]  # strings where strings are wanted: kept
    coerce_strings(config, SCHEMA)
    assert config["figures"]["adversarial"]["images"]["embedded"] == ["0", "4"]
    assert config_error(config, SCHEMA) is None


def test_a_string_where_a_mapping_is_wanted_says_to_use_configfile():
    config = base_config()
    config["figures"] = "filters"
    with pytest.raises(SystemExit) as e:
        check_config(config, ROOT / "schemas" / "config.schema.yaml")
    assert str(e.value).startswith("config: figures is 'filters' (str); expected object") and "--configfile" in str(e.value)


@pytest.mark.parametrize("path", [("cache_dir",), ("figures", "activations", "photo")])
def test_control_characters_are_refused(path):
    msg = config_error(set_key(base_config(), path, "chelsea\n"), SCHEMA)
    assert msg is not None and msg.startswith(f"config: {'.'.join(path)} is 'chelsea\\n'"), msg


# ---------------------------------------------------------------- 4. files on disk

def test_atomic_writes_fsync_before_replace(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b))[1])
    io.save_json({"a": 1}, tmp_path / "x.json")
    assert "fsync" in calls and calls.index("fsync") < calls.index("replace"), calls
    assert json.loads((tmp_path / "x.json").read_text()) == {"a": 1}


def test_cached_tensors_are_byte_identical_across_writes(tmp_path):
    obj = {"x": torch.arange(10, dtype=torch.uint8), "classes": ["a", "b"]}
    io.save_torch(obj, tmp_path / "a" / "digits28.pt")
    io.save_torch(obj, tmp_path / "b" / "digits28.pt")
    one, two = ((tmp_path / d / "digits28.pt").read_bytes() for d in "ab")
    assert one == two and b".part" not in one


def test_stale_part_files_are_removed_by_the_next_write(tmp_path):
    stale = [tmp_path / ".digits28.pt.9he2p1p6.pt.part", tmp_path / ".digits28.pt.k2.part"]
    other = tmp_path / ".shapes64.pt.abc.pt.part"
    for p in stale + [other]:
        p.write_bytes(b"\0" * 100)
    io.save_torch({"x": torch.zeros(2)}, tmp_path / "digits28.pt")
    assert not any(p.exists() for p in stale) and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".shapes64.pt.abc.pt.part", "digits28.pt", "digits28.pt.provenance.json",
                                                       "digits28.pt.sha256"]


def test_downloads_are_world_readable_and_leave_no_part(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"weights" * 100)
    dest = tmp_path / "downloads" / "w.pth"
    dest.parent.mkdir()
    stale = dest.parent / ".w.pth.old123.part"
    stale.write_bytes(b"half")
    umask = os.umask(0o022)
    try:
        assets.fetch(src.as_uri(), dest, assets.sha256_file(src), retries=1, log=lambda m: None)
    finally:
        os.umask(umask)
    assert dest.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in dest.parent.iterdir()) == ["w.pth"]


def test_unwritable_folder_is_one_line(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(io.tempfile, "mkstemp", refuse)
    with pytest.raises(io.WriteError) as e:
        io.save_csv(None, tmp_path / "figures" / "x.csv")
    assert str(e.value) == (f"cannot write {tmp_path}/figures/x.csv: folder {tmp_path}/figures is not writable "
                            "(Permission denied)")
    assert cli.one_line_message(e.value) == f"error: {e.value}"


def run_script(name, *args, cwd):
    return subprocess.run([sys.executable, str(ROOT / "scripts" / name), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True)


def error_lines(r):
    return [line for line in r.stderr.splitlines() if line.strip() and "Warning" not in line]


def test_figures_dir_that_cannot_be_written_is_one_line(tmp_path):
    """(Under a regular file, as a folder that cannot be made: the tests may run as root, for whom
    permissions do not apply.)"""
    (tmp_path / "figures").write_text("a file, not a folder")
    r = run_script("dilation.py", "diagram", "--png", "figures/embedded/dilation-diagram.png", cwd=tmp_path)
    assert r.returncode == 1
    assert error_lines(r) == ["error: cannot write figures/embedded/dilation-diagram.png: folder figures/embedded is "
                              "not writable (Not a directory)"], r.stderr


# ---------------------------------------------------------------- 3. corrupt caches and downloads

@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_corrupt_checkpoint_is_one_line(tmp_path, damage):
    model = tmp_path / "cache" / "embedded" / "models" / "lenet-digits28.pt"
    model.parent.mkdir(parents=True)
    good = (FIXTURES / "lenet-digits28.pt").read_bytes()
    model.write_bytes({"truncated": good[:len(good) // 2], "garbage": os.urandom(len(good)), "empty": b""}[damage])
    r = run_script("filters.py", "--model", "cache/embedded/models/lenet-digits28.pt", "--layer", "features.0",
                   "--title", "t", "out.png", cwd=tmp_path)
    assert r.returncode == 1
    (line,) = error_lines(r)
    assert line.startswith("error: cache/embedded/models/lenet-digits28.pt: not a readable torch file, corrupt (") and \
        line.endswith("): delete it and rerun"), line
    assert "weights_only" not in r.stderr + r.stdout
    assert not (tmp_path / "out.png").exists()


def test_tampered_download_is_one_line(tmp_path):
    good = b"not really alexnet" * 1000
    bad = bytearray(good)
    bad[100] ^= 1
    (tmp_path / "alexnet-owt-7be5be79.pth").write_bytes(bytes(bad))
    r = run_script("filters.py", "--model", "alexnet-owt-7be5be79.pth", "--arch", "alexnet",
                   "--sha256", assets.hashlib.sha256(good).hexdigest(), "--layer", "features.0", "--title", "t",
                   "out.png", cwd=tmp_path)
    assert r.returncode == 1
    (line,) = error_lines(r)
    assert line.startswith("error: alexnet-owt-7be5be79.pth: sha256 mismatch: expected "), line


def test_missing_model_and_unknown_layer_are_one_line(tmp_path):
    r = run_script("filters.py", "--model", "nothing.pt", "--layer", "features.0", "--title", "t", "o.png", cwd=tmp_path)
    assert r.returncode == 1 and error_lines(r) == ["error: nothing.pt: no such file; rerun the workflow to make it"]
    r = run_script("filters.py", "--model", FIXTURES / "lenet-digits28.pt", "--layer", "features.99", "--title", "t",
                   "o.png", cwd=tmp_path)
    assert r.returncode == 1
    (line,) = error_lines(r)
    assert line.startswith("error: unknown layer 'features.99'; valid layers: features.0"), line


def test_errors_from_outside_the_project_keep_their_traceback():
    try:
        int("x")  # a ValueError raised by Python, not by underhood/ or scripts/
    except ValueError as e:
        assert cli.one_line_message(e) is None
    try:
        io.load_torch("/nonexistent/x.pt")
    except FileNotFoundError as e:
        assert cli.one_line_message(e) == "error: /nonexistent/x.pt: no such file; rerun the workflow to make it"


def test_every_script_ends_the_project_errors_with_one_line():
    missing = [p.name for p in sorted((ROOT / "scripts").glob("*.py")) if "one_line_errors()" not in p.read_text()]
    assert missing == []


def tampered_checkpoint(tmp_path):
    """A checkpoint written by the pipeline (with its sidecar), whose weights were then replaced by
    noise of the same shape, its modification time put back."""
    model = tmp_path / "cache" / "embedded" / "models" / "lenet-digits28.pt"
    ck = torch.load(FIXTURES / "lenet-digits28.pt", weights_only=True)
    io.save_torch(ck, model)
    st = model.stat()
    ck["state_dict"]["features.0.weight"] = torch.randn_like(ck["state_dict"]["features.0.weight"])
    with open(model, "wb") as f:
        torch.save(ck, f)
    os.utime(model, ns=(st.st_atime_ns, st.st_mtime_ns))
    return model


def test_checkpoints_carry_their_sha256(tmp_path):
    path = tmp_path / "x.pt"
    io.save_torch({"x": torch.arange(5)}, path)
    assert (tmp_path / "x.pt.sha256").read_text() == f"{assets.sha256_file(path)}  x.pt\n"
    assert torch.equal(io.load_torch(path)["x"], torch.arange(5))


def test_tampered_checkpoint_is_refused(tmp_path):
    model = tampered_checkpoint(tmp_path)
    with pytest.raises(io.CorruptFileError, match=r"lenet-digits28.pt is corrupt \(sha256 [0-9a-f]{64} != [0-9a-f]{64} "
                                                  r"in lenet-digits28.pt.sha256\): delete it and rerun"):
        io.load_torch(model)
    r = run_script("filters.py", "--model", "cache/embedded/models/lenet-digits28.pt", "--layer", "features.0",
                   "--title", "t", "out.png", cwd=tmp_path)
    assert r.returncode == 1
    (line,) = error_lines(r)
    assert line.startswith("error: cache/embedded/models/lenet-digits28.pt is corrupt (sha256 "), line
    assert not (tmp_path / "out.png").exists()


def test_a_checkpoint_placed_after_its_sidecar_is_not_checked_against_it(tmp_path):
    """A newer file was put there on purpose (a test fixture copied over a trained checkpoint):
    Snakemake sees its time; the old sidecar does not speak for it."""
    model = tmp_path / "m.pt"
    io.save_torch({"x": torch.zeros(3)}, model)
    time.sleep(0.05)  # (file times may be as coarse as the kernel tick)
    model.write_bytes((FIXTURES / "lenet-digits28.pt").read_bytes())
    assert io.load_torch(model)["arch"] == "lenet"


def test_committed_fixtures_still_load():
    from underhood import models

    model, info = models.load(FIXTURES / "lenet-digits28.pt")
    assert info["arch"] == "lenet" and len(info["classes"]) == 10


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    from underhood.config import yaml_error

    bad = tmp_path / "bad.yaml"
    bad.write_text("tier: embedded\nfigures:\n  filters: {scale: [shared\n")
    msg = yaml_error(bad)
    assert msg is not None and "\n" not in msg and msg.startswith(f"config: {bad}, line "), msg


def test_syntax_error_in_the_workflow_config_is_one_line(tmp_path):
    """config.yaml (loaded by the Snakefile) with a syntax error: its file and line, no traceback."""
    import shutil

    src = tmp_path / "src"
    for part in ("rules", "schemas", "underhood", "scripts", "report", "envs"):
        shutil.copytree(ROOT / part, src / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "Snakefile", src / "Snakefile")
    text = (ROOT / "config.yaml").read_text().replace("seed: 0\n", "seed: [0\n", 1)
    (src / "config.yaml").write_text(text)
    work = tmp_path / "work"
    work.mkdir()
    r = snakemake(work, "-n", snakefile=src / "Snakefile", configfiles=[ROOT / "tests" / "config.test.yaml"], check=False)
    assert r.returncode != 0
    lines = config_lines(r.stdout)
    assert len(lines) == 1 and lines[0].startswith(f"config: {src / 'config.yaml'}, line "), r.stdout[-2000:]
    assert "Traceback" not in r.stdout
