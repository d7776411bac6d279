"""IgE-production and immunoadsorption calibrations, checked with ``igesweep.simulate``."""

import pytest

from igesweep.calibration.apheresis import CYCLE_DAYS, fit_immunoadsorption
from igesweep.calibration.production import (
    DUPILUMAB_DAY,
    QUILIZUMAB_DAY,
    fit_dupilumab,
    fit_quilizumab,
)
from igesweep.catalogue import load_catalogue
from igesweep.literature import BY_KEY
from igesweep.simulate import simulate


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _total_ige_ratio(therapy, day, **extra):
    ds = simulate({"therapy": therapy, "regimen": "usual", "times": {"start": 0, "stop": day,
                                                                     "step": 1}, **extra})
    return float(ds["total_ige"].sel(time=day)) / ds.attrs["ige_baseline_iu_ml"]


@pytest.mark.parametrize(("therapy", "day", "key"), [
    ("quilizumab", QUILIZUMAB_DAY, "quilizumab_total_ige_week_36"),
    ("dupilumab", DUPILUMAB_DAY, "dupilumab_total_ige_week_16_adults"),
])
def test_catalogue_production_effect_matches_the_published_ratio(therapy, day, key):
    obs = BY_KEY[key]
    ratio = _total_ige_ratio(therapy, day)
    assert obs.agrees(ratio)
    assert ratio == pytest.approx(obs.value, rel=1e-4)


def test_catalogue_removal_matches_the_cycle_reduction():
    obs = BY_KEY["immunoadsorption_cycle"]
    ratio = _total_ige_ratio("ige_immunoadsorption", CYCLE_DAYS[-1], apheresis_days=CYCLE_DAYS)
    assert ratio == pytest.approx(obs.value, rel=1e-4)


def test_immunoadsorption_fit_agrees_with_the_closed_form(catalogue):
    """With no drug, E obeys dE/dt = kE (E0 - E) between sessions: the cycle has a closed form."""
    import math

    half_life = catalogue.patient_values()["ige_half_life_d"]
    carry = math.exp(-math.log(2) / half_life)
    removal = fit_immunoadsorption(catalogue).fitted[0].value
    x = 1.0
    for session in range(5):
        if session:
            x = 1 - (1 - x) * carry
        x *= 1 - removal
    assert x == pytest.approx(BY_KEY["immunoadsorption_cycle"].value, rel=1e-6)


@pytest.mark.parametrize("fit", [fit_quilizumab, fit_dupilumab])
def test_refits_reproduce_the_catalogue(catalogue, fit):
    result = fit(catalogue)
    (fitted,) = result.fitted
    entry = catalogue.therapies[fitted.block].parameters[fitted.name]
    assert entry.value == pytest.approx(fitted.value, rel=1e-5)
    assert entry.evidence == "calibrated"
    assert all(r.agrees for r in result.residuals)
