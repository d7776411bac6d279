"""The compiled Rodas5P batch kernel: closed forms, steady state, events, statuses, drivers."""

import numpy as np
import pytest

from igesweep.events import EVENT_APHERESIS, EVENT_IV, EVENT_SC
from igesweep.models.terms import BINDING_FULL, BINDING_QE
from igesweep.solver import LaneBatch, rodas5p, solve_batch
from igesweep.solver.rodas5p import ERROR_EXPONENT, error_power
from igesweep.solver.status import (
    STATUS_MAX_STEPS,
    STATUS_NON_FINITE,
    STATUS_OK,
)
from tests.reference import MODEL
from tests.values import ALL_MECHANISMS, BASE_VALUES, vector

FREE_IGE, TOTAL_IGE, FREE_DRUG, COMPLEX, FCERI_TOTAL = range(5)


def batch(values_list, events, times, binding=BINDING_FULL):
    """A batch with the same events for every lane; events = [(day, kind, mg)]."""
    n = len(values_list)
    k = max(len(events), 1)
    day = np.zeros((n, k))
    kind = np.zeros((n, k), dtype=np.int64)
    mg = np.zeros((n, k))
    for j, (d, kd, a) in enumerate(events):
        day[:, j], kind[:, j], mg[:, j] = d, kd, a
    return LaneBatch(
        params=np.stack([vector(v) for v in values_list]),
        binding=np.full(n, binding, dtype=np.int64),
        event_day=day, event_kind=kind, event_mg=mg,
        n_events=np.full(n, len(events), dtype=np.int64),
        times=np.asarray(times, dtype=np.float64)[None, :],
        model=MODEL,
    )


def linear_drug(**overrides):
    """A drug that binds nothing: plain linear PK."""
    return {**BASE_VALUES, "kon": 0.0, "kd_nm": 0.0, **overrides}


@pytest.mark.parametrize("binding", [BINDING_FULL, BINDING_QE])
def test_untreated_lane_stays_at_steady_state(binding):
    times = np.arange(0.0, 365.0, 7.0)
    res = solve_batch(batch([ALL_MECHANISMS], [], times, binding), rtol=1e-6)
    assert res.status[0] == STATUS_OK
    out = res.outputs[:, 0, :]
    np.testing.assert_allclose(out, out[:, :1] * np.ones_like(out), rtol=1e-10, atol=0)
    assert out[FREE_IGE, 0] == pytest.approx(300 * 2.4, rel=1e-14)


def test_iv_bolus_one_compartment_matches_closed_form():
    v = linear_drug(cl_l_day=0.3, v_l=4.0, weight_kg=70.0)
    times = np.linspace(0.0, 100.0, 51)
    res = solve_batch(batch([v], [(0.0, EVENT_IV, 300.0)], times), rtol=1e-6)
    c0 = 300.0 * 1000 / v["mw_kda"] / 4.0
    exact_ug_ml = c0 * np.exp(-0.3 / 4.0 * times) * v["mw_kda"] / 1000
    np.testing.assert_allclose(res.outputs[FREE_DRUG, 0], exact_ug_ml, rtol=1e-4)


def test_sc_dose_follows_the_bateman_function_under_weight_scaling():
    v = linear_drug(weight_kg=95.0, cl_l_day=0.2, v_l=6.0, ka=0.5, bioavailability=0.7,
                    cl_wt_exp=0.9, v_wt_exp=0.7)
    w = 95.0 / 70.0
    vol, cl = 6.0 * w**0.7, 0.2 * w**0.9
    kel, ka = cl / vol, 0.5
    times = np.linspace(0.0, 120.0, 121)
    res = solve_batch(batch([v], [(0.0, EVENT_SC, 150.0)], times), rtol=1e-6)
    dose_nmol = 150e3 / v["mw_kda"]
    conc = 0.7 * ka * dose_nmol / (vol * (ka - kel)) * (np.exp(-kel * times) - np.exp(-ka * times))
    got = res.outputs[FREE_DRUG, 0] * 1000 / v["mw_kda"]
    np.testing.assert_allclose(got[1:], conc[1:], rtol=1e-4)
    assert got[0] == 0.0


def test_dose_at_an_output_time_shows_in_that_output():
    v = linear_drug()
    res = solve_batch(batch([v], [(10.0, EVENT_IV, 100.0)], [0.0, 5.0, 10.0, 20.0]))
    drug = res.outputs[FREE_DRUG, 0]
    assert drug[0] == drug[1] == 0.0
    assert drug[2] == pytest.approx(100.0 / v["v_l"], rel=1e-12)


@pytest.mark.parametrize("binding", [BINDING_FULL, BINDING_QE])
def test_apheresis_removes_the_fraction_of_free_and_total_ige_at_once(binding):
    v = {**BASE_VALUES, "apheresis_ige_removal": 0.4}
    res = solve_batch(batch([v], [(0.0, EVENT_APHERESIS, 0.0)], [0.0, 1.0], binding))
    assert res.outputs[FREE_IGE, 0, 0] == pytest.approx(0.6 * 720.0, rel=1e-12)
    assert res.outputs[TOTAL_IGE, 0, 0] == pytest.approx(0.6 * 300.0, rel=1e-12)
    assert res.pre_event[0, 0] == pytest.approx(720.0, rel=1e-12)


