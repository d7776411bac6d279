"""The anti-IgE model of model.md: derived quantities, initial state, RHS and Jacobian.

Every function here is compiled with Numba and works on one lane: a packed
parameter vector (columns in :data:`igesweep.parameters.PARAMETER_NAMES`
order) is turned once into a vector of rate constants by :func:`derive`, and
the right-hand side and analytic Jacobian read only that vector.

State vector (model.md §5), in this order::

    0 A   depot (nmol)                 5 R   free FcεRI (1/cell)
    1 D   free drug, central (nM)      6 RE  IgE-bound FcεRI (1/cell)
    2 Dp  free drug, peripheral (nM)   7 RD  drug-bound FcεRI (1/cell)
    3 E   free IgE (nM)                8 B   IgE+ B-cell pool (1)
    4 C   drug–IgE complex (nM)        9 M   effector-cell pool (1)

With quasi-equilibrium binding (model.md §5b) slot 1 holds ``DT = D + C``,
slot 3 holds ``ET = E + C`` and slot 4 is unused (kept at 0); ``D``, ``E``
and ``C`` are recovered by :func:`qe_species`.
"""

from __future__ import annotations

import math

import numpy as np

from igesweep._jit import jit, jit_inline
from igesweep.parameters import INDEX
from igesweep.units import IGE_MW_KDA, IU_ML_TO_NM

N_STATES = 10
STATE_NAMES = ("A", "D", "Dp", "E", "C", "R", "RE", "RD", "B", "M")
I_A, I_D, I_DP, I_E, I_C, I_R, I_RE, I_RD, I_B, I_M = range(N_STATES)

#: Binding options (model.md §5 and §5b).
BINDING_FULL = 0
BINDING_QE = 1
BINDING_CODES = {"full": BINDING_FULL, "qe": BINDING_QE}

# Columns of the packed parameter vector (compile-time constants for Numba).
P_WEIGHT = INDEX["weight_kg"]
P_IGE0 = INDEX["ige_baseline_iu_ml"]
P_IGE_HALF_LIFE = INDEX["ige_half_life_d"]
P_FCERI0 = INDEX["fceri_baseline_per_cell"]
P_FCERI_KON = INDEX["fceri_kon"]
P_FCERI_KD = INDEX["fceri_kd_nm"]
P_KINT_FREE = INDEX["fceri_kint_free"]
P_KINT_BOUND = INDEX["fceri_kint_bound"]
P_BCELL_TURNOVER = INDEX["bcell_turnover"]
P_LLPC = INDEX["ige_llpc_fraction"]
P_EFFECTOR_TURNOVER = INDEX["effector_turnover"]
P_XLINK = INDEX["crosslink_exponent"]
P_MW = INDEX["mw_kda"]
P_F = INDEX["bioavailability"]
P_KA = INDEX["ka"]
P_CL = INDEX["cl_l_day"]
P_V = INDEX["v_l"]
P_Q = INDEX["q_l_day"]
P_VP = INDEX["vp_l"]
P_CL_WT = INDEX["cl_wt_exp"]
P_V_WT = INDEX["v_wt_exp"]
P_KON = INDEX["kon"]
P_KD = INDEX["kd_nm"]
P_CLC = INDEX["complex_cl_l_day"]
P_BKILL_MAX = INDEX["bcell_kill_max"]
P_BKILL_EC50 = INDEX["bcell_kill_ec50_nm"]
P_MKILL_MAX = INDEX["effector_kill_max"]
P_MKILL_EC50 = INDEX["effector_kill_ec50_nm"]
P_FDRUG_KON = INDEX["fceri_drug_kon"]
P_FDRUG_KD = INDEX["fceri_drug_kd_nm"]
P_APHERESIS = INDEX["apheresis_ige_removal"]

# Columns of the derived-rate vector returned by derive().
(
    K_KA, K_FKA_V, K_V, K_KEL, K_K12, K_K21, K_KON, K_KOFF, K_KD, K_KELC,
    K_KE, K_KSYNE, K_LLPC, K_E0, K_FKON, K_KOFFR, K_KF, K_KB, K_FDKON, K_KOFFRD,
    K_KSYNR, K_R0, K_RE0, K_BTURN, K_BKMAX, K_BKEC50, K_MTURN, K_MKMAX, K_MKEC50,
    K_MW, K_XLINK, K_APH,
) = range(32)
N_RATES = 32


