"""Checks that the numerical reference (tests/reference.py) solves model.md correctly.

Every check compares the reference with something computed independently of
it: closed-form pharmacokinetics, conservation laws, the steady state of
model.md section 4, finite differences, or the event rules of section 6.
"""

from __future__ import annotations

import decimal
import math
import sys
from pathlib import Path

import numpy as np
import pytest

try:
    from . import reference as ref
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import reference as ref

BINDINGS = ("full", "qe")

# An omalizumab-like therapy in a moderately allergic adult (model.md section 3 units).
BASE = {
    "weight_kg": 80.0,
    "ige_baseline_iu_ml": 300.0,
    "ige_half_life_d": 2.5,
    "fceri_baseline_per_cell": 1.0e5,
    "fceri_kon": 8.64,
    "fceri_kd_nm": 0.1,
    "fceri_kint_free": 2.0,
    "fceri_kint_bound": 0.2,
    "bcell_turnover": 0.05,
    "ige_llpc_fraction": 0.3,
    "effector_turnover": 0.02,
    "crosslink_exponent": 1.0,
    "mw_kda": 150.0,
    "bioavailability": 0.62,
    "ka": 0.46,
    "cl_l_day": 0.2,
    "v_l": 6.0,
    "q_l_day": 0.3,
    "vp_l": 3.0,
    "cl_wt_exp": 0.9,
    "v_wt_exp": 0.8,
    "kon": 100.0,
    "kd_nm": 1.0,
    "complex_cl_l_day": 0.8,
    "bcell_kill_max": 0.0,
    "bcell_kill_ec50_nm": 1.0,
    "effector_kill_max": 0.0,
    "effector_kill_ec50_nm": 1.0,
    "fceri_drug_kon": 0.0,
    "fceri_drug_kd_nm": 1.0,
    "apheresis_ige_removal": 0.7,
}
# Every mechanism switched on: peripheral compartment, both kill terms, receptor-binding drug.
ALL_ON = {
    **BASE,
    "kd_nm": 0.05,
    "bcell_kill_max": 0.3,
    "bcell_kill_ec50_nm": 5.0,
    "effector_kill_max": 0.1,
    "effector_kill_ec50_nm": 50.0,
    "fceri_drug_kon": 5.0,
    "fceri_drug_kd_nm": 4.0,
}


def params(**overrides: float) -> dict[str, float]:
    unknown = set(overrides) - set(BASE)
    assert not unknown, unknown
    return {**BASE, **overrides}


def volumes_and_rates(p):
    """Section 4 weight scaling, written out again for the closed forms."""
    w = p["weight_kg"] / 70.0
    V = p["v_l"] * w ** p["v_wt_exp"]
    Vp = p["vp_l"] * w ** p["v_wt_exp"]
    CL = p["cl_l_day"] * w ** p["cl_wt_exp"]
    Q = p["q_l_day"] * w ** p["cl_wt_exp"]
    return V, Vp, CL, Q


def nmol(p, mg):
    return mg * 1000.0 / p["mw_kda"]


def assert_rel(actual, expected, rtol, what=""):
    """Relative error wherever ``expected`` exceeds 1e-6 of its maximum (model.md section 8)."""
    actual, expected = np.broadcast_arrays(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    )
    shown = np.abs(expected) > 1e-6 * np.max(np.abs(expected))
    assert shown.any(), what
    err = np.max(np.abs(actual[shown] - expected[shown]) / np.abs(expected[shown]))
    assert err <= rtol, f"{what}: max relative error {err:.3e} > {rtol:.1e}"


