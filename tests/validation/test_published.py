"""The published Lowe 2009 and Hayashi 2007 models against the numbers the papers state.

Expected values come from the literature dossier (``pkpd-literature.md`` §A2,
§C #4 and #35) and from the papers' equations written out here, not from the
implementation's own parameter objects.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.integrate import simpson

import igesweep.validation.published as published
from igesweep.validation.published import (
    equilibrium_amounts,
    hayashi_2007,
    ige_iu_ml_to_published_ng_ml,
    lowe_2009,
    sc_regimen,
    simulate_published,
)

LN2 = math.log(2.0)


def _half_lives_d(p: published.PublishedParameters) -> tuple[float, float, float]:
    return (LN2 * p.v_free_l / p.cl_drug_l_day, LN2 * p.v_complex_l / p.cl_complex_l_day,
            LN2 * p.v_free_l / p.cl_ige_l_day)


def test_lowe_theoretical_half_lives_match_the_paper() -> None:
    # Lowe 2009 p73: free omalizumab 31 d, complex 5.3 d, free IgE 1.7 d (70 kg, 365 ng/mL).
    drug, complex_, ige = _half_lives_d(lowe_2009(70.0, 365.0))
    assert drug == pytest.approx(31.0, abs=0.15)
    assert complex_ == pytest.approx(5.3, abs=0.05)
    assert ige == pytest.approx(1.7, abs=0.05)


def test_hayashi_half_lives_match_the_paper() -> None:
    # Hayashi 2007: free omalizumab 23 d, free IgE 2.4 d; complex 8.0 d (dossier §A2, derived).
    drug, complex_, ige = _half_lives_d(hayashi_2007(61.1, 482.4))
    assert drug == pytest.approx(23.0, abs=0.3)
    assert complex_ == pytest.approx(8.0, abs=0.05)
    assert ige == pytest.approx(2.4, abs=0.05)


@pytest.mark.parametrize(("make", "weight_kg", "ige_ng_ml", "steady_ng_ml"), [
    (lowe_2009, 70.0, 365.0, 317.0),
    (hayashi_2007, 61.1, 482.4, 427.0),
])
def test_no_drug_steady_state_is_the_papers_not_the_baseline(make, weight_kg: float,
                                                             ige_ng_ml: float,
                                                             steady_ng_ml: float) -> None:
    p = make(weight_kg, ige_ng_ml)
    days = np.arange(0.0, 15.0)
    course = simulate_published(p, [], days)
    assert course["free_ige_ng_ml"].iloc[0] == pytest.approx(ige_ng_ml, rel=1e-12)
    # Untreated: E_T relaxes from the baseline to R/CL_E at rate CL_E/V (first order).
    rate = p.cl_ige_l_day / p.v_free_l
    expected = steady_ng_ml + (ige_ng_ml - steady_ng_ml) * np.exp(-rate * days)
    assert course["free_ige_ng_ml"].to_numpy() == pytest.approx(expected, rel=2e-3)
    assert p.ige_steady_state_nm * p.ige_mw_kda == pytest.approx(steady_ng_ml, abs=0.5)
    exact = p.ige_steady_state_nm * p.ige_mw_kda + (
        ige_ng_ml - p.ige_steady_state_nm * p.ige_mw_kda) * np.exp(-rate * days)
    assert course["free_ige_ng_ml"].to_numpy() == pytest.approx(exact, rel=1e-6)
    assert (course["total_ige_ng_ml"] == course["free_ige_ng_ml"]).all()


def test_baseline_ige_uses_the_papers_conversion() -> None:
    assert ige_iu_ml_to_published_ng_ml(300.0) == pytest.approx(726.0)


def _lowe_by_hand(weight_kg: float, ige_ng_ml: float) -> dict[str, float]:
    """Lowe 2009 Table 3 with its covariates, typed in from the dossier §A2."""
    w, g = weight_kg / 70.0, ige_ng_ml / 365.0
    return {"v": 9.33 * w**0.828, "v_c": 6.31 * w**0.549, "cl_x": 0.208 * w,
            "cl_c": 0.832 * w**0.671, "cl_e": 3.85 * w**0.499 * g**0.372,
            "r": 1220.0 / 190.07 * w**0.491 * g**0.594, "kd0": 1.81 * g**0.115}


@pytest.fixture(scope="module")
def lowe_course():
    weight_kg, ige_ng_ml = 85.0, ige_iu_ml_to_published_ng_ml(400.0)
    days = np.linspace(0.0, 84.0, 84 * 32 + 1)
    doses = sc_regimen(300.0, 14.0, 84.0)
    course = simulate_published(lowe_2009(weight_kg, ige_ng_ml), doses, days)
    return weight_kg, ige_ng_ml, doses, course


def _amounts_nmol(course, hand) -> dict[str, np.ndarray]:
    c_x = course["free_drug_ug_ml"].to_numpy() * 1000.0 / 150.0
    c_e = course["free_ige_ng_ml"].to_numpy() / 190.07
    c_c = course["complex_nm"].to_numpy()
    return {"c_x": c_x, "c_e": c_e, "c_c": c_c, "x_t": c_x * hand["v"] + c_c * hand["v_c"],
            "e_t": c_e * hand["v"] + c_c * hand["v_c"]}


def test_kd_follows_the_ratio_law_with_the_ige_covariate(lowe_course) -> None:
    weight_kg, ige_ng_ml, _, course = lowe_course
    hand = _lowe_by_hand(weight_kg, ige_ng_ml)
    a = _amounts_nmol(course, hand)
    on = a["x_t"] > 0
    kd = a["c_x"][on] * a["c_e"][on] / a["c_c"][on]
    expected = hand["kd0"] * (a["x_t"][on] / a["e_t"][on]) ** 0.0902
    assert kd == pytest.approx(expected, rel=1e-7)
    # The ratio dependence is not negligible here: Kd well above Kd0 at drug excess.
    assert kd.max() > 1.3 * hand["kd0"]


def test_mass_balance_of_drug_and_ige(lowe_course) -> None:
    weight_kg, ige_ng_ml, doses, course = lowe_course
    hand = _lowe_by_hand(weight_kg, ige_ng_ml)
    a = _amounts_nmol(course, hand)
    days = course.index.to_numpy()
    end = days[-1]
    dosed_nmol = sum(mg * 1000.0 / 150.0 for _, mg in doses)
    depot_nmol = sum(mg * 1000.0 / 150.0 * math.exp(-0.458 * (end - d)) for d, mg in doses)
    # Integrate elimination between doses only (the rates are smooth there).
    cuts = [d for d, _ in doses] + [end]
    drug_out = ige_out = 0.0
    for start, stop in itertools.pairwise(cuts):
        seg = (days >= start) & (days <= stop)
        complex_out = hand["cl_c"] * a["c_c"][seg]
        drug_out += simpson(hand["cl_x"] * a["c_x"][seg] + complex_out, x=days[seg])
        ige_out += simpson(hand["cl_e"] * a["c_e"][seg] + complex_out, x=days[seg])
    assert depot_nmol + a["x_t"][-1] + drug_out == pytest.approx(dosed_nmol, rel=1e-4)
    produced = hand["r"] * end
    assert a["e_t"][-1] == pytest.approx(a["e_t"][0] + produced - ige_out, rel=1e-4)


def test_no_drug_gives_no_complex_and_no_nan() -> None:
    p = lowe_2009(70.0, 365.0)
    assert equilibrium_amounts(0.0, 20.0, p) == (0.0, 20.0, 0.0)
    assert equilibrium_amounts(-1e-15, 20.0, p) == (0.0, 20.0, 0.0)
    free_x, free_e, complex_ = equilibrium_amounts(1e-9, 20.0, p)
    assert np.isfinite([free_x, free_e, complex_]).all()
    assert free_x + complex_ == pytest.approx(1e-9, rel=1e-12)


@pytest.mark.parametrize(("x_t", "e_t"), [(1e4, 30.0), (30.0, 1e4), (50.0, 50.0)])
def test_equilibrium_is_exact_at_drug_excess_and_deficit(x_t: float, e_t: float) -> None:
    p = hayashi_2007(61.1, 482.4)
    free_x, free_e, complex_ = equilibrium_amounts(x_t, e_t, p)
    kd = p.kd0_nm * (x_t / e_t) ** p.kd_ratio_exponent
    assert free_x + complex_ == pytest.approx(x_t, rel=1e-12)
    assert free_e + complex_ == pytest.approx(e_t, rel=1e-12)
    assert (free_x / p.v_free_l) * (free_e / p.v_free_l) / (complex_ / p.v_complex_l) \
        == pytest.approx(kd, rel=1e-9)


def test_solution_converged(monkeypatch: pytest.MonkeyPatch) -> None:
    p = lowe_2009(60.0, ige_iu_ml_to_published_ng_ml(500.0))
    days = np.arange(0.0, 57.0)
    doses = sc_regimen(300.0, 14.0, 56.0)
    default = simulate_published(p, doses, days)
    monkeypatch.setattr(published, "RTOL", 1e-11)
    tight = simulate_published(p, doses, days)
    assert default.to_numpy()[1:] == pytest.approx(tight.to_numpy()[1:], rel=1e-6)