@jit
def derive(p: np.ndarray) -> np.ndarray:
    """Derived quantities of model.md §4 for one lane.

    Parameters
    ----------
    p : ndarray of float64, shape (n_parameters,)
        Packed parameters in :data:`igesweep.parameters.PARAMETER_NAMES` order.

    Returns
    -------
    ndarray of float64, shape (N_RATES,)
        Rate constants (1/day), volumes (L), concentrations (nM) and receptor
        numbers, indexed by the ``K_*`` constants of this module.
    """
    r = np.empty(N_RATES)
    w = p[P_WEIGHT] / 70.0
    v = p[P_V] * w ** p[P_V_WT]
    vp = p[P_VP] * w ** p[P_V_WT]
    cl_scale = w ** p[P_CL_WT]
    r[K_KA] = p[P_KA]
    r[K_V] = v
    r[K_FKA_V] = p[P_F] * p[P_KA] / v
    r[K_KEL] = p[P_CL] * cl_scale / v
    r[K_K12] = p[P_Q] * cl_scale / v
    r[K_K21] = p[P_Q] * cl_scale / vp if vp > 0.0 else 0.0
    r[K_KELC] = p[P_CLC] * cl_scale / v
    r[K_KON] = p[P_KON]
    r[K_KD] = p[P_KD]
    r[K_KOFF] = p[P_KON] * p[P_KD]
    ke = math.log(2.0) / p[P_IGE_HALF_LIFE]
    e0 = IU_ML_TO_NM * p[P_IGE0]
    r[K_KE] = ke
    r[K_E0] = e0
    r[K_KSYNE] = ke * e0
    r[K_LLPC] = p[P_LLPC]
    fkon = p[P_FCERI_KON]
    koffr = fkon * p[P_FCERI_KD]
    kf = p[P_KINT_FREE]
    kb = p[P_KINT_BOUND]
    r[K_FKON] = fkon
    r[K_KOFFR] = koffr
    r[K_KF] = kf
    r[K_KB] = kb
    r[K_FDKON] = p[P_FDRUG_KON]
    r[K_KOFFRD] = p[P_FDRUG_KON] * p[P_FDRUG_KD]
    # exact untreated steady state: RE0/R0 = fkon*E0/(koffR + kint_bound)
    ratio = fkon * e0 / (koffr + kb)
    r0 = p[P_FCERI0] / (1.0 + ratio)
    re0 = p[P_FCERI0] - r0
    r[K_R0] = r0
    r[K_RE0] = re0
    r[K_KSYNR] = kf * r0 + kb * re0
    r[K_BTURN] = p[P_BCELL_TURNOVER]
    r[K_BKMAX] = p[P_BKILL_MAX]
    r[K_BKEC50] = p[P_BKILL_EC50]
    r[K_MTURN] = p[P_EFFECTOR_TURNOVER]
    r[K_MKMAX] = p[P_MKILL_MAX]
    r[K_MKEC50] = p[P_MKILL_EC50]
    r[K_MW] = p[P_MW]
    r[K_XLINK] = p[P_XLINK]
    r[K_APH] = p[P_APHERESIS]
    return r


@jit
def initial_state(r: np.ndarray, y: np.ndarray) -> None:
    """Write the exact untreated steady state (model.md §4-5) into ``y``.

    The same vector serves both binding options: with no drug, ``DT = D = 0``
    and ``ET = E = E0``.
    """
    y[:] = 0.0
    y[I_E] = r[K_E0]
    y[I_R] = r[K_R0]
    y[I_RE] = r[K_RE0]
    y[I_B] = 1.0
    y[I_M] = 1.0


@jit
def qe_species(y: np.ndarray, r: np.ndarray) -> tuple[float, float, float, float]:
    """Recover free drug, free IgE and complex from the QE totals.

    Returns
    -------
    (D, E, C, sq) : tuple of float
        Free drug, free IgE and complex (nM), and ``sq = sqrt(S**2 - 4*DT*ET)``
        with ``S = DT + ET + kd``, the denominator of the derivatives of C.
        A drug with ``kon = 0`` does not bind (C = 0).
    """
    dt = y[I_D]
    et = y[I_E]
    kd = r[K_KD]
    if r[K_KON] == 0.0:
        return dt, et, 0.0, 1.0
    s = dt + et + kd
    # S**2 - 4 DT ET written without cancellation
    disc = (dt - et) * (dt - et) + kd * (2.0 * (dt + et) + kd)
    sq = math.sqrt(max(disc, 0.0))
    c = 2.0 * dt * et / (s + sq) if s + sq > 0.0 else 0.0
    return dt - c, et - c, c, sq


