# igesweep workflow: from config/config.yaml to results/report.html.
# Run: snakemake --cores all   (after: pip install -e .)
from snakemake.utils import min_version, validate

min_version("8.20")


configfile: "config/config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")

STUDIES = list(config["studies"])

# Rules that take a moment run where Snakemake runs (on a cluster, the login node), not as
# batch jobs of their own.
localrules:
    all,
    make_sweep,


include: "workflow/rules/studies.smk"
include: "workflow/rules/analyse.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/examples.smk"
include: "workflow/rules/validation.smk"


rule all:
    default_target: True
    input:
        "results/report.html",
        expand("results/{study}/{study}.zarr.complete", study=STUDIES),
