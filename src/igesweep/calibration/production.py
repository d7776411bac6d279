"""IgE-production therapies: quilizumab's and dupilumab's B-cell pool suppression.

Each is one equation in one unknown, ``bcell_kill_max``: the total IgE the
therapy's usual regimen leaves at the study's week, relative to baseline,
equals the published ratio. ``ige_llpc_fraction`` and ``bcell_turnover`` stay
as catalogued; total IgE equals free IgE here (these drugs do not bind IgE).
"""

from __future__ import annotations

from scipy.optimize import brentq

from igesweep.calibration._simulated import total_ige_ratio
from igesweep.calibration.result import CalibrationResult, Fitted, Residual
from igesweep.catalogue import Catalogue
from igesweep.literature import BY_KEY

QUILIZUMAB_DAY = 252.0
DUPILUMAB_DAY = 112.0


def _fit_kill(catalogue: Catalogue, therapy: str, day: float, target: float) -> float:
    def gap(kill_per_day: float) -> float:
        return total_ige_ratio(catalogue, therapy, day, {"bcell_kill_max": kill_per_day},
                               {}) - target
    return float(brentq(gap, 1e-6, 2.0, xtol=1e-10, rtol=1e-10))


def fit_quilizumab(catalogue: Catalogue) -> CalibrationResult:
    """Fit quilizumab's ``bcell_kill_max`` to total IgE -35 % at week 36 (Harris 2016)."""
    obs = BY_KEY["quilizumab_total_ige_week_36"]
    kill = _fit_kill(catalogue, "quilizumab", QUILIZUMAB_DAY, obs.value)
    ratio = total_ige_ratio(catalogue, "quilizumab", QUILIZUMAB_DAY, {"bcell_kill_max": kill}, {})
    return CalibrationResult(
        name="quilizumab_bcell_kill",
        objective="total_ige(day 252)/baseline = 0.65 on 300 mg SC q4w x 9, reference patient.",
        method="scipy.optimize.brentq on bcell_kill_max, igesweep.simulate at rtol 1e-9.",
        fitted=(Fitted("quilizumab", "bcell_kill_max", kill, "1/day"),),
        residuals=(Residual(obs, ratio, "day 252"),),
        weakness=("The mg dose and quilizumab's PK are not published in the dossier (omalizumab's "
                  "PK is borrowed) and the EC50 stays illustrative, so only the product of "
                  "exposure and kill rate is identified; the -30 to -40 % is a population "
                  "mean over monthly and quarterly arms."),
    )


def fit_dupilumab(catalogue: Catalogue) -> CalibrationResult:
    """Fit dupilumab's ``bcell_kill_max`` to week-16 total IgE 0.36 x placebo (adults, AD)."""
    obs = BY_KEY["dupilumab_total_ige_week_16_adults"]
    kill = _fit_kill(catalogue, "dupilumab", DUPILUMAB_DAY, obs.value)
    ratio = total_ige_ratio(catalogue, "dupilumab", DUPILUMAB_DAY, {"bcell_kill_max": kill}, {})
    return CalibrationResult(
        name="dupilumab_bcell_kill",
        objective=("total_ige(day 112)/baseline = 0.360 on 600 mg loading then 300 mg SC q2w, "
                   "reference patient (placebo taken as the untreated baseline)."),
        method="scipy.optimize.brentq on bcell_kill_max, igesweep.simulate at rtol 1e-9.",
        fitted=(Fitted("dupilumab", "bcell_kill_max", kill, "1/day"),),
        residuals=(Residual(obs, ratio, "day 112"),),
        weakness=("One time point of a decline that continues for months: the fit fixes the "
                  "week-16 level, not the time course, which bcell_turnover (illustrative) "
                  "sets. Borrowed linear PK; medians of different patients on drug and "
                  "placebo."),
    )
