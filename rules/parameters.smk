# A. Parameters as pictures: the toy MLP's lines and convolution filters.

FILTER_FIGURES = {
    # id: (lecture model, config key, rgb, title)
    "lenet-conv1-filters": ("lenet", "lenet_conv1", False, "LeNet's first convolutional layer (1 -> 32), all filters"),
    "lenet-conv2-filters": ("lenet", "lenet_conv2", False, "LeNet's second convolutional layer (32 -> 64), first 32 filters out of 64"),
    "alexnet-conv1-filters": ("alexnet", "alexnet_conv1", False, "AlexNet's first convolutional layer (3 -> 64), first 20 filters out of 64"),
    "alexnet-conv1-filters-rgb": ("alexnet", "alexnet_conv1", True, "AlexNet's first convolutional layer (3 -> 64), first 20 filters, as RGB images"),
    "alexnet-conv2-filters": ("alexnet", "alexnet_conv2", False, "AlexNet's second convolutional layer (64 -> 192): first 15 channels of the first 20 filters"),
}

register("Parameters as pictures", {"toy-hidden-lines": "The hidden units of an MLP R^2 -> 2 as lines, during training",
                                    **{f: v[3] for f, v in FILTER_FIGURES.items()}})


rule toy_hidden_lines:
    output:
        png=report(
            figure("{tier}", "toy-hidden-lines"),
            caption=caption("toy-hidden-lines"),
            category=category("Parameters as pictures"),
            labels=labels("toy-hidden-lines"),
        ),
        vector=vector("{tier}", "toy-hidden-lines"),
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/figures/toy-hidden-lines.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/figures/toy-hidden-lines.tsv"
    params:
        run=FIGURE_RUN,
        seed=config["seed"],
        p=config["figures"]["toy_hidden_lines"],
    shell:
        "{params.run}/toy_hidden_lines.py {output.png:q} --nb-hidden {params.p[nb_hidden]:q}"
        " --nb-samples {params.p[nb_samples]:q} --steps {params.p[steps]:q} --lr {params.p[lr]:q}"
        " --seed {params.seed:q} > {log:q} 2>&1"


rule filters:
    input:
        lambda w: model_file(w.tier, FILTER_FIGURES[w.fid][0]),
    output:
        png=report(
            figure("{tier}", "{fid}"),
            caption=caption("filters"),
            category=category("Parameters as pictures"),
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
        fid="|".join(FILTER_FIGURES),
    params:
        run=FIGURE_RUN,
        args=filter_args,
        title=lambda w: FILTER_FIGURES[w.fid][3],
        scale=config["figures"]["filters"]["scale"],
    shell:
        "{params.run}/filters.py {params.args} --title {params.title:q} {output.png:q} > {log:q} 2>&1"
