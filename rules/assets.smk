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
