"""The model's derived quantities, steady state, RHS and Jacobian (model.md §4-5)."""

import math

import numpy as np
import pytest

from igesweep import model as m
from igesweep.units import IU_ML_TO_NM
from tests.values import ALL_MECHANISMS, BASE_VALUES, vector


def test_derived_quantities_follow_section_4():
    v = dict(ALL_MECHANISMS)
    r = m.derive(vector(v))
    w = v["weight_kg"] / 70
    vol = v["v_l"] * w ** v["v_wt_exp"]
    assert r[m.K_V] == pytest.approx(vol, rel=1e-14)
    assert r[m.K_KEL] == pytest.approx(v["cl_l_day"] * w ** v["cl_wt_exp"] / vol, rel=1e-14)
    assert r[m.K_K21] == pytest.approx(
        v["q_l_day"] * w ** v["cl_wt_exp"] / (v["vp_l"] * w ** v["v_wt_exp"]), rel=1e-14)
    assert r[m.K_KOFF] == pytest.approx(v["kon"] * v["kd_nm"], rel=1e-15)
    e0 = v["ige_baseline_iu_ml"] * IU_ML_TO_NM
    assert r[m.K_KSYNE] == pytest.approx(math.log(2) / v["ige_half_life_d"] * e0, rel=1e-14)
    # RE0/R0 = kon_R E0/(koffR + kint_bound) and R0 + RE0 = baseline
    ratio = v["fceri_kon"] * e0 / (v["fceri_kon"] * v["fceri_kd_nm"] + v["fceri_kint_bound"])
    assert r[m.K_RE0] / r[m.K_R0] == pytest.approx(ratio, rel=1e-13)
    assert r[m.K_R0] + r[m.K_RE0] == pytest.approx(v["fceri_baseline_per_cell"], rel=1e-15)


def test_no_peripheral_volume_means_no_exchange():
    r = m.derive(vector(BASE_VALUES))
    assert r[m.K_K21] == 0.0 and r[m.K_K12] == 0.0


@pytest.mark.parametrize("binding", [m.BINDING_FULL, m.BINDING_QE])
@pytest.mark.parametrize("values", [BASE_VALUES, ALL_MECHANISMS])
def test_untreated_steady_state_is_exact(binding, values):
    r = m.derive(vector(values))
    y = np.empty(m.N_STATES)
    m.initial_state(r, y)
    dy = np.empty(m.N_STATES)
    m.rhs(y, r, binding, dy)
    scale = np.where(y != 0, np.abs(y), 1.0)
    assert np.max(np.abs(dy) / scale) < 1e-12


def _finite_difference_jacobian(y, r, binding):
    n = m.N_STATES
    jac = np.zeros((n, n))
    f1 = np.empty(n)
    f2 = np.empty(n)
    for j in range(n):
        h = 1e-6 * max(abs(y[j]), 1e-3)
        yp = y.copy()
        ym = y.copy()
        yp[j] += h
        ym[j] -= h
        m.rhs(yp, r, binding, f1)
        m.rhs(ym, r, binding, f2)
        jac[:, j] = (f1 - f2) / (2 * h)
    return jac


@pytest.mark.parametrize("binding", [m.BINDING_FULL, m.BINDING_QE])
def test_analytic_jacobian_matches_finite_differences(binding):
    rng = np.random.default_rng(1)
    r = m.derive(vector(ALL_MECHANISMS))
    for _ in range(5):
        y = np.array([400.0, 60.0, 20.0, 2.0, 1.5, 5e4, 1e5, 3e3, 0.7, 0.9])
        y *= rng.uniform(0.5, 1.5, size=y.size)
        if binding == m.BINDING_QE:
            y[m.I_C] = 0.0
        jac = np.empty((m.N_STATES, m.N_STATES))
        m.jacobian(y, r, binding, jac)
        fd = _finite_difference_jacobian(y, r, binding)
        scale = np.maximum(np.abs(fd), 1e-8 * np.abs(fd).max(axis=1, keepdims=True) + 1e-300)
        np.testing.assert_array_less(np.abs(jac - fd) / scale, 1e-5)


def test_qe_species_solve_the_equilibrium_without_cancellation():
    r = m.derive(vector(BASE_VALUES))
    kd = BASE_VALUES["kd_nm"]
    for dt, et in [(100.0, 3.8), (1e-3, 3.8), (3.8, 3.8), (1e4, 1e-6)]:
        y = np.zeros(m.N_STATES)
        y[m.I_D] = dt
        y[m.I_E] = et
        d, e, c, _ = m.qe_species(y, r)
        assert d + c == pytest.approx(dt, rel=1e-14)
        assert e + c == pytest.approx(et, rel=1e-14)
        assert d * e / c == pytest.approx(kd, rel=1e-9)
        assert e > 0 and d > 0
