"""Study summaries: the tables and arrays the report shows, from each study's sweep store.

Every function takes an opened sweep Dataset (and what the study's design
recorded) and returns plain JSON-ready structures with units in the names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from igesweep.analysis.therapies import HAZARD_THRESHOLD, overview
from igesweep.catalogue import Catalogue
from igesweep.models import DEFAULT_MODEL

#: Summary metrics analysed for sensitivity (model.md §7).
SENSITIVITY_METRICS = (
    "time_to_target",
    "fraction_below_target",
    "trough_free_ige",
    "fceri_reduction",
    "max_threshold_fold",
)


def metric_values(ds: xr.Dataset, metric: str) -> np.ndarray:
    """A metric as floats for sensitivity analysis.

    ``time_to_target`` is NaN when the target is never reached; it is
    censored at the last output day (the run's length), so such samples count
    as "not before the end" instead of being dropped. Other NaNs (failed
    lanes) stay NaN and are dropped by the analyses.
    """
    y = ds[metric].values.astype(float)
    if metric == "time_to_target":
        ok = ds["status"].values == 0
        y = np.where(np.isnan(y) & ok, float(ds["time"].values[-1]), y)
    return y


def _clean(values: np.ndarray) -> list[Any]:
    """A JSON-ready list with NaN as None."""
    arr = np.asarray(values, dtype=float)
    return [None if not np.isfinite(v) else float(v) for v in arr.ravel()]


def _metric_table(ds: xr.Dataset, names: Sequence[str]) -> dict[str, list[Any]]:
    return {f"{n} [{ds[n].attrs['units']}]": _clean(ds[n].values) for n in names}


def therapy_reference(ds: xr.Dataset, catalogue: Catalogue | None = None,
                      model: str = DEFAULT_MODEL) -> dict[str, Any]:
    """Metrics per therapy for the reference patient; with ``catalogue``, each therapy's
    regimen, mechanism, what it does on the cells, the evidence of its values in ``model``
    (borrowed ones counted) and the cross-link verdict of its run."""
    therapies = [str(t) for t in ds["therapy"].values]
    out: dict[str, Any] = {
        "therapy": therapies,
        "metrics": _metric_table(ds, ("time_to_target", "fraction_below_target",
                                      "trough_free_ige", "nadir_free_ige", "fceri_reduction",
                                      "max_threshold_fold", "max_crosslink_hazard")),
        "status": ds["status"].values.astype(int).tolist(),
    }
    if catalogue is not None:
        rows = {r.therapy: r for r in overview(catalogue, model)}
        hazard = ds["max_crosslink_hazard"].values
        out["catalogue"] = [{
            "therapy": t, "mechanism_class": rows[t].mechanism_class,
            "regimen": rows[t].regimen, "on_cells": rows[t].on_cells,
            "evidence": rows[t].evidence, "borrowed": rows[t].borrowed,
            "predicted_degranulation": bool(hazard[i] >= HAZARD_THRESHOLD)}
            for i, t in enumerate(therapies)]
    return out


def model_comparison(ds: xr.Dataset) -> dict[str, Any]:
    """Free and total IgE over time and the summary metrics per model and baseline IgE."""
    models = [str(m) for m in ds["model"].values]
    ige = [float(v) for v in ds["ige_baseline_iu_ml"].values]
    return {
        "model": models,
        "ige_baseline_iu_ml": ige,
        "time": _clean(ds["time"].values),
        "free_ige": [[_clean(ds["free_ige"].isel(model=m, ige_baseline_iu_ml=i).values)
                      for i in range(len(ige))] for m in range(len(models))],
        "total_ige": [[_clean(ds["total_ige"].isel(model=m, ige_baseline_iu_ml=i).values)
                       for i in range(len(ige))] for m in range(len(models))],
        "trough_free_ige": [_clean(ds["trough_free_ige"].isel(model=m).values)
                            for m in range(len(models))],
        "nadir_free_ige": [_clean(ds["nadir_free_ige"].isel(model=m).values)
                           for m in range(len(models))],
    }


def therapy_population(ds: xr.Dataset) -> dict[str, Any]:
    """Median and 5th/95th percentiles of the metrics over subjects, per therapy."""
    out: dict[str, Any] = {"therapy": [str(t) for t in ds["therapy"].values], "metrics": {}}
    for name in ("fraction_below_target", "nadir_free_ige", "fceri_reduction",
                 "max_threshold_fold", "max_crosslink_hazard"):
        q = ds[name].quantile([0.05, 0.5, 0.95], dim="subject", skipna=True).values
        out["metrics"][f"{name} [{ds[name].attrs['units']}]"] = {
            "p05": _clean(q[0]), "median": _clean(q[1]), "p95": _clean(q[2])}
    out["n_subjects"] = int(ds.sizes["subject"])
    out["n_failed"] = int((ds["status"] > 0).sum())
    return out


def dosing_map(ds: xr.Dataset, target_ng_ml: float) -> dict[str, Any]:
    """Median trough free IgE and target attainment over baseline IgE x weight per regimen."""
    trough = ds["trough_free_ige"]
    median = trough.median("subject", skipna=True)
    attain = (trough < target_ng_ml).mean("subject")
    return {
        "ige_baseline_iu_ml": _clean(ds["ige_baseline_iu_ml"].values),
        "weight_kg": _clean(ds["weight_kg"].values),
        "dose_mg": _clean(ds["dose_mg"].values),
        "interval_days": _clean(ds["interval_days"].values),
        "dims": list(median.dims),
        "median_trough_free_ige_ng_ml": median.values.tolist(),
        "share_below_target": attain.values.tolist(),
        "target_free_ige_ng_ml": target_ng_ml,
        "n_subjects": int(ds.sizes["subject"]),
    }


def affinity_map(ds: xr.Dataset) -> dict[str, Any]:
    """Trough free IgE, receptor reduction and threshold rise over Kd x dose."""
    return {
        "kd_nm": _clean(ds["kd_nm"].values),
        "dose_mg": _clean(ds["dose_mg"].values),
        "dims": list(ds["trough_free_ige"].dims),
        "trough_free_ige_ng_ml": ds["trough_free_ige"].values.tolist(),
        "fceri_reduction": ds["fceri_reduction"].values.tolist(),
        "max_threshold_fold": ds["max_threshold_fold"].values.tolist(),
    }


def dosing_table(ds: xr.Dataset, cells: Sequence[int], targets: Sequence[float]
                 ) -> dict[str, Any]:
    """Share of virtual patients per approved label cell below each free-IgE target.

    With a ``subject`` dimension (inter-individual variability), every sample
    × subject is one virtual patient of the sample's cell.
    """
    from igesweep.analysis.dosing_table import evaluate_label_table, trough_at_label_regimen

    cell_of_row = np.asarray(cells, dtype=np.int64)
    trough = trough_at_label_regimen(ds, cell_of_row)
    per_sample = trough.size // max(cell_of_row.size, 1)
    table = evaluate_label_table(trough.reshape(-1), np.repeat(cell_of_row, per_sample),
                                 targets=tuple(targets))
    return {"columns": list(table.columns),
            "rows": [[None if isinstance(v, float) and not np.isfinite(v) else
                      (v.item() if hasattr(v, "item") else v) for v in row]
                     for row in table.itertuples(index=False)]}


def _factors(factors: Sequence[Mapping[str, Any]]) -> list[Any]:
    from igesweep.analysis.sensitivity import Factor

    return [Factor(**f) for f in factors]


def sobol(ds: xr.Dataset, factors: Sequence[Mapping[str, Any]], *, seed: int,
          resamples: int) -> dict[str, Any]:
    """First-order and total Sobol indices with bootstrap CIs, and their convergence in N."""
    from igesweep.analysis.sensitivity import analyze_sobol, sobol_converged, sobol_convergence

    fs = _factors(factors)
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
        out["indices"][metric] = {k: _clean(res[k]) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        out["converged"][metric] = sobol_converged(out["indices"][metric]["ST"],
                                                   out["indices"][metric]["ST_conf"], n_base)
        fractions = tuple(f for f in (0.125, 0.25, 0.5, 1.0) if f * n_base >= 4) or (1.0,)
        try:
            conv = sobol_convergence(fs, y, seed=seed, fractions=fractions,
                                     n_resamples=resamples)
        except ValueError:
            continue
        out["convergence"][metric] = {c: _clean(conv[c].values) if c != "factor"
                                      else [str(v) for v in conv[c]] for c in conv.columns}
    out["n_base_samples"] = int(n_base)
    return out


def morris(ds: xr.Dataset, factors: Sequence[Mapping[str, Any]], *, levels: int,
           seed: int) -> dict[str, Any]:
    """Morris mu* (with CI) and sigma of each metric."""
    from igesweep.analysis.sensitivity import analyze_morris

    fs = _factors(factors)
    x = np.column_stack([ds[f.name].values for f in fs])
    out: dict[str, Any] = {"factors": [f.name for f in fs], "indices": {}}
    for metric in SENSITIVITY_METRICS:
        try:
            res = analyze_morris(fs, x, metric_values(ds, metric), levels=levels, seed=seed)
        except ValueError as err:
            out["indices"][metric] = {"error": str(err)}
            continue
        out["indices"][metric] = {k: _clean(res[k]) for k in ("mu_star", "mu_star_conf", "sigma")}
    return out


def local(ds: xr.Dataset, names: Sequence[str], rel_step: float) -> dict[str, Any]:
    """Normalised elasticities of each metric at the reference patient."""
    from igesweep.analysis.sensitivity import elasticities

    out: dict[str, Any] = {"parameters": list(names), "elasticity": {}}
    for metric in SENSITIVITY_METRICS:
        e = elasticities(list(names), metric_values(ds, metric), rel_step)
        out["elasticity"][metric] = _clean(np.array([e[n] for n in names]))
    return out


def optimised_dosing_table(ds: xr.Dataset, *, target_ng_ml: float, attainment: float
                           ) -> dict[str, Any]:
    """The dose finder's answer per grid point against the US and EU tables.

    ``ds`` is the sweep of :func:`igesweep.studies.optimised_dosing_table`
    (lane dimensions ``sample``, ``dose_mg``, ``interval_days``, ``draw``,
    ``subject``). Every lane must have succeeded: a failed lane is an error,
    never a patient left out.
    """
    from igesweep.analysis.dose_finder import DOSES_MG, INTERVALS_DAYS
    from igesweep.analysis.optimised_table import key_findings, optimised_table

    if (ds["status"].values != 0).any():
        raise ValueError(f"{int((ds['status'].values != 0).sum())} lanes failed; the table "
                         "would leave their patients out")
    da = ds["trough_free_ige"].sel(dose_mg=list(DOSES_MG), interval_days=list(INTERVALS_DAYS))
    dims = ["sample", "dose_mg", "interval_days"] + [d for d in ("draw", "subject")
                                                     if d in da.dims]
    troughs = da.transpose(*dims).values
    if "draw" not in da.dims:
        troughs = troughs[:, :, :, None, :]
    n_draws = ds.sizes.get("draw", 0)
    table = optimised_table(troughs, ds["weight_kg"].values, ds["ige_baseline_iu_ml"].values,
                            target_ng_ml=target_ng_ml, attainment=attainment, n_draws=n_draws)
    table["key_findings"] = key_findings(table)
    return table
