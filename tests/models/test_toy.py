"""A model declared in a test module runs through simulate and sweep with no other file touched."""

import numpy as np
import pytest
from scipy.integrate import cumulative_simpson

from igesweep import simulate
from tests.models.toy import BASE
from tests.models.toy import MODEL as TOY
from tests.sweeps import run_sweep_mapping

TOY_NAME = "tests.models.toy:MODEL"
SCENARIO = {
    "model": BASE.name,
    "therapy": "omalizumab",
    "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 4},
    "times": {"start": 0, "stop": 112, "step": 0.25},
}


@pytest.mark.parametrize("binding", ["full", "qe"])
def test_toy_model_keeps_the_base_outputs_and_adds_the_exposure(binding):
    # output every 43 s on day 0 and every 7 min after: free IgE falls within hours of a dose
    days = np.concatenate([np.arange(0.0, 1.0, 0.0005), np.arange(1.0, 56.0, 0.005)])
    fine = {**SCENARIO, "binding": binding, "times": days.tolist()}
    base = simulate(fine)
    toy = simulate({**fine, "model": TOY_NAME})
    assert toy.attrs["model"] == TOY.name and toy.attrs["model_digest"] == TOY.digest()
    for name in BASE.output_names:
        np.testing.assert_allclose(toy[name], base[name], rtol=1e-4)
    # the new state is the running integral of free IgE: Simpson's rule on the output
    t = toy["time"].values
    simpson = cumulative_simpson(base["free_ige"].values, x=t, initial=0.0)
    auc = toy["free_ige_auc"].values
    assert auc[0] == 0.0
    np.testing.assert_allclose(auc[1:], simpson[1:], rtol=1e-4)


def test_exposure_grows_linearly_when_free_ige_stays_at_baseline():
    # a drug that does not bind IgE leaves free IgE at its baseline
    toy = simulate({**SCENARIO, "therapy_params": {"kon": 0.0}, "model": TOY_NAME})
    t = toy["time"].values
    baseline = toy["free_ige"].values[0]
    np.testing.assert_allclose(toy["free_ige_auc"].values, baseline * t, rtol=1e-6)


def test_toy_model_sweeps_lane_for_lane_like_simulate(tmp_path):
    sweep = {**SCENARIO, "model": TOY_NAME, "times": {"start": 0, "stop": 112, "step": 7},
             "grid": {"patient.ige_baseline_iu_ml": [50, 700], "binding": ["full", "qe"]},
             "solver": {"lockstep": False}, "output": {"dtype": "float64"}}
    ds = run_sweep_mapping(tmp_path, sweep)
    for ige in (50, 700):
        for binding in ("full", "qe"):
            lane = ds.sel(ige_baseline_iu_ml=ige, binding=binding)
            ref = simulate({**SCENARIO, "model": TOY_NAME, "binding": binding,
                            "times": sweep["times"], "patient": {"ige_baseline_iu_ml": ige}})
            for name in BASE.output_names:
                np.testing.assert_array_equal(lane[name].values, ref[name].values)
