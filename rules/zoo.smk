# The model zoo: the models the pipeline trains itself, cached as checkpoints with a metrics JSON.
# (The lecture tier's ImageNet nets are downloads: see rules/assets.smk.)


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
        precision=config["precision"],
    threads: 2
    priority: 1  # long jobs first: the short 1-thread jobs fill the end in pairs
    resources:
        mem_mb=8000,
        runtime=60,
    shell:
        "{params.run}/train.py --arch {wildcards.arch:q} --data {input:q} --model {output.model:q}"
        " --metrics {output.metrics:q} {params.args} --seed {params.seed:q} --device {params.device:q}"
        " --precision {params.precision:q} --threads {threads} > {log:q} 2>&1"