def test_several_events_at_one_time_all_apply():
    v = linear_drug()
    res = solve_batch(batch([v], [(3.0, EVENT_IV, 100.0), (3.0, EVENT_IV, 50.0)], [3.0]))
    assert res.outputs[FREE_DRUG, 0, 0] == pytest.approx(150.0 / v["v_l"], rel=1e-12)


def test_too_few_steps_gives_status_and_nan_instead_of_raising():
    res = solve_batch(batch([BASE_VALUES], [(0.0, EVENT_SC, 300.0)], np.arange(100.0)),
                      max_steps=20)
    assert res.status[0] == STATUS_MAX_STEPS
    assert np.isnan(res.outputs[:, 0, -1]).all()
    assert np.isfinite(res.outputs[:, 0, 0]).all()


def test_non_finite_parameter_gives_status_not_exception():
    bad = {**BASE_VALUES, "ka": np.nan}
    res = solve_batch(batch([bad, BASE_VALUES], [(0.0, EVENT_SC, 300.0)], [0.0, 10.0]))
    assert res.status.tolist() == [STATUS_NON_FINITE, STATUS_OK]
    assert np.isfinite(res.outputs[:, 1]).all()


def test_parallel_and_serial_drivers_agree_bit_for_bit():
    lanes = [{**ALL_MECHANISMS, "weight_kg": w} for w in np.linspace(40, 120, 9)]
    b = batch(lanes, [(0.0, EVENT_SC, 300.0), (14.0, EVENT_IV, 150.0)], np.arange(60.0))
    par = solve_batch(b, parallel=True)
    ser = solve_batch(b, parallel=False)
    np.testing.assert_array_equal(par.outputs, ser.outputs)
    np.testing.assert_array_equal(par.stats, ser.stats)


def test_error_falls_with_tolerance():
    """Tighter rtol gives smaller error against a much tighter run (the method converges)."""
    times = np.arange(0.0, 120.0, 1.0)
    events = [(d, EVENT_SC, 300.0) for d in (0.0, 28.0, 56.0, 84.0)]
    ref = solve_batch(batch([ALL_MECHANISMS], events, times), rtol=1e-11, atol=1e-14)
    errs = []
    for rtol in (1e-4, 1e-6, 1e-8):
        res = solve_batch(batch([ALL_MECHANISMS], events, times), rtol=rtol, atol=rtol * 1e-4)
        errs.append(np.max(np.abs(res.outputs[FREE_IGE] / ref.outputs[FREE_IGE] - 1)))
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 1e-7


def rodas5p_linear_step(z: float) -> tuple[float, float]:
    """Solution and error estimate of one Rodas5P step on ``y' = lam*y``, ``y0 = 1``, ``z = lam*h``.

    Written from the stage equations of :mod:`igesweep.solver.rodas5p` with ``h = 1``.
    """
    c = vars(rodas5p)
    inv = 1.0 / (1.0 / c["GAMMA"] - z)
    k = []
    for s in range(1, 7):
        y_stage = 1.0 + sum(c[f"A{s}{j}"] * k[j - 1] for j in range(1, s) if s > 1)
        k.append(inv * (z * y_stage + sum(c[f"C{s}{j}"] * k[j - 1] for j in range(1, s))))
    u = 1.0 + sum(c[f"A6{j}"] * k[j - 1] for j in range(1, 6)) + k[5]
    k.append(inv * (z * u + sum(c[f"C7{j}"] * k[j - 1] for j in range(1, 7))))
    u += k[6]
    err = inv * (z * u + sum(c[f"C8{j}"] * k[j - 1] for j in range(1, 8)))
    return u + err, err


def test_rodas5p_coefficients_have_order_five_on_linear_problems():
    """Local error falls at least as h**6 (order 5), the estimate as h**5, R(-inf) = 0."""
    z = -0.2
    local = [abs(rodas5p_linear_step(x)[0] - np.exp(x)) for x in (z, z / 2)]
    estimate = [abs(rodas5p_linear_step(x)[1]) for x in (z, z / 2)]
    assert local[0] / local[1] > 0.9 * 2.0**6
    assert estimate[0] / estimate[1] == pytest.approx(2.0**5, rel=0.1)
    assert abs(rodas5p_linear_step(-1e8)[0]) < 1e-6


def test_bad_batch_shapes_are_rejected():
    b = batch([BASE_VALUES], [], [0.0, 1.0])
    with pytest.raises(ValueError, match="strictly increasing"):
        solve_batch(LaneBatch(**{**b.__dict__, "times": np.array([[0.0, 0.0]])}))


def test_error_power_is_the_controller_exponent():
    x = np.concatenate([[0.0, 1.0], 10.0 ** np.linspace(-12.0, 12.0, 97)])
    got = np.array([error_power(v) for v in x])
    np.testing.assert_allclose(got, x**ERROR_EXPONENT, rtol=4e-16, atol=0)
