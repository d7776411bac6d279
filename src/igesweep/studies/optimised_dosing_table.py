"""The dose finder at every point of a weight × baseline-IgE grid, against the US and EU tables.

The report opens on this study: its key findings, then the two verdict grids.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import xarray as xr

from igesweep.analysis.dose_finder import DOSES_MG, INTERVALS_DAYS, dose_sweep
from igesweep.analysis.optimised_table import key_findings, optimised_table
from igesweep.catalogue import Catalogue
from igesweep.report.page import Page, ReportContext
from igesweep.report.tables import dose_grid_html
from igesweep.studies.base import Study
from igesweep.studies.common import study_model


def build(cfg: Mapping[str, Any], shared: Mapping[str, Any], catalogue: Catalogue
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The dose finder's sweep (docs/model.md §D1) with the grid points as ``design`` rows.

    The ``sample`` dimension carries ``weight_kg`` and ``ige_baseline_iu_ml``
    coordinates; every label option is a grid dimension; ``population``
    subjects under ``draws`` parameter draws.
    """
    weights = [float(w) for w in cfg["weight_kg"] for _ in cfg["ige_baseline_iu_ml"]]
    iges = [float(e) for _ in cfg["weight_kg"] for e in cfg["ige_baseline_iu_ml"]]
    sweep = dose_sweep(weights[0], iges[0], therapy="omalizumab", model=study_model(cfg),
                       target_ng_ml=cfg["target_free_ige_ng_ml"], n_subjects=cfg["population"],
                       n_draws=cfg["draws"], seed=cfg["seed"])
    sweep.pop("patient")
    sweep["design"] = {"patient.weight_kg": weights, "patient.ige_baseline_iu_ml": iges}
    return sweep, {}


def summarise(ds: xr.Dataset, info: Mapping[str, Any], cfg: Mapping[str, Any],
              shared: Mapping[str, Any]) -> dict[str, Any]:
    """The dose finder's answer per grid point against the US and EU tables.

    Every lane must have succeeded: a failed lane is an error, never a patient left out.
    """
    failed = int((ds["status"].values != 0).sum())
    if failed:
        raise ValueError(f"{failed} lanes failed; the table would leave their patients out")
    da = ds["trough_free_ige"].sel(dose_mg=list(DOSES_MG), interval_days=list(INTERVALS_DAYS))
    dims = ["sample", "dose_mg", "interval_days"] + [d for d in ("draw", "subject")
                                                     if d in da.dims]
    troughs = da.transpose(*dims).values
    if "draw" not in da.dims:
        troughs = troughs[:, :, :, None, :]
    table = optimised_table(troughs, ds["weight_kg"].values, ds["ige_baseline_iu_ml"].values,
                            target_ng_ml=cfg["target_free_ige_ng_ml"],
                            attainment=cfg["attainment"], n_draws=ds.sizes.get("draw", 0))
    table["key_findings"] = key_findings(table)
    return table


def report(page: Page, table: Mapping[str, Any], ctx: ReportContext) -> None:
    """Key findings, then the optimised table against both labels."""
    items = "".join(f"<li>{html.escape(s)}</li>" for s in table["key_findings"])
    page.section("findings", "Key findings")
    page.raw(f'<ul class="findings">{items}</ul>')
    draws = (f"each under {table['n_draws']} parameter draws from the published standard "
             "errors" if table["n_draws"] else "typical parameter values")
    page.section(
        "optimised", "Which dose for which patient (omalizumab)",
        f"At every grid point (weight × pre-treatment IgE), the least label option (75–600 mg "
        f"in 75-mg steps, every 2 or 4 weeks; the longer interval when the drug per 4 weeks is "
        f"the same) that keeps free IgE below {table['target_free_ige_ng_ml']:g} ng/mL just "
        f"before the dose at steady state (day 252) in at least {table['attainment']:.0%} of "
        f"{table['n_subjects']} virtual patients drawn from the published variability, "
        f"{draws} (<code>igesweep dose</code>; docs/model.md §D1). Each cell: that answer and "
        "the share of patients it keeps below target, then the label's regimen for the point "
        "and its share. The label tables were designed for a <em>mean</em> free IgE of about "
        "25 ng/mL (dossier §B3); the finder asks more of a regimen: a share of patients at "
        "the trough. The EU table's every-2-weeks doses (its Table 3) were not retrieved.",
        nav="Which dose")
    page.raw("<h3>Against the US table (≥ 12 years)</h3>")
    page.raw(dose_grid_html(table, "us"))
    page.raw("<h3>Against the EU table</h3>")
    page.raw(dose_grid_html(table, "eu"))
    page.raw("<p>The model has no age covariate: the pediatric range of the US label "
             "(6 to &lt;12 years: 20–150 kg, 30–1,300 IU/mL) is shown as the adult model "
             "predicts it, inside this grid.</p>")


STUDY = Study("optimised_dosing_table", build, summarise, report, rank=0)
