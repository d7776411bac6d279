"""Normalised elasticities of the summary metrics at the reference patient."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from igesweep.analysis.sensitivity import elasticities, elasticity_design, typical_values
from igesweep.analysis.summaries import SENSITIVITY_METRICS, clean, metric_values
from igesweep.catalogue import Catalogue
from igesweep.report import figures
from igesweep.report.page import Page, ReportContext
from igesweep.studies.base import Study
from igesweep.studies.common import design_sweep, study_model


def build(cfg: Mapping[str, Any], shared: Mapping[str, Any], catalogue: Catalogue
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Central differences around the reference patient; the parameter names as design
    information (parameters whose value is 0 have no relative step and are left out).

    Raises
    ------
    ValueError
        Naming ``studies.local.parameters`` for a name that is not a parameter.
    """
    model = study_model(cfg)
    values = {**typical_values(catalogue, cfg["therapy"], model), **shared["reference_patient"]}
    unknown = [n for n in cfg["parameters"] if n not in values]
    if unknown:
        raise ValueError(f"studies.local.parameters: {', '.join(unknown)} not parameters of "
                         f"{model}; allowed: {', '.join(values)}")
    names = [n for n in cfg["parameters"] if values[n] > 0]
    rows = elasticity_design(values, names, cfg["rel_step"], model)
    return design_sweep(cfg, shared, names, rows), {"names": names}


def summarise(ds: xr.Dataset, info: Mapping[str, Any], cfg: Mapping[str, Any],
              shared: Mapping[str, Any]) -> dict[str, Any]:
    """Normalised elasticities of each metric at the reference patient."""
    names = list(info["names"])
    out: dict[str, Any] = {"parameters": names, "elasticity": {}}
    for metric in SENSITIVITY_METRICS:
        e = elasticities(names, metric_values(ds, metric), cfg["rel_step"])
        out["elasticity"][metric] = clean(np.array([e[n] for n in names]))
    return out


def report(page: Page, loc: Mapping[str, Any], ctx: ReportContext) -> None:
    """Elasticity bars; a metric that cannot be computed is named, not drawn empty."""
    page.section("local", "Local sensitivity at the reference patient",
                 "Relative change of each metric per relative change of each parameter "
                 "(central differences).", nav="Elasticities")
    page.figure("elasticities", figures.elasticity_bars(loc),
                "Normalised elasticities (relative change of the metric per relative change of "
                "the parameter).")
    missing = [figures.METRIC_LABELS.get(m, m) for m, v in loc["elasticity"].items()
               if all(x is None for x in v)]
    if missing:
        page.raw(f"<p>Omitted: {html.escape(', '.join(missing))}, which cannot be computed at "
                 "the reference patient (e.g. a time to target when the target is never "
                 "reached).</p>")


STUDY = Study("local", build, summarise, report, rank=32)
