"""Scenario validation: every bad input names its YAML path and the allowed values."""

import numpy as np
import pytest

from igesweep import InputError, load_catalogue, parse_scenario, simulate
from igesweep.resolve import events_of, resolve

GOOD = {
    "therapy": "omalizumab",
    "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 3},
    "times": {"start": 0, "stop": 10, "step": 1},
}


def problems(data):
    with pytest.raises(InputError) as info:
        scenario = parse_scenario(data, "s.yaml")
        resolve(scenario, load_catalogue(), "s.yaml")
    return dict(info.value.problems)


def with_(**changes):
    data = {**GOOD, **changes}
    return {k: v for k, v in data.items() if v is not None}


def test_good_scenario_parses():
    s = parse_scenario(GOOD)
    assert s.binding == "full"
    np.testing.assert_array_equal(s.output_days(), np.arange(11.0))
    assert s.regimen.dose_list() == [(0.0, 300.0, "sc"), (28.0, 300.0, "sc"), (56.0, 300.0, "sc")]


def test_unknown_therapy_suggests_the_closest_name():
    msg = problems(with_(therapy="omalizumb"))["therapy"]
    assert "did you mean 'omalizumab'" in msg and "ligelizumab" in msg


@pytest.mark.parametrize(("section", "key", "suggestion"), [
    ("therapy_params", "kd", "kd_nm"),
    ("patient", "weight", "weight_kg"),
])
def test_unknown_parameter_key_suggests_the_closest_name(section, key, suggestion):
    msg = problems(with_(**{section: {key: 1.0}}))[f"{section}.{key}"]
    assert f"did you mean '{suggestion}'" in msg
    assert "allowed:" in msg


@pytest.mark.parametrize(("path", "data", "fragment"), [
    ("regimen.dose_mg", with_(regimen={**GOOD["regimen"], "dose_mg": "300"}), "must be a number"),
    ("regimen.dose_mg", with_(regimen={**GOOD["regimen"], "dose_mg": True}), "must be a number"),
    ("regimen.dose_mg", with_(regimen={**GOOD["regimen"], "dose_mg": -300}), "greater than 0"),
    ("regimen.n_doses", with_(regimen={**GOOD["regimen"], "n_doses": 2.5}), "whole number"),
    ("patient.weight_kg", with_(patient={"weight_kg": float("nan")}), "finite"),
    ("therapy_params.kd_nm", with_(therapy_params={"kd_nm": float("inf")}), "finite"),
    ("therapy_params.bioavailability", with_(therapy_params={"bioavailability": 1.5}),
     "less than or equal to 1"),
    ("regimen.route", with_(regimen={**GOOD["regimen"], "route": "im"}), "'sc' or 'iv'"),
    ("binding", with_(binding="quasi"), "'full', 'qe' or 'qss'"),
    ("times", with_(times=[0, 5, 3]), "strictly increasing"),
    ("times", with_(times={"start": 5, "stop": 1, "step": 1}), "greater than start"),
    ("regimen", with_(regimen={k: v for k, v in GOOD["regimen"].items() if k != "n_doses"}),
     "exactly one of n_doses or until_day"),
    ("regimen.doses[0][2]", with_(regimen={"doses": [[0, 300, "oral"]]}), "'sc' or 'iv'"),
    ("regimen", with_(regimen=42), "must be 'usual'"),
    ("solver.rtol", with_(solver={"rtol": 0}), "greater than 0"),
    ("metrics.window_days", with_(metrics={"window_days": [20, 30]}), "no output day lies in"),
    ("therapy_params.kd_nm", with_(therapy_params={"kd_nm": 0.0}), "must be > 0 when kon > 0"),
])
def test_bad_value_names_its_yaml_path(path, data, fragment):
    found = problems(data)
    assert path in found, found
    assert fragment in found[path]


def test_missing_keys_are_listed():
    found = problems({"therapy": "omalizumab"})
    assert found == {"times": "missing required key"}  # no regimen: no doses


def test_all_problems_are_reported_at_once():
    found = problems(with_(binding="x", solver={"rtol": -1}, patient={"weight_kg": -1}))
    assert {"binding", "solver.rtol", "patient.weight_kg"} <= set(found)


def test_until_day_includes_the_last_day_and_loading_doses_are_added():
    s = parse_scenario(with_(regimen={"route": "iv", "dose_mg": 100, "interval_days": 7,
                                      "until_day": 21, "start_day": 0,
                                      "loading_doses": [[0, 50]]}))
    days = sorted(d for d, _, _ in s.regimen.dose_list())
    assert days == [0.0, 0.0, 7.0, 14.0, 21.0]


def test_usual_regimen_takes_the_catalogue_course_and_apheresis_days():
    cat = load_catalogue()
    s = parse_scenario({"therapy": "ige_immunoadsorption", "regimen": "usual", "times": [0, 1]})
    events = events_of(s, cat)
    assert [e[1] for e in events] == ["apheresis"] * len(events)
    assert [e[0] for e in events] == cat.therapies["ige_immunoadsorption"].usual_apheresis_days


def test_apheresis_is_applied_before_a_dose_on_the_same_day():
    s = parse_scenario(with_(apheresis_days=[28.0]))
    events = events_of(s, load_catalogue())
    assert [e[1] for e in events if e[0] == 28.0] == ["apheresis", "sc"]


def test_a_scenario_without_regimen_is_an_untreated_patient():
    """Issue 11, item 7: no ``regimen:`` means no doses (untreated, placebo, apheresis alone)."""
    scenario = {k: v for k, v in GOOD.items() if k != "regimen"}
    assert parse_scenario(scenario).regimen.dose_list() == []
    ds = simulate({**scenario, "times": [0.0, 30.0, 60.0]})
    np.testing.assert_allclose(ds["free_ige"].values, ds["free_ige"].values[0], rtol=1e-10)


def test_a_sweep_file_given_as_a_scenario_says_to_use_sweep():
    """Issue 11, item 11: a sweep file given to ``simulate`` names ``igesweep sweep``."""
    with pytest.raises(InputError) as err:
        parse_scenario({**GOOD, "grid": {"patient.weight_kg": [50, 70]}})
    assert err.value.problems == [("grid", "a section of a sweep file, not of a scenario: run "
                                           "it with `igesweep sweep FILE -o OUT.zarr`")]
