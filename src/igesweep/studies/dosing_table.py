"""The US label table: virtual patients across every approved cell at the cell's regimen."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from igesweep.analysis.dosing_table import (
    evaluate_label_table,
    label_design,
    trough_at_label_regimen,
)
from igesweep.catalogue import Catalogue
from igesweep.report.page import Page, ReportContext
from igesweep.report.tables import html_table
from igesweep.studies.base import Study
from igesweep.studies.common import output_times

#: Free-IgE targets of the table (ng/mL): the workflow's, and the tables' design goal.
DESIGN_GOAL_NG_ML = 25.0


def build(cfg: Mapping[str, Any], shared: Mapping[str, Any], catalogue: Catalogue
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Design rows across the approved cells × every label regimen; the label cell of each
    row as the design information. The steady-state trough is the free IgE just before the
    dose on the last day. With ``population`` > 0, every design row is run for that many
    subjects drawn from the catalogue's inter-individual variability."""
    design, cells = label_design(cfg["n_per_cell"], cfg["seed"])
    days = cfg["days"]
    sweep = {
        "therapy": "omalizumab",
        "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "until_day": days},
        "times": output_times(days, cfg["output_step_days"]),
        "metrics": {"target_free_ige_ng_ml": shared["target_free_ige_ng_ml"],
                    "window_days": [days - 1, days]},
        "design": design,
        "grid": {"regimen.dose_mg": [150, 225, 300, 375], "regimen.interval_days": [14, 28]},
        "output": {"variables": ["free_ige"]},
    }
    if cfg.get("population", 0):
        sweep["population"] = {"n": cfg["population"], "seed": cfg["seed"]}
    return sweep, {"cells": cells.tolist()}


def summarise(ds: xr.Dataset, info: Mapping[str, Any], cfg: Mapping[str, Any],
              shared: Mapping[str, Any]) -> dict[str, Any]:
    """Share of virtual patients per approved label cell below each free-IgE target.

    With a ``subject`` dimension (inter-individual variability), every sample
    × subject is one virtual patient of the sample's cell.
    """
    cell_of_row = np.asarray(info["cells"], dtype=np.int64)
    trough = trough_at_label_regimen(ds, cell_of_row)
    per_sample = trough.size // max(cell_of_row.size, 1)
    targets = tuple(dict.fromkeys((float(shared["target_free_ige_ng_ml"]), DESIGN_GOAL_NG_ML)))
    table = evaluate_label_table(trough.reshape(-1), np.repeat(cell_of_row, per_sample),
                                 targets=targets)
    return {"columns": list(table.columns),
            "rows": [[None if isinstance(v, float) and not np.isfinite(v) else
                      (v.item() if hasattr(v, "item") else v) for v in row]
                     for row in table.itertuples(index=False)]}


def report(page: Page, table: Mapping[str, Any], ctx: ReportContext) -> None:
    """The approved cells with their shares below target."""
    page.section("dosing-table", "The US label dosing table",
                 "Every approved cell of the US omalizumab table (≥12 years), evaluated with "
                 "virtual patients drawn uniformly across the cell's weight and IgE range, each "
                 "with subjects drawn from the published inter-individual variability of the "
                 "omalizumab entry (Lowe 2009, correlations included): share whose steady-state "
                 "trough free IgE (just before the dose on the last day) stays below each "
                 "target; n = patients × subjects per cell. Blue = all, orange = none.",
                 nav="Label table")
    shares = [c for c in table["columns"] if c.startswith("share_below")]
    page.raw(html_table(table["columns"], table["rows"], colour=dict.fromkeys(shares, "share")))


STUDY = Study("dosing_table", build, summarise, report, rank=26)
