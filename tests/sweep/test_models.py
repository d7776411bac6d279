"""A grid over ``model``: lanes of several models in one store, each equal to ``simulate``."""

import numpy as np
import pytest

from igesweep import InputError, simulate
from igesweep.parameters import parameter_table
from igesweep.sweep import parse_sweep
from igesweep.sweep.spec import shared_outputs
from tests.sweeps import run_sweep_mapping

BASE = {
    "therapy": "omalizumab",
    "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 4},
    "times": {"start": 0, "stop": 112, "step": 7},
}


def test_grid_over_model_stores_each_lane_as_its_model_simulates_it(tmp_path):
    sweep = {**BASE, "grid": {"model": ["igesweep-1", "lowe2009", "hayashi2007"],
                              "patient.ige_baseline_iu_ml": [50, 700]},
             "population": {"n": 2, "seed": 4,
                            "covariates": {"weight_kg": {"uniform": [40, 150]}}},
             "solver": {"lockstep": False}, "output": {"dtype": "float64", "chunk_lanes": 5}}
    ds = run_sweep_mapping(tmp_path, sweep)
    assert list(ds["model"].values) == ["igesweep-1", "lowe2009", "hayashi2007"]
    assert "total_drug" not in ds and "fceri_total" not in ds  # not shared by all three
    assert set(shared_outputs(["igesweep-1", "lowe2009"])) <= set(ds.data_vars)
    for m, model in enumerate(ds["model"].values):
        for i, ige in enumerate(ds["ige_baseline_iu_ml"].values):
            for s in range(2):
                lane = ds.isel(model=m, ige_baseline_iu_ml=i, subject=s)
                table = parameter_table(str(model))
                drawn = {v.removeprefix("param_"): float(lane[v]) for v in ds.data_vars
                         if v.startswith("param_") and np.isfinite(lane[v])}
                assert set(drawn) <= set(table.names)
                patient = {n: x for n, x in drawn.items() if table.section(n) == "patient"}
                therapy = {n: x for n, x in drawn.items() if table.section(n) != "patient"}
                ref = simulate({**BASE, "model": str(model), "therapy_params": therapy,
                                "patient": {**patient, "ige_baseline_iu_ml": float(ige)}})
                for name in ("free_ige", "total_ige", "free_drug", "complex"):
                    np.testing.assert_array_equal(lane[name].values, ref[name].values,
                                                  err_msg=f"{model} {name}")


def test_grid_keys_must_belong_to_every_model_of_the_grid():
    with pytest.raises(InputError) as err:
        parse_sweep({**BASE, "grid": {"model": ["igesweep-1", "lowe2009"],
                                      "therapy_params.kon": [10.0, 100.0]}})
    path, message = err.value.problems[0]
    assert path == "grid.therapy_params.kon"
    assert "therapy_params.kd_nm" in message  # shared keys are offered


def test_unknown_model_in_the_grid_is_refused():
    with pytest.raises(InputError) as err:
        parse_sweep({**BASE, "grid": {"model": ["igesweep-1", "lowe2099"]}})
    assert any(p.startswith("grid.model") and "allowed" in m for p, m in err.value.problems)
