"""Summarise one study's sweep store into results/<study>/analysis.json."""

import json
from pathlib import Path

from igesweep.studies import get_study
from igesweep.sweep import open_sweep


def main(study: str, store: str, design: str, cfg: dict, shared: dict, out: str) -> None:
    """Run the study's summary and write it as JSON, with the store's provenance."""
    ds = open_sweep(store).load()
    info = json.loads(Path(design).read_text())
    result = get_study(study).summarise(ds, info, cfg, shared)
    result["provenance"] = {k: ds.attrs[k] for k in ("igesweep_version", "git_commit",
                                                     "created", "sweep_sha256")}
    Path(out).write_text(json.dumps(result, indent=1))


main(
    snakemake.wildcards.study,  # noqa: F821 (set by Snakemake)
    snakemake.params.store,  # noqa: F821
    snakemake.input.design,  # noqa: F821
    snakemake.params.study_config,  # noqa: F821
    snakemake.params.shared,  # noqa: F821
    snakemake.output[0],  # noqa: F821
)
