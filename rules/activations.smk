# B. Activations: internal activation maps as images, and a unit with a clear semantic (the face unit).
# Every figure reads an activation cache (one batched forward pass with hooks per model and inputs).

ACTIVATION_FIGURES = {
    # id: (lecture model, title)
    "lenet-activations": ("lenet", "LeNet: an input and a few channels of each convolutional layer"),
    "alexnet-activations": ("alexnet", "AlexNet: an input and a few channels of each convolutional layer"),
    "resnet152-activations": ("resnet152", "ResNet: an input and a few channels of blocks along the depth"),
}

register("Activations", {**{f: t for f, (_, t) in ACTIVATION_FIGURES.items()},
                         "face-unit": "A face unit (a class unit in the embedded tier): the channel that separates one class best"})


rule activations:
    input:
        model=lambda w: model_file(w.tier, w.model),
        data=activation_input_files,
    output:
        f"{CACHE}/{{tier}}/activations/{{model}}-{{inputs}}.pt",
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/activations/{{model}}-{{inputs}}.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/activations/{{model}}-{{inputs}}.tsv"
    wildcard_constraints:
        model="lenet|alexnet|resnet152|resnet_cifar",
        inputs="[a-z0-9]+",
    params:
        run=RUN,
        args=activation_args,
        seed=config["seed"],
        device=config["device"],
    threads: 2
    resources:
        mem_mb=8000,
        runtime=30,
    shell:
        "{params.run}/activations.py {params.args} --device {params.device:q} --threads {threads}"
        " --seed {params.seed:q} {output:q} > {log:q} 2>&1"


rule activation_maps:
    input:
        lambda w: activation_file(w.tier, ACTIVATION_FIGURES[w.fid][0], "scene"),
    output:
        png=report(
            figure("{tier}", "{fid}"),
            caption=caption("activations"),
            category=category("Activations"),
            labels=labels(),
        ),
        vector=vector("{tier}", "{fid}"),
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/figures/{{fid}}.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/figures/{{fid}}.tsv"
    wildcard_constraints:
        fid="|".join(ACTIVATION_FIGURES),
    params:
        run=FIGURE_RUN,
        layers=lambda w: tier_layers(config["figures"]["activations"]["layers"][ACTIVATION_FIGURES[w.fid][0]], w.tier),
        sample=lambda w: 0 if activation_inputs(w.tier, ACTIVATION_FIGURES[w.fid][0], "scene") == "photos"
        else config["figures"]["activations"]["sample"],
        nb_channels=config["figures"]["activations"]["nb_channels"],
        seed=config["seed"],
        title=lambda w: ACTIVATION_FIGURES[w.fid][1],
    shell:
        "{params.run}/activation_maps.py --cache {input:q} --sample {params.sample:q} --layers {params.layers:q}"
        " --nb-channels {params.nb_channels:q} --seed {params.seed:q} --title {params.title:q} {output.png:q} > {log:q} 2>&1"


rule face_unit:
    input:
        lambda w: activation_file(w.tier, "alexnet", "faces"),
    output:
        figure=report(
            figure("{tier}", "face-unit"),
            caption=caption("face-unit"),
            category=category("Activations"),
            labels=labels("face-unit"),
        ),
        vector=vector("{tier}", "face-unit"),
        csv=figure("{tier}", "face-unit", "csv"),
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/figures/face-unit.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/figures/face-unit.tsv"
    params:
        run=FIGURE_RUN,
        p=config["figures"]["face_unit"],
        positive=lambda w: "face" if activation_inputs(w.tier, "alexnet", "faces") == "lfw"
        else config["figures"]["face_unit"]["class"],
        title=lambda w: "A face unit: the conv5 channel that separates faces from non-faces best"
        if activation_inputs(w.tier, "alexnet", "faces") == "lfw"
        else "A class unit: the last conv layer's channel that separates one class from the others best",
    shell:
        "{params.run}/face_unit.py --cache {input:q} --layer {params.p[layer]:q} --positive {params.positive:q}"
        " --score {params.p[score]:q} --nb-top {params.p[nb_top]:q} --nb-images {params.p[nb_images]:q}"
        " --csv {output.csv:q} --title {params.title:q} {output.figure:q} > {log:q} 2>&1"
