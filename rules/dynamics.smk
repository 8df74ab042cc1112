# B. Activations: Fleuret (2016), an 18-layer residual net predicting the dynamics of 2d objects.
# The data are simulated (pymunk) and the net is trained by the pipeline, the same in both tiers.

register("Activations", "dynamics-activations", "dynamics-scenes")

DYN = config["dynamics"]


rule dynamics_data:
    output:
        f"{CACHE}/{{tier}}/data/dynamics.pt",
    log:
        "logs/{tier}/data/dynamics.log",
    benchmark:
        "benchmarks/{tier}/data/dynamics.tsv"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=20,
    shell:
        "{PY} {SCRIPTS}/dynamics_data.py {output} --size {DYN[size]} --n-rects {DYN[n_rects]}"
        " --n-train {DYN[n_train]} --n-test {DYN[n_test]} --pull-angle {DYN[pull_angle]}"
        " --pull-accel {DYN[pull_accel]} --pull-duration {DYN[pull_duration]} --seed {config[seed]} > {log} 2>&1"


rule dynamics_train:
    input:
        f"{CACHE}/{{tier}}/data/dynamics.pt",
    output:
        model=f"{CACHE}/{{tier}}/models/dynamics-resnet18.pt",
        metrics=f"{CACHE}/{{tier}}/models/dynamics-resnet18.metrics.json",
    log:
        "logs/{tier}/train/dynamics-resnet18.log",
    benchmark:
        "benchmarks/{tier}/train/dynamics-resnet18.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
    shell:
        "{PY} {SCRIPTS}/dynamics_train.py --data {input} --model {output.model} --metrics {output.metrics}"
        " --steps {DYN[steps]} --batch-size {DYN[batch_size]} --lr {DYN[lr]} --channels {DYN[channels]}"
        " --seed {config[seed]} --device {config[device]} --threads {threads} > {log} 2>&1"


rule dynamics_figures:
    input:
        data=f"{CACHE}/{{tier}}/data/dynamics.pt",
        model=f"{CACHE}/{{tier}}/models/dynamics-resnet18.pt",
    output:
        activations=report(
            figure("{tier}", "dynamics-activations"),
            caption=caption("dynamics-activations"),
            category="Activations",
        ),
        scenes=report(
            figure("{tier}", "dynamics-scenes"),
            caption=caption("dynamics-scenes"),
            category="Activations",
        ),
    log:
        "logs/{tier}/figures/dynamics.log",
    params:
        layers=" ".join(map(str, DYN["show_layers"])),
        scenes=" ".join(map(str, DYN["show_scenes"])),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "{PY} {SCRIPTS}/dynamics_figures.py --data {input.data} --model {input.model}"
        " --activations {output.activations} --scenes {output.scenes} --layers {params.layers}"
        " --nb-channels {DYN[show_channels]} --activation-scenes {params.scenes}"
        " --nb-scenes {DYN[nb_scenes]} --seed {config[seed]} > {log} 2>&1"
