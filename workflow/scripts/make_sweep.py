"""Write a study's sweep file (and its design information) from the workflow configuration."""

import json
from pathlib import Path

import yaml

from igesweep import load_catalogue
from igesweep.studies import get_study


def main(study: str, cfg: dict, shared: dict, catalogue_path: str, sweep_out: str,
         design_out: str) -> None:
    """Build the sweep of ``study`` and write it with its design information."""
    sweep, info = get_study(study).build(cfg, shared, load_catalogue(catalogue_path))
    Path(sweep_out).write_text(yaml.safe_dump(sweep, sort_keys=False))
    Path(design_out).write_text(json.dumps(info))


main(
    snakemake.wildcards.study,  # noqa: F821 (set by Snakemake)
    snakemake.params.study_config,  # noqa: F821
    snakemake.params.shared,  # noqa: F821
    snakemake.input.catalogue,  # noqa: F821
    snakemake.output.sweep,  # noqa: F821
    snakemake.output.design,  # noqa: F821
)
