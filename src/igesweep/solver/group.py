"""Integration of a lockstep group of lanes with one shared step size.

Lanes of a group share their binding option, event days and kinds, and
output days; their parameters and doses may differ. State and stage vectors
are arrays shaped ``(N_STATES, width)`` with the lane innermost, so each
stage's arithmetic, right-hand side and stage solve are loops over the lanes
that the compiler turns into SIMD instructions. The error estimate of a step
is the largest over the group's running lanes, so the group accepts or
rejects a step and chooses the next one together and takes as many steps as
its hardest lane. A lane that fails (non-finite state, or the step it
demands shrinking below round-off) is stopped with its status while the
others go on. Apart from the shared step the method, controller, forced
stops and events are those of :func:`igesweep.solver.lane.integrate_lane`.
"""

from __future__ import annotations

import math

import numpy as np

from igesweep._jit import jit, jit_inline
from igesweep.model import (
    BINDING_QE,
    I_A,
    I_B,
    I_C,
    I_D,
    I_DP,
    I_E,
    I_M,
    I_R,
    I_RD,
    I_RE,
    K_BKEC50,
    K_BKMAX,
    K_BTURN,
    K_FDKON,
    K_FKA_V,
    K_FKON,
    K_K12,
    K_K21,
    K_KA,
    K_KB,
    K_KD,
    K_KE,
    K_KEL,
    K_KELC,
    K_KF,
    K_KOFF,
    K_KOFFR,
    K_KOFFRD,
    K_KON,
    K_KSYNE,
    K_KSYNR,
    K_LLPC,
    K_MKEC50,
    K_MKMAX,
    K_MTURN,
    K_MW,
    N_RATES,
    N_STATES,
    derive,
    initial_state,
    jacobian,
    outputs_from_state,
    species,
)
from igesweep.solver._linalg import stage_factor
from igesweep.solver.lane import (
    _CLAMP,
    _ERR_OLD_MIN_POWER,
    _FAC_MIN,
    _NEGLIGIBLE,
    _SAFETY,
    EVENT_APHERESIS,
    N_OUTPUTS,
    STAT_JACOBIANS,
    STAT_REJECTED,
    STAT_STEPS,
    _absolute_tolerance,
    _apply_event,
    _bounded_shrink,
    _initial_step,
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
    STATUS_MAX_STEPS,
    STATUS_NON_FINITE,
    STATUS_OK,
    STATUS_STEP_UNDERFLOW,
)
from igesweep.units import IGE_MW_KDA


@jit_inline
def _emax_select(kmax: float, ec50: float, d: float) -> float:
    """``kmax*d/(ec50 + d)``, 0 for ``kmax == 0``, as a select rather than a branch."""
    v = kmax * d / (ec50 + d)
    return 0.0 if kmax == 0.0 else v


@jit_inline
def rhs_group(y: np.ndarray, r: np.ndarray, binding: int, dy: np.ndarray) -> None:
    """:func:`igesweep.model.rhs` of every lane; ``y``, ``dy`` (N_STATES, w), ``r`` (N_RATES, w)."""
    qe = binding == BINDING_QE
    for k in range(y.shape[1]):
        a = y[I_A, k]
        dp = y[I_DP, k]
        rf = y[I_R, k]
        re = y[I_RE, k]
        rd = y[I_RD, k]
        b = y[I_B, k]
        m = y[I_M, k]
        yd = y[I_D, k]
        ye = y[I_E, k]
        if qe:
            # igesweep.model.qe_species, written out for the lane loop
            kd = r[K_KD, k]
            s = yd + ye + kd
            disc = (yd - ye) * (yd - ye) + kd * (2.0 * (yd + ye) + kd)
            sq = math.sqrt(max(disc, 0.0))
            cq = 2.0 * yd * ye / (s + sq)
            c = 0.0 if (r[K_KON, k] == 0.0 or not s + sq > 0.0) else cq
            d = yd - c
            e = ye - c
            bind = 0.0
        else:
            d = yd
            e = ye
            c = y[I_C, k]
            bind = r[K_KON, k] * d * e - r[K_KOFF, k] * c
        kill_b = _emax_select(r[K_BKMAX, k], r[K_BKEC50, k], d)
        kill_m = _emax_select(r[K_MKMAX, k], r[K_MKEC50, k], d)
        dd = r[K_FKA_V, k] * a - r[K_KEL, k] * d - r[K_K12, k] * (d - dp) - bind
        llpc = r[K_LLPC, k]
        de = r[K_KSYNE, k] * (llpc + (1.0 - llpc) * b) - r[K_KE, k] * e - bind
        dc = bind - r[K_KELC, k] * c
        dy[I_A, k] = -r[K_KA, k] * a
        dy[I_DP, k] = r[K_K21, k] * (d - dp)
        if qe:
            dy[I_D, k] = dd + dc
            dy[I_E, k] = de + dc
            dy[I_C, k] = 0.0
        else:
            dy[I_D, k] = dd
            dy[I_E, k] = de
            dy[I_C, k] = dc
        fe = r[K_FKON, k] * e * rf
        fd = r[K_FDKON, k] * d * rf
        koffr = r[K_KOFFR, k]
        koffrd = r[K_KOFFRD, k]
        dy[I_R, k] = r[K_KSYNR, k] - r[K_KF, k] * rf - fe + koffr * re - fd + koffrd * rd
        dy[I_RE, k] = fe - (koffr + r[K_KB, k]) * re
        dy[I_RD, k] = fd - (koffrd + r[K_KB, k]) * rd
        dy[I_B, k] = r[K_BTURN, k] * (1.0 - b) - kill_b * b
        dy[I_M, k] = r[K_MTURN, k] * (1.0 - m) - kill_m * m


