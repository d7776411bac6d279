"""Integration of one lane: adaptive Rodas5P steps, forced stops, events and outputs.

A lane is one patient x scenario. Dose and apheresis times and output times
are forced step points: the integrator never steps over them. At a time that
holds events, every event is applied before that time's output is recorded
(model.md §6). The function never raises; it returns a status code.

This file is a template (:mod:`igesweep.solver.interface`): the model's
functions it calls are generated per model and compiled with it.
"""

from __future__ import annotations

import math

import numpy as np

from igesweep._jit import jit
from igesweep.solver.interface import (
    N_JAC,
    N_LU,
    N_OUTPUTS,
    N_STATES,
    absolute_tolerance,
    apply_event,
    derive,
    event_dose,
    initial_state,
    jacobian,
    outputs_from_state,
    pre_event_value,
    rhs,
    stage_factor,
    stage_solve,
)
from igesweep.solver.rodas5p import (
    A21,
    A31,
    A32,
    A41,
    A42,
    A43,
    A51,
    A52,
    A53,
    A54,
    A61,
    A62,
    A63,
    A64,
    A65,
    C21,
    C31,
    C32,
    C41,
    C42,
    C43,
    C51,
    C52,
    C53,
    C54,
    C61,
    C62,
    C63,
    C64,
    C65,
    C71,
    C72,
    C73,
    C74,
    C75,
    C76,
    C81,
    C82,
    C83,
    C84,
    C85,
    C86,
    C87,
    ERROR_EXPONENT,
    GAMMA,
    error_norm,
    error_power,
)
from igesweep.solver.status import (
    STAT_JACOBIANS,
    STAT_REJECTED,
    STAT_STEPS,
    STATUS_MAX_STEPS,
    STATUS_NON_FINITE,
    STATUS_OK,
    STATUS_STEP_UNDERFLOW,
)

SAFETY = 0.9
FAC_MAX = 6.0  # largest growth of the step in one go
FAC_MIN = 0.2  # largest shrink of the step after a rejection
NEGLIGIBLE = 1e-12  # relative length of a time gap that is stepped over without integrating
CLAMP = 100.0  # negative values within this many absolute tolerances are set to zero


#: ``error_power`` of the smallest error the predictive controller remembers (0.01)
ERR_OLD_MIN_POWER = 0.01**ERROR_EXPONENT


@jit
def bounded_shrink(ratio: float) -> float:
    """A suggested ratio old/new step size, bounded both ways."""
    return max(1.0 / FAC_MAX, min(1.0 / FAC_MIN, ratio))


@jit
def largest_dose(r: np.ndarray, ev_kind: np.ndarray, ev_mg: np.ndarray, n_ev: int) -> float:
    """Largest amount one of the first ``n_ev`` events adds; 1 if none adds any."""
    largest = 0.0
    for e in range(n_ev):
        largest = max(largest, event_dose(r, ev_kind[e], ev_mg[e]))
    return largest if largest > 0.0 else 1.0


@jit
def initial_step(
    y: np.ndarray,
    f0: np.ndarray,
    r: np.ndarray,
    atol: np.ndarray,
    rtol: float,
    h_max: float,
    ytmp: np.ndarray,
    ftmp: np.ndarray,
) -> float:
    """Starting step size (Hairer, Nørsett & Wanner I, §II.4, algorithm of ``hinit``)."""
    n = y.shape[0]
    d0 = 0.0
    d1 = 0.0
    for i in range(n):
        sk = atol[i] + rtol * abs(y[i])
        d0 += (y[i] / sk) ** 2
        d1 += (f0[i] / sk) ** 2
    d0 = math.sqrt(d0 / n)
    d1 = math.sqrt(d1 / n)
    h0 = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
    h0 = min(h0, h_max)
    for i in range(n):
        ytmp[i] = y[i] + h0 * f0[i]
    rhs(ytmp, r, ftmp)
    d2 = 0.0
    for i in range(n):
        sk = atol[i] + rtol * abs(y[i])
        d2 += ((ftmp[i] - f0[i]) / sk) ** 2
    d2 = math.sqrt(d2 / n) / h0
    big = max(d1, d2)
    if big <= 1e-15 or not math.isfinite(big):
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / big) ** 0.2
    return min(100.0 * h0, h1, h_max)


