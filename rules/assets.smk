# Data sets: made by the code (embedded tier) or downloaded and checked (lecture tier).


rule digits28:
    output:
        f"{CACHE}/embedded/data/digits28.pt",
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/embedded/data/digits28.log",
    benchmark:
        f"{BENCHMARKS}/embedded/data/digits28.tsv"
    params:
        run=RUN,
        seed=config["seed"],
        size=config["data"]["digits28"]["size"],
        test_fraction=config["data"]["digits28"]["test_fraction"],
    shell:
        "{params.run}/make_dataset.py digits28 {output:q} --size {params.size:q}"
        " --test-fraction {params.test_fraction:q} --seed {params.seed:q} > {log:q} 2>&1"


rule shapes:
    output:
        f"{CACHE}/embedded/data/shapes{{size}}.pt",
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/embedded/data/shapes{{size}}.log",
    benchmark:
        f"{BENCHMARKS}/embedded/data/shapes{{size}}.tsv"
    wildcard_constraints:
        size="32|64",
    params:
        run=RUN,
        seed=config["seed"],
        n_train=config["data"]["shapes"]["n_train"],
        n_test=config["data"]["shapes"]["n_test"],
    resources:
        mem_mb=4000,
    shell:
        "{params.run}/make_dataset.py shapes {output:q} --size {wildcards.size:q}"
        " --n-train {params.n_train:q} --n-test {params.n_test:q} --seed {params.seed:q} > {log:q} 2>&1"


# ---------------------------------------------------------------- lecture tier: downloads
# One rule per configured file (config downloads.files): url = base_urls[base] + name, checked
# against its pinned SHA-256 and written atomically. Rerun with network once, or place the file at
# the output path; the data rules below check the sums of what they read either way.

rule download:
    output:
        f"{CACHE}/lecture/downloads/{{name}}",
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/lecture/downloads/{{name}}.log",
    benchmark:
        f"{BENCHMARKS}/lecture/downloads/{{name}}.tsv"
    wildcard_constraints:
        name="|".join(re.escape(n) for n in DOWNLOADS) or "(?!)",
    params:
        run=RUN,
        retries=config["downloads"]["retries"],
        timeout=config["downloads"]["timeout"],
        url=download_url,
        sha256=lambda w: DOWNLOADS[w.name]["sha256"],
    localrule: True
    shell:
        "{params.run}/download.py {params.url:q} {output:q} --sha256 {params.sha256:q}"
        " --retries {params.retries:q} --timeout {params.timeout:q}"
        " > {log:q} 2>&1"


MNIST_KEYS = ["mnist_train_images", "mnist_train_labels", "mnist_test_images", "mnist_test_labels"]


rule mnist:
    input:
        lambda w: [download_file(k) for k in MNIST_KEYS],
    output:
        dataset_file("lecture", "mnist"),
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/lecture/data/mnist.log",
    benchmark:
        f"{BENCHMARKS}/lecture/data/mnist.tsv"
    params:
        run=RUN,
        sha256=lambda w: download_sums(*MNIST_KEYS),
    resources:
        mem_mb=2000,
    shell:
        "{params.run}/make_lecture_dataset.py mnist {output:q} --files {input:q} --sha256 {params.sha256:q} > {log:q} 2>&1"


rule cifar10:
    input:
        lambda w: download_file("cifar10"),
    output:
        dataset_file("lecture", "cifar10"),
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/lecture/data/cifar10.log",
    benchmark:
        f"{BENCHMARKS}/lecture/data/cifar10.tsv"
    params:
        run=RUN,
        sha256=lambda w: download_sums("cifar10"),
    resources:
        mem_mb=4000,
    shell:
        "{params.run}/make_lecture_dataset.py cifar10 {output:q} --files {input:q} --sha256 {params.sha256:q} > {log:q} 2>&1"
