"""Omalizumab over baseline IgE × weight × dose × interval, a virtual population per cell."""

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
    """The grid of the map, a population per cell; metrics on the last 12 weeks."""
    base = reference_scenario(shared)
    base.pop("patient")
    days = cfg["days"]
    return {
        **base,
        "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "until_day": days},
        "times": output_times(days, cfg["output_step_days"]),
        "metrics": {**base["metrics"], "window_days": [days - 84, days]},
        "grid": {
            "patient.ige_baseline_iu_ml": cfg["ige_baseline_iu_ml"],
            "patient.weight_kg": cfg["weight_kg"],
            "regimen.dose_mg": cfg["dose_mg"],
            "regimen.interval_days": cfg["interval_days"],
        },
        "population": {"n": cfg["population"], "seed": cfg["seed"]},
        "output": {"variables": ["free_ige"]},
    }, {}


def summarise(ds: xr.Dataset, info: Mapping[str, Any], cfg: Mapping[str, Any],
              shared: Mapping[str, Any]) -> dict[str, Any]:
    """Median trough free IgE and target attainment over baseline IgE x weight per regimen."""
    target = shared["target_free_ige_ng_ml"]
    trough = ds["trough_free_ige"]
    median = trough.median("subject", skipna=True)
    attain = (trough < target).mean("subject")
    return {
        "ige_baseline_iu_ml": clean(ds["ige_baseline_iu_ml"].values),
        "weight_kg": clean(ds["weight_kg"].values),
        "dose_mg": clean(ds["dose_mg"].values),
        "interval_days": clean(ds["interval_days"].values),
        "dims": list(median.dims),
        "median_trough_free_ige_ng_ml": median.values.tolist(),
        "share_below_target": attain.values.tolist(),
        "target_free_ige_ng_ml": target,
        "n_subjects": int(ds.sizes["subject"]),
    }


def report(page: Page, dmap: Mapping[str, Any], ctx: ReportContext) -> None:
    """Median trough and attainment maps per regimen."""
    page.section("dosing-map", "Dosing map (omalizumab)",
                 "Baseline IgE × weight × dose × interval, with a virtual population of "
                 f"{dmap['n_subjects']} subjects per cell drawn from the published variability "
                 "(Lowe 2009). Trough = free IgE just before the last dose of the last 12 "
                 "weeks.", nav="Dosing map")
    page.figure("dosing_map_trough", figures.dosing_map_trough(dmap),
                "Median steady-state trough free IgE (ng/mL) per regimen.")
    page.figure("dosing_map_attainment", figures.dosing_map_attainment(dmap),
                f"Share of subjects with trough free IgE below {ctx.target_ng_ml:g} ng/mL per "
                "regimen.")


STUDY = Study("dosing_map", build, summarise, report, rank=25)
