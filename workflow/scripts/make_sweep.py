"""Write a study's sweep file (and its design sidecar) from the workflow configuration."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import yaml

from igesweep import load_catalogue, studies


def main(study: str, cfg: dict, shared: dict, catalogue_path: str, sweep_out: str,
         design_out: str) -> None:
    """Build the sweep of ``study`` and write it with its design information."""
    catalogue = load_catalogue(catalogue_path)
    built = getattr(studies, study)(cfg, shared, catalogue)
    sweep, extra = built if isinstance(built, tuple) else (built, None)
    if isinstance(extra, np.ndarray):
        info = {"cells": extra.tolist()}
    elif extra and dataclasses.is_dataclass(extra[0]):
        info = {"factors": [dataclasses.asdict(f) for f in extra]}
    elif extra:
        info = {"names": list(extra)}
    else:
        info = {}
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
