"""The parameter table and its admissibility checks."""

import math

from igesweep.parameters import (
    PARAMETER_NAMES,
    PATIENT_PARAMETERS,
    THERAPY_PARAMETERS,
    check_values,
)
from tests.values import BASE_VALUES


def test_names_follow_the_specification_order():
    assert len(PATIENT_PARAMETERS) == 12 and len(THERAPY_PARAMETERS) == 19
    assert PARAMETER_NAMES[:2] == ("weight_kg", "ige_baseline_iu_ml")
    assert PARAMETER_NAMES[-1] == "apheresis_ige_removal"


def test_admissible_set_has_no_problems():
    assert check_values(BASE_VALUES) == []


def test_each_kind_of_problem_is_named():
    bad = {**BASE_VALUES, "weight_kg": 0.0, "ka": -1.0, "bioavailability": 1.2,
           "cl_l_day": math.nan, "kd_nm": 0.0, "bcell_kill_max": 0.1,
           "bcell_kill_ec50_nm": 0.0}
    found = dict(check_values(bad))
    assert "must be > 0" in found["weight_kg"]
    assert "must be >= 0" in found["ka"]
    assert "[0, 1]" in found["bioavailability"]
    assert "finite" in found["cl_l_day"]
    assert "when kon > 0" in found["kd_nm"]
    assert "when bcell_kill_max > 0" in found["bcell_kill_ec50_nm"]


def test_intercompartmental_clearance_needs_a_peripheral_volume():
    found = dict(check_values({**BASE_VALUES, "q_l_day": 0.3, "vp_l": 0.0}))
    assert "when q_l_day > 0" in found["vp_l"]
