"""lowe2009 and hayashi2007 against an independent SciPy implementation of the papers (model.md §8).

The reference is :func:`igesweep.validation.published.simulate_published`:
written from the papers' equations (amounts, the complex from the
equilibrium quadratic solved for the partner in deficit), integrated by
SciPy's LSODA at rtol 1e-10 and restarted at every dose. It shares no code
with the generated kernels.
"""

import numpy as np
import pytest

from igesweep import simulate
from igesweep.validation.published import (
    PUBLISHED_IGE_NG_ML_PER_IU_ML,
    hayashi_2007,
    lowe_2009,
    sc_regimen,
    simulate_published,
)
from tests.test_accuracy import FLOOR, TOLERANCE

PARAMETERS = {"lowe2009": lowe_2009, "hayashi2007": hayashi_2007}
PATIENTS = [(40.0, 50.0), (70.0, 300.0), (150.0, 700.0)]
REGIMENS = [(300.0, 28.0), (375.0, 14.0)]


def section8_error(ours: np.ndarray, ref: np.ndarray) -> float:
    big = np.abs(ref) > FLOOR * np.max(np.abs(ref))
    return float(np.max(np.abs(ours[big] - ref[big]) / np.abs(ref[big]), initial=0.0))


@pytest.mark.parametrize("regimen", REGIMENS, ids=["300q4w", "375q2w"])
@pytest.mark.parametrize("patient", PATIENTS, ids=["40kg-50", "70kg-300", "150kg-700"])
@pytest.mark.parametrize("model", sorted(PARAMETERS))
def test_published_model_matches_its_independent_reference(model, patient, regimen):
    weight, ige_iu_ml = patient
    dose, interval = regimen
    days = np.arange(0.0, 169.0)
    ds = simulate({
        "model": model, "therapy": "omalizumab",
        "patient": {"weight_kg": weight, "ige_baseline_iu_ml": ige_iu_ml},
        "regimen": {"route": "sc", "dose_mg": dose, "interval_days": interval,
                    "until_day": 167.0},
        "times": days.tolist(),
    })
    assert int(ds["status"]) == 0
    p = PARAMETERS[model](weight, ige_iu_ml * PUBLISHED_IGE_NG_ML_PER_IU_ML)
    ref = simulate_published(p, sc_regimen(dose, interval, 168.0), days, rtol=1e-10,
                             atol_nmol=1e-14)
    pairs = {
        "free_ige": ref["free_ige_ng_ml"].to_numpy(),
        "total_ige": ref["total_ige_ng_ml"].to_numpy() / PUBLISHED_IGE_NG_ML_PER_IU_ML,
        "free_drug": ref["free_drug_ug_ml"].to_numpy(),
        "total_drug": ref["total_drug_ug_ml"].to_numpy(),
        "complex": ref["complex_nm"].to_numpy(),
    }
    errors = {name: section8_error(ds[name].values, r) for name, r in pairs.items()}
    worst = max(errors, key=errors.get)
    assert errors[worst] <= TOLERANCE, f"{worst}: relative error {errors[worst]:.2e}"


@pytest.mark.parametrize("model", sorted(PARAMETERS))
def test_untreated_published_model_drifts_toward_its_own_steady_state(model):
    """As published: total IgE starts at the baseline and moves toward R/CL_E."""
    days = np.arange(0.0, 61.0)
    ds = simulate({"model": model, "therapy": "omalizumab", "regimen": {"doses": []},
                   "patient": {"weight_kg": 70.0, "ige_baseline_iu_ml": 300.0},
                   "times": days.tolist()})
    p = PARAMETERS[model](70.0, 300.0 * PUBLISHED_IGE_NG_ML_PER_IU_ML)
    steady_ng_ml = p.ige_steady_state_nm * p.ige_mw_kda
    free = ds["free_ige"].values
    assert free[0] == pytest.approx(300.0 * PUBLISHED_IGE_NG_ML_PER_IU_ML, rel=1e-12)
    assert free[-1] == pytest.approx(steady_ng_ml, rel=1e-3)
