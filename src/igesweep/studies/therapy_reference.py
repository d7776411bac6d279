"""Every catalogue therapy at its usual regimen for the reference patient."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import xarray as xr

from igesweep.analysis.summaries import metric_table
from igesweep.analysis.therapies import HAZARD_THRESHOLD, overview
from igesweep.catalogue import Catalogue, load_catalogue
from igesweep.models import DEFAULT_MODEL
from igesweep.report import figures
from igesweep.report.page import Page, ReportContext
from igesweep.report.tables import html_table
from igesweep.studies.base import Study
from igesweep.studies.common import output_times, reference_scenario
from igesweep.sweep import open_sweep


def build(cfg: Mapping[str, Any], shared: Mapping[str, Any], catalogue: Catalogue
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every catalogue therapy (a ``therapy`` grid) at its usual regimen."""
    return {
        **reference_scenario(shared),
        "regimen": "usual",
        "times": output_times(cfg["days"], cfg["output_step_days"]),
        "grid": {"therapy": list(catalogue.therapies)},
    }, {}


def summarise(ds: xr.Dataset, info: Mapping[str, Any], cfg: Mapping[str, Any],
              shared: Mapping[str, Any], catalogue: Catalogue | None = None,
              model: str = DEFAULT_MODEL) -> dict[str, Any]:
    """Metrics per therapy; each therapy's regimen, mechanism, what it does on the cells, the
    evidence of its values in ``model`` (borrowed ones counted) and the cross-link verdict."""
    catalogue = catalogue if catalogue is not None else load_catalogue()
    therapies = [str(t) for t in ds["therapy"].values]
    rows = {r.therapy: r for r in overview(catalogue, model)}
    hazard = ds["max_crosslink_hazard"].values
    return {
        "therapy": therapies,
        "metrics": metric_table(ds, ("time_to_target", "fraction_below_target",
                                     "trough_free_ige", "nadir_free_ige", "fceri_reduction",
                                     "max_threshold_fold", "max_crosslink_hazard")),
        "status": ds["status"].values.astype(int).tolist(),
        "catalogue": [{
            "therapy": t, "mechanism_class": rows[t].mechanism_class,
            "regimen": rows[t].regimen, "on_cells": rows[t].on_cells,
            "evidence": rows[t].evidence, "borrowed": rows[t].borrowed,
            "predicted_degranulation": bool(hazard[i] >= HAZARD_THRESHOLD)}
            for i, t in enumerate(therapies)],
    }


def report(page: Page, ref: Mapping[str, Any], ctx: ReportContext) -> None:
    """Time courses, the metric table and the therapy comparison table."""
    patient = ctx.config["reference_patient"]
    page.section("therapies", "Therapies compared",
                 "Every therapy of the catalogue at its usual regimen for the reference patient "
                 f"({patient['weight_kg']} kg, {patient['ige_baseline_iu_ml']} IU/mL), "
                 "daily output; summary metrics with a free-IgE target of "
                 f"{ctx.target_ng_ml:g} ng/mL.", nav="Therapies")
    page.raw("<p>Each therapy's usual regimen, mechanism, what its drug does on mast cells and "
             "basophils, and the evidence of its parameter values (catalogue, "
             "<code>igesweep therapies</code>); values a therapy borrows from another drug are "
             "counted with where they come from. <strong>Predicted degranulation</strong>: the "
             "drug itself bridges enough receptors to trigger the cells (cross-link hazard "
             "≥ 1 at its usual regimen).</p>")
    page.raw(html_table(
        ["therapy", "mechanism", "usual regimen", "on mast cells and basophils",
         "evidence of its values", "borrowed values", "cross-link verdict"],
        [[r["therapy"], r["mechanism_class"], r["regimen"], r["on_cells"], r["evidence"],
          "; ".join(f"{n} from {o}" for o, n in r["borrowed"].items()) or "none",
          "PREDICTED DEGRANULATION" if r["predicted_degranulation"] else "below threshold"]
         for r in ref["catalogue"]]))
    with open_sweep(ctx.store("therapy_reference")) as ds:
        page.figure("time_courses", figures.time_courses(ds.load(), ctx.target_ng_ml),
                    "Free and total IgE; FcεRI per basophil and per mast cell; the basophils' "
                    "and the mast cells' (clinical) activation threshold fold; the mast-cell "
                    "response; the cross-link hazard (drug-bridged receptor pairs relative to "
                    "the number that triggers a cell; dashed line: predicted degranulation), "
                    "per therapy (igesweep-2, docs/model.md §M2.8-§M2.9).")
    names = [figures.METRIC_LABELS.get(k.split(" [")[0], k) for k in ref["metrics"]]
    page.raw(html_table(["therapy", *names],
                        [[t, *[ref["metrics"][m][i] for m in ref["metrics"]]]
                         for i, t in enumerate(ref["therapy"])]))
    page.raw(f"<p>Metrics over the run, target {ctx.target_ng_ml:g} ng/mL; the trough is "
             "free IgE just before the last dose. –: the target is never reached (time to "
             "target), or the metric does not apply (a therapy without doses has no trough).</p>")


STUDY = Study("therapy_reference", build, summarise, report, rank=10)
