"""IgE-production and immunoadsorption calibrations, checked with ``igesweep.simulate``."""

import math

import pytest

from igesweep.calibration.apheresis import CYCLE_DAYS, THERAPY, fit_immunoadsorption
from igesweep.calibration.production import (
    DUPILUMAB_DAY,
    QUILIZUMAB_DAY,
    fit_dupilumab,
    fit_quilizumab,
)
from igesweep.catalogue import load_catalogue
from igesweep.literature import BY_KEY
from igesweep.models import IGESWEEP_MODELS
from igesweep.simulate import simulate


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _total_ige_ratio(model, therapy, day, **extra):
    ds = simulate({"model": model, "therapy": therapy, "regimen": "usual",
                   "times": {"start": 0, "stop": day, "step": 1}, **extra})
    return float(ds["total_ige"].sel(time=day)) / ds.attrs["ige_baseline_iu_ml"]


@pytest.mark.parametrize("model", IGESWEEP_MODELS)
@pytest.mark.parametrize(("therapy", "day", "key"), [
    ("quilizumab", QUILIZUMAB_DAY, "quilizumab_total_ige_week_36"),
    ("dupilumab", DUPILUMAB_DAY, "dupilumab_total_ige_week_16_adults"),
])
def test_catalogue_production_effect_matches_the_published_ratio(model, therapy, day, key):
    obs = BY_KEY[key]
    ratio = _total_ige_ratio(model, therapy, day)
    assert obs.agrees(ratio)
    assert ratio == pytest.approx(obs.value, rel=1e-4)


@pytest.mark.parametrize("model", IGESWEEP_MODELS)
def test_catalogue_removal_matches_the_cycle_reduction(model):
    obs = BY_KEY["immunoadsorption_cycle"]
    ratio = _total_ige_ratio(model, THERAPY, CYCLE_DAYS[-1], apheresis_days=CYCLE_DAYS)
    assert ratio == pytest.approx(obs.value, rel=1e-4)


def _elimination_per_day(model, catalogue):
    """kE of the reference patient, from the catalogue by hand (model.md §4, §M2.1)."""
    patient = catalogue.patient_values(model)
    if model == "igesweep-1":
        return math.log(2) / patient["ige_half_life_d"]
    # Lowe 2009: R (ug/day) = R70 (WT/70)^a (IgE0/365 ng/mL)^b into V_E (L) = V70 (WT/70)^c;
    # at steady state kE = R / (V_E E0), ug/L = ng/mL.
    w = patient["weight_kg"] / 70.0
    ige_ng_ml = 2.42 * patient["ige_baseline_iu_ml"]
    production = (patient["ige_production_ug_day"] * w ** patient["ige_production_wt_exp"]
                  * (ige_ng_ml / 365.0) ** patient["ige_production_ige_exp"])
    return production / (patient["ige_volume_l"] * w ** patient["ige_volume_wt_exp"]) / ige_ng_ml


@pytest.mark.parametrize("model", IGESWEEP_MODELS)
def test_immunoadsorption_fit_agrees_with_the_closed_form(model, catalogue):
    """With no drug, E obeys dE/dt = kE (E0 - E) between sessions: the cycle has a closed form."""
    carry = math.exp(-_elimination_per_day(model, catalogue))
    removal = fit_immunoadsorption(model, catalogue).fitted[0].value
    x = 1.0
    for session in range(5):
        if session:
            x = 1 - (1 - x) * carry
        x *= 1 - removal
    assert x == pytest.approx(BY_KEY["immunoadsorption_cycle"].value, rel=1e-6)


def test_the_removal_depends_on_the_model_s_ige_turnover(catalogue):
    """igesweep-2's slower IgE return at the reference patient needs less removal per session."""
    one, two = (fit_immunoadsorption(m, catalogue).fitted[0].value
                for m in ("igesweep-1", "igesweep-2"))
    assert two < one


@pytest.mark.parametrize("model", IGESWEEP_MODELS)
@pytest.mark.parametrize("fit", [fit_quilizumab, fit_dupilumab])
def test_refits_reproduce_the_catalogue(model, catalogue, fit):
    result = fit(model, catalogue)
    (fitted,) = result.fitted
    assert fitted.model == model
    entry = catalogue.therapy_block(fitted.block, model).parameters[fitted.name]
    assert entry.value == pytest.approx(fitted.value, rel=1e-5)
    assert entry.evidence == "calibrated"
    assert all(r.agrees for r in result.residuals)
