"""Sweep files: grid expansion and every bad input named by its YAML path."""

import numpy as np
import pytest

from igesweep import InputError, load_catalogue
from igesweep.sweep.plan import build_plan
from igesweep.sweep.spec import parse_sweep

BASE = {
    "therapy": "omalizumab",
    "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 4},
    "times": {"start": 0, "stop": 112, "step": 7},
}


def problems(data):
    with pytest.raises(InputError) as info:
        build_plan(parse_sweep(data, "s.yaml"), load_catalogue(), "s.yaml")
    return dict(info.value.problems)


def test_generators_expand_to_values_with_units():
    sweep = parse_sweep({**BASE, "grid": {
        "patient.ige_baseline_iu_ml": {"logspace": [30, 1500, 5]},
        "patient.weight_kg": {"linspace": [40, 120, 3]},
        "regimen.interval_days": {"range": [14, 56, 14]},
        "therapy": ["omalizumab", "ligelizumab"],
        "binding": ["full", "qe"],
    }})
    dims = {d.name: d for d in sweep.dims}
    np.testing.assert_allclose(dims["ige_baseline_iu_ml"].values,
                               np.geomspace(30, 1500, 5))
    assert dims["weight_kg"].values == (40.0, 80.0, 120.0)
    assert dims["interval_days"].values == (14, 28, 42)
    assert dims["ige_baseline_iu_ml"].unit == "IU/mL" and dims["interval_days"].unit == "day"
    assert [d.name for d in sweep.dims] == ["ige_baseline_iu_ml", "weight_kg", "interval_days",
                                            "therapy", "binding"]


def test_grid_over_until_day_replaces_n_doses():
    sweep = parse_sweep({**BASE, "grid": {"regimen.until_day": [56, 84]}})
    plan = build_plan(sweep, load_catalogue())
    assert plan.n_events.tolist() == [3, 4]


@pytest.mark.parametrize(("grid", "path", "fragment"), [
    ({"patient.weight": [50]}, "grid.patient.weight", "did you mean 'patient.weight_kg'"),
    ({"pateint.weight_kg": [50]}, "grid.pateint.weight_kg", "allowed:"),
    ({"patient.weight_kg": []}, "grid.patient.weight_kg", "empty"),
    ({"patient.weight_kg": [50, 70, 50]}, "grid.patient.weight_kg[2]", "duplicate"),
    ({"patient.weight_kg": [50, "heavy"]}, "grid.patient.weight_kg[1]", "must be a number"),
    ({"patient.weight_kg": [50, -3]}, "grid.patient.weight_kg[1]", "greater than 0"),
    ({"regimen.route": ["sc", "im"]}, "grid.regimen.route[1]", "'sc' or 'iv'"),
    ({"binding": ["full", "fast"]}, "grid.binding[1]", "'full', 'qe' or 'qss'"),
    ({"therapy": ["omalizumab", "omalizumb"]}, "grid.therapy[1]", "did you mean 'omalizumab'"),
    ({"patient.weight_kg": {"logspace": [0, 10, 3]}}, "grid.patient.weight_kg", "> 0"),
    ({"patient.weight_kg": {"spline": [1, 2, 3]}}, "grid.patient.weight_kg", "generator"),
    ({"therapy_params.kd_nm": [1.0, 0.0]}, "grid.therapy_params.kd_nm[1]", "when kon > 0"),
])
def test_bad_grid_names_the_yaml_path(grid, path, fragment):
    found = problems({**BASE, "grid": grid})
    assert path in found, found
    assert fragment in found[path], found[path]


def test_population_without_anything_to_draw_is_refused():
    found = problems({**BASE, "model": "igesweep-1", "therapy": "ligelizumab",
                      "population": {"n": 10, "seed": 1}})
    assert "nothing to draw" in found["population"]
    # igesweep-2 draws the patient's own variability (basophil receptors) for every therapy
    plan = build_plan(parse_sweep({**BASE, "therapy": "ligelizumab",
                                   "population": {"n": 10, "seed": 1}}, "s.yaml"),
                      load_catalogue(), "s.yaml")
    assert plan.n_lanes == 10
    found = problems({**BASE, "population": {"n": 10, "seed": 1, "variability": False}})
    assert "nothing to draw" in found["population"]


