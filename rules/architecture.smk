# F. Architecture: dilated convolutions.

register("Architecture", {"dilation-sizes": "Output sizes of dilated convolutions, measured and computed",
                          "dilation-diagram": "Dilated convolution: the taps of one output, and stacked dilations 1, 2, 4"})


rule dilation_sizes:
    output:
        png=report(
            figure("{tier}", "dilation-sizes"),
            caption=caption("dilation-sizes"),
            category=category("Architecture"),
            labels=labels("dilation-sizes"),
        ),
        vector=vector("{tier}", "dilation-sizes"),
        csv=figure("{tier}", "dilation-sizes", "csv"),
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/figures/dilation-sizes.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/figures/dilation-sizes.tsv"
    params:
        run=FIGURE_RUN,
        sizes=[f"{h}x{w}" for h, w in config["figures"]["dilation"]["input_sizes"]],
        kernels=config["figures"]["dilation"]["kernel_sizes"],
        dilations=config["figures"]["dilation"]["dilations"],
    shell:
        "{params.run}/dilation.py sizes --input-sizes {params.sizes:q} --kernel-sizes {params.kernels:q}"
        " --dilations {params.dilations:q} --csv {output.csv:q} --png {output.png:q} > {log:q} 2>&1"


rule dilation_diagram:
    output:
        png=report(
            figure("{tier}", "dilation-diagram"),
            caption=caption("dilation-diagram"),
            category=category("Architecture"),
            labels=labels("dilation-diagram"),
        ),
        vector=vector("{tier}", "dilation-diagram"),
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/figures/dilation-diagram.log",
    benchmark:
        f"{BENCHMARKS}/{{tier}}/figures/dilation-diagram.tsv"
    params:
        run=FIGURE_RUN,
    shell:
        "{params.run}/dilation.py diagram --png {output.png:q} > {log:q} 2>&1"
