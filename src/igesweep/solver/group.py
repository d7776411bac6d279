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

#: Largest number of lanes in a group, and the row length of the work array.
LANE_STRIDE = 16
_N = N_STATES
_ROW = LANE_STRIDE
_VEC = N_STATES * LANE_STRIDE  # entries of one state or stage vector
# offsets of the vectors in the work array
O_Y, O_F0, O_K1, O_K2, O_K3, O_K4, O_K5, O_K6, O_K7, O_YTMP, O_FTMP, O_YNEW, O_YERR, O_ATOL = (
    _VEC * j for j in range(14)
)
O_RATES = 14 * _VEC  # N_RATES rows of derived rates
O_LU = O_RATES + N_RATES * _ROW  # N_STATES x N_STATES rows of the stage factor
WORK_SIZE = O_LU + N_STATES * N_STATES * _ROW


@jit_inline
def _emax_select(kmax: float, ec50: float, d: float) -> float:
    """``kmax*d/(ec50 + d)``, 0 for ``kmax == 0``, as a select rather than a branch."""
    v = kmax * d / (ec50 + d)
    return 0.0 if kmax == 0.0 else v


@jit_inline
def rhs_group(ws: np.ndarray, oy: int, od: int, binding: int, w: int) -> None:
    """:func:`igesweep.model.rhs` of lanes ``0..w-1``: state at offset ``oy``, result at ``od``."""
    qe = binding == BINDING_QE
    for k in range(w):
        y = oy + k
        dy = od + k
        r = O_RATES + k
        a = ws[y + I_A * _ROW]
        dp = ws[y + I_DP * _ROW]
        rf = ws[y + I_R * _ROW]
        re = ws[y + I_RE * _ROW]
        rd = ws[y + I_RD * _ROW]
        b = ws[y + I_B * _ROW]
        m = ws[y + I_M * _ROW]
        yd = ws[y + I_D * _ROW]
        ye = ws[y + I_E * _ROW]
        if qe:
            # igesweep.model.qe_species, written out for the lane loop
            kd = ws[r + K_KD * _ROW]
            s = yd + ye + kd
            disc = (yd - ye) * (yd - ye) + kd * (2.0 * (yd + ye) + kd)
            sq = math.sqrt(max(disc, 0.0))
            cq = 2.0 * yd * ye / (s + sq)
            c = 0.0 if (ws[r + K_KON * _ROW] == 0.0 or not s + sq > 0.0) else cq
            d = yd - c
            e = ye - c
            bind = 0.0
        else:
            d = yd
            e = ye
            c = ws[y + I_C * _ROW]
            bind = ws[r + K_KON * _ROW] * d * e - ws[r + K_KOFF * _ROW] * c
        kill_b = _emax_select(ws[r + K_BKMAX * _ROW], ws[r + K_BKEC50 * _ROW], d)
        kill_m = _emax_select(ws[r + K_MKMAX * _ROW], ws[r + K_MKEC50 * _ROW], d)
        dd = (ws[r + K_FKA_V * _ROW] * a - ws[r + K_KEL * _ROW] * d
              - ws[r + K_K12 * _ROW] * (d - dp) - bind)
        llpc = ws[r + K_LLPC * _ROW]
        de = ws[r + K_KSYNE * _ROW] * (llpc + (1.0 - llpc) * b) - ws[r + K_KE * _ROW] * e - bind
        dc = bind - ws[r + K_KELC * _ROW] * c
        ws[dy + I_A * _ROW] = -ws[r + K_KA * _ROW] * a
        ws[dy + I_DP * _ROW] = ws[r + K_K21 * _ROW] * (d - dp)
        if qe:
            ws[dy + I_D * _ROW] = dd + dc
            ws[dy + I_E * _ROW] = de + dc
            ws[dy + I_C * _ROW] = 0.0
        else:
            ws[dy + I_D * _ROW] = dd
            ws[dy + I_E * _ROW] = de
            ws[dy + I_C * _ROW] = dc
        fe = ws[r + K_FKON * _ROW] * e * rf
        fd = ws[r + K_FDKON * _ROW] * d * rf
        koffr = ws[r + K_KOFFR * _ROW]
        koffrd = ws[r + K_KOFFRD * _ROW]
        kb = ws[r + K_KB * _ROW]
        ws[dy + I_R * _ROW] = (ws[r + K_KSYNR * _ROW] - ws[r + K_KF * _ROW] * rf - fe
                               + koffr * re - fd + koffrd * rd)
        ws[dy + I_RE * _ROW] = fe - (koffr + kb) * re
        ws[dy + I_RD * _ROW] = fd - (koffrd + kb) * rd
        ws[dy + I_B * _ROW] = ws[r + K_BTURN * _ROW] * (1.0 - b) - kill_b * b
        ws[dy + I_M * _ROW] = ws[r + K_MTURN * _ROW] * (1.0 - m) - kill_m * m


