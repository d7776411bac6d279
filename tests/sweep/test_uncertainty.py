"""Parameter uncertainty: typical values drawn from the published standard errors."""

import numpy as np
import pytest

from igesweep import InputError, load_catalogue, simulate
from igesweep.parameters import parameter_table
from igesweep.sweep import parse_sweep
from igesweep.sweep.plan import build_plan
from tests.sweeps import run_sweep_mapping

BASE = {
    "model": "igesweep-2",
    "therapy": "omalizumab",
    "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 2},
    "times": {"start": 0, "stop": 56, "step": 7},
}


def drawn_parameters(sweep, chunk_lanes=None):
    """Parameter rows of every lane, in lane order, from the plan (nothing integrated)."""
    output = {"chunk_lanes": chunk_lanes} if chunk_lanes else {}
    plan = build_plan(parse_sweep({**sweep, "output": output}), load_catalogue())
    rows = np.empty((plan.n_lanes, len(parameter_table("igesweep-2").names)))
    start = 0
    for chunk in range(plan.n_chunks):
        region = plan.chunk_region(chunk)
        batches, block = plan.chunk_batches(chunk)
        flat = np.ravel_multi_index(
            tuple(np.indices(block).reshape(len(block), -1)
                  + np.array([s.start for s in region])[:, None]), plan.shape)
        for batch, lanes in batches:
            rows[flat[lanes]] = batch.params
        start += plan.chunk_lanes(chunk)
    assert start == plan.n_lanes
    return rows


def test_draws_have_the_published_standard_errors_and_do_not_depend_on_chunking():
    sweep = {**BASE, "uncertainty": {"n": 4000, "seed": 11}}
    rows = drawn_parameters(sweep)
    cat = load_catalogue()
    block = cat.therapy_block("omalizumab", "igesweep-2")
    typicals = {**cat.patient_values("igesweep-2"), **cat.therapy_values("omalizumab",
                                                                         "igesweep-2")}
    index = parameter_table("igesweep-2").index
    for name in ("kd_nm", "kd_ratio_exp", "ige_production_ug_day", "ka"):
        values = rows[:, index[name]]
        typical, se = typicals[name], block.uncertainty[name].se
        assert abs(values.mean() - typical) < 4 * se / np.sqrt(values.size), name
        assert values.std() == pytest.approx(se, rel=0.05), name
    untouched = rows[:, index["fceri_ige_koff"]]
    assert np.all(untouched == untouched[0])  # no standard error: not drawn
    rechunked = drawn_parameters(sweep, chunk_lanes=7)
    np.testing.assert_array_equal(rows, rechunked)


def test_each_draw_is_stored_as_simulate_runs_its_typical_values(tmp_path):
    sweep = {**BASE, "uncertainty": {"n": 3, "seed": 5},
             "population": {"n": 2, "seed": 1},
             "solver": {"lockstep": False}, "output": {"dtype": "float64"}}
    ds = run_sweep_mapping(tmp_path, sweep)
    assert ds.sizes["draw"] == 3 and ds.sizes["subject"] == 2
    table = parameter_table("igesweep-2")
    kd = ds["param_kd_nm"].values
    assert len(np.unique(kd.round(12))) == 6  # draws x subjects all differ
    for k in range(3):
        for s in range(2):
            lane = ds.isel(draw=k, subject=s)
            drawn = {v.removeprefix("param_"): float(lane[v]) for v in ds.data_vars
                     if v.startswith("param_")}
            patient = {n: x for n, x in drawn.items() if table.section(n) == "patient"}
            therapy = {n: x for n, x in drawn.items() if table.section(n) != "patient"}
            ref = simulate({**BASE, "therapy_params": therapy, "patient": patient})
            np.testing.assert_array_equal(lane["free_ige"].values, ref["free_ige"].values)


def test_uncertainty_without_standard_errors_is_refused():
    sweep = {**BASE, "model": "igesweep-1", "uncertainty": {"n": 3, "seed": 1}}
    with pytest.raises(InputError) as err:
        build_plan(parse_sweep(sweep), load_catalogue())
    assert err.value.problems[0][0] == "uncertainty"
    assert "nothing to draw" in err.value.problems[0][1]
