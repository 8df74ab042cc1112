# D. Around an input: occlusion, saliency, SmoothGrad, deconvolution and guided back-propagation,
# Zeiler and Fergus's top-9. Each map is cached under {CACHE}/{tier}/attributions/ by its own rule;
# the figure rules only draw them.

AROUND_FIGURES = {
    # id: (cached maps (method-model) drawn, title)
    "occlusion-originals": (["occlusion-vgg19"], "Original images, as classified by VGG19"),
    "occlusion-mask": (["occlusion-vgg19"], "Occlusion mask"),
    "occlusion-vgg19": (["occlusion-vgg19"], "Occlusion sensitivity, VGG19"),
    "saliency-alexnet": (["saliency-alexnet"], "Gradient wrt the input, AlexNet"),
    "saliency-vgg19": (["saliency-vgg19"], "Gradient wrt the input, VGG19"),
    "gradient-irregularity": (["gradient-irregularity-vgg19"], "Gradient along x + t ε, VGG19 (Smilkov et al., 2017, Fig. 2)"),
    "smoothgrad-vgg19": (["saliency-vgg19", "smoothgrad-vgg19"], "Gradient and SmoothGrad, VGG19"),
    "backprop-deconv-guided-vgg16": (["relu-rules-vgg16"], "Back-propagation, deconvolution, guided back-propagation, VGG16 features"),
    "zeiler-top9": (["zeiler-top9-alexnet"], "Top-9 activations and their deconvolutions, AlexNet (Zeiler and Fergus, 2014)"),
}

register("Around an input", *AROUND_FIGURES)

ATTRIBUTIONS = f"{CACHE}/{{tier}}/attributions"


rule around_input_images:
    input:
        around_images_input,
    output:
        f"{ATTRIBUTIONS}/images.pt",
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/attributions/images.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/attributions/images.tsv"
    params:
        run=RUN,
        args=around_images_args,
    shell:
        "{params.run}/around_input.py images {output:q} {params.args} > {log:q} 2>&1"


rule attribution:
    input:
        images=f"{ATTRIBUTIONS}/images.pt",
        model=lambda w: model_file(w.tier, w.model),
    output:
        f"{ATTRIBUTIONS}/{{method}}-{{model}}.pt",
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/attributions/{{method}}-{{model}}.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/attributions/{{method}}-{{model}}.tsv"
    wildcard_constraints:
        method="occlusion|saliency|smoothgrad|gradient-irregularity|relu-rules",
        model="alexnet|vgg16|vgg19",
    params:
        run=RUN,
        what=lambda w: "irregularity" if w.method == "gradient-irregularity" else w.method,
        model=lambda w: model_args(w.tier, w.model),
        args=attribution_args,
        seed=config["seed"],
        device=config["device"],
    threads: 2
    resources:
        mem_mb=8000,
        runtime=120,
    shell:
        "{params.run}/around_input.py {params.what:q} {output:q} --images {input.images:q} {params.model} {params.args}"
        " --seed {params.seed:q} --device {params.device:q} --threads {threads} > {log:q} 2>&1"


rule zeiler_top9_scan:
    input:
        data=lambda w: dataset_file(w.tier, config["figures"]["around_input"]["zeiler"][w.tier]["dataset"]),
        model=lambda w: model_file(w.tier, w.model),
    output:
        f"{ATTRIBUTIONS}/zeiler-top9-{{model}}.pt",
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/attributions/zeiler-top9-{{model}}.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/attributions/zeiler-top9-{{model}}.tsv"
    wildcard_constraints:
        model="alexnet|vgg16|vgg19",
    params:
        run=RUN,
        model=lambda w: model_args(w.tier, w.model),
        args=zeiler_args,
        seed=config["seed"],
        device=config["device"],
    threads: 2
    resources:
        mem_mb=8000,
        runtime=120,
    shell:
        "{params.run}/around_input.py zeiler {output:q} {params.model} {params.args}"
        " --seed {params.seed:q} --device {params.device:q} --threads {threads} > {log:q} 2>&1"


rule around_input_figure:
    input:
        images=f"{ATTRIBUTIONS}/images.pt",
        maps=lambda w: [f"{CACHE}/{w.tier}/attributions/{m}.pt" for m in AROUND_FIGURES[w.fid][0]],
    output:
        report(
            figure("{tier}", "{fid}"),
            caption=caption("around-input"),
            category="Around an input",
        ),
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/figures/{{fid}}.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/figures/{{fid}}.tsv"
    wildcard_constraints:
        fid="|".join(AROUND_FIGURES),
    params:
        run=RUN,
        title=lambda w: AROUND_FIGURES[w.fid][1],
        caption=lambda w: open(caption(w.fid)).read(),  # report/captions/<id>.rst, shown by around-input.rst
    shell:
        "{params.run}/around_input_figures.py {wildcards.fid:q} {output:q} --images {input.images:q}"
        " --maps {input.maps:q} --title {params.title:q} > {log:q} 2>&1"
