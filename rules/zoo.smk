# The model zoo: the models the pipeline trains itself, cached as checkpoints with a metrics JSON.
# (The lecture tier's ImageNet nets are downloads: see rules/assets.smk.)


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


rule train:
    input:
        lambda w: dataset_file(w.tier, w.dataset),
    output:
        model=f"{CACHE}/{{tier}}/models/{{arch}}-{{dataset}}.pt",
        metrics=f"{CACHE}/{{tier}}/models/{{arch}}-{{dataset}}.metrics.json",
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/train/{{arch}}-{{dataset}}.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/train/{{arch}}-{{dataset}}.tsv"
    wildcard_constraints:
        arch="lenet|alexnet_small|vgg_small|resnet_small|resnet_nopool",
    params:
        run=RUN,
        args=train_args,
        seed=config["seed"],
        device=config["device"],
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
    shell:
        "{params.run}/train.py --arch {wildcards.arch:q} --data {input:q} --model {output.model:q}"
        " --metrics {output.metrics:q} {params.args} --seed {params.seed:q} --device {params.device:q}"
        " --threads {threads} > {log:q} 2>&1"
