# The tier's figures in one place: MANIFEST.json (each figure's provenance, its files' SHA-256, the wall
# time of the jobs behind it) and index.html, the gallery (one page in the lecture's order).


rule manifest:
    input:
        lambda w: all_figures(w.tier),
    output:
        figure("{tier}", "MANIFEST", "json"),
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/figures/MANIFEST.log",
    params:
        run=RUN,
        args=manifest_args,
    shell:
        "{params.run}/manifest.py {output:q} {params.args} > {log:q} 2>&1"


rule gallery:
    input:
        figures=lambda w: all_figures(w.tier),
        manifest=figure("{tier}", "MANIFEST", "json"),
        captions=lambda w: sorted({figure_caption(fid) for fid in FIGURE_IDS}),
    output:
        figure("{tier}", "index", "html"),
    conda:
        CONDA_ENV
    log:
        f"{LOGS}/{{tier}}/figures/index.log",
    params:
        run=RUN,
        entries=gallery_entries,
    shell:
        "{params.run}/gallery.py {input.manifest:q} {output:q} --tier {wildcards.tier:q} --entries {params.entries:q}"
        " > {log:q} 2>&1"