def random_params(rng: np.random.Generator) -> dict[str, float]:
    """Arbitrary but physical values for every parameter."""

    def logu(lo, hi):
        return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))

    return {
        "weight_kg": rng.uniform(20.0, 150.0),
        "ige_baseline_iu_ml": logu(5.0, 3000.0),
        "ige_half_life_d": rng.uniform(1.0, 4.0),
        "fceri_baseline_per_cell": logu(1e3, 5e5),
        "fceri_kon": logu(0.5, 50.0),
        "fceri_kd_nm": logu(0.01, 1.0),
        "fceri_kint_free": logu(0.1, 5.0),
        "fceri_kint_bound": logu(0.01, 0.5),
        "bcell_turnover": logu(0.005, 0.5),
        "ige_llpc_fraction": rng.uniform(0.0, 1.0),
        "effector_turnover": logu(0.005, 0.5),
        "crosslink_exponent": rng.uniform(0.5, 2.0),
        "mw_kda": rng.uniform(50.0, 200.0),
        "bioavailability": rng.uniform(0.3, 1.0),
        "ka": logu(0.1, 2.0),
        "cl_l_day": logu(0.05, 1.0),
        "v_l": logu(2.0, 10.0),
        "q_l_day": logu(0.05, 1.0),
        "vp_l": logu(1.0, 10.0),
        "cl_wt_exp": rng.uniform(0.5, 1.0),
        "v_wt_exp": rng.uniform(0.5, 1.0),
        "kon": logu(1.0, 1e4),
        "kd_nm": logu(0.002, 5.0),
        "complex_cl_l_day": logu(0.05, 2.0),
        "bcell_kill_max": logu(0.01, 1.0),
        "bcell_kill_ec50_nm": logu(0.1, 100.0),
        "effector_kill_max": logu(0.01, 1.0),
        "effector_kill_ec50_nm": logu(0.1, 100.0),
        "fceri_drug_kon": logu(0.1, 50.0),
        "fceri_drug_kd_nm": logu(0.1, 50.0),
        "apheresis_ige_removal": rng.uniform(0.0, 1.0),
    }


# ---------------------------------------------------------------------------
# Constants and names
# ---------------------------------------------------------------------------


def test_names_and_exact_iu_conversion():
    assert ref.IU_ML_TO_NM == 2.4 / 190.0
    assert len(ref.PARAMETER_NAMES) == 31 == len(set(ref.PARAMETER_NAMES))
    assert ref.PARAMETER_NAMES[0] == "weight_kg"
    assert ref.PARAMETER_NAMES[11] == "crosslink_exponent"
    assert ref.PARAMETER_NAMES[12] == "mw_kda"
    assert ref.PARAMETER_NAMES[-1] == "apheresis_ige_removal"
    assert set(ref.PARAMETER_NAMES) == set(BASE)
    assert len(ref.OUTPUT_NAMES) == 10
    out = ref.solve_reference(BASE, [], np.array([0.0, 1.0]))
    for key in ref.OUTPUT_NAMES + ref.STATE_NAMES:
        assert out[key].shape == (2,)


def test_missing_parameter_and_bad_event_are_rejected():
    p = dict(BASE)
    del p["kd_nm"]
    with pytest.raises(KeyError, match="kd_nm"):
        ref.solve_reference(p, [], np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="event kind"):
        ref.solve_reference(BASE, [(0.0, "oral", 1.0)], np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="increasing"):
        ref.solve_reference(BASE, [], np.array([1.0, 1.0]))


# ---------------------------------------------------------------------------
# 1. Untreated steady state
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_receptor_baseline_satisfies_section_4(seed):
    p = random_params(np.random.default_rng(seed))
    d = ref.derive(p)
    E0 = 2.4 / 190.0 * p["ige_baseline_iu_ml"]
    assert d.E0 == pytest.approx(E0, rel=1e-15, abs=0.0)
    ratio = p["fceri_kon"] * E0 / (p["fceri_kon"] * p["fceri_kd_nm"] + p["fceri_kint_bound"])
    assert d.RE0 / d.R0 == pytest.approx(ratio, rel=1e-13, abs=0.0)
    assert d.R0 + d.RE0 == pytest.approx(p["fceri_baseline_per_cell"], rel=1e-14, abs=0.0)
    assert ref.initial_state(d, "full")[ref.STATE_NAMES.index("RD")] == 0.0
    ksynR = p["fceri_kint_free"] * d.R0 + p["fceri_kint_bound"] * d.RE0
    assert d.ksynR == pytest.approx(ksynR, rel=1e-14, abs=0.0)
    # ... and the initial state is a rest point of both right-hand sides.
    for binding, rhs in (("full", ref.rhs_full), ("qe", ref.rhs_qe)):
        y0 = ref.initial_state(d, binding)
        scale = ref.state_scales(d, 0.0, binding)
        rates = np.abs(rhs(0.0, y0, d)) / scale
        assert np.all(rates <= 1e-13), (binding, rates)


