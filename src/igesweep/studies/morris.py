"""Morris screening of the summary metrics over the same factors as the Sobol study."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from igesweep.analysis.sensitivity import analyze_morris, morris_design
from igesweep.analysis.summaries import SENSITIVITY_METRICS, clean, metric_values
from igesweep.catalogue import Catalogue
from igesweep.report import figures
from igesweep.report.page import Page, ReportContext
from igesweep.studies.base import Study
from igesweep.studies.common import (
    design_sweep,
    factor_dicts,
    factors_of,
    omitted_metrics,
    sensitivity_factors,
)


def build(cfg: Mapping[str, Any], shared: Mapping[str, Any], catalogue: Catalogue
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Morris trajectories over the factors; the factors as the design information."""
    factors = sensitivity_factors(cfg, catalogue, "morris")
    rows = morris_design(factors, cfg["r"], cfg["levels"], cfg["seed"])
    return (design_sweep(cfg, shared, [f.name for f in factors], rows),
            {"factors": factor_dicts(factors)})


def summarise(ds: xr.Dataset, info: Mapping[str, Any], cfg: Mapping[str, Any],
              shared: Mapping[str, Any]) -> dict[str, Any]:
    """Morris mu* (with CI) and sigma of each metric."""
    fs = factors_of(info)
    x = np.column_stack([ds[f.name].values for f in fs])
    out: dict[str, Any] = {"factors": [f.name for f in fs], "indices": {}}
    for metric in SENSITIVITY_METRICS:
        try:
            res = analyze_morris(fs, x, metric_values(ds, metric), levels=cfg["levels"],
                                 seed=cfg["seed"])
        except ValueError as err:
            out["indices"][metric] = {"error": str(err)}
            continue
        out["indices"][metric] = {k: clean(res[k]) for k in ("mu_star", "mu_star_conf", "sigma")}
    return out


def report(page: Page, mor: Mapping[str, Any], ctx: ReportContext) -> None:
    """mu* against sigma per metric."""
    page.section("morris", "Morris screening",
                 "Elementary effects along random trajectories over the same factors as the "
                 "Sobol indices.", nav="Morris")
    page.figure("morris", figures.morris_scatter(mor),
                "Morris μ* (mean absolute elementary effect) against σ (interaction or "
                "non-linearity).")
    page.raw(omitted_metrics(mor["indices"]))


STUDY = Study("morris", build, summarise, report, rank=31)