@jit
def species(y: np.ndarray, r: np.ndarray, binding: int) -> tuple[float, float, float]:
    """Free drug, free IgE and complex (nM) of a state under either binding option."""
    if binding == BINDING_QE:
        d, e, c, _ = qe_species(y, r)
        return d, e, c
    return y[I_D], y[I_E], y[I_C]


@jit
def _emax(kmax: float, ec50: float, d: float) -> float:
    if kmax == 0.0:
        return 0.0
    return kmax * d / (ec50 + d)


@jit
def _emax_slope(kmax: float, ec50: float, d: float) -> float:
    if kmax == 0.0:
        return 0.0
    return kmax * ec50 / ((ec50 + d) * (ec50 + d))


@jit_inline
def rhs(y: np.ndarray, r: np.ndarray, binding: int, dy: np.ndarray) -> None:
    """Right-hand side of model.md §5 (full) or §5b (QE), written into ``dy``."""
    a = y[I_A]
    dp = y[I_DP]
    rf = y[I_R]
    re = y[I_RE]
    rd = y[I_RD]
    b = y[I_B]
    m = y[I_M]
    if binding == BINDING_QE:
        d, e, c, _ = qe_species(y, r)
        bind = 0.0
    else:
        d = y[I_D]
        e = y[I_E]
        c = y[I_C]
        bind = r[K_KON] * d * e - r[K_KOFF] * c
    kill_b = _emax(r[K_BKMAX], r[K_BKEC50], d)
    kill_m = _emax(r[K_MKMAX], r[K_MKEC50], d)
    dd = r[K_FKA_V] * a - r[K_KEL] * d - r[K_K12] * (d - dp) - bind
    de = r[K_KSYNE] * (r[K_LLPC] + (1.0 - r[K_LLPC]) * b) - r[K_KE] * e - bind
    dc = bind - r[K_KELC] * c
    dy[I_A] = -r[K_KA] * a
    dy[I_DP] = r[K_K21] * (d - dp)
    if binding == BINDING_QE:
        # d(D + C)/dt and d(E + C)/dt; binding itself cancels
        dy[I_D] = dd + dc
        dy[I_E] = de + dc
        dy[I_C] = 0.0
    else:
        dy[I_D] = dd
        dy[I_E] = de
        dy[I_C] = dc
    fe = r[K_FKON] * e * rf
    fd = r[K_FDKON] * d * rf
    dy[I_R] = (r[K_KSYNR] - r[K_KF] * rf - fe + r[K_KOFFR] * re - fd + r[K_KOFFRD] * rd)
    dy[I_RE] = fe - (r[K_KOFFR] + r[K_KB]) * re
    dy[I_RD] = fd - (r[K_KOFFRD] + r[K_KB]) * rd
    dy[I_B] = r[K_BTURN] * (1.0 - b) - kill_b * b
    dy[I_M] = r[K_MTURN] * (1.0 - m) - kill_m * m


