"""Pieces several studies share: the reference scenario, output times, sensitivity designs."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from igesweep.catalogue import Catalogue
from igesweep.models import DEFAULT_MODEL
from igesweep.report.figures import METRIC_LABELS


def output_times(days: float, step: float) -> dict[str, float]:
    """Output from day 0 to ``days`` every ``step`` days."""
    return {"start": 0, "stop": days, "step": step}


def reference_scenario(shared: Mapping[str, Any], therapy: str = "omalizumab") -> dict[str, Any]:
    """The reference patient on ``therapy`` with the workflow's free-IgE target."""
    return {
        "therapy": therapy,
        "patient": dict(shared["reference_patient"]),
        "metrics": {"target_free_ige_ng_ml": shared["target_free_ige_ng_ml"]},
    }


def study_model(cfg: Mapping[str, Any]) -> str:
    """A study's ``model`` setting, else the default model."""
    return cfg.get("model", DEFAULT_MODEL)


def sensitivity_factors(cfg: Mapping[str, Any], catalogue: Catalogue, study: str) -> list[Any]:
    """The factors of a Sobol or Morris study: published variability plus ``extra_factors``.

    Raises
    ------
    ValueError
        Naming ``studies.<study>.extra_factors`` when a range is invalid.
    """
    from igesweep.analysis.sensitivity import factors_from_catalogue

    extra = {name: tuple(bounds) for name, bounds in cfg["extra_factors"].items()}
    try:
        return factors_from_catalogue(catalogue, cfg["therapy"], width_sd=cfg["width_sd"],
                                      extra=extra, model=study_model(cfg))
    except ValueError as err:
        raise ValueError(f"studies.{study}.extra_factors: {err}") from err


def design_sweep(cfg: Mapping[str, Any], shared: Mapping[str, Any], names: Sequence[str],
                 rows: np.ndarray) -> dict[str, Any]:
    """A sensitivity design (one row per sample) as a sweep of the reference scenario."""
    from igesweep.analysis.sensitivity import design_columns

    days = cfg["days"]
    model = study_model(cfg)
    base = reference_scenario(shared, cfg["therapy"])
    for name in names:
        base["patient"].pop(name, None)
    return {
        **base,
        "model": model,
        "regimen": {"route": "sc", "dose_mg": cfg["dose_mg"], "interval_days": 28,
                    "until_day": days},
        "times": output_times(days, cfg["output_step_days"]),
        "metrics": {**base["metrics"], "window_days": [days - 84, days]},
        "design": design_columns(list(names), rows, model),
        "output": {"variables": ["free_ige"]},
    }


def factor_dicts(factors: Sequence[Any]) -> list[dict[str, Any]]:
    """Factors as JSON-ready mappings (the design information of Sobol and Morris)."""
    import dataclasses

    return [dataclasses.asdict(f) for f in factors]


def factors_of(info: Mapping[str, Any]) -> list[Any]:
    """The factors back from :func:`factor_dicts`."""
    from igesweep.analysis.sensitivity import Factor

    return [Factor(**f) for f in info["factors"]]


def omitted_metrics(indices: Mapping[str, Any]) -> str:
    """A sentence naming the metrics a sensitivity analysis could not compute, and why."""
    failed = {m: v["error"] for m, v in indices.items() if "error" in v}
    if not failed:
        return ""
    items = "; ".join(f"{html.escape(METRIC_LABELS.get(m, m))}: {html.escape(e)}"
                      for m, e in failed.items())
    return f"<p>Omitted (cannot be computed): {items}.</p>"
