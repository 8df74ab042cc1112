# underhood: every figure of "Under the hood" (EE-559, lecture 8), regenerated.
# Table of contents: one rules/*.smk per figure family. Targets: figures/<tier>/<id>.png (and .pdf, .svg:
# config key formats), figures/<tier>/MANIFEST.json and index.html (rules/gallery.smk)

import sys

from snakemake.utils import min_version

min_version("9.0")


# A syntax error in config.yaml stops with its file and line (Snakemake's own message has neither).
sys.path.insert(0, workflow.basedir)
from underhood.config import check_yaml_file

check_yaml_file(f"{workflow.basedir}/config.yaml")


configfile: f"{workflow.basedir}/config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/assets.smk"
include: "rules/zoo.smk"
# The figure families in the lecture's order (A to F), then the gallery of them all.
include: "rules/parameters.smk"
include: "rules/activations.smk"
include: "rules/dynamics.smk"
include: "rules/embeddings.smk"
include: "rules/around_input.smk"
include: "rules/synthesis.smk"
include: "rules/architecture.smk"
include: "rules/gallery.smk"


rule all:
    input:
        all_figures(config["tier"]),
        gallery_files(config["tier"]),
    default_target: True