@jit
def jacobian(y: np.ndarray, r: np.ndarray, binding: int, jac: np.ndarray) -> None:
    """Analytic Jacobian ``jac[i, j] = d rhs_i / d y_j`` of :func:`rhs`.

    For QE binding the rows of ``DT`` and ``ET`` are the sums of the full
    model's ``D``/``E`` rows with its ``C`` row (binding terms cancel), and
    the columns of ``D``, ``E`` and ``C`` are chained through the derivatives
    of the recovered species: ``dC/dDT = E/sq`` and ``dC/dET = D/sq``.
    """
    jac[:, :] = 0.0
    rf = y[I_R]
    b = y[I_B]
    m = y[I_M]
    qe = binding == BINDING_QE
    if qe:
        d, e, _, sq = qe_species(y, r)
        kon = 0.0
        koff = 0.0
    else:
        d = y[I_D]
        e = y[I_E]
        sq = 1.0
        kon = r[K_KON]
        koff = r[K_KOFF]
    kill_b = _emax(r[K_BKMAX], r[K_BKEC50], d)
    kill_m = _emax(r[K_MKMAX], r[K_MKEC50], d)
    # partial derivatives with respect to the species (A, D, Dp, E, C, R, ...)
    jac[I_A, I_A] = -r[K_KA]
    jac[I_D, I_A] = r[K_FKA_V]
    jac[I_D, I_D] = -r[K_KEL] - r[K_K12] - kon * e
    jac[I_D, I_DP] = r[K_K12]
    jac[I_D, I_E] = -kon * d
    jac[I_D, I_C] = koff
    jac[I_DP, I_D] = r[K_K21]
    jac[I_DP, I_DP] = -r[K_K21]
    jac[I_E, I_D] = -kon * e
    jac[I_E, I_E] = -r[K_KE] - kon * d
    jac[I_E, I_C] = koff
    jac[I_E, I_B] = r[K_KSYNE] * (1.0 - r[K_LLPC])
    jac[I_C, I_D] = kon * e
    jac[I_C, I_E] = kon * d
    jac[I_C, I_C] = -koff - r[K_KELC]
    fkon = r[K_FKON]
    fdkon = r[K_FDKON]
    jac[I_R, I_D] = -fdkon * rf
    jac[I_R, I_E] = -fkon * rf
    jac[I_R, I_R] = -r[K_KF] - fkon * e - fdkon * d
    jac[I_R, I_RE] = r[K_KOFFR]
    jac[I_R, I_RD] = r[K_KOFFRD]
    jac[I_RE, I_E] = fkon * rf
    jac[I_RE, I_R] = fkon * e
    jac[I_RE, I_RE] = -r[K_KOFFR] - r[K_KB]
    jac[I_RD, I_D] = fdkon * rf
    jac[I_RD, I_R] = fdkon * d
    jac[I_RD, I_RD] = -r[K_KOFFRD] - r[K_KB]
    jac[I_B, I_D] = -_emax_slope(r[K_BKMAX], r[K_BKEC50], d) * b
    jac[I_B, I_B] = -r[K_BTURN] - kill_b
    jac[I_M, I_D] = -_emax_slope(r[K_MKMAX], r[K_MKEC50], d) * m
    jac[I_M, I_M] = -r[K_MTURN] - kill_m
    if not qe:
        return
    # rows: d(DT)/dt = f_D + f_C, d(ET)/dt = f_E + f_C
    for j in range(N_STATES):
        jac[I_D, j] += jac[I_C, j]
        jac[I_E, j] += jac[I_C, j]
        jac[I_C, j] = 0.0
    # columns: chain rule through D(DT, ET), E(DT, ET), C(DT, ET)
    if r[K_KON] == 0.0:
        dc_ddt = 0.0
        dc_det = 0.0
    else:
        dc_ddt = e / sq
        dc_det = d / sq
    for i in range(N_STATES):
        fd_ = jac[i, I_D]
        fe_ = jac[i, I_E]
        fc_ = jac[i, I_C]
        jac[i, I_D] = fd_ * (1.0 - dc_ddt) - fe_ * dc_ddt + fc_ * dc_ddt
        jac[i, I_E] = -fd_ * dc_det + fe_ * (1.0 - dc_det) + fc_ * dc_det
        jac[i, I_C] = 0.0


@jit
def outputs_from_state(y: np.ndarray, r: np.ndarray, binding: int, out: np.ndarray) -> None:
    """The ten outputs of model.md §7 at one time, written into ``out``.

    Order: free_ige (ng/mL), total_ige (IU/mL), free_drug (µg/mL), complex (nM),
    fceri_total (1/cell), fceri_occupancy, threshold_fold, bcell_pool,
    effector_pool, effector_response.
    """
    # species written out as in rhs (through species() Numba keeps reference counting)
    if binding == BINDING_QE:
        d, e, c, _ = qe_species(y, r)
    else:
        d = y[I_D]
        e = y[I_E]
        c = y[I_C]
    rf = y[I_R]
    re = y[I_RE]
    rd = y[I_RD]
    total = rf + re + rd
    # (RE/RE0)**n is the reciprocal of the threshold fold: one pow instead of two
    fold = (r[K_RE0] / re) ** r[K_XLINK]
    out[0] = IGE_MW_KDA * e
    out[1] = (e + c) / IU_ML_TO_NM
    out[2] = d * r[K_MW] / 1000.0
    out[3] = c
    out[4] = total
    out[5] = re / total
    out[6] = fold
    out[7] = y[I_B]
    out[8] = y[I_M]
    out[9] = y[I_M] / fold
