"""The published omalizumab–IgE quasi-equilibrium models of Hayashi 2007 and Lowe 2009.

Both papers describe free omalizumab (X), free IgE (E) and the 1:1
omalizumab–IgE complex (C) with instantaneous binding, each species with its
own clearance, and the complex with its own volume. Amounts in nmol, time in
days (literature dossier ``pkpd-literature.md`` §D1, §A2)::

    dA_sc/dt = -ka*A_sc
    dX_T/dt  =  ka*A_sc - CL_X*C_X - CL_C*C_C
    dE_T/dt  =  R       - CL_E*C_E - CL_C*C_C
    X_T = V_X*C_X + V_C*C_C        E_T = V_E*C_E + V_C*C_C        V_E = V_X
    Kd  = C_X*C_E/C_C = Kd0*(X_T/E_T)**alpha

so the complex amount ``A_C = V_C*C_C`` solves
``(X_T - A_C)*(E_T - A_C) = A_C*Kd*V_X*V_E/V_C``. Clearances, volumes and the
production rate are apparent (divided by the SC bioavailability F); the SC dose
enters the depot as the nominal dose, converted to nmol with 150 kDa. Initial
state: ``A_sc = X_T = 0``, ``E_T = IgE0*V_E`` (no drug, so no complex).

Typical values (no inter-individual variability) with the papers' covariates
are taken from the nlmixr2lib transcriptions of Table 3 of each paper
(https://github.com/nlmixr2/nlmixr2lib, files
``inst/modeldb/specificDrugs/Lowe_2009_omalizumab.R`` and
``inst/modeldb/specificDrugs/Hayashi_2007_omalizumab.R``), whose units and
molar masses are kept: IgE 190.07 kDa in Lowe (chosen there so that the
published production rate in µg/day maps to nmol/day), 190 kDa in Hayashi,
omalizumab 150 kDa in both. Both papers convert IgE with 1 IU/mL = 2.42 ng/mL
(:data:`PUBLISHED_IGE_NG_ML_PER_IU_ML`); igesweep uses 2.4 (model.md §2).

The typical untreated steady state ``R/CL_E`` is not the patient's baseline:
at the covariate reference it is 317 ng/mL in Lowe (reference 365 ng/mL) and
427 ng/mL in Hayashi (reference 482.4 ng/mL). The papers (and nlmixr2lib)
start ``E_T`` at the measured baseline, so the published free IgE drifts toward
``R/CL_E`` over a few IgE half-lives even without drug.

References
----------
Hayashi N, Tsukamoto Y, Sallas WM, Lowe PJ. A mechanism-based binding model for
the population pharmacokinetics and pharmacodynamics of omalizumab.
Br J Clin Pharmacol 2007;63:548-561.

Lowe PJ, Tannenbaum S, Gautier A, Jimenez P. Relationship between omalizumab
pharmacokinetics, IgE pharmacodynamics and symptoms in patients with severe
persistent allergic (IgE-mediated) asthma. Br J Clin Pharmacol 2009;68:61-76.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.integrate import solve_ivp

#: ng/mL of IgE per IU/mL in both papers (Hayashi 2007 and Lowe 2009, Methods).
PUBLISHED_IGE_NG_ML_PER_IU_ML: float = 2.42
#: Omalizumab molar mass used by both papers to convert doses, kDa.
PUBLISHED_DRUG_MW_KDA: float = 150.0

#: Relative tolerance of the published-model integration.
RTOL: float = 1e-8
#: Absolute tolerance of the published-model integration (nmol).
ATOL_NMOL: float = 1e-12


@dataclass(frozen=True)
class PublishedParameters:
    """One typical patient's parameters of a quasi-equilibrium omalizumab model.

    All clearances, volumes and the production rate are apparent (divided by F).

    Attributes
    ----------
    model : str
        Name of the parameter set (e.g. ``"lowe_2009"``).
    ka_per_day : float
        SC absorption rate constant (1/day).
    cl_drug_l_day, cl_ige_l_day, cl_complex_l_day : float
        Clearances of free drug, free IgE and complex (L/day).
    v_free_l : float
        Volume of free drug and free IgE, V_X = V_E (L).
    v_complex_l : float
        Volume of the complex, V_C (L).
    ige_production_nmol_day : float
        IgE production rate R (nmol/day).
    kd0_nm : float
        Dissociation constant at X_T = E_T, baseline-IgE covariate applied (nM).
    kd_ratio_exponent : float
        alpha in Kd = Kd0*(X_T/E_T)**alpha.
    ige_initial_nm : float
        Total IgE concentration at time 0 (the patient's baseline), nM.
    drug_mw_kda : float
        Molar mass converting doses (mg) to nmol and drug nM to µg/mL.
    ige_mw_kda : float
        Molar mass converting IgE nM to ng/mL.
    """

    model: str
    ka_per_day: float
    cl_drug_l_day: float
    cl_ige_l_day: float
    cl_complex_l_day: float
    v_free_l: float
    v_complex_l: float
    ige_production_nmol_day: float
    kd0_nm: float
    kd_ratio_exponent: float
    ige_initial_nm: float
    drug_mw_kda: float = PUBLISHED_DRUG_MW_KDA
    ige_mw_kda: float = 190.0

    @property
    def ige_steady_state_nm(self) -> float:
        """Untreated steady-state free IgE R/CL_E (nM)."""
        return self.ige_production_nmol_day / self.cl_ige_l_day


def ige_iu_ml_to_published_ng_ml(ige_iu_ml: float) -> float:
    """Baseline IgE in ng/mL as the papers convert it (1 IU/mL = 2.42 ng/mL)."""
    return ige_iu_ml * PUBLISHED_IGE_NG_ML_PER_IU_ML


def lowe_2009(weight_kg: float, ige_baseline_ng_ml: float) -> PublishedParameters:
    """Typical parameters of Lowe 2009 (Table 3) for one patient.

    Covariates are powers of weight/70 kg and baseline IgE/365 ng/mL, on every
    clearance and volume, on production and (IgE only) on Kd0. Values as coded
    in nlmixr2lib ``Lowe_2009_omalizumab.R``.

    Parameters
    ----------
    weight_kg : float
        Body weight (kg).
    ige_baseline_ng_ml : float
        Pre-treatment total serum IgE (ng/mL).

    Returns
    -------
    PublishedParameters
    """
    w = weight_kg / 70.0
    g = ige_baseline_ng_ml / 365.0
    ige_mw_kda = 190.07
    v_free_l = 9.33 * w**0.828
    return PublishedParameters(
        model="lowe_2009",
        ka_per_day=0.458,
        cl_drug_l_day=0.208 * w**1.00,
        cl_ige_l_day=3.85 * w**0.499 * g**0.372,
        cl_complex_l_day=0.832 * w**0.671,
        v_free_l=v_free_l,
        v_complex_l=6.31 * w**0.549,
        ige_production_nmol_day=1220.0 / ige_mw_kda * w**0.491 * g**0.594,
        kd0_nm=1.81 * g**0.115,
        kd_ratio_exponent=0.0902,
        ige_initial_nm=ige_baseline_ng_ml / ige_mw_kda,
        ige_mw_kda=ige_mw_kda,
    )


def hayashi_2007(weight_kg: float, ige_baseline_ng_ml: float) -> PublishedParameters:
    """Typical parameters of Hayashi 2007 (Table 3) for one patient.

    Rates per hour in the paper, here per day (x24). Covariates are powers of
    weight/61.1 kg (free-drug clearance, the shared free volume; the complex
    clearance is CL_X + ΔCL_C, so it follows weight through CL_X) and baseline
    IgE/482.4 ng/mL (IgE clearance and production). Values as coded in
    nlmixr2lib ``Hayashi_2007_omalizumab.R``.

    Parameters
    ----------
    weight_kg : float
        Body weight (kg).
    ige_baseline_ng_ml : float
        Pre-treatment total serum IgE (ng/mL).

    Returns
    -------
    PublishedParameters
    """
    w = weight_kg / 61.1
    g = ige_baseline_ng_ml / 482.4
    ige_mw_kda = 190.0
    cl_drug_l_day = 0.00732 * 24.0 * w**0.911
    v_free_l = 5.90 * w**0.658
    return PublishedParameters(
        model="hayashi_2007",
        ka_per_day=0.0200 * 24.0,
        cl_drug_l_day=cl_drug_l_day,
        cl_ige_l_day=0.071 * 24.0 * g**-0.281,
        cl_complex_l_day=cl_drug_l_day + 0.00586 * 24.0,
        v_free_l=v_free_l,
        v_complex_l=3.63,
        ige_production_nmol_day=0.1595 * 24.0 * g**0.657,
        kd0_nm=1.07,
        kd_ratio_exponent=0.157,
        ige_initial_nm=ige_baseline_ng_ml / ige_mw_kda,
        ige_mw_kda=ige_mw_kda,
    )


def _free_amount(own_nmol: float, other_nmol: float, k_nmol: float) -> float:
    """Free amount of one binding partner at equilibrium, without cancellation.

    Root of ``f**2 + f*(other - own + k) - k*own = 0`` with ``f >= 0``, where
    ``k = Kd*V_X*V_E/V_C``; the free amount of the other partner follows from
    ``other - (own - f)``.
    """
    d = own_nmol - other_nmol - k_nmol
    root = math.sqrt(d * d + 4.0 * k_nmol * own_nmol)
    if d >= 0.0:
        return 0.5 * (d + root)
    denominator = root - d
    return 2.0 * k_nmol * own_nmol / denominator if denominator > 0.0 else 0.0


def equilibrium_amounts(drug_total_nmol: float, ige_total_nmol: float,
                        p: PublishedParameters) -> tuple[float, float, float]:
    """Free drug, free IgE and complex amounts (nmol) at quasi-equilibrium.

    Parameters
    ----------
    drug_total_nmol, ige_total_nmol : float
        Total amounts X_T and E_T (nmol); a negative X_T (solver round-off
        around the first dose) is treated as 0.
    p : PublishedParameters
        The patient's parameters.

    Returns
    -------
    (float, float, float)
        Free drug, free IgE and complex amounts (nmol). With no drug the
        ratio factor ``0**alpha`` would make Kd 0; the complex is 0 then
        anyway, and is returned as such.
    """
    x_t = max(drug_total_nmol, 0.0)
    e_t = max(ige_total_nmol, 0.0)
    if x_t == 0.0 or e_t == 0.0:
        return x_t, e_t, 0.0
    kd_nm = p.kd0_nm * (x_t / e_t) ** p.kd_ratio_exponent
    k_nmol = kd_nm * p.v_free_l * p.v_free_l / p.v_complex_l
    # The partner in deficit is mostly bound: take its (small) free amount from the
    # root, the complex from it, and the other partner's (large) free amount by difference.
    if e_t <= x_t:
        free_ige = _free_amount(e_t, x_t, k_nmol)
        complex_nmol = e_t - free_ige
        return x_t - complex_nmol, free_ige, complex_nmol
    free_drug = _free_amount(x_t, e_t, k_nmol)
    complex_nmol = x_t - free_drug
    return free_drug, e_t - complex_nmol, complex_nmol


def _rhs(_t: float, y: np.ndarray, p: PublishedParameters) -> np.ndarray:
    depot, drug_total, ige_total = y
    free_drug, free_ige, complex_nmol = equilibrium_amounts(drug_total, ige_total, p)
    complex_elimination = p.cl_complex_l_day * complex_nmol / p.v_complex_l
    absorption = p.ka_per_day * depot
    return np.array([
        -absorption,
        absorption - p.cl_drug_l_day * free_drug / p.v_free_l - complex_elimination,
        p.ige_production_nmol_day - p.cl_ige_l_day * free_ige / p.v_free_l
        - complex_elimination,
    ])


def sc_regimen(dose_mg: float, interval_days: float, stop_day: float,
               start_day: float = 0.0) -> list[tuple[float, float]]:
    """SC doses ``(day, mg)`` at start, start + interval, … while before ``stop_day``.

    Parameters
    ----------
    dose_mg : float
        Dose per administration (mg).
    interval_days : float
        Dosing interval (days).
    stop_day : float
        First day without a dose (a dose on this day would not act within a
        simulation that ends there).
    start_day : float
        Day of the first dose.

    Returns
    -------
    list of (float, float)
    """
    n_doses = math.ceil((stop_day - start_day) / interval_days)
    return [(start_day + k * interval_days, dose_mg) for k in range(n_doses)]


def simulate_published(p: PublishedParameters, doses: Sequence[tuple[float, float]],
                       days: Sequence[float] | np.ndarray, *, rtol: float = RTOL,
                       atol_nmol: float = ATOL_NMOL) -> pd.DataFrame:
    """Integrate a quasi-equilibrium model with SC doses.

    Solved with scipy's LSODA at ``rtol`` (default :data:`RTOL`), restarted at every dose.
    A dose at an output day is given before that day's output (as in
    model.md §6); it only fills the depot, so concentrations do not jump.

    Parameters
    ----------
    p : PublishedParameters
        The patient's parameters.
    doses : sequence of (day, mg)
        SC doses; each enters the depot as ``mg*1000/drug_mw_kda`` nmol
        (apparent model: F*Dose = Dose).
    days : sequence of float
        Output days, ascending, from 0.
    rtol, atol_nmol : float
        Tolerances of LSODA (relative; absolute in nmol).

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (day); columns ``free_ige_ng_ml``, ``total_ige_ng_ml``
        (free IgE plus complex concentration, each species in its own volume,
        converted with ``ige_mw_kda``), ``free_drug_ug_ml``,
        ``total_drug_ug_ml`` (free drug plus complex) and ``complex_nm``.

    Raises
    ------
    RuntimeError
        If the integrator fails.
    """
    days = np.asarray(days, dtype=np.float64)
    if days.ndim != 1 or days.size < 2 or days[0] != 0.0 or np.any(np.diff(days) <= 0):
        raise ValueError("days must be ascending, at least two, starting at 0")
    nmol_by_day: dict[float, float] = {}
    for day, mg in doses:
        if day < 0:
            raise ValueError(f"dose day must be >= 0, got {day}")
        nmol_by_day[float(day)] = nmol_by_day.get(float(day), 0.0) \
            + mg * 1000.0 / p.drug_mw_kda
    stops = sorted({d for d in nmol_by_day if d < days[-1]} | {0.0, float(days[-1])})
    y = np.array([0.0, 0.0, p.ige_initial_nm * p.v_free_l])
    states = np.empty((days.size, 3))
    for start, stop in itertools.pairwise(stops):
        y[0] += nmol_by_day.get(start, 0.0)
        inside = (days >= start) & (days <= stop)
        t_eval = np.union1d(days[inside], [stop])
        sol = solve_ivp(_rhs, (start, stop), y, method="LSODA", t_eval=t_eval, args=(p,),
                        rtol=rtol, atol=atol_nmol)
        if not sol.success:
            raise RuntimeError(f"{p.model}: integration failed on [{start}, {stop}] days: "
                               f"{sol.message}")
        states[inside] = sol.y[:, np.isin(t_eval, days[inside])].T
        y = sol.y[:, -1].copy()
    return _observables(days, states, p)


def _observables(days: np.ndarray, states: np.ndarray, p: PublishedParameters) -> pd.DataFrame:
    amounts = np.array([equilibrium_amounts(x, e, p) for _, x, e in states])
    free_drug_nm = amounts[:, 0] / p.v_free_l
    free_ige_nm = amounts[:, 1] / p.v_free_l
    complex_nm = amounts[:, 2] / p.v_complex_l
    frame = pd.DataFrame({
        "free_ige_ng_ml": free_ige_nm * p.ige_mw_kda,
        "total_ige_ng_ml": (free_ige_nm + complex_nm) * p.ige_mw_kda,
        "free_drug_ug_ml": free_drug_nm * p.drug_mw_kda / 1000.0,
        "total_drug_ug_ml": (free_drug_nm + complex_nm) * p.drug_mw_kda / 1000.0,
        "complex_nm": complex_nm,
    }, index=pd.Index(days, name="time"))
    return frame