@jit_inline
def stage_solve_group(lu: np.ndarray, b: np.ndarray) -> None:
    """``_linalg.stage_solve`` of every lane; ``lu`` (N, N, w), ``b`` (N, w)."""
    for k in range(b.shape[1]):
        x_a = b[I_A, k] * lu[I_A, I_A, k]
        t_dp = b[I_DP, k] * lu[I_DP, I_DP, k]
        t_c = b[I_C, k] * lu[I_C, I_C, k]
        t_b = b[I_B, k] * lu[I_B, I_B, k]
        r_d = b[I_D, k] + lu[I_D, I_A, k] * x_a + lu[I_D, I_DP, k] * t_dp + lu[I_D, I_C, k] * t_c
        r_e = b[I_E, k] + lu[I_E, I_C, k] * t_c + lu[I_E, I_B, k] * t_b
        x_d = lu[I_D, I_D, k] * r_d + lu[I_D, I_E, k] * r_e
        x_e = lu[I_E, I_D, k] * r_d + lu[I_E, I_E, k] * r_e
        x_dp = t_dp + lu[I_DP, I_D, k] * x_d + lu[I_DP, I_E, k] * x_e
        x_c = t_c + lu[I_C, I_D, k] * x_d + lu[I_C, I_E, k] * x_e
        x_b = t_b + lu[I_B, I_D, k] * x_d + lu[I_B, I_E, k] * x_e
        t_re = b[I_RE, k] * lu[I_RE, I_RE, k] + lu[I_RE, I_D, k] * x_d + lu[I_RE, I_E, k] * x_e
        t_rd = b[I_RD, k] * lu[I_RD, I_RD, k] + lu[I_RD, I_D, k] * x_d + lu[I_RD, I_E, k] * x_e
        x_r = (
            b[I_R, k] + lu[I_R, I_D, k] * x_d + lu[I_R, I_E, k] * x_e
            + lu[I_R, I_RE, k] * t_re + lu[I_R, I_RD, k] * t_rd
        ) * lu[I_R, I_R, k]
        b[I_A, k] = x_a
        b[I_D, k] = x_d
        b[I_DP, k] = x_dp
        b[I_E, k] = x_e
        b[I_C, k] = x_c
        b[I_R, k] = x_r
        b[I_RE, k] = t_re + lu[I_RE, I_R, k] * x_r
        b[I_RD, k] = t_rd + lu[I_RD, I_R, k] * x_r
        b[I_B, k] = x_b
        b[I_M, k] = b[I_M, k] * lu[I_M, I_M, k] + lu[I_M, I_D, k] * x_d + lu[I_M, I_E, k] * x_e


@jit
def _factor_group(y, r_lanes, binding, fac, active, col, jac, lu1, lu, lane_ok) -> None:
    """Jacobian and stage factor of every running lane into ``lu`` (N, N, w).

    ``lane_ok[k]`` receives ``False`` when the factor of lane ``k`` is not usable.
    """
    n = y.shape[0]
    for k in range(y.shape[1]):
        if not active[k]:
            continue
        for i in range(n):
            col[i] = y[i, k]
        jacobian(col, r_lanes[k], binding, jac)
        lane_ok[k] = stage_factor(jac, fac, lu1)
        for i in range(n):
            for j in range(n):
                lu[i, j, k] = lu1[i, j]


