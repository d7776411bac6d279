"""Property tests: any valid scenario gives finite, non-negative outputs with status ok."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from igesweep import simulate
from igesweep.models import get_model
from igesweep.parameters import parameter_table
from tests.reference import MODEL, OUTPUT_NAMES

#: Physiological ranges (log-uniform between the bounds unless 0 is allowed).
RANGES = {
    "weight_kg": (10.0, 200.0), "ige_baseline_iu_ml": (5.0, 5000.0),
    "ige_half_life_d": (0.5, 5.0), "fceri_baseline_per_cell": (1e3, 1e6),
    "fceri_kon": (0.5, 100.0), "fceri_kd_nm": (0.01, 2.0), "fceri_kint_free": (0.01, 2.0),
    "fceri_kint_bound": (1e-4, 0.5), "bcell_turnover": (1e-3, 0.5),
    "ige_llpc_fraction": (0.0, 1.0), "effector_turnover": (1e-3, 1.0),
    "crosslink_exponent": (0.0, 2.0), "mw_kda": (10.0, 300.0), "bioavailability": (0.1, 1.0),
    "ka": (0.05, 5.0), "cl_l_day": (0.01, 5.0), "v_l": (1.0, 20.0), "q_l_day": (0.0, 2.0),
    "vp_l": (0.0, 20.0), "cl_wt_exp": (0.0, 1.2), "v_wt_exp": (0.0, 1.2),
    "kon": (0.0, 500.0), "kd_nm": (1e-3, 20.0), "complex_cl_l_day": (0.01, 10.0),
    "bcell_kill_max": (0.0, 1.0), "bcell_kill_ec50_nm": (0.1, 100.0),
    "effector_kill_max": (0.0, 1.0), "effector_kill_ec50_nm": (0.1, 100.0),
    "fceri_drug_kon": (0.0, 50.0), "fceri_drug_kd_nm": (0.01, 50.0),
    "apheresis_ige_removal": (0.0, 0.95),
}
#: igesweep-2's own parameters (docs/model.md §M2), around Lowe 2009's values.
RANGES_2 = {
    "ige_production_ug_day": (100.0, 10000.0), "ige_volume_l": (2.0, 30.0),
    "ige_production_wt_exp": (0.0, 1.2), "ige_production_ige_exp": (0.0, 1.0),
    "ige_volume_wt_exp": (0.0, 1.2), "complex_v_l": (1.0, 20.0), "complex_v_wt_exp": (0.0, 1.2),
    "complex_cl_wt_exp": (0.0, 1.2), "kd_ige_exp": (0.0, 0.5), "kd_ratio_exp": (0.0, 0.3),
    # effector cells (§M2.8-§M2.9)
    "fceri_ige_koff": (0.005, 2.0), "fceri_ige_exp": (0.0, 1.0),
    "trigger_crosslinks_per_cell": (10.0, 1e5), "basophil_fceri_per_cell": (1e3, 1e6),
    "basophil_turnover": (0.0, 1.0), "mast_cell_fceri_per_cell": (1e3, 1e6),
    "mast_cell_turnover": (0.0, 0.1), "bound_ige_kon": (0.0, 100.0),
    "bound_ige_kd_nm": (0.01, 20.0), "valency": (1.0, 20.0),
    "surface_crosslink_k": (0.0, 1e-2), "crosslink_kint": (0.0, 10.0),
}


def value(name):
    lo, hi = {**RANGES, **RANGES_2}[name]
    if lo == 0.0:
        return st.one_of(st.just(0.0), st.floats(hi * 1e-3, hi))
    return st.floats(lo, hi)


@st.composite
def scenarios(draw, model=MODEL):
    table = parameter_table(model)
    params = {n: draw(value(n)) for n in table.names}
    if (params["q_l_day"] == 0.0) != (params["vp_l"] == 0.0):
        params["q_l_day"] = params["vp_l"] = 0.0
    regimen = {
        "route": draw(st.sampled_from(["sc", "iv"])),
        "dose_mg": draw(st.floats(1.0, 1000.0)),
        "interval_days": draw(st.floats(1.0, 60.0)),
        "n_doses": draw(st.integers(1, 8)),
        "start_day": draw(st.floats(0.0, 20.0)),
    }
    stop = draw(st.floats(30.0, 200.0))
    return {
        "model": model,
        "therapy": "omalizumab",
        "patient": {n: params[n] for n in table.patient},
        "therapy_params": {n: params[n] for n in table.therapy},
        "regimen": regimen,
        "apheresis_days": draw(st.lists(st.floats(0.0, stop), max_size=3)),
        "binding": draw(st.sampled_from(get_model(model).bindings)),
        "times": {"start": 0.0, "stop": stop, "step": draw(st.sampled_from([0.5, 1.0, 7.0]))},
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_any_valid_scenario_gives_finite_non_negative_outputs(scenario):
    ds = simulate(scenario)
    assert int(ds["status"]) == 0
    for name in OUTPUT_NAMES:
        values = ds[name].values
        assert np.all(np.isfinite(values)), name
        assert np.all(values >= 0.0), (name, values.min())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(model="igesweep-2"))
def test_any_valid_igesweep_2_scenario_gives_finite_non_negative_outputs(scenario):
    ds = simulate(scenario)
    assert int(ds["status"]) == 0
    for name in get_model("igesweep-2").output_names:
        values = ds[name].values
        assert np.all(np.isfinite(values)), name
        assert np.all(values >= 0.0), (name, values.min())
