# E. Synthesis: maximum-response images, adversarial examples, fooling images.
# Optimized images are cached under {CACHE}/{tier}/synthesis/ by their own rules; the figure rules
# only draw them, so restyling a figure never recomputes them.

MAX_RESPONSE = {
    # id: (what, title)
    "max-response-noprior": ("noprior", "Maximizing output units with no prior"),
    "max-response-vgg16-conv4": ("conv4", "VGG16, maximizing a channel of the 4th convolution layer"),
    "max-response-vgg16-conv7": ("conv7", "VGG16, maximizing a channel of the 7th convolution layer"),
    "max-response-vgg16-conv10": ("conv10", "VGG16, maximizing a unit of the 10th convolution layer"),
    "max-response-vgg16-conv13": ("conv13", "VGG16, maximizing a unit of the 13th (and last) convolution layer"),
    "max-response-vgg16-classes": ("classes", "VGG16, maximizing a unit of the output layer"),
}

register("Synthesis", {**{f: t for f, (_, t) in MAX_RESPONSE.items()},
                       "adversarial-alexnet": "Adversarial examples for AlexNet: the class changes under a tiny perturbation",
                       "adversarial-sphere": "Random points on a sphere around the image twice as far as the adversarial example",
                       "fooling-images": "Fooling images: evolved with no gradient to maximize a class"})

MR, ADV, FOOL = (config["figures"][k] for k in ("max_response", "adversarial", "fooling"))


rule max_response_optimise:
    input:
        lambda w: model_file(w.tier, "vgg16"),
    output:
        f"{CACHE}/{{tier}}/synthesis/max-response-{{what}}.pt",
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/synthesis/max-response-{{what}}.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/synthesis/max-response-{{what}}.tsv"
    wildcard_constraints:
        what="noprior|conv4|conv7|conv10|conv13|classes",
    params:
        run=RUN,
        model=lambda w: model_args(w.tier, "vgg16"),
        objective=max_response_objective,
        seed=config["seed"],
        device=config["device"],
        steps=MR["steps"],
        lr=MR["lr"],
        init_std=MR["init_std"],
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    shell:
        "{params.run}/max_response.py optimise {params.model} {params.objective} --steps {params.steps:q}"
        " --lr {params.lr:q} --init-std {params.init_std:q} --seed {params.seed:q} --device {params.device:q}"
        " --threads {threads} --output {output:q} > {log:q} 2>&1"


rule max_response_figure:
    input:
        lambda w: f"{CACHE}/{w.tier}/synthesis/max-response-{MAX_RESPONSE[w.fid][0]}.pt",
    output:
        png=report(
            figure("{tier}", "{fid}"),
            caption=caption("max-response"),
            category=category("Synthesis"),
            labels=labels(),
        ),
        vector=vector("{tier}", "{fid}"),
        csv=figure("{tier}", "{fid}", "csv"),
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/figures/{{fid}}.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/figures/{{fid}}.tsv"
    wildcard_constraints:
        fid="|".join(MAX_RESPONSE),
    params:
        run=FIGURE_RUN,
        title=lambda w: MAX_RESPONSE[w.fid][1],
        contrast=MR["contrast"],
    shell:
        "{params.run}/max_response.py figure --cache {input:q} --title {params.title:q} --contrast {params.contrast:q}"
        " --png {output.png:q} --csv {output.csv:q} > {log:q} 2>&1"


rule adversarial_optimise:
    input:
        model=lambda w: model_file(w.tier, "alexnet"),
        data=lambda w: adversarial_data(w.tier),
        photos=lambda w: adversarial_photos(w.tier),
    output:
        f"{CACHE}/{{tier}}/synthesis/adversarial.pt",
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/synthesis/adversarial.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/synthesis/adversarial.tsv"
    params:
        run=RUN,
        model=lambda w: model_args(w.tier, "alexnet"),
        images=lambda w: adversarial_images(w.tier),
        step=lambda w: ADV["step"][w.tier],
        seed=config["seed"],
        device=config["device"],
        steps=ADV["steps"],
        lr=ADV["lr"],
        sign_step=ADV["sign_step"],
    threads: 1
    shell:
        "{params.run}/adversarial.py optimise {params.model} {params.images} --steps {params.steps:q}"
        " --lr {params.lr:q} --step {params.step:q} --sign-step {params.sign_step:q} --seed {params.seed:q}"
        " --device {params.device:q} --threads {threads} --output {output:q} > {log:q} 2>&1"