@jit
def _initial_step_group(y, f0, r_lanes, binding, atol_v, rtol, h_max, active, col, fcol, acol,
                        ytmp, ftmp) -> float:
    """Smallest starting step of :func:`igesweep.solver.lane._initial_step` over running lanes."""
    n = y.shape[0]
    h = h_max
    for k in range(y.shape[1]):
        if not active[k]:
            continue
        for i in range(n):
            col[i] = y[i, k]
            fcol[i] = f0[i, k]
            acol[i] = atol_v[i, k]
        h = min(h, _initial_step(col, fcol, r_lanes[k], binding, acol, rtol, h_max, ytmp, ftmp))
    return h


@jit
def _lane_errors(y, y_new, y_err, atol_v, rtol, lane_ok, err) -> None:
    """Per-lane RMS error of :func:`igesweep.solver.rodas5p.error_norm` into ``err`` (w,).

    A lane whose stage factor was not usable (``lane_ok[k]`` false) gets ``inf``.
    """
    n, w = y.shape
    err[:] = 0.0
    for i in range(n):
        for k in range(w):
            sk = atol_v[i, k] + rtol * max(abs(y[i, k]), abs(y_new[i, k]))
            e = y_err[i, k] / sk
            err[k] += e * e
    for k in range(w):
        err[k] = math.sqrt(err[k] / n) if lane_ok[k] else math.inf


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
def _events_and_outputs(lanes, y, r_lanes, binding, ev_t, ev_kind, ev_mg, n_ev, ie, t, t_out,
                        io, active, col, o, out, pre) -> tuple[int, int, bool]:
    """Apply the events at ``t`` to every running lane, then record the outputs at ``t``.

    Returns the indices of the next event and output, and whether an event was applied.
    """
    n = y.shape[0]
    w = y.shape[1]
    applied = False
    lane0 = lanes[0]
    while ie < n_ev and ev_t[lane0, ie] <= t:
        for k in range(w):
            if not active[k]:
                continue
            for i in range(n):
                col[i] = y[i, k]
            _, e_free, _ = species(col, r_lanes[k], binding)
            pre[lanes[k], ie] = IGE_MW_KDA * e_free
            _apply_event(col, r_lanes[k], binding, ev_kind[lane0, ie], ev_mg[lanes[k], ie])
            for i in range(n):
                y[i, k] = col[i]
        ie += 1
        applied = True
    while io < t_out.shape[0] and t_out[io] <= t:
        for k in range(w):
            if not active[k]:
                continue
            for i in range(n):
                col[i] = y[i, k]
            outputs_from_state(col, r_lanes[k], binding, o)
            for v in range(N_OUTPUTS):
                out[v, lanes[k], io] = o[v]
        io += 1
    return ie, io, applied


@jit
def _setup_lanes(lanes, params, ev_kind, ev_mg, n_ev, atol, r_lanes, r, y, atol_v, active,
                 status, out, pre) -> None:
    """Rates, initial state and absolute tolerances of every lane; NaN outputs."""
    n = y.shape[0]
    for k in range(lanes.shape[0]):
        lane = lanes[k]
        out[:, lane, :] = np.nan
        pre[lane, :n_ev] = np.nan
        rk = derive(params[lane])
        r_lanes[k] = rk
        for j in range(N_RATES):
            r[j, k] = rk[j]
        initial_state(rk, y[:, k])
        active[k] = True
        status[lane] = STATUS_OK
        for j in range(N_RATES):
            if not math.isfinite(rk[j]):
                active[k] = False
                status[lane] = STATUS_NON_FINITE
        max_dose = 0.0
        for e in range(n_ev):
            if ev_kind[lane, e] != EVENT_APHERESIS:
                max_dose = max(max_dose, ev_mg[lane, e] * 1000.0 / rk[K_MW])
        acol = np.empty(n)
        _absolute_tolerance(rk, max_dose, atol, acol)
        for i in range(n):
            atol_v[i, k] = acol[i]


@jit
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
def _stop_non_finite(lanes, y, f0, active, status) -> bool:
    """Stop running lanes whose state or derivative is not finite; ``True`` if some still run."""
    running = False
    for k in range(lanes.shape[0]):
        if active[k]:
            for i in range(y.shape[0]):
                if not (math.isfinite(y[i, k]) and math.isfinite(f0[i, k])):
                    active[k] = False
                    status[lanes[k]] = STATUS_NON_FINITE
                    break
        running = running or active[k]
    return running


