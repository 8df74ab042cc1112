# D. Around an input: occlusion, saliency, SmoothGrad, deconvolution and guided back-propagation,
# Zeiler and Fergus's top-9. Each method's maps are cached under {CACHE}/{tier}/attributions/ by its
# own script; the figure rule only draws them (underhood/around_input_plot.py).

METHODS = {
    # method (its maps: <method>-<model>.pt): (its script under scripts/, what it reads besides the
    # model, its arguments); the readers and arguments are in rules/common.smk
    "occlusion": ("occlusion", around_images_file, attribution_args),
    "saliency": ("saliency", around_images_file, attribution_args),
    "smoothgrad": ("smoothgrad", around_images_file, attribution_args),
    "gradient-irregularity": ("gradient_irregularity", around_images_file, attribution_args),
    "relu-rules": ("backprop_deconv_guided", around_images_file, attribution_args),
    "zeiler-top9": ("zeiler_top9", zeiler_data, zeiler_args),
}

AROUND_FIGURES = {
    # id: (cached files drawn: the images, method-model maps; title)
    "occlusion-originals": (["images", "occlusion-vgg19"], "Original images, as classified by VGG19"),
    "occlusion-mask": (["images", "occlusion-vgg19"], "Occlusion mask"),
    "occlusion-vgg19": (["images", "occlusion-vgg19"], "Occlusion sensitivity, VGG19"),
    "saliency-alexnet": (["images", "saliency-alexnet"], "Gradient wrt the input, AlexNet"),
    "saliency-vgg19": (["images", "saliency-vgg19"], "Gradient wrt the input, VGG19"),
    "gradient-irregularity": (["images", "gradient-irregularity-vgg19"], "Gradient along x + t ε, VGG19 (Smilkov et al., 2017, Fig. 2)"),
    "smoothgrad-vgg19": (["images", "saliency-vgg19", "smoothgrad-vgg19"], "Gradient and SmoothGrad, VGG19"),
    "backprop-deconv-guided-vgg16": (["images", "relu-rules-vgg16"], "Back-propagation, deconvolution, guided back-propagation, VGG16 features"),
    "zeiler-top9": (["zeiler-top9-alexnet"], "Top-9 activations and their deconvolutions, AlexNet (Zeiler and Fergus, 2014)"),
}

register("Around an input", {f: t for f, (_, t) in AROUND_FIGURES.items()})

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
        "{params.run}/around_input_images.py {output:q} {params.args} > {log:q} 2>&1"


rule attribution:
    input:
        data=lambda w: METHODS[w.method][1](w.tier),
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
        method="|".join(METHODS),
        model="alexnet|vgg16|vgg19",
    params:
        run=RUN,
        script=lambda w: METHODS[w.method][0],
        model=lambda w: model_args(w.tier, w.model),
        args=lambda w: METHODS[w.method][2](w),
        seed=config["seed"],
        device=config["device"],
    threads: 2
    resources:
        mem_mb=8000,
        runtime=120,
    shell:
        "{params.run}/{params.script:q}.py {output:q} {params.model} {params.args}"
        " --seed {params.seed:q} --device {params.device:q} --threads {threads} > {log:q} 2>&1"


rule around_input_figure:
    input:
        lambda w: [f"{CACHE}/{w.tier}/attributions/{f}.pt" for f in AROUND_FIGURES[w.fid][0]],
    output:
        png=report(
            figure("{tier}", "{fid}"),
            caption=caption("around-input"),
            category=category("Around an input"),
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
        fid="|".join(AROUND_FIGURES),
    params:
        run=FIGURE_RUN,
        title=lambda w: AROUND_FIGURES[w.fid][1],
        caption=lambda w: open(caption(w.fid)).read(),  # report/captions/<id>.rst, shown by around-input.rst
    shell:
        "{params.run}/around_input_figure.py {wildcards.fid:q} {output.png:q} --cache {input:q} --title {params.title:q}"
        " > {log:q} 2>&1"
