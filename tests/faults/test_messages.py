"""Messages a user reads after a typo (issue 11, item 11): the right suggestion, a short list."""

import pytest

from igesweep import InputError, parse_scenario
from igesweep.errors import LISTED_NAMES, unknown_name_message
from igesweep.sweep import parse_sweep

BASE = {"therapy": "omalizumab",
        "regimen": {"route": "sc", "dose_mg": 150, "interval_days": 28, "n_doses": 2},
        "times": {"start": 0, "stop": 56, "step": 7}}


def test_a_truncated_name_suggests_the_name_it_begins():
    with pytest.raises(InputError) as err:
        parse_scenario({**BASE, "regimen": {"route": "sc", "dose": 150, "interval_days": 28,
                                            "n_doses": 2}})
    text = str(err.value)
    assert "did you mean 'dose_mg'" in text and "did you mean 'n_doses'" not in text


def test_an_unknown_grid_key_gets_the_closest_keys_not_all_of_them():
    with pytest.raises(InputError) as err:
        parse_sweep({**BASE, "grid": {"patient.wieght_kg": [50, 70],
                                      "patient.ige_baselin": [100]}})
    problems = dict(err.value.problems)
    weight = problems["grid.patient.wieght_kg"]
    assert "did you mean 'patient.weight_kg'" in weight and "more" in weight
    assert len(weight) < 400
    assert "did you mean 'patient.ige_baseline_iu_ml'" in problems["grid.patient.ige_baselin"]


def test_a_short_list_is_given_in_full():
    allowed = [f"name{i}" for i in range(LISTED_NAMES)]
    assert unknown_name_message("thing", "nope", allowed).endswith(", ".join(sorted(allowed)))
