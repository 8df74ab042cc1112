# C. Layers as embeddings: t-SNE of the swiss roll (PCA beside it) and of test samples along the depth
# of LeNet and of the no-pool ResNet. Each map is cached on its own (one per layer).

TSNE_FIGURES = {
    # id: (model, title)
    "tsne-lenet-mnist": ("lenet", "t-SNE for LeNet, at the input and after each layer"),
    "tsne-resnet-cifar10": ("resnet_cifar", "t-SNE for a home-baked ResNet (no pooling), along the depth"),
}

register("Layers as embeddings", {"tsne-swiss-roll": "t-SNE unrolling of the swiss roll (with one noise dimension)",
                                  **{f: t for f, (_, t) in TSNE_FIGURES.items()}})


rule swiss_roll_embedding:
    output:
        f"{CACHE}/{{tier}}/embeddings/swiss-roll.pt",
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/embeddings/swiss-roll.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/embeddings/swiss-roll.tsv"
    params:
        run=RUN,
        roll=config["figures"]["tsne"]["swiss_roll"],
        engine=config["figures"]["tsne"]["engine"],
        perplexity=config["figures"]["tsne"]["perplexity"],
        seed=config["seed"],
    threads: 1
    shell:
        "{params.run}/embed.py --swiss-roll {params.roll[nb_samples]:q} --noise {params.roll[noise]:q}"
        " --noise-dim-std {params.roll[noise_dim_std]:q} --engine {params.engine:q}"
        " --perplexity {params.perplexity:q} --seed {params.seed:q} --threads {threads} {output:q} > {log:q} 2>&1"


rule layer_embedding:
    input:
        lambda w: activation_file(w.tier, w.model, "test"),
    output:
        f"{CACHE}/{{tier}}/embeddings/{{model}}/{{layer}}.pt",
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/embeddings/{{model}}/{{layer}}.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/embeddings/{{model}}/{{layer}}.tsv"
    wildcard_constraints:
        model="lenet|resnet_cifar",
        layer="[A-Za-z0-9_.]+",
    params:
        run=RUN,
        engine=config["figures"]["tsne"]["engine"],
        perplexity=config["figures"]["tsne"]["perplexity"],
        seed=config["seed"],
    threads: 1
    resources:
        mem_mb=4000,
        runtime=20,
    shell:
        "{params.run}/embed.py --cache {input:q} --layer {wildcards.layer:q} --engine {params.engine:q}"
        " --perplexity {params.perplexity:q} --seed {params.seed:q} --threads {threads} {output:q} > {log:q} 2>&1"


rule tsne_swiss_roll:
    input:
        f"{CACHE}/{{tier}}/embeddings/swiss-roll.pt",
    output:
        png=report(
            figure("{tier}", "tsne-swiss-roll"),
            caption=caption("tsne-swiss-roll"),
            category=category("Layers as embeddings"),
            labels=labels("tsne-swiss-roll"),
        ),
        vector=vector("{tier}", "tsne-swiss-roll"),
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/figures/tsne-swiss-roll.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/figures/tsne-swiss-roll.tsv"
    params:
        run=FIGURE_RUN,
    shell:
        "{params.run}/tsne_figure.py --swiss-roll {input:q}"
        " --title 't-SNE unrolling of the swiss roll (with one noise dimension)' {output.png:q} > {log:q} 2>&1"


rule tsne_layers:
    input:
        lambda w: embedding_files(w.tier, TSNE_FIGURES[w.fid][0]),
    output:
        png=report(
            figure("{tier}", "{fid}"),
            caption=caption("tsne-layers"),
            category=category("Layers as embeddings"),
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
        fid="|".join(TSNE_FIGURES),
    params:
        run=FIGURE_RUN,
        title=lambda w: TSNE_FIGURES[w.fid][1],
    shell:
        "{params.run}/tsne_figure.py --embeddings {input:q} --title {params.title:q} {output.png:q} > {log:q} 2>&1"
