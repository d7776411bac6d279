"""Scalar readouts of ``igesweep.simulate`` for the calibrations."""

from __future__ import annotations

from collections.abc import Mapping

from igesweep.catalogue import Catalogue
from igesweep.simulate import simulate

#: Tolerances of the calibration runs: tight, so a fit does not depend on the default settings.
CALIBRATION_SOLVER = {"rtol": 1e-9, "atol": 1e-14}


def total_ige_ratio(model: str, catalogue: Catalogue, therapy: str, day: float,
                    therapy_params: Mapping[str, float], patient: Mapping[str, float],
                    apheresis_days: list[float] | None = None) -> float:
    """Total IgE at ``day`` over the patient's baseline, on the therapy's usual regimen.

    Parameters
    ----------
    model : str
        Model to run.
    catalogue : Catalogue
        Catalogue the therapy and the defaults come from.
    therapy : str
        Therapy key.
    day : float
        Output day (events on that day are applied before it, model.md §6).
    therapy_params, patient : mapping
        Overrides of therapy and patient parameters.
    apheresis_days : list of float, optional
        Apheresis sessions replacing the therapy's usual ones.

    Returns
    -------
    float
        ``total_ige(day) / ige_baseline_iu_ml``.
    """
    scenario: dict[str, object] = {
        "model": model, "therapy": therapy, "therapy_params": dict(therapy_params),
        "patient": dict(patient),
        "regimen": "usual", "times": [0.0, float(day)], "solver": CALIBRATION_SOLVER,
    }
    if apheresis_days is not None:
        scenario["apheresis_days"] = list(apheresis_days)
    ds = simulate(scenario, catalogue=catalogue)
    baseline = {**catalogue.patient_values(model), **patient}["ige_baseline_iu_ml"]
    return float(ds["total_ige"].values[-1]) / baseline
