"""The validation table: each row pinned, and the row computations checked independently."""

import math

import numpy as np
import pytest

from igesweep.calibration.receptors import receptor_response
from igesweep.catalogue import load_catalogue
from igesweep.literature import NOT_ASSESSED, TEST_OBSERVATIONS
from igesweep.units import ige_iu_ml_to_nm
from igesweep.validation.table import (
    COLUMNS,
    KNOWN_DISAGREEMENTS,
    _Rows,
    not_assessed_table,
    validation_table,
)


@pytest.fixture(scope="module")
def table():
    return validation_table(load_catalogue())


def test_table_has_every_observation_and_column(table):
    assert list(table.columns) == COLUMNS
    assert set(table.loc[table.role != "calibration", "key"]) == {o.key for o in TEST_OBSERVATIONS}
    assert (table.role == "input").sum() >= 1
    assert (table.role == "calibration").sum() >= 6
    assert table.simulated.notna().all()
    assert len(not_assessed_table()) == len(NOT_ASSESSED)


def test_calibration_rows_agree(table):
    assert table.loc[table.role == "calibration", "agrees"].all()


@pytest.mark.parametrize("key", [
    pytest.param(o.key, marks=pytest.mark.xfail(strict=True, reason=KNOWN_DISAGREEMENTS[o.key]))
    if o.key in KNOWN_DISAGREEMENTS else o.key
    for o in TEST_OBSERVATIONS
])
def test_row_agrees_with_the_publication(table, key):
    (agrees,) = table.loc[table.key == key, "agrees"]
    assert agrees


@pytest.fixture(scope="module")
def rows():
    return _Rows(load_catalogue())


def test_molar_ratio_solves_the_binding_equilibrium(rows):
    """Free IgE at equilibrium for the computed drug total is 10 % of total IgE (quadratic)."""
    ratio, _ = rows.molar_ratio_90()
    kd = rows.catalogue.therapy_values("omalizumab")["kd_nm"]
    e_t = ige_iu_ml_to_nm(rows.patient["ige_baseline_iu_ml"])
    d_t = ratio * e_t
    s = d_t + e_t + kd
    complex_nm = 2 * d_t * e_t / (s + math.sqrt(s * s - 4 * d_t * e_t))
    assert (e_t - complex_nm) / e_t == pytest.approx(0.1, rel=1e-9)


def test_ige_recovery_half_life_is_the_catalogue_half_life(rows):
    value, _ = rows.ige_half_life_hayashi()
    assert value == pytest.approx(rows.patient["ige_half_life_d"], rel=1e-4)


def test_steady_receptors_match_the_long_time_dynamic_solution(rows):
    """The closed-form steady state equals the receptor ODE's state after a long time."""
    p = rows.patient
    baseline_ng_ml = 190 * ige_iu_ml_to_nm(p["ige_baseline_iu_ml"])
    total_ss, bound_ss = rows._steady_receptors(np.array([0.2 * baseline_ng_ml, baseline_ng_ml]))
    total_dyn, bound_dyn = receptor_response(p, 0.2, np.array([5000.0]))
    ratio_ss = total_ss[0] / total_ss[1]
    assert total_dyn[0] / p["fceri_baseline_per_cell"] == pytest.approx(ratio_ss, rel=1e-8)
    assert bound_dyn[0] / total_dyn[0] == pytest.approx(bound_ss[0] / total_ss[0], rel=1e-8)


def test_three_sessions_follow_the_closed_form(rows):
    value, _ = rows.immunoadsorption_children()
    removal = rows.catalogue.therapy_values("ige_immunoadsorption")["apheresis_ige_removal"]
    carry = math.exp(-math.log(2) / rows.patient["ige_half_life_d"])
    x = 1.0
    for session in range(3):
        x = (1 - (1 - x) * carry if session else x) * (1 - removal)
    assert value == pytest.approx(1 / x, rel=1e-6)