@jit_inline
def _lu(ws: np.ndarray, i: int, j: int, k: int) -> float:
    """Entry ``(i, j)`` of lane ``k``'s stage factor."""
    return ws[O_LU + (i * _N + j) * _ROW + k]


@jit_inline
def stage_solve_group(ws: np.ndarray, ob: int, w: int) -> None:
    """``_linalg.stage_solve`` of lanes ``0..w-1``, in place on the vector at offset ``ob``."""
    for k in range(w):
        b = ob + k
        x_a = ws[b + I_A * _ROW] * _lu(ws, I_A, I_A, k)
        t_dp = ws[b + I_DP * _ROW] * _lu(ws, I_DP, I_DP, k)
        t_c = ws[b + I_C * _ROW] * _lu(ws, I_C, I_C, k)
        t_b = ws[b + I_B * _ROW] * _lu(ws, I_B, I_B, k)
        r_d = (ws[b + I_D * _ROW] + _lu(ws, I_D, I_A, k) * x_a + _lu(ws, I_D, I_DP, k) * t_dp
               + _lu(ws, I_D, I_C, k) * t_c)
        r_e = ws[b + I_E * _ROW] + _lu(ws, I_E, I_C, k) * t_c + _lu(ws, I_E, I_B, k) * t_b
        x_d = _lu(ws, I_D, I_D, k) * r_d + _lu(ws, I_D, I_E, k) * r_e
        x_e = _lu(ws, I_E, I_D, k) * r_d + _lu(ws, I_E, I_E, k) * r_e
        x_dp = t_dp + _lu(ws, I_DP, I_D, k) * x_d + _lu(ws, I_DP, I_E, k) * x_e
        x_c = t_c + _lu(ws, I_C, I_D, k) * x_d + _lu(ws, I_C, I_E, k) * x_e
        x_b = t_b + _lu(ws, I_B, I_D, k) * x_d + _lu(ws, I_B, I_E, k) * x_e
        t_re = (ws[b + I_RE * _ROW] * _lu(ws, I_RE, I_RE, k) + _lu(ws, I_RE, I_D, k) * x_d
                + _lu(ws, I_RE, I_E, k) * x_e)
        t_rd = (ws[b + I_RD * _ROW] * _lu(ws, I_RD, I_RD, k) + _lu(ws, I_RD, I_D, k) * x_d
                + _lu(ws, I_RD, I_E, k) * x_e)
        x_r = (
            ws[b + I_R * _ROW] + _lu(ws, I_R, I_D, k) * x_d + _lu(ws, I_R, I_E, k) * x_e
            + _lu(ws, I_R, I_RE, k) * t_re + _lu(ws, I_R, I_RD, k) * t_rd
        ) * _lu(ws, I_R, I_R, k)
        x_m = (ws[b + I_M * _ROW] * _lu(ws, I_M, I_M, k) + _lu(ws, I_M, I_D, k) * x_d
               + _lu(ws, I_M, I_E, k) * x_e)
        ws[b + I_A * _ROW] = x_a
        ws[b + I_D * _ROW] = x_d
        ws[b + I_DP * _ROW] = x_dp
        ws[b + I_E * _ROW] = x_e
        ws[b + I_C * _ROW] = x_c
        ws[b + I_R * _ROW] = x_r
        ws[b + I_RE * _ROW] = t_re + _lu(ws, I_RE, I_R, k) * x_r
        ws[b + I_RD * _ROW] = t_rd + _lu(ws, I_RD, I_R, k) * x_r
        ws[b + I_B * _ROW] = x_b
        ws[b + I_M * _ROW] = x_m


