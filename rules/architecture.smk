# F. Architecture: dilated convolutions.

register("Architecture", "dilation-sizes", "dilation-diagram")


rule dilation_sizes:
    output:
        png=report(
            f"{FIGURES}/{{tier}}/dilation-sizes.png",
            caption="../report/captions/dilation-sizes.rst",
            category="Architecture",
        ),
        csv=f"{FIGURES}/{{tier}}/dilation-sizes.csv",
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/figures/dilation-sizes.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/figures/dilation-sizes.tsv"
    params:
        run=RUN,
        sizes=[f"{h}x{w}" for h, w in config["figures"]["dilation"]["input_sizes"]],
        kernels=config["figures"]["dilation"]["kernel_sizes"],
        dilations=config["figures"]["dilation"]["dilations"],
    shell:
        "{params.run}/dilation.py sizes --input-sizes {params.sizes:q} --kernel-sizes {params.kernels:q}"
        " --dilations {params.dilations:q} --csv {output.csv:q} --png {output.png:q} > {log:q} 2>&1"


rule dilation_diagram:
    output:
        report(
            f"{FIGURES}/{{tier}}/dilation-diagram.png",
            caption="../report/captions/dilation-diagram.rst",
            category="Architecture",
        ),
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/figures/dilation-diagram.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/figures/dilation-diagram.tsv"
    params:
        run=RUN,
    shell:
        "{params.run}/dilation.py diagram --png {output:q} > {log:q} 2>&1"