@pytest.mark.parametrize("binding", BINDINGS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_untreated_patient_stays_at_initial_state_for_a_year(seed, binding):
    p = random_params(np.random.default_rng(seed))
    d = ref.derive(p)
    out = ref.solve_reference(p, [], np.linspace(0.0, 365.0, 74), binding=binding)
    y0 = dict(zip(ref.STATE_NAMES, ref.initial_state(d, "full"), strict=True))
    for name, value in y0.items():
        if value == 0.0:  # solver round-off only
            assert np.max(np.abs(out[name])) <= 1e-20, name
        else:
            assert_rel(out[name], value, 1e-10, name)
    assert_rel(out["free_ige"], 190.0 * d.E0, 1e-10, "free_ige")
    assert_rel(out["total_ige"], p["ige_baseline_iu_ml"], 1e-10, "total_ige")
    assert_rel(out["fceri_total"], p["fceri_baseline_per_cell"], 1e-10, "fceri_total")
    assert_rel(out["threshold_fold"], 1.0, 1e-10, "threshold_fold")
    assert_rel(out["effector_response"], 1.0, 1e-10, "effector_response")


def test_outputs_before_the_first_event_are_the_untreated_state():
    d = ref.derive(BASE)
    out = ref.solve_reference(BASE, [(10.0, "sc", 300.0)], np.array([0.0, 5.0, 9.5, 10.0, 11.0]))
    assert np.all(out["A"][:3] == 0.0) and np.all(out["D"][:3] == 0.0)
    assert_rel(out["E"][:3], d.E0, 1e-12, "E before the dose")
    assert out["A"][3] == pytest.approx(nmol(BASE, 300.0), rel=1e-14, abs=0.0)


# ---------------------------------------------------------------------------
# 2. One-compartment linear PK in closed form
# ---------------------------------------------------------------------------

ONE_CPT_NONBINDING = {"kon": 0.0, "q_l_day": 0.0, "vp_l": 0.0, "weight_kg": 95.0, "cl_l_day": 0.35}


@pytest.mark.parametrize("binding", BINDINGS)
def test_one_compartment_iv_bolus_is_monoexponential(binding):
    p = params(**ONE_CPT_NONBINDING)
    V, _, CL, _ = volumes_and_rates(p)
    kel = CL / V
    times = np.linspace(0.0, 60.0, 61)
    out = ref.solve_reference(p, [(0.0, "iv", 200.0)], times, binding=binding)
    expected = nmol(p, 200.0) / V * np.exp(-kel * times)
    assert_rel(out["D"], expected, 1e-8, "D")
    assert_rel(out["free_drug"], expected * p["mw_kda"] / 1000.0, 1e-8, "free_drug")
    assert np.all(out["C"] == 0.0)
    assert_rel(out["E"], ref.derive(p).E0, 1e-10, "E does not move without binding")


@pytest.mark.parametrize("binding", BINDINGS)
def test_one_compartment_sc_dose_is_bateman(binding):
    p = params(**ONE_CPT_NONBINDING)
    V, _, CL, _ = volumes_and_rates(p)
    kel, ka, F = CL / V, p["ka"], p["bioavailability"]
    t_dose = 5.0
    times = np.linspace(0.0, 80.0, 161)
    out = ref.solve_reference(p, [(t_dose, "sc", 300.0)], times, binding=binding)
    before = times < t_dose
    assert np.all(out["D"][before] == 0.0) and np.all(out["A"][before] == 0.0)
    s = times[~before] - t_dose
    dose = nmol(p, 300.0)
    assert_rel(out["A"][~before], dose * np.exp(-ka * s), 1e-8, "A")
    # e^{-kel s} - e^{-ka s} written without cancellation at small s.
    bateman = F * ka * dose / (V * (ka - kel)) * (-np.exp(-kel * s) * np.expm1(-(ka - kel) * s))
    after = s > 0.0
    assert out["D"][~before][0] == 0.0
    assert_rel(out["D"][~before][after], bateman[after], 1e-8, "D")


# ---------------------------------------------------------------------------
# 3. Two-compartment closed form
# ---------------------------------------------------------------------------


def biexponential(p, dose_nmol, s):
    """Central and peripheral concentrations after an IV bolus at s = 0."""
    V, Vp, CL, Q = volumes_and_rates(p)
    k10, k12, k21 = CL / V, Q / V, Q / Vp
    tr, det = k10 + k12 + k21, k10 * k21
    root = math.sqrt(tr * tr - 4.0 * det)
    alpha, beta = (tr + root) / 2.0, 2.0 * det / (tr + root)
    c0 = dose_nmol / V
    central = (
        c0
        * ((alpha - k21) * np.exp(-alpha * s) + (k21 - beta) * np.exp(-beta * s))
        / (alpha - beta)
    )
    peripheral_amount = dose_nmol * k12 * (np.exp(-beta * s) - np.exp(-alpha * s)) / (alpha - beta)
    return central, peripheral_amount / Vp


@pytest.mark.parametrize("binding", BINDINGS)
def test_two_compartment_iv_boluses_are_biexponential(binding):
    p = params(kon=0.0, weight_kg=55.0, q_l_day=0.6, vp_l=4.0)
    times = np.linspace(0.0, 60.0, 121)
    events = [(0.0, "iv", 300.0), (21.0, "iv", 150.0)]
    out = ref.solve_reference(p, events, times, binding=binding)
    D, Dp = biexponential(p, nmol(p, 300.0), times)
    late = times >= 21.0
    D2, Dp2 = biexponential(p, nmol(p, 150.0), times[late] - 21.0)
    D[late] += D2
    Dp[late] += Dp2
    assert_rel(out["D"], D, 1e-8, "D")
    assert out["Dp"][0] == 0.0
    assert_rel(out["Dp"][1:], Dp[1:], 1e-8, "Dp")


@pytest.mark.parametrize("method", ["BDF", "LSODA"])
def test_other_implicit_methods_agree_with_closed_form(method):
    p = params(**ONE_CPT_NONBINDING)
    V, _, CL, _ = volumes_and_rates(p)
    kel = CL / V
    times = np.linspace(0.0, 40.0, 41)
    out = ref.solve_reference(p, [(0.0, "iv", 200.0)], times, method=method)
    assert_rel(out["D"], nmol(p, 200.0) / V * np.exp(-kel * times), 1e-6, method)


# ---------------------------------------------------------------------------
# Absolute tolerances: deep suppression of free IgE by a picomolar binder
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("binding", BINDINGS)
def test_default_tolerances_hold_down_to_a_millionth_of_each_maximum(binding, monkeypatch):
    p = {**ALL_ON, "kon": 1e4, "kd_nm": 0.002, "ige_baseline_iu_ml": 120.0}
    events = [(0.0, "iv", 600.0), (14.0, "sc", 600.0)]
    times = np.linspace(0.0, 24.0, 49)
    out = ref.solve_reference(p, events, times, binding=binding)
    baseline = 190.0 * ref.derive(p).E0
    assert out["free_ige"].min() < 1e-4 * baseline  # the regime that needs small atol
    if binding == "qe":  # the reported species are the cancellation-free split of the totals
        split = ref.qe_species(out["DT"], out["ET"], p["kd_nm"], p["kon"])
        for key, value in zip(("D", "E", "C"), split, strict=True):
            np.testing.assert_array_equal(out[key], value, err_msg=key)
    monkeypatch.setattr(ref, "ATOL_FLOOR", 1e-12)
    tight = ref.solve_reference(p, events, times, binding=binding, rtol=1e-11)
    for key in (*ref.OUTPUT_NAMES, "A", "D", "Dp", "E", "C", "R", "RE", "RD"):
        assert_rel(out[key], tight[key], 1e-9, key)


# ---------------------------------------------------------------------------
# 4. Analytic Jacobians against central finite differences
# ---------------------------------------------------------------------------


def finite_difference_jacobian(rhs, y, d, steps):
    J = np.empty((y.size, y.size))
    for j in range(y.size):
        e = np.zeros_like(y)
        e[j] = steps[j]
        J[:, j] = (rhs(0.0, y + e, d) - rhs(0.0, y - e, d)) / (2.0 * steps[j])
    return J


def assert_jacobian_matches(rhs, jac, y, d, scale):
    J = jac(0.0, y, d)
    J_fd = finite_difference_jacobian(rhs, y, d, 1e-6 * np.maximum(np.abs(y), 1e-3 * scale))
    # Compare J*diag(scale): every column in the units of its equation.
    Js, Js_fd = J * scale, J_fd * scale
    row = np.max(np.abs(Js_fd), axis=1, keepdims=True)
    bad = np.abs(Js - Js_fd) > 1e-7 * row + 1e-6 * np.abs(Js_fd) + 1e-300
    assert not bad.any(), f"Jacobian entries differ at {np.argwhere(bad).tolist()}:\n{J}\n{J_fd}"


@pytest.mark.parametrize("seed", range(4))
def test_full_jacobian_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    p = random_params(rng) if seed else ALL_ON
    d = ref.derive(p)
    scale = ref.state_scales(d, nmol(p, 300.0), "full")
    for y in (rng.uniform(0.05, 2.0, 10) * scale, ref.initial_state(d, "full")):
        assert_jacobian_matches(ref.rhs_full, ref.jac_full, y, d, scale)


@pytest.mark.parametrize("seed", range(4))
def test_qe_jacobian_matches_finite_differences(seed):
    rng = np.random.default_rng(100 + seed)
    p = random_params(rng) if seed else ALL_ON
    d = ref.derive(p)
    scale = ref.state_scales(d, nmol(p, 300.0), "qe")
    drug_excess = rng.uniform(0.05, 2.0, 9) * scale
    ige_excess = drug_excess.copy()
    ige_excess[3] = 50.0 * drug_excess[1]  # ET >> DT as well as DT >> ET
    for y in (drug_excess, ige_excess, ref.initial_state(d, "qe")):
        assert_jacobian_matches(ref.rhs_qe, ref.jac_qe, y, d, scale)


def exact_qe_free_ige(DT, ET, kd):
    """Free IgE at quasi-equilibrium in 60-digit decimal arithmetic."""
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        DT, ET, kd = (decimal.Decimal(repr(float(v))) for v in (DT, ET, kd))
        S = DT + ET + kd
        C = (S - (S * S - 4 * DT * ET).sqrt()) / 2
        return float(ET - C)


def test_qe_species_are_the_physical_root():
    rng = np.random.default_rng(7)
    DT, ET, kd = rng.uniform(0.0, 10.0, 50), rng.uniform(0.0, 10.0, 50), 0.3
    D, E, C = ref.qe_species(DT, ET, kd, kon=1.0)
    assert np.all(C >= 0.0) and np.all(C <= np.minimum(DT, ET))
    np.testing.assert_allclose(D + C, DT, rtol=1e-14)
    np.testing.assert_allclose(E + C, ET, rtol=1e-14)
    # Equilibrium: D*E = kd*C.
    np.testing.assert_allclose(D * E, kd * C, rtol=1e-12, atol=1e-14)
    # Tiny drug against plenty of IgE: C ~ DT*ET/(ET + kd) without cancellation.
    _, _, c_small = ref.qe_species(1e-12, 5.0, 1e-3, kon=1.0)
    assert c_small == pytest.approx(1e-12 * 5.0 / (5.0 + 1e-3), rel=1e-10, abs=0.0)
    # Free IgE held 10^6-fold below its total by a picomolar binder in excess.
    for dt, et, k in ((200.0, 5.0, 2e-5), (5.0, 200.0, 2e-5), (7.0, 7.0, 1e-9)):
        _, e, _ = ref.qe_species(dt, et, k, kon=1.0)
        assert e == pytest.approx(exact_qe_free_ige(dt, et, k), rel=1e-13, abs=0.0)
    assert ref.qe_species(3.0, 4.0, 0.1, kon=0.0) == (3.0, 4.0, 0.0)


# ---------------------------------------------------------------------------
# 5. Quasi-equilibrium is the fast-binding limit of the full model
# ---------------------------------------------------------------------------


def test_full_model_with_fast_binding_approaches_qe():
    p = params(kon=1e6, kd_nm=0.5)
    times = np.linspace(0.0, 30.0, 31)
    events = [(0.0, "sc", 300.0), (14.0, "iv", 150.0)]
    full = ref.solve_reference(p, events, times, binding="full", rtol=1e-9)
    qe = ref.solve_reference(p, events, times, binding="qe", rtol=1e-9)
    # At the IV dose itself the full model shows the drug still unbound while QE has
    # bound it instantly, so the comparison starts a day after each dose.
    later = (times >= 1.0) & ((times < 14.0) | (times >= 15.0))
    for key in ("free_ige", "free_drug", "complex", "fceri_occupancy"):
        assert_rel(full[key][later], qe[key][later], 1e-3, key)
    # ... while slow binding is visibly different (the comparison can fail).
    slow = ref.solve_reference(params(kon=1.0, kd_nm=0.5), events, times, binding="full", rtol=1e-9)
    gap = np.max(np.abs(slow["free_ige"][later] / qe["free_ige"][later] - 1.0))
    assert gap > 1e-2


# ---------------------------------------------------------------------------
# 6. Mass balance
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("binding", BINDINGS)
def test_binding_conserves_drug_without_elimination(binding):
    p = {**ALL_ON, "q_l_day": 0.0, "vp_l": 0.0, "cl_l_day": 0.0, "complex_cl_l_day": 0.0}
    V, _, _, _ = volumes_and_rates(p)
    times = np.linspace(0.0, 40.0, 81)
    out = ref.solve_reference(p, [(0.0, "iv", 150.0)], times, binding=binding)
    assert_rel(out["D"] + out["C"], nmol(p, 150.0) / V, 1e-9, "D + C")
    assert out["C"][-1] > 0.1 * out["E"][0]  # the drug did bind
    assert out["RD"][-1] > 0.0  # and receptor binding did not take drug away


# ---------------------------------------------------------------------------
# 7. Events
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("binding", BINDINGS)
def test_dose_at_an_output_time_shows_at_that_time(binding):
    p = params(kon=0.0)
    V, _, _, _ = volumes_and_rates(p)
    times = np.array([0.0, 6.0, 7.0, 8.0])
    out = ref.solve_reference(p, [(0.0, "iv", 200.0), (7.0, "sc", 300.0)], times, binding=binding)
    assert out["D"][0] == pytest.approx(nmol(p, 200.0) / V, rel=1e-14, abs=0.0)
    assert out["A"][1] == 0.0
    assert out["A"][2] == pytest.approx(nmol(p, 300.0), rel=1e-14, abs=0.0)
    # An SC dose does not reach the plasma instantly.
    D_no_sc = ref.solve_reference(p, [(0.0, "iv", 200.0)], times, binding=binding)["D"]
    assert out["D"][2] == pytest.approx(D_no_sc[2], rel=1e-9, abs=0.0)
    assert out["D"][3] > D_no_sc[3]


def test_apheresis_at_day_zero_removes_the_fraction_immediately():
    p = params()
    d = ref.derive(p)
    f = p["apheresis_ige_removal"]
    out = ref.solve_reference(p, [(0.0, "apheresis", 0.0)], np.array([0.0, 1.0]))
    assert out["E"][0] == pytest.approx((1.0 - f) * d.E0, rel=1e-14, abs=0.0)
    assert out["total_ige"][0] == pytest.approx(
        (1.0 - f) * p["ige_baseline_iu_ml"], rel=1e-12, abs=0.0
    )
    assert out["E"][1] > out["E"][0]  # and IgE recovers afterwards


def test_apheresis_removes_free_ige_and_complex_but_not_free_drug():
    p = params()
    f = p["apheresis_ige_removal"]
    times = np.array([0.0, 2.0, 3.0])
    dose = [(0.0, "iv", 300.0)]
    before = ref.solve_reference(p, dose, times)
    after = ref.solve_reference(p, [*dose, (3.0, "apheresis", 0.0)], times)
    assert before["C"][2] > 0.1 * before["E"][2]
    assert after["E"][2] == pytest.approx((1.0 - f) * before["E"][2], rel=1e-9, abs=0.0)
    assert after["C"][2] == pytest.approx((1.0 - f) * before["C"][2], rel=1e-9, abs=0.0)
    assert after["D"][2] == pytest.approx(before["D"][2], rel=1e-9, abs=0.0)
    assert after["E"][1] == pytest.approx(before["E"][1], rel=1e-9, abs=0.0)


def test_qe_apheresis_applies_the_rule_to_the_recovered_species():
    p = params()
    f = p["apheresis_ige_removal"]
    times = np.array([0.0, 3.0])
    dose = [(0.0, "iv", 300.0)]
    before = ref.solve_reference(p, dose, times, binding="qe")
    after = ref.solve_reference(p, [*dose, (3.0, "apheresis", 0.0)], times, binding="qe")
    assert after["ET"][1] == pytest.approx((1.0 - f) * before["ET"][1], rel=1e-9, abs=0.0)
    assert after["DT"][1] == pytest.approx(before["DT"][1] - f * before["C"][1], rel=1e-9, abs=0.0)


@pytest.mark.parametrize("binding", BINDINGS)
def test_events_at_one_time_all_apply_in_any_listed_order(binding):
    p = params()
    times = np.array([0.0, 3.0, 10.0])
    split = [(3.0, "iv", 100.0), (3.0, "apheresis", 0.0), (3.0, "iv", 200.0), (3.0, "sc", 50.0)]
    whole = [(3.0, "sc", 50.0), (3.0, "iv", 300.0), (3.0, "apheresis", 0.0)]
    a = ref.solve_reference(p, split, times, binding=binding)
    b = ref.solve_reference(p, whole, times, binding=binding)
    for key in (*ref.OUTPUT_NAMES, "A", "D", "E", "C"):
        np.testing.assert_allclose(a[key], b[key], rtol=1e-9, atol=0.0, err_msg=key)
    V, _, _, _ = volumes_and_rates(p)
    assert a["A"][1] == pytest.approx(nmol(p, 50.0), rel=1e-14, abs=0.0)
    assert a["D"][1] + (a["C"][1] if binding == "qe" else 0.0) == pytest.approx(
        nmol(p, 300.0) / V, rel=1e-13, abs=0.0
    )
    if binding == "full":
        f = p["apheresis_ige_removal"]
        assert a["E"][1] == pytest.approx((1.0 - f) * ref.derive(p).E0, rel=1e-13, abs=0.0)


def test_events_outside_the_output_window():
    p = params()
    events = [(0.0, "sc", 300.0), (14.0, "sc", 300.0), (400.0, "iv", 1e4)]
    full = ref.solve_reference(p, events, np.linspace(0.0, 20.0, 21))
    late = ref.solve_reference(p, events, np.linspace(10.0, 20.0, 11))
    for key in ("A", "D", "E", "RE"):
        np.testing.assert_allclose(late[key], full[key][10:], rtol=1e-9, atol=0.0, err_msg=key)
