# Data sets: made by the code (embedded tier) or downloaded and checked (lecture tier).


rule digits28:
    output:
        f"{CACHE}/embedded/data/digits28.pt",
    log:
        "logs/embedded/data/digits28.log",
    params:
        size=config["data"]["digits28"]["size"],
        test_fraction=config["data"]["digits28"]["test_fraction"],
    shell:
        "{PY} {SCRIPTS}/make_dataset.py digits28 {output} --size {params.size}"
        " --test-fraction {params.test_fraction} --seed {config[seed]} > {log} 2>&1"


rule shapes:
    output:
        f"{CACHE}/embedded/data/shapes{{size}}.pt",
    log:
        "logs/embedded/data/shapes{size}.log",
    wildcard_constraints:
        size="32|64",
    params:
        n_train=config["data"]["shapes"]["n_train"],
        n_test=config["data"]["shapes"]["n_test"],
    resources:
        mem_mb=4000,
    shell:
        "{PY} {SCRIPTS}/make_dataset.py shapes {output} --size {wildcards.size}"
        " --n-train {params.n_train} --n-test {params.n_test} --seed {config[seed]} > {log} 2>&1"


# ---------------------------------------------------------------- lecture tier: downloads
# One rule per configured file (config downloads.files): url = base_urls[base] + name, checked
# against its pinned SHA-256 and written atomically. Rerun with network once, or place the file at
# the output path; the data rules below check the sums of what they read either way.

import re

DOWNLOADS = {e["name"]: e for e in config["downloads"]["files"].values()}


def download_url(wildcards):
    e = DOWNLOADS[wildcards.name]
    return config["downloads"]["base_urls"][e["base"]] + e["name"]


def download_sums(*keys):
    return " ".join(config["downloads"]["files"][k]["sha256"] for k in keys)


rule download:
    output:
        f"{CACHE}/lecture/downloads/{{name}}",
    log:
        "logs/lecture/downloads/{name}.log",
    wildcard_constraints:
        name="|".join(re.escape(n) for n in DOWNLOADS) or "(?!)",
    params:
        url=download_url,
        sha256=lambda w: DOWNLOADS[w.name]["sha256"],
    localrule: True
    shell:
        "{PY} {SCRIPTS}/download.py {params.url:q} {output:q} --sha256 {params.sha256}"
        " --retries {config[downloads][retries]} --timeout {config[downloads][timeout]}"
        " > {log} 2>&1"


MNIST_KEYS = ["mnist_train_images", "mnist_train_labels", "mnist_test_images", "mnist_test_labels"]


rule mnist:
    input:
        lambda w: [download_file(k) for k in MNIST_KEYS],
    output:
        dataset_file("lecture", "mnist"),
    log:
        "logs/lecture/data/mnist.log",
    params:
        sha256=lambda w: download_sums(*MNIST_KEYS),
    resources:
        mem_mb=2000,
    shell:
        "{PY} {SCRIPTS}/make_lecture_dataset.py mnist {output} --files {input} --sha256 {params.sha256} > {log} 2>&1"


rule cifar10:
    input:
        lambda w: download_file("cifar10"),
    output:
        dataset_file("lecture", "cifar10"),
    log:
        "logs/lecture/data/cifar10.log",
    params:
        sha256=lambda w: download_sums("cifar10"),
    resources:
        mem_mb=4000,
    shell:
        "{PY} {SCRIPTS}/make_lecture_dataset.py cifar10 {output} --files {input} --sha256 {params.sha256} > {log} 2>&1"
