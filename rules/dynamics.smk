# B. Activations: Fleuret (2016), an 18-layer residual net predicting the dynamics of 2d objects.
# The data are simulated (pymunk) and the net is trained by the pipeline, the same in both tiers.

register("Activations", {"dynamics-activations": "Prediction of 2d dynamics with an 18-layer residual net: its activations",
                         "dynamics-scenes": "Prediction of 2d dynamics: test scenes, the truth and the net's prediction"})



rule dynamics_data:
    output:
        f"{CACHE}/{{tier}}/data/dynamics.pt",
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/data/dynamics.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/data/dynamics.tsv"
    params:
        run=RUN,
        # only the keys the simulation reads: changing a training or display key keeps the data
        d={k: config["dynamics"][k] for k in ("size", "n_rects", "n_train", "n_test", "pull_angle", "pull_accel", "pull_duration")},
        seed=config["seed"],
    threads: 1
    resources:
        mem_mb=3000,
        runtime=20,
    shell:
        "{params.run}/dynamics_data.py {output:q} --size {params.d[size]:q} --n-rects {params.d[n_rects]:q}"
        " --n-train {params.d[n_train]:q} --n-test {params.d[n_test]:q} --pull-angle {params.d[pull_angle]:q}"
        " --pull-accel {params.d[pull_accel]:q} --pull-duration {params.d[pull_duration]:q} --seed {params.seed:q} > {log:q} 2>&1"


rule dynamics_train:
    input:
        f"{CACHE}/{{tier}}/data/dynamics.pt",
    output:
        model=f"{CACHE}/{{tier}}/models/dynamics-resnet18.pt",
        metrics=f"{CACHE}/{{tier}}/models/dynamics-resnet18.metrics.json",
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/train/dynamics-resnet18.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/train/dynamics-resnet18.tsv"
    params:
        run=RUN,
        d=config["dynamics"],
        seed=config["seed"],
        device=config["device"],
        precision=config["precision"],
    threads: 2
    priority: 1  # long jobs first: the short 1-thread jobs fill the end in pairs
    resources:
        mem_mb=4000,
        runtime=60,
    shell:
        "{params.run}/dynamics_train.py --data {input:q} --model {output.model:q} --metrics {output.metrics:q}"
        " --steps {params.d[steps]:q} --batch-size {params.d[batch_size]:q} --lr {params.d[lr]:q} --channels {params.d[channels]:q}"
        " --seed {params.seed:q} --device {params.device:q} --precision {params.precision:q}"
        " --threads {threads} > {log:q} 2>&1"


rule dynamics_figures:
    input:
        data=f"{CACHE}/{{tier}}/data/dynamics.pt",
        model=f"{CACHE}/{{tier}}/models/dynamics-resnet18.pt",
    output:
        activations=report(
            figure("{tier}", "dynamics-activations"),
            caption=caption("dynamics-activations"),
            category=category("Activations"),
            labels=labels("dynamics-activations"),
        ),
        vector_activations=vector("{tier}", "dynamics-activations"),
        scenes=report(
            figure("{tier}", "dynamics-scenes"),
            caption=caption("dynamics-scenes"),
            category=category("Activations"),
            labels=labels("dynamics-scenes"),
        ),
        vector_scenes=vector("{tier}", "dynamics-scenes"),
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/figures/dynamics.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/figures/dynamics.tsv"
    params:
        run=FIGURE_RUN,
        d=config["dynamics"],
        seed=config["seed"],
        layers=config["dynamics"]["show_layers"],
        scenes=config["dynamics"]["show_scenes"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "{params.run}/dynamics_figures.py --data {input.data:q} --model {input.model:q}"
        " --activations {output.activations:q} --scenes {output.scenes:q} --layers {params.layers:q}"
        " --nb-channels {params.d[show_channels]:q} --activation-scenes {params.scenes:q}"
        " --nb-scenes {params.d[nb_scenes]:q} --seed {params.seed:q} > {log:q} 2>&1"
