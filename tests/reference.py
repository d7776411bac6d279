"""Independent numerical reference for the anti-IgE therapy model.

This module solves the model of ``model.md`` (sections 2-7) with SciPy's
implicit integrators at tight tolerances.  It is deliberately independent of
the ``igesweep`` package: it shares no code with it, only the specification,
so that the package's compiled integrators can be checked against it
(``model.md`` section 8).

Only numpy, scipy and the standard library are used.

Tolerances
----------
``solve_ivp`` is called with the requested ``rtol`` (1e-10 by default) and a
per-state absolute tolerance ``atol_i = rtol * ATOL_FLOOR * scale_i``, where
``scale_i`` is an a-priori upper estimate of the size of state ``i``:

* ``A``: the largest single dose (nmol); ``D``, ``Dp`` (and ``DT`` under QE):
  the largest single dose divided by the central volume V (nM), i.e. the peak
  an IV bolus of that dose would give;
* ``E``, ``C`` (and ``ET``): the untreated free IgE ``E0`` (nM);
* ``R``, ``RE``, ``RD``: ``fceri_baseline_per_cell``;
* ``B``, ``M``: 1 (their baseline).

With ``ATOL_FLOOR = 1e-8`` the error test is purely relative for every value
above ``1e-8`` of its scale, i.e. two decades below the ``1e-6``-of-maximum
floor of ``model.md`` section 8 (the margin covers states whose maximum over
the run is below the a-priori scale, e.g. ``D`` after an SC dose, ``RE`` at low
occupancy).  This matters where states start at exactly zero (``D``, ``C``,
``RD``) and where free IgE falls by orders of magnitude under a picomolar
binder.

Segments
--------
The integration is restarted at every event time: each interval between
consecutive event times is a separate ``solve_ivp`` call, and the events of a
time are applied to the state at the start of its segment.  An output at an
event time therefore reports the post-event state; outputs inside a segment
come from the integrator's continuous extension.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

__all__ = [
    "ATOL_FLOOR",
    "EVENT_KINDS",
    "IGE_MW_KDA",
    "IU_ML_TO_NM",
    "MODEL",
    "OUTPUT_NAMES",
    "PARAMETER_NAMES",
    "PATIENT_PARAMETER_NAMES",
    "QE_STATE_NAMES",
    "STATE_NAMES",
    "THERAPY_PARAMETER_NAMES",
    "Derived",
    "derive",
    "initial_state",
    "jac_full",
    "jac_qe",
    "qe_species",
    "rhs_full",
    "rhs_qe",
    "solve_reference",
    "state_scales",
]

#: Molar mass of IgE (kDa): 1 nM IgE = 190 ng/mL.
IGE_MW_KDA = 190.0
#: 1 IU/mL of IgE in nM: 2.4 ng/mL per IU/mL divided by 190 kDa (exact).
IU_ML_TO_NM = 2.4 / 190.0
#: Absolute tolerances are ``rtol * ATOL_FLOOR * scale`` per state.
ATOL_FLOOR = 1e-8

PATIENT_PARAMETER_NAMES: tuple[str, ...] = (
    "weight_kg",
    "ige_baseline_iu_ml",
    "ige_half_life_d",
    "fceri_baseline_per_cell",
    "fceri_kon",
    "fceri_kd_nm",
    "fceri_kint_free",
    "fceri_kint_bound",
    "bcell_turnover",
    "ige_llpc_fraction",
    "effector_turnover",
    "crosslink_exponent",
)
THERAPY_PARAMETER_NAMES: tuple[str, ...] = (
    "mw_kda",
    "bioavailability",
    "ka",
    "cl_l_day",
    "v_l",
    "q_l_day",
    "vp_l",
    "cl_wt_exp",
    "v_wt_exp",
    "kon",
    "kd_nm",
    "complex_cl_l_day",
    "bcell_kill_max",
    "bcell_kill_ec50_nm",
    "effector_kill_max",
    "effector_kill_ec50_nm",
    "fceri_drug_kon",
    "fceri_drug_kd_nm",
    "apheresis_ige_removal",
)
#: The igesweep model this module is the reference of (a scenario must name it: the
#: default model is igesweep-2).
MODEL = "igesweep-1"

#: The 31 parameters of model.md section 3: patient first, then therapy.
PARAMETER_NAMES: tuple[str, ...] = PATIENT_PARAMETER_NAMES + THERAPY_PARAMETER_NAMES

#: States of the full model (model.md section 5), in this order.
STATE_NAMES: tuple[str, ...] = ("A", "D", "Dp", "E", "C", "R", "RE", "RD", "B", "M")
#: States of the quasi-equilibrium model (model.md section 5b), in this order.
QE_STATE_NAMES: tuple[str, ...] = ("A", "DT", "Dp", "ET", "R", "RE", "RD", "B", "M")

#: The outputs of model.md section 7, in table order.
OUTPUT_NAMES: tuple[str, ...] = (
    "free_ige",
    "total_ige",
    "free_drug",
    "complex",
    "fceri_total",
    "fceri_occupancy",
    "threshold_fold",
    "bcell_pool",
    "effector_pool",
    "effector_response",
)

EVENT_KINDS: tuple[str, ...] = ("sc", "iv", "apheresis")
_METHODS = ("Radau", "BDF", "LSODA")
_BINDINGS = ("full", "qe")

# Index of each state in the full and QE vectors.
_A, _D, _DP, _E, _C, _R, _RE, _RD, _B, _M = range(10)
_QA, _QDT, _QDP, _QET, _QR, _QRE, _QRD, _QB, _QM = range(9)


# ---------------------------------------------------------------------------
# Parameters and derived quantities (model.md sections 3 and 4)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Derived:
    """Rate constants and baselines of model.md section 4 (units: day, nM, L, receptors/cell)."""

    V: float
    Vp: float
    CL: float
    Q: float
    CLc: float
    kel: float
    k12: float
    k21: float
    kelC: float
    ka: float
    F: float
    mw_kda: float
    kon: float
    kd: float
    koff: float
    kE: float
    E0: float
    ksynE: float
    llpc: float
    fceri_kon: float
    koffR: float
    kint_free: float
    kint_bound: float
    fceri_drug_kon: float
    koffRD: float
    R0: float
    RE0: float
    ksynR: float
    fceri_baseline: float
    bcell_turnover: float
    bkill_max: float
    bkill_ec50: float
    effector_turnover: float
    mkill_max: float
    mkill_ec50: float
    crosslink_exponent: float
    apheresis_removal: float


def _check_params(params: Mapping[str, float]) -> dict[str, float]:
    missing = [name for name in PARAMETER_NAMES if name not in params]
    if missing:
        raise KeyError(f"missing model parameters: {', '.join(missing)}")
    p = {name: float(params[name]) for name in PARAMETER_NAMES}
    bad = [name for name, value in p.items() if not math.isfinite(value)]
    if bad:
        raise ValueError(f"non-finite parameters: {', '.join(bad)}")
    for name in ("weight_kg", "ige_half_life_d", "mw_kda", "v_l"):
        if p[name] <= 0.0:
            raise ValueError(f"{name} must be > 0, got {p[name]}")
    for name in PARAMETER_NAMES:
        if name in ("cl_wt_exp", "v_wt_exp", "crosslink_exponent"):
            continue
        if p[name] < 0.0:
            raise ValueError(f"{name} must be >= 0, got {p[name]}")
    for name in ("ige_llpc_fraction", "apheresis_ige_removal", "bioavailability"):
        if p[name] > 1.0:
            raise ValueError(f"{name} must be <= 1, got {p[name]}")
    for stem in ("bcell_kill", "effector_kill"):
        if p[f"{stem}_max"] > 0.0 and p[f"{stem}_ec50_nm"] <= 0.0:
            raise ValueError(f"{stem}_ec50_nm must be > 0 when {stem}_max > 0")
    return p


def derive(params: Mapping[str, float]) -> Derived:
    """Derived quantities of model.md section 4.

    Follows section 4 literally: ``k21 = 0`` when ``Vp = 0`` but ``k12 = Q/V``
    regardless, so ``q_l_day > 0`` with ``vp_l = 0`` drains the central
    compartment into a peripheral one that never returns drug (an extra
    clearance Q).  One-compartment drugs should set both to 0.

    Parameters
    ----------
    params
        All 31 names of :data:`PARAMETER_NAMES` (extra keys are ignored).

    Raises
    ------
    KeyError
        If a parameter is missing.
    ValueError
        If a parameter is non-finite or outside its physical range.
    """
    p = _check_params(params)
    w = p["weight_kg"] / 70.0
    v_scale = w ** p["v_wt_exp"]
    cl_scale = w ** p["cl_wt_exp"]
    V = p["v_l"] * v_scale
    Vp = p["vp_l"] * v_scale
    CL = p["cl_l_day"] * cl_scale
    Q = p["q_l_day"] * cl_scale
    CLc = p["complex_cl_l_day"] * cl_scale

    kE = math.log(2.0) / p["ige_half_life_d"]
    E0 = IU_ML_TO_NM * p["ige_baseline_iu_ml"]
    koffR = p["fceri_kon"] * p["fceri_kd_nm"]
    # RE0/R0 = fceri_kon*E0/(koffR + kint_bound) and R0 + RE0 = baseline.
    ratio_num = p["fceri_kon"] * E0
    ratio_den = koffR + p["fceri_kint_bound"]
    total = p["fceri_baseline_per_cell"]
    if ratio_num == 0.0:
        R0, RE0 = total, 0.0
    elif ratio_den == 0.0:
        R0, RE0 = 0.0, total
    else:
        R0 = total * ratio_den / (ratio_den + ratio_num)
        RE0 = total * ratio_num / (ratio_den + ratio_num)
    ksynR = p["fceri_kint_free"] * R0 + p["fceri_kint_bound"] * RE0

    return Derived(
        V=V,
        Vp=Vp,
        CL=CL,
        Q=Q,
        CLc=CLc,
        kel=CL / V,
        k12=Q / V,
        k21=Q / Vp if Vp > 0.0 else 0.0,
        kelC=CLc / V,
        ka=p["ka"],
        F=p["bioavailability"],
        mw_kda=p["mw_kda"],
        kon=p["kon"],
        kd=p["kd_nm"],
        koff=p["kon"] * p["kd_nm"],
        kE=kE,
        E0=E0,
        ksynE=kE * E0,
        llpc=p["ige_llpc_fraction"],
        fceri_kon=p["fceri_kon"],
        koffR=koffR,
        kint_free=p["fceri_kint_free"],
        kint_bound=p["fceri_kint_bound"],
        fceri_drug_kon=p["fceri_drug_kon"],
        koffRD=p["fceri_drug_kon"] * p["fceri_drug_kd_nm"],
        R0=R0,
        RE0=RE0,
        ksynR=ksynR,
        fceri_baseline=total,
        bcell_turnover=p["bcell_turnover"],
        bkill_max=p["bcell_kill_max"],
        bkill_ec50=p["bcell_kill_ec50_nm"],
        effector_turnover=p["effector_turnover"],
        mkill_max=p["effector_kill_max"],
        mkill_ec50=p["effector_kill_ec50_nm"],
        crosslink_exponent=p["crosslink_exponent"],
        apheresis_removal=p["apheresis_ige_removal"],
    )


def initial_state(d: Derived, binding: str = "full") -> np.ndarray:
    """Untreated steady state: ``A=D=Dp=C=RD=0``, ``E=E0``, ``R=R0``, ``RE=RE0``, ``B=M=1``."""
    _check_binding(binding)
    if binding == "full":
        return np.array([0.0, 0.0, 0.0, d.E0, 0.0, d.R0, d.RE0, 0.0, 1.0, 1.0])
    return np.array([0.0, 0.0, 0.0, d.E0, d.R0, d.RE0, 0.0, 1.0, 1.0])


def state_scales(d: Derived, max_dose_nmol: float, binding: str = "full") -> np.ndarray:
    """A-priori size of each state, used for the absolute tolerances (see module docstring)."""
    _check_binding(binding)
    dose = max_dose_nmol if max_dose_nmol > 0.0 else 1.0
    conc = dose / d.V
    ige = d.E0 if d.E0 > 0.0 else 1.0
    rec = d.fceri_baseline if d.fceri_baseline > 0.0 else 1.0
    if binding == "full":
        return np.array([dose, conc, conc, ige, ige, rec, rec, rec, 1.0, 1.0])
    return np.array([dose, conc, conc, ige, rec, rec, rec, 1.0, 1.0])


# ---------------------------------------------------------------------------
# Right-hand sides and analytic Jacobians (model.md sections 5 and 5b)
# ---------------------------------------------------------------------------


def _emax(kmax: float, ec50: float, D: float) -> tuple[float, float]:
    """Emax kill rate ``kmax*D/(ec50 + D)`` and its derivative in D (0 when kmax = 0)."""
    if kmax == 0.0:
        return 0.0, 0.0
    den = ec50 + D
    return kmax * D / den, kmax * ec50 / (den * den)


def _common_rates(d: Derived, D, E, R, RE, RD, B, M):
    """Rates shared by both bindings (receptors and cell pools), given free D and E."""
    killB, _ = _emax(d.bkill_max, d.bkill_ec50, D)
    killM, _ = _emax(d.mkill_max, d.mkill_ec50, D)
    bindR = d.fceri_kon * E * R - d.koffR * RE
    bindRD = d.fceri_drug_kon * D * R - d.koffRD * RD
    dR = d.ksynR - d.kint_free * R - bindR - bindRD
    dRE = bindR - d.kint_bound * RE
    dRD = bindRD - d.kint_bound * RD
    dB = d.bcell_turnover * (1.0 - B) - killB * B
    dM = d.effector_turnover * (1.0 - M) - killM * M
    return dR, dRE, dRD, dB, dM


def rhs_full(t: float, y: np.ndarray, d: Derived) -> np.ndarray:
    """Right-hand side of the full model (model.md section 5), ``y`` in STATE_NAMES order."""
    A, D, Dp, E, C, R, RE, RD, B, M = y
    bind = d.kon * D * E - d.koff * C
    dR, dRE, dRD, dB, dM = _common_rates(d, D, E, R, RE, RD, B, M)
    return np.array(
        [
            -d.ka * A,
            d.F * d.ka * A / d.V - d.kel * D - d.k12 * (D - Dp) - bind,
            d.k21 * (D - Dp),
            d.ksynE * (d.llpc + (1.0 - d.llpc) * B) - d.kE * E - bind,
            bind - d.kelC * C,
            dR,
            dRE,
            dRD,
            dB,
            dM,
        ]
    )


def _common_partials(d: Derived, D, E, R, B, M):
    """Partial derivatives of the receptor and pool equations.

    Returns ``rows`` with one entry per equation R, RE, RD, B, M, each a dict
    mapping a variable name (``D``, ``E``, ``R``, ``RE``, ``RD``, ``B``, ``M``)
    to the partial derivative.
    """
    killB, dkillB = _emax(d.bkill_max, d.bkill_ec50, D)
    killM, dkillM = _emax(d.mkill_max, d.mkill_ec50, D)
    kR, kRD = d.fceri_kon, d.fceri_drug_kon
    return {
        "R": {
            "D": -kRD * R,
            "E": -kR * R,
            "R": -d.kint_free - kR * E - kRD * D,
            "RE": d.koffR,
            "RD": d.koffRD,
        },
        "RE": {"E": kR * R, "R": kR * E, "RE": -d.koffR - d.kint_bound},
        "RD": {"D": kRD * R, "R": kRD * D, "RD": -d.koffRD - d.kint_bound},
        "B": {"D": -dkillB * B, "B": -d.bcell_turnover - killB},
        "M": {"D": -dkillM * M, "M": -d.effector_turnover - killM},
    }


def jac_full(t: float, y: np.ndarray, d: Derived) -> np.ndarray:
    """Analytic Jacobian ``J[i, j] = d f_i / d y_j`` of :func:`rhs_full`."""
    D, E, R, B, M = (y[i] for i in (_D, _E, _R, _B, _M))
    J = np.zeros((10, 10))
    J[_A, _A] = -d.ka

    J[_D, _A] = d.F * d.ka / d.V
    J[_D, _D] = -d.kel - d.k12 - d.kon * E
    J[_D, _DP] = d.k12
    J[_D, _E] = -d.kon * D
    J[_D, _C] = d.koff

    J[_DP, _D] = d.k21
    J[_DP, _DP] = -d.k21

    J[_E, _D] = -d.kon * E
    J[_E, _E] = -d.kE - d.kon * D
    J[_E, _C] = d.koff
    J[_E, _B] = d.ksynE * (1.0 - d.llpc)

    J[_C, _D] = d.kon * E
    J[_C, _E] = d.kon * D
    J[_C, _C] = -d.koff - d.kelC

    index = {"D": _D, "E": _E, "R": _R, "RE": _RE, "RD": _RD, "B": _B, "M": _M}
    for row, partials in _common_partials(d, D, E, R, B, M).items():
        for col, value in partials.items():
            J[index[row], index[col]] = value
    return J


def _qe_split(DT: float, ET: float, kd: float) -> tuple[float, float, float, float]:
    """Scalar core of :func:`qe_species`: ``(D, E, C, root)`` for a binding drug."""
    root = math.sqrt((DT - ET) ** 2 + kd * (kd + 2.0 * (DT + ET)))
    den = DT + ET + kd + root
    C = 2.0 * DT * ET / den if den > 0.0 else 0.0
    b_E, b_D = DT - ET + kd, ET - DT + kd
    E = 2.0 * kd * ET / (root + b_E) if b_E > 0.0 else 0.5 * (root - b_E)
    D = 2.0 * kd * DT / (root + b_D) if b_D > 0.0 else 0.5 * (root - b_D)
    return D, E, C, root


_qe_split_array = np.vectorize(_qe_split, otypes=[float, float, float, float])


def qe_species(DT, ET, kd: float, kon: float):
    """Quasi-equilibrium free drug ``D``, free IgE ``E`` and complex ``C`` (nM) from the totals.

    ``C`` is the smaller root of ``C**2 - (DT + ET + kd)*C + DT*ET = 0``
    (model.md section 5b), ``D = DT - C`` and ``E = ET - C``.  All three share
    the discriminant ``root**2 = (DT - ET)**2 + kd*(kd + 2*(DT + ET))`` and are
    evaluated without cancellation:

    * ``C = 2*DT*ET / (DT + ET + kd + root)``;
    * ``E = (root - (DT - ET + kd)) / 2``, taken as
      ``2*kd*ET / (root + (DT - ET + kd))`` when drug is in excess, so that a
      free IgE suppressed many decades below ``ET`` keeps its relative
      precision; ``D`` likewise with the roles of drug and IgE swapped.

    A drug with ``kon == 0`` does not bind: ``C = 0``, ``D = DT``, ``E = ET``.
    Works on scalars and arrays (non-negative totals).
    """
    DT, ET = np.broadcast_arrays(np.asarray(DT, dtype=float), np.asarray(ET, dtype=float))
    if kon == 0.0:
        return DT.copy()[()], ET.copy()[()], np.zeros(DT.shape)[()]
    D, E, C, _ = _qe_split_array(DT, ET, kd)
    return D[()], E[()], C[()]


def _qe_species(y: np.ndarray, d: Derived):
    """Free drug, free IgE and complex of a QE state, with the derivatives of C in DT, ET."""
    DT, ET = y[_QDT], y[_QET]
    if d.kon == 0.0:
        return DT, ET, 0.0, 0.0, 0.0
    D, E, C, root = _qe_split(DT, ET, d.kd)
    # Implicit differentiation of C^2 - S*C + DT*ET = 0: dg/dC = 2C - S = -root,
    # dg/dDT = ET - C = E, dg/dET = DT - C = D.
    if root > 0.0:
        dC_dDT, dC_dET = E / root, D / root
    else:  # DT == ET and kd == 0: C = min(DT, ET) has a kink; take the mean slope
        dC_dDT = dC_dET = 0.5
    return D, E, C, dC_dDT, dC_dET


def rhs_qe(t: float, y: np.ndarray, d: Derived) -> np.ndarray:
    """Right-hand side of the quasi-equilibrium model (model.md section 5b).

    ``y`` is in QE_STATE_NAMES order.
    """
    A, _DT, Dp, _ET, R, RE, RD, B, M = y
    D, E, C, _, _ = _qe_species(y, d)
    dR, dRE, dRD, dB, dM = _common_rates(d, D, E, R, RE, RD, B, M)
    return np.array(
        [
            -d.ka * A,
            d.F * d.ka * A / d.V - d.kel * D - d.k12 * (D - Dp) - d.kelC * C,
            d.k21 * (D - Dp),
            d.ksynE * (d.llpc + (1.0 - d.llpc) * B) - d.kE * E - d.kelC * C,
            dR,
            dRE,
            dRD,
            dB,
            dM,
        ]
    )


def jac_qe(t: float, y: np.ndarray, d: Derived) -> np.ndarray:
    """Analytic Jacobian of :func:`rhs_qe` (chain rule through the recovered D, E, C)."""
    R, B, M = y[_QR], y[_QB], y[_QM]
    D, E, _, cD, cE = _qe_species(y, d)
    # Sensitivities of the recovered species to the totals (columns DT, ET).
    dC = (cD, cE)
    dD = (1.0 - cD, -cE)
    dE = (-cD, 1.0 - cE)
    J = np.zeros((9, 9))
    J[_QA, _QA] = -d.ka

    J[_QDT, _QA] = d.F * d.ka / d.V
    J[_QDT, _QDP] = d.k12
    for k, col in enumerate((_QDT, _QET)):
        J[_QDT, col] = -(d.kel + d.k12) * dD[k] - d.kelC * dC[k]
        J[_QDP, col] = d.k21 * dD[k]
        J[_QET, col] = -d.kE * dE[k] - d.kelC * dC[k]
    J[_QDP, _QDP] = -d.k21
    J[_QET, _QB] = d.ksynE * (1.0 - d.llpc)

    index = {"R": _QR, "RE": _QRE, "RD": _QRD, "B": _QB, "M": _QM}
    for row, partials in _common_partials(d, D, E, R, B, M).items():
        i = index[row]
        for col, value in partials.items():
            if col == "D":
                J[i, _QDT] += value * dD[0]
                J[i, _QET] += value * dD[1]
            elif col == "E":
                J[i, _QDT] += value * dE[0]
                J[i, _QET] += value * dE[1]
            else:
                J[i, index[col]] += value
    return J


# ---------------------------------------------------------------------------
# Events (model.md section 6)
# ---------------------------------------------------------------------------


def _check_binding(binding: str) -> None:
    if binding not in _BINDINGS:
        raise ValueError(f"binding must be one of {_BINDINGS}, got {binding!r}")


def _normalise_events(events: Sequence[tuple[float, str, float]]) -> list[tuple[float, str, float]]:
    out = []
    for item in events:
        day, kind, amount = item
        day = float(day)
        kind = str(kind).lower()
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}; expected one of {EVENT_KINDS}")
        amount = 0.0 if kind == "apheresis" else float(amount)
        if not math.isfinite(day):
            raise ValueError(f"event time must be finite, got {day}")
        if kind != "apheresis" and not (math.isfinite(amount) and amount >= 0.0):
            raise ValueError(f"dose must be a finite amount >= 0 mg, got {amount}")
        out.append((day, kind, amount))
    # Stable: by time; at one time apheresis sessions come before doses (see _apply_event).
    out.sort(key=lambda e: (e[0], e[1] != "apheresis"))
    return out


def _apply_event(
    y: np.ndarray, kind: str, amount_mg: float, d: Derived, binding: str
) -> np.ndarray:
    """Apply one event of model.md section 6 to a copy of ``y``.

    Doses (SC into ``A``, IV into ``D`` or ``DT``) commute with each other and,
    in the full model, with apheresis.  Under QE an apheresis session removes
    the fraction ``f`` of free IgE and of the *equilibrium* complex recovered
    from the totals, ``E -> (1-f)E``, ``C -> (1-f)C``, ``D`` unchanged, so
    ``ET -> (1-f)ET`` and ``DT -> DT - f*C``; it does not commute with an IV
    dose at the same time (the dose would bind before being removed), which
    is why sessions are applied before doses of the same time.
    """
    y = y.copy()
    f = d.apheresis_removal
    if kind == "sc":
        y[_A] += amount_mg * 1000.0 / d.mw_kda
    elif kind == "iv":
        y[_D] += amount_mg * 1000.0 / d.mw_kda / d.V  # _D == _QDT
    elif binding == "full":
        y[_E] *= 1.0 - f
        y[_C] *= 1.0 - f
    else:
        _, _, C, _, _ = _qe_species(y, d)
        y[_QET] *= 1.0 - f
        y[_QDT] -= f * C
    return y


# ---------------------------------------------------------------------------
# Outputs (model.md section 7)
# ---------------------------------------------------------------------------


def _outputs(d: Derived, D, E, C, R, RE, RD, B, M) -> dict[str, np.ndarray]:
    n = d.crosslink_exponent
    total_r = R + RE + RD
    with np.errstate(divide="ignore", invalid="ignore"):
        occupancy = RE / total_r
        threshold = (d.RE0 / RE) ** n
        response = M * (RE / d.RE0) ** n
    return {
        "free_ige": IGE_MW_KDA * E,
        "total_ige": (E + C) / IU_ML_TO_NM,
        "free_drug": D * d.mw_kda / 1000.0,
        "complex": np.array(C, dtype=float),
        "fceri_total": total_r,
        "fceri_occupancy": occupancy,
        "threshold_fold": threshold,
        "bcell_pool": np.array(B, dtype=float),
        "effector_pool": np.array(M, dtype=float),
        "effector_response": response,
    }


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------


def solve_reference(
    params: Mapping[str, float],
    events: Sequence[tuple[float, str, float]],
    times: np.ndarray,
    *,
    binding: str = "full",
    rtol: float = 1e-10,
    method: str = "Radau",
) -> dict[str, np.ndarray]:
    """Solve the model and return the section 7 outputs and the raw states.

    Parameters
    ----------
    params
        The 31 parameters of :data:`PARAMETER_NAMES` (model.md section 3 units).
    events
        ``(day, kind, amount)`` with ``kind`` in ``{"sc", "iv", "apheresis"}``;
        ``amount`` is the dose in mg (ignored for apheresis).  Order does not
        matter; several events at one time are all applied, before that
        time's output.  Events after the last output time are ignored.
    times
        Strictly increasing output days.
    binding
        ``"full"`` (model.md section 5) or ``"qe"`` (section 5b).
    rtol
        Relative tolerance of the integrator; absolute tolerances follow from
        it (module docstring).
    method
        ``"Radau"`` (default), ``"BDF"`` or ``"LSODA"``; all get the analytic
        Jacobian.

    Returns
    -------
    dict
        Arrays over ``times``: the keys of :data:`OUTPUT_NAMES` (free_ige ng/mL,
        total_ige IU/mL, free_drug µg/mL, complex nM, fceri_total per cell,
        the rest dimensionless) and the states ``A`` (nmol), ``D``, ``Dp``,
        ``E``, ``C`` (nM), ``R``, ``RE``, ``RD`` (per cell), ``B``, ``M``.
        With ``binding="qe"`` also the integrated totals ``DT`` and ``ET``
        (nM); ``D``, ``E``, ``C`` are then recovered from them.

    Raises
    ------
    ValueError
        On invalid parameters, events, times or options.
    RuntimeError
        If the integrator fails.
    """
    _check_binding(binding)
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    if not (rtol > 0.0):
        raise ValueError(f"rtol must be > 0, got {rtol}")
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or times.size == 0:
        raise ValueError("times must be a non-empty 1-D array of days")
    if not np.all(np.isfinite(times)) or np.any(np.diff(times) <= 0.0):
        raise ValueError("times must be finite and strictly increasing")

    d = derive(params)
    evs = _normalise_events(events)
    t_end = float(times[-1])
    evs = [e for e in evs if e[0] <= t_end]
    doses_nmol = [amount * 1000.0 / d.mw_kda for _, kind, amount in evs if kind != "apheresis"]
    atol = rtol * ATOL_FLOOR * state_scales(d, max(doses_nmol, default=0.0), binding)
    fun, jac = (rhs_full, jac_full) if binding == "full" else (rhs_qe, jac_qe)

    event_times = sorted({e[0] for e in evs})
    t0 = min(float(times[0]), event_times[0]) if event_times else float(times[0])
    starts = sorted({t0, *event_times})
    y = initial_state(d, binding)
    n_state = y.size
    states = np.empty((n_state, times.size))

    k_event = 0
    for k, start in enumerate(starts):
        while k_event < len(evs) and evs[k_event][0] == start:
            y = _apply_event(y, evs[k_event][1], evs[k_event][2], d, binding)
            k_event += 1
        last = k == len(starts) - 1
        stop = t_end if last else starts[k + 1]
        if last:
            mask = (times >= start) & (times <= stop)
        else:
            mask = (times >= start) & (times < stop)
        if stop == start:
            states[:, mask] = y[:, None]
            continue
        t_eval = (
            np.append(times[mask], stop)
            if times[mask].size == 0 or times[mask][-1] != stop
            else times[mask]
        )
        sol = solve_ivp(
            fun,
            (start, stop),
            y,
            method=method,
            t_eval=t_eval,
            rtol=rtol,
            atol=atol,
            jac=jac,
            args=(d,),
        )
        if not sol.success:
            raise RuntimeError(f"integration failed on [{start}, {stop}] days: {sol.message}")
        states[:, mask] = sol.y[:, : int(mask.sum())]
        y = sol.y[:, -1].copy()

    result: dict[str, np.ndarray] = {}
    if binding == "full":
        for i, name in enumerate(STATE_NAMES):
            result[name] = states[i].copy()
    else:
        for i, name in enumerate(QE_STATE_NAMES):
            result[name] = states[i].copy()
        D, E, C = qe_species(result["DT"], result["ET"], d.kd, d.kon)
        result["D"] = np.asarray(D, dtype=float)
        result["E"] = np.asarray(E, dtype=float)
        result["C"] = np.asarray(C, dtype=float)
    out = _outputs(
        d,
        result["D"],
        result["E"],
        result["C"],
        result["R"],
        result["RE"],
        result["RD"],
        result["B"],
        result["M"],
    )
    return {**out, **result}
