"""Choosing a model by name: listing, printing, and the errors that name model and culprit."""

import pytest

from igesweep import InputError, parse_scenario, simulate
from igesweep.cli import main
from igesweep.models import get_model, model_names
from igesweep.models.codegen import generate

REGIMEN = {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 2}


def test_models_lists_every_registered_model(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for name in ("igesweep-1", "igesweep-2", "lowe2009", "hayashi2007"):
        assert name in out
    assert set(model_names()) == {"igesweep-1", "igesweep-2", "lowe2009", "hayashi2007"}


def test_models_show_prints_the_declaration_and_the_generated_code(capsys):
    assert main(["models", "show", "lowe2009"]) == 0
    text = capsys.readouterr().out
    assert "dXT/dt =" in text and "ige_production_ug_day [ug/day]" in text
    assert main(["models", "show", "igesweep-1", "--code"]) == 0
    assert capsys.readouterr().out == generate(get_model("igesweep-1"), "full")
    assert main(["models", "show", "igesweep-1", "--code", "--binding", "qe"]) == 0
    assert capsys.readouterr().out == generate(get_model("igesweep-1"), "qe")
    assert main(["models", "show", "lowe2009", "--code", "--binding", "qe"]) == 2
    assert "offers binding full" in capsys.readouterr().err


def test_unknown_model_names_the_allowed_ones(capsys):
    assert main(["models", "show", "lowe2099"]) == 2
    assert "allowed: igesweep-1, igesweep-2, lowe2009, hayashi2007" in capsys.readouterr().err
    with pytest.raises(InputError) as err:
        parse_scenario({"model": "lowe2099", "therapy": "omalizumab", "regimen": REGIMEN,
                        "times": [0.0, 1.0]})
    assert err.value.problems[0][0] == "model"
    assert "allowed: igesweep-1, igesweep-2, lowe2009, hayashi2007" in err.value.problems[0][1]


def test_a_parameter_the_model_does_not_have_is_refused_with_its_allowed_names():
    with pytest.raises(InputError) as err:
        parse_scenario({"model": "lowe2009", "therapy": "omalizumab", "regimen": REGIMEN,
                        "times": [0.0, 1.0], "therapy_params": {"kon": 1.0}})
    path, message = err.value.problems[0]
    assert path == "therapy_params.kon" and "kd_ratio_exp" in message


def test_a_therapy_the_model_has_no_values_for_names_both():
    with pytest.raises(InputError) as err:
        simulate({"model": "lowe2009", "therapy": "ligelizumab", "regimen": REGIMEN,
                  "times": [0.0, 1.0]})
    path, message = err.value.problems[0]
    assert path == "therapy"
    assert "'lowe2009'" in message and "'ligelizumab'" in message and "omalizumab" in message


def test_an_event_kind_the_model_lacks_is_refused():
    with pytest.raises(InputError) as err:
        simulate({"model": "hayashi2007", "therapy": "omalizumab",
                  "regimen": {**REGIMEN, "route": "iv"}, "times": [0.0, 1.0]})
    assert err.value.problems[0][0] == "regimen"
    assert "no 'iv' events" in err.value.problems[0][1]


def test_a_binding_option_the_model_lacks_is_refused():
    with pytest.raises(InputError) as err:
        simulate({"model": "lowe2009", "therapy": "omalizumab", "binding": "qe",
                  "regimen": REGIMEN, "times": [0.0, 1.0]})
    assert err.value.problems[0][0] == "binding"
