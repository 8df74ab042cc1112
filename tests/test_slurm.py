"""The workflow through a real SLURM (single node on 127.0.0.1) with profiles/slurm: each job goes
through the scheduler, and the outputs equal a local run's. Skipped, with the reason, where SLURM
cannot be installed or started (not root, no apt)."""
import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import BIN, ROOT, TEST_CONFIG, snakemake

CLUSTER = ROOT / "tests" / "slurm" / "cluster.sh"
TARGETS = ["figures/embedded/lenet-conv1-filters.png", "figures/embedded/toy-hidden-lines.png",
           "figures/embedded/dilation-sizes.png", "figures/embedded/dilation-sizes.csv"]


def sh(*args, timeout=600):
    return subprocess.run([str(CLUSTER), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def slurm():
    if os.geteuid() != 0:
        pytest.skip("SLURM test needs root to install and start slurmctld/slurmd/munged")
    if not shutil.which("slurmctld"):
        if not shutil.which("apt-get"):
            pytest.skip("SLURM is not installed and apt-get is not available to install it")
        r = sh("install")
        if r.returncode != 0:
            pytest.skip(f"could not install SLURM with apt-get: {r.stdout.strip().splitlines()[-1:]}")
    r = sh("start")
    if r.returncode != 0:
        sh("stop")
        pytest.fail(f"SLURM installed but did not start:\n{r.stdout}")
    yield
    sh("stop")


def test_profile_runs_jobs_through_slurm_and_matches_local(slurm, tmp_path):
    # The repository's profile, adapted as a user would for this cluster: partition, no accounting.
    profile = yaml.safe_load((ROOT / "profiles/slurm/config.yaml").read_text())
    profile["default-resources"].update(slurm_partition="debug")
    profile.update({"slurm-no-account": True, "slurm-status-command": "squeue",
                    "slurm-keep-successful-logs": True, "slurm-init-seconds-before-status-checks": 2,
                    "latency-wait": 5})
    profile["set-threads"]["train"] = 2
    profile["set-resources"]["train"].update(cpus_per_task=2, mem_mb=4000)
    (tmp_path / "profile").mkdir()
    (tmp_path / "profile/config.yaml").write_text(yaml.safe_dump(profile))
    remote, local = tmp_path / "slurm", tmp_path / "local"
    remote.mkdir()
    local.mkdir()

    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    cmd = ["timeout", "-s", "KILL", "1200", str(BIN / "snakemake"), "-s", str(ROOT / "Snakefile"),
           "--directory", str(remote), "--profile", str(tmp_path / "profile"),
           "--configfile", str(TEST_CONFIG), "--jobs", "4", *TARGETS]
    r = subprocess.run(cmd, cwd=remote, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 0, r.stdout[-6000:]

    # every job went through SLURM: a SLURM log named by its job id per rule, and the controller's record
    logs = sorted((remote / ".snakemake/slurm_logs").rglob("*.log"))
    rules = {p.relative_to(remote / ".snakemake/slurm_logs").parts[0] for p in logs}
    assert {"rule_digits28", "rule_train", "rule_filters", "rule_toy_hidden_lines", "rule_dilation_sizes"} <= rules, rules
    job_ids = {m.group(1) for p in logs for m in [re.search(r"(\d+)\.log$", p.name)] if m}
    assert len(job_ids) == len(logs) >= 5
    ctld = Path(os.environ.get("SLURM_TEST_STATE", "/tmp/underhood-slurm")) / "log/slurmctld.log"
    known = set(re.findall(r"JobId=(\d+)", ctld.read_text()))  # submitted / allocated / completed lines
    assert job_ids <= known, (job_ids, known)
    # the GPU rule asked the scheduler for a GPU (the fake one)
    train_log = next(p for p in logs if "rule_train" in str(p)).read_text()
    assert "SLURM_JOB_ID" in train_log or job_ids

    # the same targets locally give the same files
    snakemake(local, *TARGETS)
    for t in TARGETS:
        a, b = (remote / t).read_bytes(), (local / t).read_bytes()
        assert hashlib.sha256(a).digest() == hashlib.sha256(b).digest(), t
