"""What affinity buys: drug–IgE Kd × dose for the reference patient, omalizumab's PK otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from igesweep.analysis.summaries import clean
from igesweep.catalogue import Catalogue
from igesweep.report import figures
from igesweep.report.page import Page, ReportContext
from igesweep.studies.base import Study
from igesweep.studies.common import output_times, reference_scenario


def build(cfg: Mapping[str, Any], shared: Mapping[str, Any], catalogue: Catalogue
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    """A ``therapy_params.kd_nm`` × ``regimen.dose_mg`` grid, every 4 weeks."""
    days = cfg["days"]
    return {
        **reference_scenario(shared),
        "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "until_day": days},
        "times": output_times(days, cfg["output_step_days"]),
        "grid": {"therapy_params.kd_nm": cfg["kd_nm"], "regimen.dose_mg": cfg["dose_mg"]},
        "output": {"variables": ["free_ige", "basophil_fceri_total", "threshold_fold"]},
    }, {}


def summarise(ds: xr.Dataset, info: Mapping[str, Any], cfg: Mapping[str, Any],
              shared: Mapping[str, Any]) -> dict[str, Any]:
    """Trough free IgE, receptor reduction and threshold rise over Kd x dose."""
    return {
        "kd_nm": clean(ds["kd_nm"].values),
        "dose_mg": clean(ds["dose_mg"].values),
        "dims": list(ds["trough_free_ige"].dims),
        "trough_free_ige_ng_ml": ds["trough_free_ige"].values.tolist(),
        "fceri_reduction": ds["fceri_reduction"].values.tolist(),
        "max_threshold_fold": ds["max_threshold_fold"].values.tolist(),
    }


def report(page: Page, aff: Mapping[str, Any], ctx: ReportContext) -> None:
    """The three metrics against Kd, one line per dose."""
    page.section("affinity", "What affinity buys",
                 "Drug–IgE Kd from 1 pM to 10 nM with omalizumab's PK, for several doses every "
                 "4 weeks, reference patient.", nav="Affinity")
    page.figure("affinity_map", figures.affinity(aff),
                "Trough free IgE, FcεRI reduction and maximal threshold fold against Kd.")
    page.raw(f"<p>{monotonicity(aff)}</p>")


def monotonicity(aff: Mapping[str, Any]) -> str:
    """Whether trough free IgE rises with Kd at every dose, read from the analysis.

    A curve that dips and rises would need an explanation; the sentence names
    the doses where that happens.
    """
    trough = np.asarray(aff["trough_free_ige_ng_ml"], dtype=float)
    if aff["dims"] == ["dose_mg", "kd_nm"]:
        trough = trough.T
    bad = [d for j, d in enumerate(aff["dose_mg"])
           if np.any(np.diff(trough[:, j]) < 0)]
    if not bad:
        return ("Trough free IgE rises with Kd at every dose: affinity buys suppression "
                "monotonically over 1 pM–10 nM.")
    return ("Trough free IgE is not monotone in Kd at "
            + ", ".join(f"{d:g} mg" for d in bad)
            + "; this report does not explain why, so read those curves with care (the "
              "figure's grid of Kd values may also be too coarse).")


STUDY = Study("affinity_map", build, summarise, report, rank=20)
