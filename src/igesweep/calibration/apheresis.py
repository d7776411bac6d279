"""IgE-selective immunoadsorption: the fraction of serum IgE one session removes."""

from __future__ import annotations

import math

from scipy.optimize import brentq

from igesweep.calibration._simulated import total_ige_ratio
from igesweep.calibration.result import CalibrationResult, Fitted, Residual
from igesweep.catalogue import Catalogue
from igesweep.literature import BY_KEY
from igesweep.resolve import resolve
from igesweep.scenario import parse_scenario
from igesweep.solver.kernels import load_kernels

CYCLE_DAYS = [0.0, 1.0, 2.0, 3.0, 4.0]
THERAPY = "ige_immunoadsorption"


def ige_half_life_days(model: str, catalogue: Catalogue) -> float:
    """The untreated IgE half-life (ln 2 / kE) of the catalogue's reference patient in ``model``."""
    scenario = parse_scenario({"model": model, "therapy": THERAPY, "times": [0.0]})
    kernels = load_kernels(model)
    rates = kernels.derive(resolve(scenario, catalogue).parameter_vector())
    return math.log(2.0) / float(rates[kernels.K_ke])


def _ratio(model: str, catalogue: Catalogue, removal: float) -> float:
    return total_ige_ratio(model, catalogue, THERAPY, CYCLE_DAYS[-1],
                           {"apheresis_ige_removal": removal}, {}, CYCLE_DAYS)


def immunoadsorption_residual(model: str, catalogue: Catalogue,
                              removal: float | None = None) -> Residual:
    """Kasperkiewicz 2018's cycle reduction next to ``model``'s, at the catalogue's removal."""
    if removal is None:
        removal = catalogue.therapy_values(THERAPY, model)["apheresis_ige_removal"]
    return Residual(BY_KEY["immunoadsorption_cycle"], _ratio(model, catalogue, removal),
                    "right after session 5")


def fit_immunoadsorption(model: str, catalogue: Catalogue) -> CalibrationResult:
    """Fit ``apheresis_ige_removal`` in ``model`` so 5 daily sessions leave 8 % of total IgE.

    The sample is taken right after the fifth session (model.md §6 applies the
    day-4 session before the day-4 output); IgE is re-made between sessions at
    the patient's IgE production and elimination rates.
    """
    target = BY_KEY["immunoadsorption_cycle"].value
    removal = float(brentq(lambda f: _ratio(model, catalogue, f) - target, 0.01, 0.999,
                           xtol=1e-12))
    return CalibrationResult(
        name="immunoadsorption_removal",
        objective="total_ige(day 4)/baseline = 0.08 after sessions on days 0-4, reference patient.",
        method="scipy.optimize.brentq on apheresis_ige_removal, igesweep.simulate at rtol 1e-9.",
        fitted=(Fitted(THERAPY, "apheresis_ige_removal", removal, "1", model),),
        residuals=(immunoadsorption_residual(model, catalogue, removal),),
        weakness=("The removal needed depends on how fast IgE comes back between sessions "
                  f"(the reference patient's IgE half-life in {model}: "
                  f"{ige_half_life_days(model, catalogue):.2f} d; no extravascular IgE pool) "
                  "and on when the post-cycle sample was drawn (assumed right after session 5)."),
    )