@pytest.mark.parametrize(("population", "path", "fragment"), [
    ({"n": 0, "seed": 1}, "population.n", "greater than or equal to 1"),
    ({"n": 5}, "population.seed", "missing"),
    ({"n": 5, "seed": 1, "covariates": {"height_cm": {"uniform": [1, 2]}}},
     "population.covariates.height_cm", "unknown patient parameter"),
    ({"n": 5, "seed": 1, "covariates": {"weight_kg": {"uniform": [90, 40]}}},
     "population.covariates.weight_kg.uniform", "low < high"),
    ({"n": 5, "seed": 1, "covariates": {"weight_kg": {}}},
     "population.covariates.weight_kg", "exactly one of"),
])
def test_bad_population_names_the_yaml_path(population, path, fragment):
    found = problems({**BASE, "population": population})
    assert path in found, found
    assert fragment in found[path]


def test_unknown_top_level_key_and_output_variable():
    found = problems({**BASE, "gird": {}, "output": {"variables": ["free_ig"]}})
    assert "did you mean 'grid'" in found["gird"]
    assert "did you mean 'free_ige'" in found["output.variables[0]"]


def test_covariate_that_is_also_a_grid_key_is_refused():
    found = problems({**BASE, "grid": {"patient.weight_kg": [50, 70]},
                      "population": {"n": 5, "seed": 1,
                                     "covariates": {"weight_kg": {"uniform": [40, 90]}}}})
    assert "also a grid key" in found["population.covariates.weight_kg"]


def test_design_rows_are_zipped_into_a_sample_dimension(tmp_path):
    csv = tmp_path / "design.csv"
    csv.write_text("patient.weight_kg,therapy_params.kd_nm\n50,1.0\n70,0.5\n90,2.0\n")
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text("x")
    inline = parse_sweep({**BASE, "design": {"patient.weight_kg": [50, 70, 90],
                                             "therapy_params.kd_nm": [1.0, 0.5, 2.0]},
                          "grid": {"regimen.dose_mg": [150, 300]}})
    from_csv = parse_sweep({**BASE, "design": {"csv": "design.csv"}}, str(sweep_file))
    np.testing.assert_array_equal(inline.design.values, from_csv.design.values)
    plan = build_plan(inline, load_catalogue())
    assert [d.name for d in plan.dims] == ["sample", "dose_mg"]
    batches, block = plan.chunk_batches(0)
    assert block == (3, 2) and len(batches) == 1
    batch, lanes = batches[0]
    np.testing.assert_array_equal(lanes, np.arange(6))
    from igesweep.parameters import INDEX
    np.testing.assert_array_equal(batch.params[:, INDEX["weight_kg"]], [50, 50, 70, 70, 90, 90])


@pytest.mark.parametrize(("design", "path", "fragment"), [
    ({"patient.weight_kg": [50, -1]}, "design.patient.weight_kg[1]", "> 0"),
    ({"patient.weight_kg": [50, 60], "therapy_params.kd_nm": [1.0]}, "design", "equal lengths"),
    ({"regimen.dose_mg": [150]}, "design.regimen.dose_mg", "use grid:"),
    ({"therapy_params.bioavailability": [0.5, 1.5]}, "design.therapy_params.bioavailability[1]",
     "[0, 1]"),
])
def test_bad_design_names_the_yaml_path(design, path, fragment):
    found = problems({**BASE, "design": design})
    assert path in found, found
    assert fragment in found[path]


def test_metric_window_without_output_days_is_refused_before_running():
    found = problems({**BASE, "metrics": {"window_days": [200, 300]}})
    assert "no output day lies in" in found["metrics.window_days"]


def test_a_sweep_that_varies_nothing_is_refused_before_anything_is_written():
    """Issue 11, item 6: it used to end in a reshape traceback and an incomplete store."""
    assert problems(BASE) == {"grid": "a sweep varies something: give a grid, a design, a "
                                      "population or uncertainty (for one scenario, use "
                                      "`igesweep simulate`)"}


def test_regimen_grid_over_a_regimen_that_is_not_a_mapping_is_an_input_error():
    """Issue 11, item 6: ``regimen: 5`` with a regimen grid was a TypeError traceback."""
    found = problems({**BASE, "regimen": 5, "grid": {"regimen.dose_mg": [100, 200]}})
    assert "needs a repeating regimen" in found["grid.regimen.dose_mg"]