@jit
def _get_column(ws: np.ndarray, o: int, k: int, col: np.ndarray) -> None:
    """Copy lane ``k`` of the vector at offset ``o`` into ``col``."""
    for i in range(col.shape[0]):
        col[i] = ws[o + i * _ROW + k]


@jit
def _set_column(ws: np.ndarray, o: int, k: int, col: np.ndarray) -> None:
    """Copy ``col`` into lane ``k`` of the vector at offset ``o``."""
    for i in range(col.shape[0]):
        ws[o + i * _ROW + k] = col[i]


@jit_inline
def _set_lu(ws: np.ndarray, i: int, j: int, k: int, v: float) -> None:
    """Set entry ``(i, j)`` of lane ``k``'s stage factor."""
    ws[O_LU + (i * _N + j) * _ROW + k] = v


@jit_inline
def _factor_full(ws: np.ndarray, fac: float, w: int, lane_ok: np.ndarray) -> None:
    """Jacobian (full binding) and ``_linalg.stage_factor`` of lanes ``0..w-1``, in one pass.

    The entries of :func:`igesweep.model.jacobian` are formed where the factor
    needs them; ``lane_ok[k]`` receives ``False`` when lane ``k``'s factor is
    not usable.
    """
    for k in range(w):
        y = O_Y + k
        r = O_RATES + k
        d = ws[y + I_D * _ROW]
        e = ws[y + I_E * _ROW]
        rf = ws[y + I_R * _ROW]
        kon = ws[r + K_KON * _ROW]
        koff = ws[r + K_KOFF * _ROW]
        bkmax = ws[r + K_BKMAX * _ROW]
        bkec50 = ws[r + K_BKEC50 * _ROW]
        mkmax = ws[r + K_MKMAX * _ROW]
        mkec50 = ws[r + K_MKEC50 * _ROW]
        kill_b = _emax_select(bkmax, bkec50, d)
        kill_m = _emax_select(mkmax, mkec50, d)
        slope_b = 0.0 if bkmax == 0.0 else bkmax * bkec50 / ((bkec50 + d) * (bkec50 + d))
        slope_m = 0.0 if mkmax == 0.0 else mkmax * mkec50 / ((mkec50 + d) * (mkec50 + d))
        k12 = ws[r + K_K12 * _ROW]
        k21 = ws[r + K_K21 * _ROW]
        fkon = ws[r + K_FKON * _ROW]
        fdkon = ws[r + K_FDKON * _ROW]
        koffr = ws[r + K_KOFFR * _ROW]
        koffrd = ws[r + K_KOFFRD * _ROW]
        kb = ws[r + K_KB * _ROW]
        # nonzero Jacobian entries (igesweep.model.jacobian, full binding)
        j_dd = -ws[r + K_KEL * _ROW] - k12 - kon * e
        j_de = -kon * d
        j_ed = -kon * e
        j_ee = -ws[r + K_KE * _ROW] - kon * d
        j_eb = ws[r + K_KSYNE * _ROW] * (1.0 - ws[r + K_LLPC * _ROW])
        j_cd = kon * e
        j_ce = kon * d
        j_cc = -koff - ws[r + K_KELC * _ROW]
        j_rre = koffr
        j_rrd = koffrd
        j_rer = fkon * e
        j_rdr = fdkon * d
        # the factor of igesweep.solver._linalg.stage_factor
        p_a = fac + ws[r + K_KA * _ROW]
        p_dp = fac + k21
        p_c = fac - j_cc
        p_b = fac + ws[r + K_BTURN * _ROW] + kill_b
        i_dp = 1.0 / p_dp
        i_c = 1.0 / p_c
        i_b = 1.0 / p_b
        g_dp_d = k21 * i_dp
        g_c_d = j_cd * i_c
        g_c_e = j_ce * i_c
        g_b_d = -slope_b * ws[y + I_B * _ROW] * i_b
        s_dd = fac - j_dd - k12 * g_dp_d - koff * g_c_d
        s_de = -j_de - koff * g_c_e
        s_ed = -j_ed - koff * g_c_d - j_eb * g_b_d
        s_ee = fac - j_ee - koff * g_c_e
        det = s_dd * s_ee - s_de * s_ed
        i_det = 1.0 / det
        p_re = fac + koffr + kb
        p_rd = fac + koffrd + kb
        i_re = 1.0 / p_re
        i_rd = 1.0 / p_rd
        g_re_r = j_rer * i_re
        g_rd_r = j_rdr * i_rd
        p_r = (fac + ws[r + K_KF * _ROW] + fkon * e + fdkon * d
               - j_rre * g_re_r - j_rrd * g_rd_r)
        p_m = fac + ws[r + K_MTURN * _ROW] + kill_m
        i_a = 1.0 / p_a
        i_r = 1.0 / p_r
        i_m = 1.0 / p_m
        check = (p_a + p_dp + p_c + p_b + det + p_re + p_rd + p_r + p_m
                 + i_a + i_dp + i_c + i_b + i_det + i_re + i_rd + i_r + i_m)
        lane_ok[k] = math.isfinite(check)
        _set_lu(ws, I_A, I_A, k, i_a)
        _set_lu(ws, I_D, I_A, k, ws[r + K_FKA_V * _ROW])
        _set_lu(ws, I_DP, I_DP, k, i_dp)
        _set_lu(ws, I_DP, I_D, k, g_dp_d)
        _set_lu(ws, I_DP, I_E, k, 0.0)
        _set_lu(ws, I_C, I_C, k, i_c)
        _set_lu(ws, I_C, I_D, k, g_c_d)
        _set_lu(ws, I_C, I_E, k, g_c_e)
        _set_lu(ws, I_B, I_B, k, i_b)
        _set_lu(ws, I_B, I_D, k, g_b_d)
        _set_lu(ws, I_B, I_E, k, 0.0)
        _set_lu(ws, I_D, I_DP, k, k12)
        _set_lu(ws, I_D, I_C, k, koff)
        _set_lu(ws, I_E, I_C, k, koff)
        _set_lu(ws, I_E, I_B, k, j_eb)
        _set_lu(ws, I_D, I_D, k, s_ee * i_det)
        _set_lu(ws, I_D, I_E, k, -s_de * i_det)
        _set_lu(ws, I_E, I_D, k, -s_ed * i_det)
        _set_lu(ws, I_E, I_E, k, s_dd * i_det)
        _set_lu(ws, I_RE, I_RE, k, i_re)
        _set_lu(ws, I_RE, I_D, k, 0.0)
        _set_lu(ws, I_RE, I_E, k, fkon * rf * i_re)
        _set_lu(ws, I_RE, I_R, k, g_re_r)
        _set_lu(ws, I_RD, I_RD, k, i_rd)
        _set_lu(ws, I_RD, I_D, k, fdkon * rf * i_rd)
        _set_lu(ws, I_RD, I_E, k, 0.0)
        _set_lu(ws, I_RD, I_R, k, g_rd_r)
        _set_lu(ws, I_R, I_R, k, i_r)
        _set_lu(ws, I_R, I_D, k, -fdkon * rf)
        _set_lu(ws, I_R, I_E, k, -fkon * rf)
        _set_lu(ws, I_R, I_RE, k, j_rre)
        _set_lu(ws, I_R, I_RD, k, j_rrd)
        _set_lu(ws, I_M, I_M, k, i_m)
        _set_lu(ws, I_M, I_D, k, -slope_m * ws[y + I_M * _ROW] * i_m)
        _set_lu(ws, I_M, I_E, k, 0.0)


