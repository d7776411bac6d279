"""The structure shared by the published omalizumab–IgE models (Hayashi 2007, Lowe 2009).

Both papers describe free omalizumab (X), free IgE (E) and the 1:1 complex
(C) with instantaneous binding, each species with its own clearance and the
complex in its own volume, as amounts (nmol), time in days. Clearances,
volumes and the IgE production rate are apparent (divided by the SC
bioavailability), so an SC dose enters the depot as its nominal amount::

    dA/dt   = -ka*A
    dX_T/dt =  ka*A - CL_X*(X_T - A_C)/V_X - CL_C*A_C/V_C
    dE_T/dt =  R    - CL_E*(E_T - A_C)/V_E - CL_C*A_C/V_C          V_E = V_X
    (X_T - A_C)*(E_T - A_C) = A_C*Kd*V_X*V_E/V_C,  Kd = Kd0*(X_T/E_T)**alpha

:func:`published_qe_model` builds a declaration from the model's own
parameters and covariate equations (its module), with the species and
outputs named as in igesweep-1 where they mean the same. Total IgE starts at
the patient's baseline (``E_T(0) = IgE0*V_E``), as the papers and the
nlmixr2lib transcriptions do; the typical untreated steady state ``R/CL_E``
differs from it, so free IgE drifts over a few IgE half-lives without drug.
Only SC doses are defined (the apparent parameters say nothing of IV doses).
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from igesweep.models.declaration import (
    EVENT_MG,
    MAX_DOSE,
    Derived,
    Event,
    Model,
    Output,
    Parameter,
    State,
)
from igesweep.models.functions import qe_ratio_complex

#: Patient covariates of the published models (the paper's IgE0 is given in IU/mL here and
#: converted with the paper's 1 IU/mL = 2.42 ng/mL).
PATIENT: tuple[Parameter, ...] = (
    Parameter("weight_kg", "patient", "kg", "body weight", positive=True),
    Parameter("ige_baseline_iu_ml", "patient", "IU/mL",
              "pre-treatment total serum IgE (the paper's IgE0)", positive=True),
)


def published_qe_model(
    *, name: str, title: str, source: str, therapy: tuple[Parameter, ...],
    derived: tuple[Derived, ...], constants: Mapping[str, float], ka: sp.Expr,
    cl_drug: sp.Expr, cl_ige: sp.Expr, cl_complex: sp.Expr, v_free: sp.Expr,
    v_complex: sp.Expr, production: sp.Expr, kd0: sp.Expr, alpha: sp.Expr,
    ige0_nm: sp.Expr, drug_mw: sp.Expr, ige_mw: sp.Expr, ige_ng_per_iu: sp.Expr,
) -> Model:
    """Declaration of a published QE model from its parameters and covariate equations.

    Parameters
    ----------
    name, title, source : str
        As for :class:`~igesweep.models.declaration.Model`.
    therapy : tuple of Parameter
        The model's therapy parameters (typical values and covariate exponents).
    derived : tuple of Derived
        The covariate equations; the expressions below may use their symbols.
    constants : mapping of str to float
        Reference covariate values and molar masses of the paper.
    ka, cl_drug, cl_ige, cl_complex, v_free, v_complex, production : sympy.Expr
        Individual apparent ka (1/day), clearances (L/day), volumes (L) and
        IgE production (nmol/day).
    kd0, alpha : sympy.Expr
        Kd at equal totals (nM) and the exponent of its ratio dependence.
    ige0_nm : sympy.Expr
        The patient's baseline total IgE (nM, in the paper's conversion).
    drug_mw, ige_mw : sympy.Expr
        Molar masses converting doses and drug nM, and IgE nM (kDa).
    ige_ng_per_iu : sympy.Expr
        ng/mL of IgE per IU/mL in the paper.
    """
    states = (
        State("A", "nmol", "SC depot (apparent: the nominal dose)", 0, MAX_DOSE),
        State("XT", "nmol", "total omalizumab (free + complex)", 0, MAX_DOSE),
        State("ET", "nmol", "total IgE (free + complex)", ige0_nm * v_free, ige0_nm * v_free),
    )
    a, xt, et = (s.symbol for s in states)
    k0 = Derived("qe_k0_nmol", kd0 * v_free * v_free / v_complex, "nmol",
                 "Kd0*V_X*V_E/V_C: the equilibrium constant of the amounts at X_T = E_T")
    derived = (*derived, k0)
    complex_nmol = qe_ratio_complex(xt, et, k0.symbol, alpha)
    free_drug_nm = (xt - complex_nmol) / v_free
    free_ige_nm = (et - complex_nmol) / v_free
    complex_nm = complex_nmol / v_complex
    complex_out = cl_complex * complex_nm
    rhs = {
        a: -ka * a,
        xt: ka * a - cl_drug * free_drug_nm - complex_out,
        et: production - cl_ige * free_ige_nm - complex_out,
    }
    nmol = EVENT_MG * 1000 / drug_mw
    outputs = (
        Output("free_ige", free_ige_nm * ige_mw, "ng/mL", "free serum IgE"),
        Output("total_ige", (free_ige_nm + complex_nm) * ige_mw / ige_ng_per_iu, "IU/mL",
               "total serum IgE (free + drug-bound)"),
        Output("free_drug", free_drug_nm * drug_mw / 1000, "ug/mL", "free drug in serum"),
        Output("complex", complex_nm, "nM", "drug–IgE complex in serum"),
        Output("total_drug", (free_drug_nm + complex_nm) * drug_mw / 1000, "ug/mL",
               "total drug in serum (free + IgE-bound)"),
    )
    return Model(
        name=name, title=title, source=source, parameters=(*PATIENT, *therapy),
        derived=derived, states=states, rhs=rhs,
        events=(Event("sc", {a: a + nmol}, dose=nmol),), outputs=outputs,
        pre_event_output="free_ige", constants=constants,
        stiffness_keys=("ige_baseline_iu_ml", "weight_kg"),
    )