rule adversarial_figure:
    input:
        f"{CACHE}/{{tier}}/synthesis/adversarial.pt",
    output:
        png=report(
            figure("{tier}", "adversarial-alexnet"),
            caption=caption("adversarial-alexnet"),
            category=category("Synthesis"),
            labels=labels("adversarial-alexnet"),
        ),
        vector=vector("{tier}", "adversarial-alexnet"),
        csv=figure("{tier}", "adversarial-alexnet", "csv"),
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/figures/adversarial-alexnet.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/figures/adversarial-alexnet.tsv"
    params:
        run=FIGURE_RUN,
        step=lambda w: ADV["step"][w.tier],  # (the caption)
        sign_step=ADV["sign_step"],
    shell:
        "{params.run}/adversarial.py table --cache {input:q} --png {output.png:q} --csv {output.csv:q} > {log:q} 2>&1"


rule adversarial_sphere_samples:
    input:
        adversarial=f"{CACHE}/{{tier}}/synthesis/adversarial.pt",
        model=lambda w: model_file(w.tier, "alexnet"),
    output:
        f"{CACHE}/{{tier}}/synthesis/adversarial-sphere.pt",
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/synthesis/adversarial-sphere.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/synthesis/adversarial-sphere.tsv"
    params:
        run=RUN,
        model=lambda w: model_args(w.tier, "alexnet"),
        seed=config["seed"],
        device=config["device"],
        samples=ADV["sphere_samples"],
        radius=ADV["sphere_radius"],
    threads: 1
    shell:
        "{params.run}/adversarial.py sphere --cache {input.adversarial:q} {params.model}"
        " --samples {params.samples:q} --radius {params.radius:q} --seed {params.seed:q}"
        " --device {params.device:q} --threads {threads} --output {output:q} > {log:q} 2>&1"


rule adversarial_sphere_figure:
    input:
        f"{CACHE}/{{tier}}/synthesis/adversarial-sphere.pt",
    output:
        png=report(
            figure("{tier}", "adversarial-sphere"),
            caption=caption("adversarial-sphere"),
            category=category("Synthesis"),
            labels=labels("adversarial-sphere"),
        ),
        vector=vector("{tier}", "adversarial-sphere"),
        csv=figure("{tier}", "adversarial-sphere", "csv"),
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/figures/adversarial-sphere.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/figures/adversarial-sphere.tsv"
    params:
        run=FIGURE_RUN,
    shell:
        "{params.run}/adversarial.py sphere-figure --sphere {input:q} --png {output.png:q} --csv {output.csv:q} > {log:q} 2>&1"


rule fooling_evolve:
    input:
        lambda w: model_file(w.tier, "alexnet"),
    output:
        f"{CACHE}/{{tier}}/synthesis/fooling.pt",
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/synthesis/fooling.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/synthesis/fooling.tsv"
    params:
        run=RUN,
        model=lambda w: model_args(w.tier, "alexnet"),
        classes=lambda w: FOOL["classes"][w.tier],
        seed=config["seed"],
        device=config["device"],
        p={k: v for k, v in FOOL.items() if k != "classes"},
    threads: 2  # the same bits as 1 thread, 1.7x faster
    priority: 1  # long jobs first: the short 1-thread jobs fill the end in pairs
    resources:
        mem_mb=4000,
        runtime=60,
    shell:
        "{params.run}/fooling.py evolve {params.model} --classes {params.classes:q}"
        " --evaluations {params.p[evaluations]:q} --population {params.p[population]:q}"
        " --genome-size {params.p[genome_size]:q} --elite {params.p[elite]:q} --tournament {params.p[tournament]:q}"
        " --crossover {params.p[crossover]:q} --mutation-rate {params.p[mutation_rate]:q}"
        " --mutation-std {params.p[mutation_std]:q} --seed {params.seed:q} --device {params.device:q}"
        " --threads {threads} --output {output:q} > {log:q} 2>&1"


rule fooling_figure:
    input:
        f"{CACHE}/{{tier}}/synthesis/fooling.pt",
    output:
        png=report(
            figure("{tier}", "fooling-images"),
            caption=caption("fooling-images"),
            category=category("Synthesis"),
            labels=labels("fooling-images"),
        ),
        vector=vector("{tier}", "fooling-images"),
        csv=figure("{tier}", "fooling-images", "csv"),
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/figures/fooling-images.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/figures/fooling-images.tsv"
    params:
        run=FIGURE_RUN,
    shell:
        "{params.run}/fooling.py figure --cache {input:q} --png {output.png:q} --csv {output.csv:q} > {log:q} 2>&1"