@jit
def _factor_group(ws, r_lanes, binding, fac, active, col, jac, lu1, lane_ok) -> None:
    """Jacobian and stage factor of every running lane into the work array.

    ``lane_ok[k]`` receives ``False`` when the factor of lane ``k`` is not usable.
    Full binding takes :func:`_factor_full`; QE binding the per-lane functions.
    """
    if binding != BINDING_QE:
        _factor_full(ws, fac, active.shape[0], lane_ok)
        return
    for k in range(active.shape[0]):
        if not active[k]:
            continue
        _get_column(ws, O_Y, k, col)
        jacobian(col, r_lanes[k], binding, jac)
        lane_ok[k] = stage_factor(jac, fac, lu1)
        for i in range(_N):
            for j in range(_N):
                ws[O_LU + (i * _N + j) * _ROW + k] = lu1[i, j]


@jit
def _initial_step_group(ws, r_lanes, binding, rtol, h_max, active, col, fcol, acol, ytmp,
                        ftmp) -> float:
    """Smallest starting step of :func:`igesweep.solver.lane._initial_step` over running lanes."""
    h = h_max
    for k in range(active.shape[0]):
        if not active[k]:
            continue
        _get_column(ws, O_Y, k, col)
        _get_column(ws, O_F0, k, fcol)
        _get_column(ws, O_ATOL, k, acol)
        h = min(h, _initial_step(col, fcol, r_lanes[k], binding, acol, rtol, h_max, ytmp, ftmp))
    return h


