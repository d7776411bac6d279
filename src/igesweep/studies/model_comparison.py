"""Omalizumab in several models for the same patients and regimen (a ``model`` grid)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import xarray as xr

from igesweep.analysis.summaries import clean
from igesweep.catalogue import Catalogue
from igesweep.report import figures
from igesweep.report.page import Page, ReportContext
from igesweep.report.tables import html_table
from igesweep.studies.base import Study
from igesweep.studies.common import output_times, reference_scenario


def build(cfg: Mapping[str, Any], shared: Mapping[str, Any], catalogue: Catalogue
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The reference patient's weight, ``models`` × ``ige_baseline_iu_ml``, one regimen."""
    return {
        **reference_scenario(shared),
        "regimen": {"route": "sc", "dose_mg": cfg["dose_mg"],
                    "interval_days": cfg["interval_days"], "until_day": cfg["days"]},
        "times": output_times(cfg["days"], cfg["output_step_days"]),
        "grid": {"model": list(cfg["models"]),
                 "patient.ige_baseline_iu_ml": list(cfg["ige_baseline_iu_ml"])},
    }, {}


def summarise(ds: xr.Dataset, info: Mapping[str, Any], cfg: Mapping[str, Any],
              shared: Mapping[str, Any]) -> dict[str, Any]:
    """Free and total IgE over time and the trough and nadir per model and baseline IgE."""
    models = [str(m) for m in ds["model"].values]
    ige = [float(v) for v in ds["ige_baseline_iu_ml"].values]

    def per(name: str) -> list[list[list[Any]]]:
        return [[clean(ds[name].isel(model=m, ige_baseline_iu_ml=i).values)
                 for i in range(len(ige))] for m in range(len(models))]

    return {
        "model": models,
        "ige_baseline_iu_ml": ige,
        "time": clean(ds["time"].values),
        "free_ige": per("free_ige"),
        "total_ige": per("total_ige"),
        "trough_free_ige": [clean(ds["trough_free_ige"].isel(model=m).values)
                            for m in range(len(models))],
        "nadir_free_ige": [clean(ds["nadir_free_ige"].isel(model=m).values)
                           for m in range(len(models))],
    }


def report(page: Page, comp: Mapping[str, Any], ctx: ReportContext) -> None:
    """Free and total IgE per model, and the troughs."""
    cfg = ctx.study_config("model_comparison")
    target = ctx.target_ng_ml
    page.section("models", "Models compared",
                 f"Omalizumab {cfg['dose_mg']} mg every {cfg['interval_days']} days for the "
                 f"reference patient's weight ({ctx.config['reference_patient']['weight_kg']} "
                 f"kg) in each model ({', '.join(comp['model'])}; docs/model.md), by baseline "
                 "IgE. lowe2009 and hayashi2007 are the published population models as "
                 "published (their total IgE starts at the baseline and drifts toward the "
                 f"model's own steady state). Line: the {target:g} ng/mL target.", nav="Models")
    page.figure("model_comparison", figures.model_comparison(comp, target),
                "Free and total IgE over time per model and baseline IgE.")
    page.raw(html_table(
        ["model", *[f"trough free IgE at {v:g} IU/mL (ng/mL)" for v in
                    comp["ige_baseline_iu_ml"]]],
        [[m, *comp["trough_free_ige"][i]] for i, m in enumerate(comp["model"])]))


STUDY = Study("model_comparison", build, summarise, report, rank=11)