@jit
def integrate_group(
    lanes: np.ndarray,
    params: np.ndarray,
    binding: int,
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
    lanes : ndarray of int64, shape (w,)
        Rows of the batch arrays that form the group. They must share binding,
        event days and kinds (those of ``lanes[0]`` are used) and output days;
        a row may appear more than once.
    params : ndarray, shape (n_lanes, n_parameters)
        Packed parameters of the batch.
    binding : int
        ``BINDING_FULL`` or ``BINDING_QE``.
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
    n = N_STATES
    w = lanes.shape[0]
    r_lanes = np.empty((w, N_RATES))
    r = np.empty((N_RATES, w))
    y = np.empty((n, w))
    atol_v = np.empty((n, w))
    active = np.empty(w, dtype=np.bool_)
    _setup_lanes(lanes, params, ev_kind, ev_mg, n_ev, atol, r_lanes, r, y, atol_v, active,
                 status, out, pre)
    for k in range(w):
        stats[lanes[k], :] = 0

    f0 = np.empty((n, w))
    lu = np.zeros((n, n, w))
    k1 = np.empty((n, w))
    k2 = np.empty((n, w))
    k3 = np.empty((n, w))
    k4 = np.empty((n, w))
    k5 = np.empty((n, w))
    k6 = np.empty((n, w))
    k7 = np.empty((n, w))
    ytmp = np.empty((n, w))
    ftmp = np.empty((n, w))
    y_new = np.empty((n, w))
    y_err = np.empty((n, w))
    err_k = np.empty(w)
    jac = np.empty((n, n))
    lu1 = np.zeros((n, n))
    col = np.empty(n)
    fcol = np.empty(n)
    acol = np.empty(n)
    ctmp = np.empty(n)
    cftmp = np.empty(n)
    o = np.empty(N_OUTPUTS)
    lane_ok = np.ones(w, dtype=np.bool_)
    # flat views of the (N_STATES, w) arrays for the element-wise stage arithmetic
    nw = n * w
    yf = y.reshape(nw)
    k1f = k1.reshape(nw)
    k2f = k2.reshape(nw)
    k3f = k3.reshape(nw)
    k4f = k4.reshape(nw)
    k5f = k5.reshape(nw)
    k6f = k6.reshape(nw)
    k7f = k7.reshape(nw)
    ytf = ytmp.reshape(nw)
    ftf = ftmp.reshape(nw)
    ynf = y_new.reshape(nw)
    yef = y_err.reshape(nw)
    f0f = f0.reshape(nw)
    af = atol_v.reshape(nw)

    lane0 = lanes[0]
    t = t_out[0]
    if n_ev > 0 and ev_t[lane0, 0] < t:
        t = ev_t[lane0, 0]
    ie = 0
    io = 0
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
    running = _stop_non_finite(lanes, y, y, active, status)
    while running:
        ie, io, applied = _events_and_outputs(lanes, y, r_lanes, binding, ev_t, ev_kind, ev_mg,
                                              n_ev, ie, t, t_out, io, active, col, o, out, pre)
        restart = restart or applied
        if io == t_out.shape[0]:
            break
        t_stop = t_out[io]
        if ie < n_ev and ev_t[lane0, ie] < t_stop:
            t_stop = ev_t[lane0, ie]

        rhs_group(y, r, binding, f0)
        if restart:
            h = _initial_step_group(y, f0, r_lanes, binding, atol_v, rtol, t_stop - t, active,
                                    col, fcol, acol, ctmp, cftmp)
            first = True
            rejected_last = False
            h_old = h
            err_old_power = 1.0
            restart = False
        need_jac = True
        if t_stop - t <= _NEGLIGIBLE * max(1.0, abs(t_stop)):
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
            _factor_group(y, r_lanes, binding, 1.0 / (h_step * GAMMA), active, col, jac, lu1,
                          lu, lane_ok)
            inv_h = 1.0 / h_step
            for j in range(nw):
                k1f[j] = f0f[j]
            stage_solve_group(lu, k1)
            for j in range(nw):
                ytf[j] = yf[j] + A21 * k1f[j]
            rhs_group(ytmp, r, binding, ftmp)
            for j in range(nw):
                k2f[j] = ftf[j] + C21 * k1f[j] * inv_h
            stage_solve_group(lu, k2)
            for j in range(nw):
                ytf[j] = yf[j] + A31 * k1f[j] + A32 * k2f[j]
            rhs_group(ytmp, r, binding, ftmp)
            for j in range(nw):
                k3f[j] = ftf[j] + (C31 * k1f[j] + C32 * k2f[j]) * inv_h
            stage_solve_group(lu, k3)
            for j in range(nw):
                ytf[j] = yf[j] + A41 * k1f[j] + A42 * k2f[j] + A43 * k3f[j]
            rhs_group(ytmp, r, binding, ftmp)
            for j in range(nw):
                k4f[j] = ftf[j] + (C41 * k1f[j] + C42 * k2f[j] + C43 * k3f[j]) * inv_h
            stage_solve_group(lu, k4)
            for j in range(nw):
                ytf[j] = yf[j] + A51 * k1f[j] + A52 * k2f[j] + A53 * k3f[j] + A54 * k4f[j]
            rhs_group(ytmp, r, binding, ftmp)
            for j in range(nw):
                k5f[j] = ftf[j] + (
                    C51 * k1f[j] + C52 * k2f[j] + C53 * k3f[j] + C54 * k4f[j]) * inv_h
            stage_solve_group(lu, k5)
            for j in range(nw):
                ytf[j] = yf[j] + (
                    A61 * k1f[j] + A62 * k2f[j] + A63 * k3f[j] + A64 * k4f[j] + A65 * k5f[j]
                )
            rhs_group(ytmp, r, binding, ftmp)
            for j in range(nw):
                k6f[j] = ftf[j] + (
                    C61 * k1f[j] + C62 * k2f[j] + C63 * k3f[j] + C64 * k4f[j] + C65 * k5f[j]
                ) * inv_h
            stage_solve_group(lu, k6)
            for j in range(nw):
                ytf[j] += k6f[j]
            rhs_group(ytmp, r, binding, ftmp)
            for j in range(nw):
                k7f[j] = ftf[j] + (
                    C71 * k1f[j] + C72 * k2f[j] + C73 * k3f[j] + C74 * k4f[j] + C75 * k5f[j]
                    + C76 * k6f[j]
                ) * inv_h
            stage_solve_group(lu, k7)
            for j in range(nw):
                ytf[j] += k7f[j]
            rhs_group(ytmp, r, binding, ftmp)
            for j in range(nw):
                yef[j] = ftf[j] + (
                    C81 * k1f[j] + C82 * k2f[j] + C83 * k3f[j] + C84 * k4f[j] + C85 * k5f[j]
                    + C86 * k6f[j] + C87 * k7f[j]
                ) * inv_h
            stage_solve_group(lu, y_err)
            for j in range(nw):
                ynf[j] = ytf[j] + yef[j]
            _lane_errors(y, y_new, y_err, atol_v, rtol, lane_ok, err_k)
            err = _largest_error(err_k, active)
            if err <= 1.0:
                err_power = error_power(err)
                fac = _bounded_shrink(err_power / _SAFETY)
                if not first:
                    pred = (h_old / h_step) * err_power * err_power / (err_old_power * _SAFETY)
                    fac = max(fac, _bounded_shrink(pred))
                h_new = h_step / fac
                if rejected_last:
                    h_new = min(h_new, h_step)
                first = False
                rejected_last = False
                h_old = h_step
                err_old_power = max(_ERR_OLD_MIN_POWER, err_power)
                t = t_stop if last else t + h_step
                for j in range(nw):
                    v = ynf[j]
                    yf[j] = 0.0 if (v < 0.0 and v > -_CLAMP * af[j]) else v
                h = max(h, h_new) if (last and h_step < h) else h_new
                n_steps += 1
                rhs_group(y, r, binding, f0)
                running = _stop_non_finite(lanes, y, f0, active, status)
                need_jac = True
            else:
                n_rejected += 1
                rejected_last = True
                if math.isfinite(err):
                    h = h_step / _bounded_shrink(error_power(err) / _SAFETY)
                else:
                    h = h_step * _FAC_MIN
                if h < 1e-14 * max(1.0, abs(t)):
                    # the lanes that rejected the step stop; the others start afresh
                    running = _stop_lanes(lanes, active, status, STATUS_STEP_UNDERFLOW, err_k,
                                          1.0)
                    h = _initial_step_group(y, f0, r_lanes, binding, atol_v, rtol, t_stop - t,
                                            active, col, fcol, acol, ctmp, cftmp)
                    first = True
                    rejected_last = False
    for k in range(w):
        stats[lanes[k], STAT_STEPS] = n_steps
        stats[lanes[k], STAT_REJECTED] = n_rejected
        stats[lanes[k], STAT_JACOBIANS] = n_jac