@jit
def _lane_errors(ws, w, rtol, lane_ok, err) -> None:
    """Per-lane RMS error of :func:`igesweep.solver.rodas5p.error_norm` into ``err``.

    A lane whose stage factor was not usable (``lane_ok[k]`` false) gets ``inf``.
    """
    err[:] = 0.0
    for i in range(_N):
        o = i * _ROW
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
def _events_and_outputs(lanes, ws, r_lanes, binding, ev_t, ev_kind, ev_mg, n_ev, ie, t, t_out,
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
            _, e_free, _ = species(col, r_lanes[k], binding)
            pre[lanes[k], ie] = IGE_MW_KDA * e_free
            _apply_event(col, r_lanes[k], binding, ev_kind[lane0, ie], ev_mg[lanes[k], ie])
            _set_column(ws, O_Y, k, col)
        ie += 1
        applied = True
    while io < t_out.shape[0] and t_out[io] <= t:
        for k in range(lanes.shape[0]):
            if not active[k]:
                continue
            _get_column(ws, O_Y, k, col)
            outputs_from_state(col, r_lanes[k], binding, o)
            for v in range(N_OUTPUTS):
                out[v, lanes[k], io] = o[v]
        io += 1
    return ie, io, applied


@jit
def _setup_lanes(lanes, params, ev_kind, ev_mg, n_ev, atol, ws, r_lanes, active, status, out,
                 pre, col) -> None:
    """Rates, initial state and absolute tolerances of every lane; NaN outputs."""
    for k in range(lanes.shape[0]):
        lane = lanes[k]
        out[:, lane, :] = np.nan
        pre[lane, :n_ev] = np.nan
        rk = derive(params[lane])
        r_lanes[k] = rk
        for j in range(N_RATES):
            ws[O_RATES + j * _ROW + k] = rk[j]
        initial_state(rk, col)
        _set_column(ws, O_Y, k, col)
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
        _absolute_tolerance(rk, max_dose, atol, col)
        _set_column(ws, O_ATOL, k, col)


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
def _stop_non_finite(lanes, ws, active, status) -> bool:
    """Stop running lanes whose state or derivative is not finite; ``True`` if some still run."""
    running = False
    for k in range(lanes.shape[0]):
        if active[k]:
            for i in range(_N):
                o = i * _ROW + k
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
    lanes : ndarray of int64, shape (w,), ``w <= LANE_STRIDE``
        Rows of the batch arrays that form the group. They must share binding,
        event days and kinds (those of ``lanes[0]`` are used) and output days.
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
    w = lanes.shape[0]
    ws = np.zeros(WORK_SIZE)
    r_lanes = np.empty((w, N_RATES))
    active = np.empty(w, dtype=np.bool_)
    lane_ok = np.ones(w, dtype=np.bool_)
    err_k = np.zeros(w)
    jac = np.empty((_N, _N))
    lu1 = np.zeros((_N, _N))
    col = np.empty(_N)
    fcol = np.empty(_N)
    acol = np.empty(_N)
    ctmp = np.empty(_N)
    cftmp = np.empty(_N)
    o = np.empty(N_OUTPUTS)
    _setup_lanes(lanes, params, ev_kind, ev_mg, n_ev, atol, ws, r_lanes, active, status, out,
                 pre, col)

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
    running = _stop_non_finite(lanes, ws, active, status)
    while running:
        ie, io, applied = _events_and_outputs(lanes, ws, r_lanes, binding, ev_t, ev_kind, ev_mg,
                                              n_ev, ie, t, t_out, io, active, col, o, out, pre)
        restart = restart or applied
        if io == t_out.shape[0]:
            break
        t_stop = t_out[io]
        if ie < n_ev and ev_t[lane0, ie] < t_stop:
            t_stop = ev_t[lane0, ie]

        rhs_group(ws, O_Y, O_F0, binding, w)
        if restart:
            h = _initial_step_group(ws, r_lanes, binding, rtol, t_stop - t, active, col, fcol,
                                    acol, ctmp, cftmp)
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
            _factor_group(ws, r_lanes, binding, 1.0 / (h_step * GAMMA), active, col, jac, lu1,
                          lane_ok)
            inv_h = 1.0 / h_step
            for i in range(_N):
                for k in range(w):
                    j = i * _ROW + k
                    ws[O_K1 + j] = ws[O_F0 + j]
            stage_solve_group(ws, O_K1, w)
            for i in range(_N):
                for k in range(w):
                    j = i * _ROW + k
                    ws[O_YTMP + j] = ws[O_Y + j] + A21 * ws[O_K1 + j]
            rhs_group(ws, O_YTMP, O_FTMP, binding, w)
            for i in range(_N):
                for k in range(w):
                    j = i * _ROW + k
                    ws[O_K2 + j] = ws[O_FTMP + j] + C21 * ws[O_K1 + j] * inv_h
            stage_solve_group(ws, O_K2, w)
            for i in range(_N):
                for k in range(w):
                    j = i * _ROW + k
                    ws[O_YTMP + j] = ws[O_Y + j] + A31 * ws[O_K1 + j] + A32 * ws[O_K2 + j]
            rhs_group(ws, O_YTMP, O_FTMP, binding, w)
            for i in range(_N):
                for k in range(w):
                    j = i * _ROW + k
                    ws[O_K3 + j] = ws[O_FTMP + j] + (
                        C31 * ws[O_K1 + j] + C32 * ws[O_K2 + j]) * inv_h
            stage_solve_group(ws, O_K3, w)
            for i in range(_N):
                for k in range(w):
                    j = i * _ROW + k
                    ws[O_YTMP + j] = ws[O_Y + j] + (
                        A41 * ws[O_K1 + j] + A42 * ws[O_K2 + j] + A43 * ws[O_K3 + j])
            rhs_group(ws, O_YTMP, O_FTMP, binding, w)
            for i in range(_N):
                for k in range(w):
                    j = i * _ROW + k
                    ws[O_K4 + j] = ws[O_FTMP + j] + (
                        C41 * ws[O_K1 + j] + C42 * ws[O_K2 + j] + C43 * ws[O_K3 + j]) * inv_h
            stage_solve_group(ws, O_K4, w)
            for i in range(_N):
                for k in range(w):
                    j = i * _ROW + k
                    ws[O_YTMP + j] = ws[O_Y + j] + (
                        A51 * ws[O_K1 + j] + A52 * ws[O_K2 + j] + A53 * ws[O_K3 + j]
                        + A54 * ws[O_K4 + j])
            rhs_group(ws, O_YTMP, O_FTMP, binding, w)
            for i in range(_N):
                for k in range(w):
                    j = i * _ROW + k
                    ws[O_K5 + j] = ws[O_FTMP + j] + (
                        C51 * ws[O_K1 + j] + C52 * ws[O_K2 + j] + C53 * ws[O_K3 + j]
                        + C54 * ws[O_K4 + j]) * inv_h
            stage_solve_group(ws, O_K5, w)
            for i in range(_N):
                for k in range(w):
                    j = i * _ROW + k
                    ws[O_YTMP + j] = ws[O_Y + j] + (
                        A61 * ws[O_K1 + j] + A62 * ws[O_K2 + j] + A63 * ws[O_K3 + j]
                        + A64 * ws[O_K4 + j] + A65 * ws[O_K5 + j])
            rhs_group(ws, O_YTMP, O_FTMP, binding, w)
            for i in range(_N):
                for k in range(w):
                    j = i * _ROW + k
                    ws[O_K6 + j] = ws[O_FTMP + j] + (
                        C61 * ws[O_K1 + j] + C62 * ws[O_K2 + j] + C63 * ws[O_K3 + j]
                        + C64 * ws[O_K4 + j] + C65 * ws[O_K5 + j]) * inv_h
            stage_solve_group(ws, O_K6, w)
            for i in range(_N):
                for k in range(w):
                    j = i * _ROW + k
                    ws[O_YTMP + j] += ws[O_K6 + j]
            rhs_group(ws, O_YTMP, O_FTMP, binding, w)
            for i in range(_N):
                for k in range(w):
                    j = i * _ROW + k
                    ws[O_K7 + j] = ws[O_FTMP + j] + (
                        C71 * ws[O_K1 + j] + C72 * ws[O_K2 + j] + C73 * ws[O_K3 + j]
                        + C74 * ws[O_K4 + j] + C75 * ws[O_K5 + j] + C76 * ws[O_K6 + j]) * inv_h
            stage_solve_group(ws, O_K7, w)
            for i in range(_N):
                for k in range(w):
                    j = i * _ROW + k
                    ws[O_YTMP + j] += ws[O_K7 + j]
            rhs_group(ws, O_YTMP, O_FTMP, binding, w)
            for i in range(_N):
                for k in range(w):
                    j = i * _ROW + k
                    ws[O_YERR + j] = ws[O_FTMP + j] + (
                        C81 * ws[O_K1 + j] + C82 * ws[O_K2 + j] + C83 * ws[O_K3 + j]
                        + C84 * ws[O_K4 + j] + C85 * ws[O_K5 + j] + C86 * ws[O_K6 + j]
                        + C87 * ws[O_K7 + j]) * inv_h
            stage_solve_group(ws, O_YERR, w)
            for i in range(_N):
                for k in range(w):
                    j = i * _ROW + k
                    ws[O_YNEW + j] = ws[O_YTMP + j] + ws[O_YERR + j]
            _lane_errors(ws, w, rtol, lane_ok, err_k)
            err = _largest_error(err_k, active)
            if err <= 1.0:
                # accepted: the controller of integrate_lane
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
                for i in range(_N):
                    for k in range(w):
                        j = i * _ROW + k
                        v = ws[O_YNEW + j]
                        clamp = v < 0.0 and v > -_CLAMP * ws[O_ATOL + j]
                        ws[O_Y + j] = 0.0 if clamp else v
                h = max(h, h_new) if (last and h_step < h) else h_new
                n_steps += 1
                rhs_group(ws, O_Y, O_F0, binding, w)
                running = _stop_non_finite(lanes, ws, active, status)
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
                    h = _initial_step_group(ws, r_lanes, binding, rtol, t_stop - t, active, col,
                                            fcol, acol, ctmp, cftmp)
                    first = True
                    rejected_last = False
    for k in range(w):
        stats[lanes[k], STAT_STEPS] = n_steps
        stats[lanes[k], STAT_REJECTED] = n_rejected
        stats[lanes[k], STAT_JACOBIANS] = n_jac
