# The model zoo: the models the pipeline trains itself, cached as checkpoints with a metrics JSON.
# (The lecture tier's ImageNet nets are downloads: see rules/assets.smk.)


def train_args(wildcards):
    t = config["train"][wildcards.arch]
    args = f"--epochs {t['epochs']} --batch-size {t['batch_size']} --lr {t['lr']} --weight-decay {t['weight_decay']}"
    if not t.get("flips", True):
        args += " --no-flips"
    if "n_train" in t:
        args += f" --n-train {t['n_train']}"
    return args


rule train:
    input:
        lambda w: dataset_file(w.tier, w.dataset),
    output:
        model=f"{CACHE}/{{tier}}/models/{{arch}}-{{dataset}}.pt",
        metrics=f"{CACHE}/{{tier}}/models/{{arch}}-{{dataset}}.metrics.json",
    log:
        "logs/{tier}/train/{arch}-{dataset}.log",
    benchmark:
        "benchmarks/{tier}/train/{arch}-{dataset}.tsv"
    wildcard_constraints:
        arch="lenet|alexnet_small|vgg_small|resnet_small",
    params:
        args=train_args,
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
    shell:
        "{PY} {SCRIPTS}/train.py --arch {wildcards.arch} --data {input} --model {output.model}"
        " --metrics {output.metrics} {params.args} --seed {config[seed]} --device {config[device]}"
        " --threads {threads} > {log} 2>&1"
