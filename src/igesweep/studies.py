"""The workflow's studies as sweep files, built from the workflow configuration.

Each function takes the study's section of ``config/config.yaml`` (and the
shared settings) and returns a sweep mapping (model.md §10) that
``igesweep sweep`` runs. Designs that need extra information for the analysis
(the dosing-table cell of each virtual patient, the sensitivity factors) are
returned alongside.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from igesweep.catalogue import Catalogue
from igesweep.models import DEFAULT_MODEL

STUDIES = (
    "therapy_reference",
    "model_comparison",
    "therapy_population",
    "dosing_map",
    "affinity_map",
    "dosing_table",
    "optimised_dosing_table",
    "sobol",
    "morris",
    "local",
)


def _times(days: float, step: float) -> dict[str, float]:
    return {"start": 0, "stop": days, "step": step}


def _base(shared: Mapping[str, Any], therapy: str = "omalizumab") -> dict[str, Any]:
    return {
        "therapy": therapy,
        "patient": dict(shared["reference_patient"]),
        "metrics": {"target_free_ige_ng_ml": shared["target_free_ige_ng_ml"]},
    }


def therapy_reference(cfg: Mapping[str, Any], shared: Mapping[str, Any],
                      catalogue: Catalogue) -> dict[str, Any]:
    """Every catalogue therapy at its usual regimen for the reference patient."""
    return {
        **_base(shared),
        "regimen": "usual",
        "times": _times(cfg["days"], cfg["output_step_days"]),
        "grid": {"therapy": list(catalogue.therapies)},
    }


def model_comparison(cfg: Mapping[str, Any], shared: Mapping[str, Any],
                     catalogue: Catalogue) -> dict[str, Any]:
    """Omalizumab in several models (``model`` grid) for the same patients and regimen."""
    return {
        **_base(shared),
        "regimen": {"route": "sc", "dose_mg": cfg["dose_mg"], "interval_days": cfg["interval_days"],
                    "until_day": cfg["days"]},
        "times": _times(cfg["days"], cfg["output_step_days"]),
        "grid": {"model": list(cfg["models"]),
                 "patient.ige_baseline_iu_ml": list(cfg["ige_baseline_iu_ml"])},
    }


def therapy_population(cfg: Mapping[str, Any], shared: Mapping[str, Any],
                       catalogue: Catalogue) -> dict[str, Any]:
    """Every catalogue therapy at its usual regimen for a virtual population."""
    base = _base(shared)
    base.pop("patient")
    return {
        **base,
        "regimen": "usual",
        "times": _times(cfg["days"], cfg["output_step_days"]),
        "grid": {"therapy": list(catalogue.therapies)},
        "population": {"n": cfg["population"], "seed": cfg["seed"],
                       "covariates": dict(cfg["covariates"])},
        "output": {"variables": ["free_ige", "total_ige", "basophil_fceri_total",
                                 "threshold_fold", "crosslink_hazard"]},
    }


def dosing_map(cfg: Mapping[str, Any], shared: Mapping[str, Any],
               catalogue: Catalogue) -> dict[str, Any]:
    """Omalizumab over baseline IgE x weight x dose x interval, a population per cell."""
    base = _base(shared)
    base.pop("patient")
    days = cfg["days"]
    return {
        **base,
        "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "until_day": days},
        "times": _times(days, cfg["output_step_days"]),
        "metrics": {**base["metrics"], "window_days": [days - 84, days]},
        "grid": {
            "patient.ige_baseline_iu_ml": cfg["ige_baseline_iu_ml"],
            "patient.weight_kg": cfg["weight_kg"],
            "regimen.dose_mg": cfg["dose_mg"],
            "regimen.interval_days": cfg["interval_days"],
        },
        "population": {"n": cfg["population"], "seed": cfg["seed"]},
        "output": {"variables": ["free_ige"]},
    }


def affinity_map(cfg: Mapping[str, Any], shared: Mapping[str, Any],
                 catalogue: Catalogue) -> dict[str, Any]:
    """Drug–IgE Kd x dose for the reference patient, omalizumab's PK otherwise."""
    days = cfg["days"]
    return {
        **_base(shared),
        "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "until_day": days},
        "times": _times(days, cfg["output_step_days"]),
        "grid": {"therapy_params.kd_nm": cfg["kd_nm"], "regimen.dose_mg": cfg["dose_mg"]},
        "output": {"variables": ["free_ige", "basophil_fceri_total", "threshold_fold"]},
    }


def dosing_table(cfg: Mapping[str, Any], shared: Mapping[str, Any],
                 catalogue: Catalogue) -> tuple[dict[str, Any], np.ndarray]:
    """Virtual patients across every approved US label cell, at every label regimen.

    Returns the sweep and the label cell of each design row. The steady-state
    trough is the free IgE just before the dose on the last day. With
    ``population`` > 0, every design row is run for that many subjects drawn
    from the catalogue's inter-individual variability (a ``subject`` dimension).
    """
    from igesweep.analysis.dosing_table import label_design

    design, cells = label_design(cfg["n_per_cell"], cfg["seed"])
    days = cfg["days"]
    sweep = {
        "therapy": "omalizumab",
        "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "until_day": days},
        "times": _times(days, cfg["output_step_days"]),
        "metrics": {"target_free_ige_ng_ml": shared["target_free_ige_ng_ml"],
                    "window_days": [days - 1, days]},
        "design": design,
        "grid": {"regimen.dose_mg": [150, 225, 300, 375], "regimen.interval_days": [14, 28]},
        "output": {"variables": ["free_ige"]},
    }
    if cfg.get("population", 0):
        sweep["population"] = {"n": cfg["population"], "seed": cfg["seed"]}
    return sweep, cells


