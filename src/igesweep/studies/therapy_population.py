"""Every catalogue therapy at its usual regimen for a virtual population."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import xarray as xr

from igesweep.analysis.summaries import clean
from igesweep.catalogue import Catalogue
from igesweep.report import figures
from igesweep.report.page import Page, ReportContext
from igesweep.studies.base import Study
from igesweep.studies.common import output_times, reference_scenario


def build(cfg: Mapping[str, Any], shared: Mapping[str, Any], catalogue: Catalogue
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    """A ``therapy`` grid; covariates and published variability drawn per subject."""
    base = reference_scenario(shared)
    base.pop("patient")
    return {
        **base,
        "regimen": "usual",
        "times": output_times(cfg["days"], cfg["output_step_days"]),
        "grid": {"therapy": list(catalogue.therapies)},
        "population": {"n": cfg["population"], "seed": cfg["seed"],
                       "covariates": dict(cfg["covariates"])},
        "output": {"variables": ["free_ige", "total_ige", "basophil_fceri_total",
                                 "threshold_fold", "crosslink_hazard"]},
    }, {}


def summarise(ds: xr.Dataset, info: Mapping[str, Any], cfg: Mapping[str, Any],
              shared: Mapping[str, Any]) -> dict[str, Any]:
    """Median and 5th/95th percentiles of the metrics over subjects, per therapy."""
    out: dict[str, Any] = {"therapy": [str(t) for t in ds["therapy"].values], "metrics": {}}
    for name in ("fraction_below_target", "nadir_free_ige", "fceri_reduction",
                 "max_threshold_fold", "max_crosslink_hazard"):
        q = ds[name].quantile([0.05, 0.5, 0.95], dim="subject", skipna=True).values
        out["metrics"][f"{name} [{ds[name].attrs['units']}]"] = {
            "p05": clean(q[0]), "median": clean(q[1]), "p95": clean(q[2])}
    out["n_subjects"] = int(ds.sizes["subject"])
    out["n_failed"] = int((ds["status"] > 0).sum())
    return out


def report(page: Page, pop: Mapping[str, Any], ctx: ReportContext) -> None:
    """Median and range over the population per therapy."""
    page.section("population", "Therapies in a virtual population",
                 f"{pop['n_subjects']} subjects per therapy, weight and baseline IgE drawn per "
                 "subject, with the published inter-individual variability where the catalogue "
                 "has it.", nav="Population")
    page.figure("population", figures.population_ranges(pop),
                "Median and 5–95 % range over the virtual population (weight and baseline IgE "
                "drawn per subject; published inter-individual variability where the catalogue "
                "has it).")


STUDY = Study("therapy_population", build, summarise, report, rank=12)
