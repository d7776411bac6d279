"""Sobol indices of the summary metrics over the parameters with published variability."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import xarray as xr

from igesweep.analysis.sensitivity import (
    analyze_sobol,
    sobol_converged,
    sobol_convergence,
    sobol_design,
)
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
    """A Saltelli design over the factors; the factors as the design information."""
    factors = sensitivity_factors(cfg, catalogue, "sobol")
    rows = sobol_design(factors, cfg["n"], cfg["seed"])
    return (design_sweep(cfg, shared, [f.name for f in factors], rows),
            {"factors": factor_dicts(factors)})


def summarise(ds: xr.Dataset, info: Mapping[str, Any], cfg: Mapping[str, Any],
              shared: Mapping[str, Any]) -> dict[str, Any]:
    """First-order and total indices with bootstrap CIs, their convergence in N, and whether
    the total indices have converged (:func:`~igesweep.analysis.sensitivity.sobol_converged`)."""
    fs = factors_of(info)
    seed, resamples = cfg["seed"], cfg["resamples"]
    n_base = ds.sizes["sample"] // (len(fs) + 2)
    out: dict[str, Any] = {"factors": [f.name for f in fs], "indices": {}, "convergence": {},
                           "converged": {}}
    for metric in SENSITIVITY_METRICS:
        y = metric_values(ds, metric)
        try:
            res = analyze_sobol(fs, y, seed=seed, n_resamples=resamples)
        except ValueError as err:
            out["indices"][metric] = {"error": str(err)}
            continue
        idx = {k: clean(res[k]) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        out["indices"][metric] = idx
        out["converged"][metric] = sobol_converged(idx["ST"], idx["ST_conf"], n_base)
        fractions = tuple(f for f in (0.125, 0.25, 0.5, 1.0) if f * n_base >= 4) or (1.0,)
        try:
            conv = sobol_convergence(fs, y, seed=seed, fractions=fractions,
                                     n_resamples=resamples)
        except ValueError:
            continue
        out["convergence"][metric] = {c: clean(conv[c].values) if c != "factor"
                                      else [str(v) for v in conv[c]] for c in conv.columns}
    out["n_base_samples"] = int(n_base)
    return out


def _verdict(sob: Mapping[str, Any]) -> str:
    """One sentence per metric: converged, or not, with the N that would be needed."""
    lines = []
    for key, v in sob.get("converged", {}).items():
        metric = html.escape(figures.METRIC_LABELS.get(key, key))
        if v["converged"]:
            lines.append(f"{metric}: converged at N = {v['n_base']} (every total index's 95 % "
                         f"interval within ±{v['tolerance']:g}).")
        else:
            needed = (f"about N = {v['n_needed']:,} would be needed" if v["n_needed"]
                      else "no N can be estimated")
            above = "; a total index exceeds 1 beyond its interval" if v["total_above_one"] else ""
            lines.append(f"<b>{metric}: not converged</b> at N = {v['n_base']}: the widest "
                         f"95 % interval of a total index is ±{v['max_half_width']:.2f} "
                         f"(tolerance ±{v['tolerance']:g}){above}; {needed} "
                         "(interval width falls as 1/√N).")
    if not lines:
        return ""
    return "<p>Convergence of the total indices:</p><ul>" + "".join(
        f"<li>{x}</li>" for x in lines) + "</ul>"


def report(page: Page, sob: Mapping[str, Any], ctx: ReportContext) -> None:
    """Index bars, convergence in N, and whether the indices have converged."""
    page.section("sensitivity", "Sensitivity of the summary metrics",
                 "Global: Sobol indices (SALib Saltelli sampler, power-of-two N, fixed seed, "
                 "bootstrap CIs) over the parameters with published variability "
                 "(typical × exp(±2ω)) plus patient covariates and the calibrated receptor "
                 "parameters.", nav="Sensitivity")
    page.figure("sobol", figures.sobol_bars(sob),
                "First-order (S1) and total (ST) Sobol indices with 95 % bootstrap intervals.")
    page.figure("sobol_convergence", figures.sobol_convergence(sob),
                "Total indices recomputed on the first N base samples: flat lines mean "
                "converged.")
    page.raw(_verdict(sob))
    page.raw(omitted_metrics(sob["indices"]))


STUDY = Study("sobol", build, summarise, report, rank=30)