def optimised_dosing_table(cfg: Mapping[str, Any], shared: Mapping[str, Any],
                           catalogue: Catalogue) -> dict[str, Any]:
    """The dose finder's sweep (docs/model.md §D1) at every weight × baseline-IgE grid point.

    The grid points are the ``design`` rows (the ``sample`` dimension, with
    ``weight_kg`` and ``ige_baseline_iu_ml`` coordinates); every label option
    is a grid dimension; ``population`` subjects under ``draws`` parameter draws.
    """
    from igesweep.analysis.dose_finder import dose_sweep

    weights = [float(w) for w in cfg["weight_kg"] for _ in cfg["ige_baseline_iu_ml"]]
    iges = [float(e) for _ in cfg["weight_kg"] for e in cfg["ige_baseline_iu_ml"]]
    sweep = dose_sweep(weights[0], iges[0], therapy="omalizumab", model=_model(cfg),
                       target_ng_ml=cfg["target_free_ige_ng_ml"], n_subjects=cfg["population"],
                       n_draws=cfg["draws"], seed=cfg["seed"])
    sweep.pop("patient")
    sweep["design"] = {"patient.weight_kg": weights, "patient.ige_baseline_iu_ml": iges}
    return sweep


def _model(cfg: Mapping[str, Any]) -> str:
    """The model of a sensitivity study: its ``model`` setting, else the default model."""
    return cfg.get("model", DEFAULT_MODEL)


def _factors(cfg: Mapping[str, Any], catalogue: Catalogue, study: str) -> list[Any]:
    from igesweep.analysis.sensitivity import factors_from_catalogue

    extra = {name: tuple(bounds) for name, bounds in cfg["extra_factors"].items()}
    try:
        return factors_from_catalogue(catalogue, cfg["therapy"], width_sd=cfg["width_sd"],
                                      extra=extra, model=_model(cfg))
    except ValueError as err:
        raise ValueError(f"studies.{study}.extra_factors: {err}") from err


def _design_sweep(cfg: Mapping[str, Any], shared: Mapping[str, Any], names: list[str],
                  rows: np.ndarray) -> dict[str, Any]:
    from igesweep.analysis.sensitivity import design_columns

    days = cfg["days"]
    model = _model(cfg)
    base = _base(shared, cfg["therapy"])
    for name in names:
        base["patient"].pop(name, None)
    return {
        **base,
        "model": model,
        "regimen": {"route": "sc", "dose_mg": cfg["dose_mg"], "interval_days": 28,
                    "until_day": days},
        "times": _times(days, cfg["output_step_days"]),
        "metrics": {**base["metrics"], "window_days": [days - 84, days]},
        "design": design_columns(names, rows, model),
        "output": {"variables": ["free_ige"]},
    }


def sobol(cfg: Mapping[str, Any], shared: Mapping[str, Any],
          catalogue: Catalogue) -> tuple[dict[str, Any], list[Any]]:
    """Saltelli design over the uncertain parameters (Sobol indices of the metrics)."""
    from igesweep.analysis.sensitivity import sobol_design

    factors = _factors(cfg, catalogue, "sobol")
    rows = sobol_design(factors, cfg["n"], cfg["seed"])
    return _design_sweep(cfg, shared, [f.name for f in factors], rows), factors


def morris(cfg: Mapping[str, Any], shared: Mapping[str, Any],
           catalogue: Catalogue) -> tuple[dict[str, Any], list[Any]]:
    """Morris trajectories over the same factors (screening)."""
    from igesweep.analysis.sensitivity import morris_design

    factors = _factors(cfg, catalogue, "morris")
    rows = morris_design(factors, cfg["r"], cfg["levels"], cfg["seed"])
    return _design_sweep(cfg, shared, [f.name for f in factors], rows), factors


def local(cfg: Mapping[str, Any], shared: Mapping[str, Any],
          catalogue: Catalogue) -> tuple[dict[str, Any], list[str]]:
    """Central differences around the reference patient (normalised elasticities)."""
    from igesweep.analysis.sensitivity import elasticity_design, typical_values

    model = _model(cfg)
    values = {**typical_values(catalogue, cfg["therapy"], model), **shared["reference_patient"]}
    unknown = [n for n in cfg["parameters"] if n not in values]
    if unknown:
        raise ValueError(f"studies.local.parameters: {', '.join(unknown)} not parameters of "
                         f"{model}; allowed: {', '.join(values)}")
    names = [n for n in cfg["parameters"] if values[n] > 0]
    rows = elasticity_design(values, names, cfg["rel_step"], model)
    return _design_sweep(cfg, shared, names, rows), names
