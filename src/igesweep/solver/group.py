"""Integration of a lockstep group of lanes with one shared step size.

Lanes of a group share their binding option, event days and kinds, and
output days; their parameters and doses may differ. State and stage vectors
live in one flat work array, each a block of ``N_STATES`` rows of
:data:`LANE_STRIDE` entries with the lane innermost, so each stage's
arithmetic, right-hand side and stage solve are loops over the lanes that
the compiler turns into SIMD instructions. (Keeping every vector in one
array at fixed offsets lets the compiler prove that they do not overlap; as
separate arrays it would need run-time overlap checks and gives up.) The error estimate of a step
is the largest over the group's running lanes, so the group accepts or
rejects a step and chooses the next one together and takes as many steps as
its hardest lane. A lane that fails (non-finite state, or the step it
demands shrinking below round-off) is stopped with its status while the
others go on. Apart from the shared step the method, controller, forced
stops and events are those of :func:`igesweep.solver.lane.integrate_lane`.

This file is a template (:mod:`igesweep.solver.interface`): the model's
functions it calls are generated per model and compiled with it.
"""

from __future__ import annotations

import math

import numpy as np

from igesweep._jit import jit, jit_inline
from igesweep.solver.interface import (
    N_LU,
    N_OUTPUTS,
    N_RATES,
    N_STATES,
    absolute_tolerance,
    apply_event,
    derive,
    factor_group,
    initial_state,
    outputs_from_state,
    pre_event_value,
    rhs_group,
    stage_solve_group,
)
from igesweep.solver.lane import (
    CLAMP,
    ERR_OLD_MIN_POWER,
    FAC_MIN,
    NEGLIGIBLE,
    SAFETY,
    bounded_shrink,
    initial_step,
    largest_dose,
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
    GAMMA,
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

#: Largest number of lanes in a group, and the row length of the work array.
LANE_STRIDE = 16
ROW = LANE_STRIDE
_N = N_STATES
_VEC = N_STATES * LANE_STRIDE  # entries of one state or stage vector
# offsets of the vectors in the work array. Numba types a global int as a literal, so a
# function taking an offset is compiled once per offset passed (and its lane loop vectorises
# because the distances between the vectors it touches are known); the stage solve, called
# for eight vectors, takes a view of its vector instead
O_Y, O_F0, O_K1, O_K2, O_K3, O_K4, O_K5, O_K6, O_K7, O_YTMP, O_FTMP, O_YNEW, O_YERR, O_ATOL = (
    _VEC * j for j in range(14)
)
O_RATES = 14 * _VEC  # N_RATES rows of lane constants
O_LU = O_RATES + N_RATES * ROW  # N_LU rows of the stage factor
WORK_SIZE = O_LU + N_LU * ROW


@jit_inline
def _get_column(ws: np.ndarray, o: int, k: int, col: np.ndarray) -> None:
    """Copy lane ``k`` of the vector at offset ``o`` into ``col``."""
    for i in range(col.shape[0]):
        col[i] = ws[o + i * ROW + k]


@jit_inline
def _set_column(ws: np.ndarray, o: int, k: int, col: np.ndarray) -> None:
    """Copy ``col`` into lane ``k`` of the vector at offset ``o``."""
    for i in range(col.shape[0]):
        ws[o + i * ROW + k] = col[i]


@jit
def _initial_step_group(ws, r_lanes, rtol, h_max, active, col, fcol, acol, ytmp,
                        ftmp) -> float:
    """Smallest starting step of :func:`igesweep.solver.lane.initial_step` over running lanes."""
    h = h_max
    for k in range(active.shape[0]):
        if not active[k]:
            continue
        _get_column(ws, O_Y, k, col)
        _get_column(ws, O_F0, k, fcol)
        _get_column(ws, O_ATOL, k, acol)
        h = min(h, initial_step(col, fcol, r_lanes[k], acol, rtol, h_max, ytmp, ftmp))
    return h


@jit
def _lane_errors(ws, w, rtol, lane_ok, err) -> None:
    """Per-lane RMS error of :func:`igesweep.solver.rodas5p.error_norm` into ``err``.

    A lane whose stage factor was not usable (``lane_ok[k]`` false) gets ``inf``.
    """
    err[:] = 0.0
    for i in range(_N):
        o = i * ROW
        for k in range(w):
            y = abs(ws[O_Y + o + k])
            y_new = abs(ws[O_YNEW + o + k])
            sk = ws[O_ATOL + o + k] + rtol * max(y, y_new)
            e = ws[O_YERR + o + k] / sk
            err[k] += e * e
    for k in range(w):
        err[k] = math.sqrt(err[k] / _N) if lane_ok[k] else math.inf


@jit
def _largest_error(err, active) -> float:
    """Largest error of the running lanes; ``inf`` if one is not finite."""
    worst = 0.0
    for k in range(err.shape[0]):
        if active[k]:
            if not math.isfinite(err[k]):
                return math.inf
            worst = max(worst, err[k])
    return worst


@jit
def _events_and_outputs(lanes, ws, r_lanes, ev_t, ev_kind, ev_mg, n_ev, ie, t, t_out,
                        io, active, col, o, out, pre) -> tuple[int, int, bool]:
    """Apply the events at ``t`` to every running lane, then record the outputs at ``t``.

    Returns the indices of the next event and output, and whether an event was applied.
    """
    applied = False
    lane0 = lanes[0]
    while ie < n_ev and ev_t[lane0, ie] <= t:
        for k in range(lanes.shape[0]):
            if not active[k]:
                continue
            _get_column(ws, O_Y, k, col)
            pre[lanes[k], ie] = pre_event_value(col, r_lanes[k])
            apply_event(col, r_lanes[k], ev_kind[lane0, ie], ev_mg[lanes[k], ie])
            _set_column(ws, O_Y, k, col)
        ie += 1
        applied = True
    while io < t_out.shape[0] and t_out[io] <= t:
        for k in range(lanes.shape[0]):
            if not active[k]:
                continue
            _get_column(ws, O_Y, k, col)
            outputs_from_state(col, r_lanes[k], o)
            for v in range(N_OUTPUTS):
                out[v, lanes[k], io] = o[v]
        io += 1
    return ie, io, applied


@jit
def _setup_lanes(lanes, params, ev_kind, ev_mg, n_ev, atol, ws, r_lanes, active, status,
                 out, pre, col) -> None:
    """Rates, initial state and absolute tolerances of every lane; NaN outputs."""
    for k in range(lanes.shape[0]):
        lane = lanes[k]
        out[:, lane, :] = np.nan
        pre[lane, :n_ev] = np.nan
        rk = derive(params[lane])
        r_lanes[k] = rk
        for j in range(N_RATES):
            ws[O_RATES + j * ROW + k] = rk[j]
        initial_state(rk, col)
        _set_column(ws, O_Y, k, col)
        active[k] = True
        status[lane] = STATUS_OK
        for j in range(N_RATES):
            if not math.isfinite(rk[j]):
                active[k] = False
                status[lane] = STATUS_NON_FINITE
        absolute_tolerance(rk, largest_dose(rk, ev_kind[lane], ev_mg[lane], n_ev), atol, col)
        _set_column(ws, O_ATOL, k, col)


@jit_inline
def _stop_lanes(lanes, active, status, code, err, limit) -> bool:
    """Stop the running lanes whose ``err`` is not ``<= limit``, with status ``code``.

    Returns ``True`` if some lane is still running.
    """
    running = False
    for k in range(lanes.shape[0]):
        if active[k] and not err[k] <= limit:
            active[k] = False
            status[lanes[k]] = code
        running = running or active[k]
    return running


@jit
def _stop_non_finite(lanes, ws, active, status) -> bool:
    """Stop running lanes whose state or derivative is not finite; ``True`` if some still run."""
    running = False
    for k in range(lanes.shape[0]):
        if active[k]:
            for i in range(_N):
                o = i * ROW + k
                if not (math.isfinite(ws[O_Y + o]) and math.isfinite(ws[O_F0 + o])):
                    active[k] = False
                    status[lanes[k]] = STATUS_NON_FINITE
                    break
        running = running or active[k]
    return running


@jit
def integrate_group(
    lanes: np.ndarray,
    params: np.ndarray,
    ev_t: np.ndarray,
    ev_kind: np.ndarray,
    ev_mg: np.ndarray,
    n_ev: int,
    t_out: np.ndarray,
    rtol: float,
    atol: float,
    max_steps: int,
    out: np.ndarray,
    pre: np.ndarray,
    stats: np.ndarray,
    status: np.ndarray,
) -> None:
    """Integrate a group of lanes in lockstep and write their outputs.

    Parameters
    ----------
    lanes : ndarray of int64, shape (w,), ``w <= LANE_STRIDE``
        Rows of the batch arrays that form the group. They must share event
        days and kinds (those of ``lanes[0]`` are used) and output days.
    params : ndarray, shape (n_lanes, n_parameters)
        Packed parameters of the batch.
    ev_t, ev_kind, ev_mg : ndarray, shape (n_lanes, >= n_ev)
        Event days, kinds and amounts (mg, may differ between the lanes) of the batch.
    n_ev : int
        Number of events of the group's lanes.
    t_out : ndarray, shape (n_t,)
        Strictly increasing output days.
    rtol, atol, max_steps
        As for :func:`igesweep.solver.lane.integrate_lane`; ``max_steps``
        counts the group's step attempts.
    out : ndarray, shape (N_OUTPUTS, n_lanes, n_t)
        Receives the outputs of the group's lanes; NaN after a lane's failure.
    pre : ndarray, shape (n_lanes, >= n_ev)
        Receives free IgE (ng/mL) just before each event.
    stats : ndarray of int64, shape (n_lanes, N_STATS)
        Receives the group's steps accepted, steps rejected, Jacobians evaluated.
    status : ndarray of int64, shape (n_lanes,)
        Receives each lane's status code.
    """
    w = lanes.shape[0]
    ws = np.zeros(WORK_SIZE)
    r_lanes = np.empty((w, N_RATES))
    active = np.empty(w, dtype=np.bool_)
    lane_ok = np.ones(w, dtype=np.bool_)
    err_k = np.zeros(w)
    col = np.empty(_N)
    fcol = np.empty(_N)
    acol = np.empty(_N)
    ctmp = np.empty(_N)
    cftmp = np.empty(_N)
    o = np.empty(N_OUTPUTS)
    _setup_lanes(lanes, params, ev_kind, ev_mg, n_ev, atol, ws, r_lanes, active, status,
                 out, pre, col)

    lane0 = lanes[0]
    t = t_out[0]
    if n_ev > 0 and ev_t[lane0, 0] < t:
        t = ev_t[lane0, 0]
    ie = np.int64(0)  # not the literal 0: a callee would be compiled for it and for int64
    io = np.int64(0)
    h = 0.0
    h_old = 0.0
    err_old_power = 1.0
    first = True
    rejected_last = False
    restart = True
    n_attempts = 0
    n_steps = 0
    n_rejected = 0
    n_jac = 0
    running = _stop_non_finite(lanes, ws, active, status)
    while running:
        ie, io, applied = _events_and_outputs(lanes, ws, r_lanes, ev_t, ev_kind, ev_mg,
                                              n_ev, ie, t, t_out, io, active, col, o, out, pre)
        restart = restart or applied
        if io == t_out.shape[0]:
            break
        t_stop = t_out[io]
        if ie < n_ev and ev_t[lane0, ie] < t_stop:
            t_stop = ev_t[lane0, ie]

        rhs_group(ws, O_Y, O_F0, w)
        if restart:
            h = _initial_step_group(ws, r_lanes, rtol, t_stop - t, active, col, fcol,
                                    acol, ctmp, cftmp)
            first = True
            rejected_last = False
            h_old = h
            err_old_power = 1.0
            restart = False
        need_jac = True
        if t_stop - t <= NEGLIGIBLE * max(1.0, abs(t_stop)):
            t = t_stop
        while t < t_stop and running:
            if n_attempts >= max_steps:
                running = _stop_lanes(lanes, active, status, STATUS_MAX_STEPS, err_k, -math.inf)
                break
            remaining = t_stop - t
            last = h >= 0.9 * remaining
            h_step = remaining if last else h
            if need_jac:
                n_jac += 1
                need_jac = False
            n_attempts += 1
            factor_group(ws, 1.0 / (h_step * GAMMA), w, lane_ok)
            inv_h = 1.0 / h_step
            for i in range(_N):
                for k in range(w):
                    j = i * ROW + k
                    ws[O_K1 + j] = ws[O_F0 + j]
            stage_solve_group(ws, ws[O_K1:O_K1 + _VEC], w)
            for i in range(_N):
                for k in range(w):
                    j = i * ROW + k
                    ws[O_YTMP + j] = ws[O_Y + j] + A21 * ws[O_K1 + j]
            rhs_group(ws, O_YTMP, O_FTMP, w)
            for i in range(_N):
                for k in range(w):
                    j = i * ROW + k
                    ws[O_K2 + j] = ws[O_FTMP + j] + C21 * ws[O_K1 + j] * inv_h
            stage_solve_group(ws, ws[O_K2:O_K2 + _VEC], w)
            for i in range(_N):
                for k in range(w):
                    j = i * ROW + k
                    ws[O_YTMP + j] = ws[O_Y + j] + A31 * ws[O_K1 + j] + A32 * ws[O_K2 + j]
            rhs_group(ws, O_YTMP, O_FTMP, w)
            for i in range(_N):
                for k in range(w):
                    j = i * ROW + k
                    ws[O_K3 + j] = ws[O_FTMP + j] + (
                        C31 * ws[O_K1 + j] + C32 * ws[O_K2 + j]) * inv_h
            stage_solve_group(ws, ws[O_K3:O_K3 + _VEC], w)
            for i in range(_N):
                for k in range(w):
                    j = i * ROW + k
                    ws[O_YTMP + j] = ws[O_Y + j] + (
                        A41 * ws[O_K1 + j] + A42 * ws[O_K2 + j] + A43 * ws[O_K3 + j])
            rhs_group(ws, O_YTMP, O_FTMP, w)
            for i in range(_N):
                for k in range(w):
                    j = i * ROW + k
                    ws[O_K4 + j] = ws[O_FTMP + j] + (
                        C41 * ws[O_K1 + j] + C42 * ws[O_K2 + j] + C43 * ws[O_K3 + j]) * inv_h
            stage_solve_group(ws, ws[O_K4:O_K4 + _VEC], w)
            for i in range(_N):
                for k in range(w):
                    j = i * ROW + k
                    ws[O_YTMP + j] = ws[O_Y + j] + (
                        A51 * ws[O_K1 + j] + A52 * ws[O_K2 + j] + A53 * ws[O_K3 + j]
                        + A54 * ws[O_K4 + j])
            rhs_group(ws, O_YTMP, O_FTMP, w)
            for i in range(_N):
                for k in range(w):
                    j = i * ROW + k
                    ws[O_K5 + j] = ws[O_FTMP + j] + (
                        C51 * ws[O_K1 + j] + C52 * ws[O_K2 + j] + C53 * ws[O_K3 + j]
                        + C54 * ws[O_K4 + j]) * inv_h
            stage_solve_group(ws, ws[O_K5:O_K5 + _VEC], w)
            for i in range(_N):
                for k in range(w):
                    j = i * ROW + k
                    ws[O_YTMP + j] = ws[O_Y + j] + (
                        A61 * ws[O_K1 + j] + A62 * ws[O_K2 + j] + A63 * ws[O_K3 + j]
                        + A64 * ws[O_K4 + j] + A65 * ws[O_K5 + j])
            rhs_group(ws, O_YTMP, O_FTMP, w)
            for i in range(_N):
                for k in range(w):
                    j = i * ROW + k
                    ws[O_K6 + j] = ws[O_FTMP + j] + (
                        C61 * ws[O_K1 + j] + C62 * ws[O_K2 + j] + C63 * ws[O_K3 + j]
                        + C64 * ws[O_K4 + j] + C65 * ws[O_K5 + j]) * inv_h
            stage_solve_group(ws, ws[O_K6:O_K6 + _VEC], w)
            for i in range(_N):
                for k in range(w):
                    j = i * ROW + k
                    ws[O_YTMP + j] += ws[O_K6 + j]
            rhs_group(ws, O_YTMP, O_FTMP, w)
            for i in range(_N):
                for k in range(w):
                    j = i * ROW + k
                    ws[O_K7 + j] = ws[O_FTMP + j] + (
                        C71 * ws[O_K1 + j] + C72 * ws[O_K2 + j] + C73 * ws[O_K3 + j]
                        + C74 * ws[O_K4 + j] + C75 * ws[O_K5 + j] + C76 * ws[O_K6 + j]) * inv_h
            stage_solve_group(ws, ws[O_K7:O_K7 + _VEC], w)
            for i in range(_N):
                for k in range(w):
                    j = i * ROW + k
                    ws[O_YTMP + j] += ws[O_K7 + j]
            rhs_group(ws, O_YTMP, O_FTMP, w)
            for i in range(_N):
                for k in range(w):
                    j = i * ROW + k
                    ws[O_YERR + j] = ws[O_FTMP + j] + (
                        C81 * ws[O_K1 + j] + C82 * ws[O_K2 + j] + C83 * ws[O_K3 + j]
                        + C84 * ws[O_K4 + j] + C85 * ws[O_K5 + j] + C86 * ws[O_K6 + j]
                        + C87 * ws[O_K7 + j]) * inv_h
            stage_solve_group(ws, ws[O_YERR:O_YERR + _VEC], w)
            for i in range(_N):
                for k in range(w):
                    j = i * ROW + k
                    ws[O_YNEW + j] = ws[O_YTMP + j] + ws[O_YERR + j]
            _lane_errors(ws, w, rtol, lane_ok, err_k)
            err = _largest_error(err_k, active)
            if err <= 1.0:
                # accepted: the controller of integrate_lane
                err_power = error_power(err)
                fac = bounded_shrink(err_power / SAFETY)
                if not first:
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
                for i in range(_N):
                    for k in range(w):
                        j = i * ROW + k
                        v = ws[O_YNEW + j]
                        clamp = v < 0.0 and v > -CLAMP * ws[O_ATOL + j]
                        ws[O_Y + j] = 0.0 if clamp else v
                h = max(h, h_new) if (last and h_step < h) else h_new
                n_steps += 1
                rhs_group(ws, O_Y, O_F0, w)
                running = _stop_non_finite(lanes, ws, active, status)
                need_jac = True
            else:
                n_rejected += 1
                rejected_last = True
                if math.isfinite(err):
                    h = h_step / bounded_shrink(error_power(err) / SAFETY)
                else:
                    h = h_step * FAC_MIN
                if h < 1e-14 * max(1.0, abs(t)):
                    # the lanes that rejected the step stop; the others start afresh
                    running = _stop_lanes(lanes, active, status, STATUS_STEP_UNDERFLOW, err_k,
                                          1.0)
                    h = _initial_step_group(ws, r_lanes, rtol, t_stop - t, active, col,
                                            fcol, acol, ctmp, cftmp)
                    first = True
                    rejected_last = False
    for k in range(w):
        stats[lanes[k], STAT_STEPS] = n_steps
        stats[lanes[k], STAT_REJECTED] = n_rejected
        stats[lanes[k], STAT_JACOBIANS] = n_jac
