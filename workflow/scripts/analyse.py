"""Summarise one study's sweep store into results/<study>/analysis.json."""

import json
from pathlib import Path

from igesweep.analysis import summaries
from igesweep.catalogue import load_catalogue
from igesweep.sweep import open_sweep


def main(study: str, store: str, design: str, cfg: dict, target: float, out: str) -> None:
    """Dispatch to the study's summary and write it as JSON."""
    ds = open_sweep(store).load()
    info = json.loads(Path(design).read_text())
    if study == "dosing_map":
        result = summaries.dosing_map(ds, target)
    elif study == "dosing_table":
        result = summaries.dosing_table(ds, info["cells"], (target, 25.0))
    elif study == "optimised_dosing_table":
        result = summaries.optimised_dosing_table(
            ds, target_ng_ml=cfg["target_free_ige_ng_ml"], attainment=cfg["attainment"])
    elif study == "sobol":
        result = summaries.sobol(ds, info["factors"], seed=cfg["seed"],
                                 resamples=cfg["resamples"])
    elif study == "morris":
        result = summaries.morris(ds, info["factors"], levels=cfg["levels"], seed=cfg["seed"])
    elif study == "local":
        result = summaries.local(ds, info["names"], cfg["rel_step"])
    elif study == "therapy_reference":
        result = summaries.therapy_reference(ds, load_catalogue())
    else:
        result = getattr(summaries, study)(ds)
    result["provenance"] = {k: ds.attrs[k] for k in ("igesweep_version", "git_commit",
                                                     "created", "sweep_sha256")}
    Path(out).write_text(json.dumps(result, indent=1))


main(
    snakemake.wildcards.study,  # noqa: F821 (set by Snakemake)
    snakemake.input.store,  # noqa: F821
    snakemake.input.design,  # noqa: F821
    snakemake.params.study_config,  # noqa: F821
    snakemake.config["target_free_ige_ng_ml"],  # noqa: F821
    snakemake.output[0],  # noqa: F821
)
