"""The validation table: each row pinned, and the row computations checked independently."""

import functools
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from igesweep.calibration.receptors import culture_response, receptor_module
from igesweep.catalogue import load_catalogue
from igesweep.literature import NOT_ASSESSED, TEST_OBSERVATIONS
from igesweep.models import IGESWEEP_MODELS
from igesweep.resolve import resolve
from igesweep.scenario import parse_scenario
from igesweep.units import ige_iu_ml_to_nm
from igesweep.validation.table import (
    COLUMNS,
    KNOWN_DISAGREEMENTS,
    _Rows,
    not_assessed_table,
    validation_table,
)
from tests import reference_igesweep2


@pytest.fixture(scope="module", params=IGESWEEP_MODELS)
def table(request):
    return _model_table(request.param)


def test_table_has_every_observation_and_column(table):
    assert list(table.columns) == COLUMNS
    assert set(table.loc[table.role != "calibration", "key"]) == {o.key for o in TEST_OBSERVATIONS}
    assert (table.role == "input").sum() >= 1
    assert (table.role == "calibration").sum() >= 6
    assert table.simulated.notna().all()
    assert len(not_assessed_table()) == len(NOT_ASSESSED)


def test_calibration_rows_agree(table):
    assert table.loc[table.role == "calibration", "agrees"].all()


@pytest.mark.parametrize(("model", "key"), [
    pytest.param(m, o.key, marks=pytest.mark.xfail(strict=True,
                                                   reason=KNOWN_DISAGREEMENTS[m][o.key]))
    if o.key in KNOWN_DISAGREEMENTS[m] else (m, o.key)
    for m in IGESWEEP_MODELS for o in TEST_OBSERVATIONS
])
def test_row_agrees_with_the_publication(model, key):
    (agrees,) = _model_table(model).loc[lambda t: t.key == key, "agrees"]
    assert agrees


@functools.cache
def _model_table(model):
    return validation_table(load_catalogue(), model)


def test_igesweep_2_closes_the_rows_its_changes_were_for():
    """The INNOVATE row and Hayashi's IgE half-life fail in igesweep-1 and hold in igesweep-2."""
    for key in ("innovate_below_50", "ige_half_life_hayashi"):
        assert key in KNOWN_DISAGREEMENTS["igesweep-1"]
        assert key not in KNOWN_DISAGREEMENTS["igesweep-2"]


@pytest.fixture(scope="module")
def rows():
    return _Rows(load_catalogue(), "igesweep-1")


def test_molar_ratio_of_igesweep_2_solves_its_binding_equilibrium():
    """At the computed drug/IgE ratio, igesweep-2's reference QE split (ratio-dependent K,
    complex in its own volume) leaves 10 % of IgE free."""
    catalogue = load_catalogue()
    ratio, _ = _Rows(catalogue, "igesweep-2").molar_ratio_90()
    lane = reference_igesweep2.Lane(resolve(parse_scenario({
        "model": "igesweep-2", "therapy": "omalizumab", "times": [0.0]}), catalogue).values,
        "qe")
    state = np.zeros(10)
    state[1], state[3] = ratio * lane.E0, lane.E0
    _, free_ige, _ = lane.species(state)
    assert free_ige / lane.E0 == pytest.approx(0.1, rel=1e-9)


def test_molar_ratio_solves_the_binding_equilibrium(rows):
    """Free IgE at equilibrium for the computed drug total is 10 % of total IgE (quadratic)."""
    ratio, _ = rows.molar_ratio_90()
    kd = rows.catalogue.therapy_values("omalizumab", "igesweep-1")["kd_nm"]
    e_t = ige_iu_ml_to_nm(rows.patient["ige_baseline_iu_ml"])
    d_t = ratio * e_t
    s = d_t + e_t + kd
    complex_nm = 2 * d_t * e_t / (s + math.sqrt(s * s - 4 * d_t * e_t))
    assert (e_t - complex_nm) / e_t == pytest.approx(0.1, rel=1e-9)


def test_ige_recovery_half_life_is_the_catalogue_half_life(rows):
    value, _ = rows.ige_half_life_hayashi()
    assert value == pytest.approx(rows.patient["ige_half_life_d"], rel=1e-4)


def test_ige_recovery_half_life_of_igesweep_2_is_its_derived_half_life():
    """ln 2 / kE with kE from Lowe's production at the reference patient (§M2.1)."""
    catalogue = load_catalogue()
    value, _ = _Rows(catalogue, "igesweep-2").ige_half_life_hayashi()
    lane = reference_igesweep2.Lane(resolve(parse_scenario({
        "model": "igesweep-2", "therapy": "ige_immunoadsorption", "times": [0.0]}),
        catalogue).values, "full")
    assert value == pytest.approx(math.log(2) / lane.ke, rel=1e-4)


@pytest.mark.parametrize("model", ["igesweep-1", "igesweep-2"])
def test_culture_response_matches_an_implicit_solver(model):
    """MacGlashan 1998's culture (the EC50 row): cells from the untreated patient, IgE held
    constant, no renewal; the exact solution against SciPy Radau of the same equations."""
    p = load_catalogue().patient_values(model)
    vivo = receptor_module(p, model)
    ratio = vivo.kon * vivo.e0_nm / (vivo.koff + vivo.k_bound)
    r0 = vivo.total0 / (1 + ratio)
    ksyn = vivo.k_free * r0 + vivo.k_bound * r0 * ratio
    kf, kb = p["fceri_kint_free"], p["fceri_kint_bound"]
    for ige_ng_ml in (10.0, 230.0, 3000.0):
        e = ige_ng_ml / 190.0

        def f(_t, y, e=e):
            return [ksyn - kf * y[0] - vivo.kon * e * y[0] + vivo.koff * y[1],
                    vivo.kon * e * y[0] - (vivo.koff + kb) * y[1]]

        sol = solve_ivp(f, (0, 14.0), [r0, r0 * ratio], method="Radau", rtol=1e-11, atol=1e-6)
        assert culture_response(p, model, ige_ng_ml, 14.0) == pytest.approx(
            sol.y[:, -1].sum(), rel=1e-7)


def test_three_sessions_follow_the_closed_form(rows):
    value, _ = rows.immunoadsorption_children()
    removal = rows.catalogue.therapy_values("ige_immunoadsorption", "igesweep-1")[
        "apheresis_ige_removal"]
    carry = math.exp(-math.log(2) / rows.patient["ige_half_life_d"])
    x = 1.0
    for session in range(3):
        x = (1 - (1 - x) * carry if session else x) * (1 - removal)
    assert value == pytest.approx(1 / x, rel=1e-6)
