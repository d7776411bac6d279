# igesweep workflow: from config/config.yaml to results/.
# Run: snakemake --cores all   (after: pip install -e .)
from snakemake.utils import min_version, validate

min_version("8.20")


configfile: "config/config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


include: "workflow/rules/examples.smk"


rule all:
    default_target: True
    input:
        "results/examples/summary.csv",