@jit
def integrate_lane(
    p: np.ndarray,
    ev_t: np.ndarray,
    ev_kind: np.ndarray,
    ev_mg: np.ndarray,
    n_ev: int,
    t_out: np.ndarray,
    rtol: float,
    atol: float,
    max_steps: int,
    out: np.ndarray,
    pre_event: np.ndarray,
    stats: np.ndarray,
) -> int:
    """Integrate one lane and write its outputs.

    Parameters
    ----------
    p : ndarray, shape (n_parameters,)
        Packed parameters.
    ev_t, ev_kind, ev_mg : ndarray, shape (>= n_ev,)
        Event days (sorted, non-decreasing), kinds (``EVENT_*``) and amounts (mg).
    n_ev : int
        Number of events of this lane.
    t_out : ndarray, shape (n_t,)
        Strictly increasing output days.
    rtol, atol : float
        Relative tolerance, and absolute tolerance relative to each state's
        natural scale (declared by the model).
    max_steps : int
        Accepted plus rejected steps allowed before giving up.
    out : ndarray, shape (N_OUTPUTS, n_t)
        Receives the model's outputs; NaN after a failure.
    pre_event : ndarray, shape (>= n_ev,)
        Receives the model's pre-event output just before each event (NaN if
        never reached).
    stats : ndarray of int64, shape (N_STATS,)
        Receives steps accepted, steps rejected, Jacobians evaluated.

    Returns
    -------
    int
        ``STATUS_OK`` or a failure code of :mod:`igesweep.solver.status`.
    """
    n = N_STATES
    n_t = t_out.shape[0]
    out[:, :] = np.nan
    pre_event[:n_ev] = np.nan
    stats[:] = 0
    r = derive(p)
    y = np.empty(n)
    initial_state(r, y)
    for i in range(r.shape[0]):
        if not math.isfinite(r[i]):
            return STATUS_NON_FINITE
    atol_v = np.empty(n)
    absolute_tolerance(r, largest_dose(r, ev_kind, ev_mg, n_ev), atol, atol_v)

    f0 = np.empty(n)
    jac = np.empty(N_JAC)
    lu = np.empty(N_LU)
    k1 = np.empty(n)
    k2 = np.empty(n)
    k3 = np.empty(n)
    k4 = np.empty(n)
    k5 = np.empty(n)
    k6 = np.empty(n)
    k7 = np.empty(n)
    ytmp = np.empty(n)
    ftmp = np.empty(n)
    y_new = np.empty(n)
    y_err = np.empty(n)
    o = np.empty(N_OUTPUTS)

    t = t_out[0]
    if n_ev > 0 and ev_t[0] < t:
        t = ev_t[0]
    ie = 0
    io = 0
    h = 0.0
    h_old = 0.0
    err_old_power = 1.0
    first = True
    rejected_last = False
    restart = True
    n_attempts = 0
    while True:
        # events at t, then outputs at t
        while ie < n_ev and ev_t[ie] <= t:
            pre_event[ie] = pre_event_value(y, r)
            apply_event(y, r, ev_kind[ie], ev_mg[ie])
            ie += 1
            restart = True
        while io < n_t and t_out[io] <= t:
            outputs_from_state(y, r, o)
            for v in range(N_OUTPUTS):
                out[v, io] = o[v]
            io += 1
        if io == n_t:
            return STATUS_OK
        t_stop = t_out[io]
        if ie < n_ev and ev_t[ie] < t_stop:
            t_stop = ev_t[ie]

        # adaptive steps from t to t_stop
        rhs(y, r, f0)
        if restart:
            h = initial_step(y, f0, r, atol_v, rtol, t_stop - t, ytmp, ftmp)
            first = True
            rejected_last = False
            h_old = h
            err_old_power = 1.0
            restart = False
        need_jac = True
        if t_stop - t <= NEGLIGIBLE * max(1.0, abs(t_stop)):
            # a gap far below any time scale of the model: nothing moves
            t = t_stop
        while t < t_stop:
            if n_attempts >= max_steps:
                return STATUS_MAX_STEPS
            remaining = t_stop - t
            last = h >= 0.9 * remaining
            h_step = remaining if last else h
            if need_jac:
                jacobian(y, r, jac)
                stats[STAT_JACOBIANS] += 1
                need_jac = False
            n_attempts += 1
            # one Rodas5P step (igesweep.solver.rodas5p), written out here: see there
            ok = stage_factor(jac, 1.0 / (h_step * GAMMA), lu)
            inv_h = 1.0 / h_step
            for i in range(n):
                k1[i] = f0[i]
            stage_solve(lu, k1)
            for i in range(n):
                ytmp[i] = y[i] + A21 * k1[i]
            rhs(ytmp, r, ftmp)
            for i in range(n):
                k2[i] = ftmp[i] + C21 * k1[i] * inv_h
            stage_solve(lu, k2)
            for i in range(n):
                ytmp[i] = y[i] + A31 * k1[i] + A32 * k2[i]
            rhs(ytmp, r, ftmp)
            for i in range(n):
                k3[i] = ftmp[i] + (C31 * k1[i] + C32 * k2[i]) * inv_h
            stage_solve(lu, k3)
            for i in range(n):
                ytmp[i] = y[i] + A41 * k1[i] + A42 * k2[i] + A43 * k3[i]
            rhs(ytmp, r, ftmp)
            for i in range(n):
                k4[i] = ftmp[i] + (C41 * k1[i] + C42 * k2[i] + C43 * k3[i]) * inv_h
            stage_solve(lu, k4)
            for i in range(n):
                ytmp[i] = y[i] + A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]
            rhs(ytmp, r, ftmp)
            for i in range(n):
                k5[i] = ftmp[i] + (C51 * k1[i] + C52 * k2[i] + C53 * k3[i] + C54 * k4[i]) * inv_h
            stage_solve(lu, k5)
            for i in range(n):
                ytmp[i] = y[i] + (
                    A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]
                )
            rhs(ytmp, r, ftmp)
            for i in range(n):
                k6[i] = ftmp[i] + (
                    C61 * k1[i] + C62 * k2[i] + C63 * k3[i] + C64 * k4[i] + C65 * k5[i]
                ) * inv_h
            stage_solve(lu, k6)
            for i in range(n):
                ytmp[i] += k6[i]
            rhs(ytmp, r, ftmp)
            for i in range(n):
                k7[i] = ftmp[i] + (
                    C71 * k1[i] + C72 * k2[i] + C73 * k3[i] + C74 * k4[i] + C75 * k5[i]
                    + C76 * k6[i]
                ) * inv_h
            stage_solve(lu, k7)
            # embedded solution, then the last stage gives solution and error
            for i in range(n):
                ytmp[i] += k7[i]
            rhs(ytmp, r, ftmp)
            for i in range(n):
                y_err[i] = ftmp[i] + (
                    C81 * k1[i] + C82 * k2[i] + C83 * k3[i] + C84 * k4[i] + C85 * k5[i]
                    + C86 * k6[i] + C87 * k7[i]
                ) * inv_h
            stage_solve(lu, y_err)
            for i in range(n):
                y_new[i] = ytmp[i] + y_err[i]
            err = error_norm(y, y_new, y_err, atol_v, rtol) if ok else math.inf
            if err <= 1.0:
                # accepted: Gustafsson's predictive controller, one pow per step
                err_power = error_power(err)
                fac = bounded_shrink(err_power / SAFETY)
                if not first:
                    # predictive factor from the last two errors and steps
                    pred = (h_old / h_step) * err_power * err_power / (err_old_power * SAFETY)
                    fac = max(fac, bounded_shrink(pred))
                h_new = h_step / fac
                if rejected_last:
                    h_new = min(h_new, h_step)
                first = False
                rejected_last = False
                h_old = h_step
                err_old_power = max(ERR_OLD_MIN_POWER, err_power)
                t = t_stop if last else t + h_step
                for i in range(n):
                    # states are non-negative; undershoot within the tolerance is round-off
                    v = y_new[i]
                    y[i] = 0.0 if (v < 0.0 and v > -CLAMP * atol_v[i]) else v
                # a step cut short to land on a stop says little about the natural step
                h = max(h, h_new) if (last and h_step < h) else h_new
                stats[STAT_STEPS] += 1
                rhs(y, r, f0)
                for i in range(n):
                    if not math.isfinite(y[i]) or not math.isfinite(f0[i]):
                        return STATUS_NON_FINITE
                need_jac = True
            else:
                stats[STAT_REJECTED] += 1
                rejected_last = True
                if math.isfinite(err):
                    h = h_step / bounded_shrink(error_power(err) / SAFETY)
                else:
                    h = h_step * FAC_MIN
                if h < 1e-14 * max(1.0, abs(t)):
                    return STATUS_STEP_UNDERFLOW
    return STATUS_OK
