"""``igesweep-2``: IgE production, binding and volumes as published; two effector populations.

:mod:`igesweep.models.igesweep1`'s drug, IgE and B-cell mechanisms and its
events, changed in four places where the published omalizumab population
models say so (Lowe 2009, Br J Clin Pharmacol 68:61-76,
doi:10.1111/j.1365-2125.2009.03401.x, Table 3):

1. IgE production per patient from Lowe's covariate model, the IgE
   elimination rate derived from it so the untreated steady state is the
   patient's baseline (the patient parameter ``ige_half_life_d`` is gone);
2. the drug–IgE constant with Lowe's covariate on baseline IgE and his
   dependence on the molar ratio of the totals, and a third binding option,
   ``qss`` (Gibiansky et al. 2008);
3. the complex in its own volume, with weight exponents of its own;
4. 1 IU/mL = 2.42 ng/mL (WHO 75/502, the published models' conversion);

and igesweep-1's single effector pool replaced by basophils and mast cells,
each with receptors that follow the patient's baseline IgE, cell renewal,
drugs on cell-bound IgE or FcεRI and the cross-link hazard (model.md
§M2.8-§M2.9; :mod:`igesweep.models.effector`).

The complex state ``C`` is the complex amount per litre of the drug's volume
``V``, so that binding conserves ``D + C`` and ``E + C``; its serum
concentration is ``C*V/V_C``.
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from igesweep.models import effector as cells
from igesweep.models import igesweep1 as one
from igesweep.models.declaration import (
    Derived,
    Model,
    Output,
    Parameter,
    ReversibleBinding,
)
from igesweep.models.functions import ratio_dissociation
from igesweep.units import IGE_MW_KDA

#: ng/mL of IgE per IU/mL in this model (Lowe 2009 and Hayashi 2007 Methods; WHO 75/502).
IGE_NG_ML_PER_IU_ML_2 = 2.42
#: Reference baseline IgE of Lowe's covariate model, ng/mL (Table 3 footnote).
IGE_REFERENCE_NG_ML = 365.0

NEW_PATIENT: tuple[Parameter, ...] = (
    Parameter("ige_production_ug_day", "patient", "ug/day",
              "IgE production R/f at 70 kg and baseline IgE 365 ng/mL", positive=True),
    Parameter("ige_volume_l", "patient", "L", "IgE volume V_E/f at 70 kg (same frame as R/f)",
              positive=True),
    Parameter("ige_production_wt_exp", "patient", "1", "exponent of R on weight/70 kg",
              signed=True),
    Parameter("ige_production_ige_exp", "patient", "1",
              "exponent of R on baseline IgE/365 ng/mL", signed=True),
    Parameter("ige_volume_wt_exp", "patient", "1", "exponent of V_E on weight/70 kg",
              signed=True),
)
NEW_THERAPY: tuple[Parameter, ...] = (
    Parameter("complex_v_l", "therapy", "L", "volume of the drug–IgE complex at 70 kg",
              positive=True),
    Parameter("complex_v_wt_exp", "therapy", "1", "weight exponent of the complex volume",
              signed=True),
    Parameter("complex_cl_wt_exp", "therapy", "1", "weight exponent of the complex clearance",
              signed=True),
    Parameter("kd_ige_exp", "therapy", "1", "exponent of kd_nm on baseline IgE/365 ng/mL",
              signed=True),
    Parameter("kd_ratio_exp", "therapy", "1",
              "alpha in Kd = Kd0*(drug total/IgE total)**alpha", signed=True),
)


def _parameters() -> tuple[Parameter, ...]:
    patient = [p for p in one.PARAMETERS if p.group == "patient" and p.name not in _REPLACED]
    therapy = [p for p in one.PARAMETERS if p.group == "therapy"]
    return (*patient, *NEW_PATIENT, *cells.PATIENT, *therapy, *NEW_THERAPY, *cells.THERAPY)


#: igesweep-1 parameters igesweep-2 replaces (§M2.1, §M2.8).
_REPLACED = frozenset({"ige_half_life_d", "fceri_baseline_per_cell", "fceri_kd_nm",
                       "effector_turnover"})
PARAMETERS = _parameters()
P = {p.name: p.symbol for p in PARAMETERS}

CONSTANTS = {"IU_ML_TO_NM_2": IGE_NG_ML_PER_IU_ML_2 / IGE_MW_KDA, "IGE_MW_KDA": IGE_MW_KDA,
             "IGE_NG_ML_PER_IU_ML_2": IGE_NG_ML_PER_IU_ML_2,
             "IGE_REFERENCE_NG_ML": IGE_REFERENCE_NG_ML}
IU_TO_NM = sp.Symbol("IU_ML_TO_NM_2", real=True)
NM_TO_NG = sp.Symbol("IGE_MW_KDA", real=True)
NG_PER_IU = sp.Symbol("IGE_NG_ML_PER_IU_ML_2", real=True)
IGE_REF = sp.Symbol("IGE_REFERENCE_NG_ML", real=True)

_s = {n: sp.Symbol(n, real=True) for n in ("w", "g", "v", "vc", "kelc", "k0", "e0", "ksyne")}
_ONE = {d.name: d for d in one.DERIVED}
#: Derived quantities igesweep-1 computes differently (§M2.1-M2.3).
NEW_DERIVED: tuple[Derived, ...] = (
    Derived("vc", P["complex_v_l"] * _s["w"] ** P["complex_v_wt_exp"], "L", "complex volume"),
    Derived("kelc", P["complex_cl_l_day"] * _s["w"] ** P["complex_cl_wt_exp"] / _s["vc"],
            "1/day", "complex elimination rate CL_C/V_C"),
    Derived("k0", P["kd_nm"] * _s["g"] ** P["kd_ige_exp"] * _s["v"] / _s["vc"], "nM",
            "drug–IgE constant at equal totals, for C per litre of V: Kd0*V/V_C"),
    Derived("koff0", P["kon"] * _s["k0"], "1/day", "dissociation rate at equal totals"),
    Derived("kss_add", sp.Piecewise((_s["kelc"] / P["kon"], P["kon"] > 0), (0, True)), "nM",
            "kelC/kon, added to the constant under binding: qss (0 without binding)"),
    Derived("e0", IU_TO_NM * P["ige_baseline_iu_ml"], "nM", "baseline free IgE"),
    Derived("ksyne", P["ige_production_ug_day"] * _s["w"] ** P["ige_production_wt_exp"]
            * _s["g"] ** P["ige_production_ige_exp"]
            / (NM_TO_NG * P["ige_volume_l"] * _s["w"] ** P["ige_volume_wt_exp"]), "nM/day",
            "IgE production per litre of IgE space (Lowe 2009 R/V_E)"),
    Derived("ke", _s["ksyne"] / _s["e0"], "1/day",
            "free-IgE elimination rate: the untreated steady state is the baseline"),
)

# -- states: igesweep-1's drug, IgE and B-cell states, then the two effector populations -------
_KEPT = ("A", "D", "Dp", "E", "C", "B")
_ONE_STATES = {s.name: s for s in one.STATES}
A, D, Dp, E, C, B = (_ONE_STATES[n].symbol for n in _KEPT)
_CELLS = tuple(cells.declare(pop, E=E, D=D, e0=_s["e0"], g=_s["g"])
               for pop in cells.POPULATIONS)

DERIVED: tuple[Derived, ...] = (
    _ONE["w"],
    Derived("g", NG_PER_IU * P["ige_baseline_iu_ml"] / IGE_REF, "1",
            "baseline IgE relative to 365 ng/mL"),
    *(_ONE[n] for n in ("v", "vp", "cl_scale", "fka_v", "kel", "k12", "k21")),
    *NEW_DERIVED,
    *cells.SHARED_DERIVED,
    *(d for c in _CELLS for d in c.derived),
)
Q = {d.name: d.symbol for d in DERIVED}

STATES = (
    *(replace(_ONE_STATES[n], description="drug–IgE complex, amount per litre of V")
      if n == "C" else _ONE_STATES[n] for n in _KEPT),
    *(s for c in _CELLS for s in c.states),
)

_bind = P["kon"] * D * E - Q["koff0"] * ratio_dissociation(C, D + C, E + C, P["kd_ratio_exp"])
RHS = {**{s: one.RHS[s] for s in (A, Dp, B)}, **one.binding_equations(_bind, Q["kelc"]),
       **{k: v for c in _CELLS for k, v in c.rhs.items()}}

_serum_complex = C * Q["v"] / Q["vc"]
#: Serum outputs (§M2.4), the B-cell pool, then each population's and the clinical readouts.
_ONE_OUT = {o.name: o for o in one.OUTPUTS}
OUTPUTS = (
    _ONE_OUT["free_ige"],
    Output("total_ige", (E + _serum_complex) / IU_TO_NM, "IU/mL",
           "total serum IgE (free + drug-bound)"),
    _ONE_OUT["free_drug"],
    Output("complex", _serum_complex, "nM", "drug–IgE complex in serum"),
    Output("total_drug", (D + _serum_complex) * P["mw_kda"] / 1000, "ug/mL",
           "total drug in serum (free + IgE-bound)"),
    _ONE_OUT["bcell_pool"],
    *(o for c in _CELLS for o in c.outputs),
    Output("threshold_fold", _CELLS[1].threshold_fold, "1",
           "allergen activation threshold relative to untreated: the mast cells' (clinical)"),
    Output("crosslink_hazard", sp.Piecewise((_CELLS[0].hazard,
                                             _CELLS[0].hazard >= _CELLS[1].hazard),
                                            (_CELLS[1].hazard, True)), "1",
           "drug-bridged FcεRI pairs per cell relative to the triggering number, the larger "
           "of the two populations' (>= 1: predicted degranulation)"),
)

MODEL = Model(
    name="igesweep-2",
    title="anti-IgE model with published IgE production and binding, basophils and mast cells",
    source="docs/model.md §M2; Lowe et al., Br J Clin Pharmacol 2009;68:61-76, "
           "doi:10.1111/j.1365-2125.2009.03401.x",
    parameters=PARAMETERS,
    derived=DERIVED,
    states=STATES,
    rhs=RHS,
    events=one.EVENTS,
    outputs=OUTPUTS,
    pre_event_output="free_ige",
    binding=ReversibleBinding(ligand=D, target=E, complex=C, kon=P["kon"], kd=Q["k0"],
                              kd_ratio_exp=P["kd_ratio_exp"], qss_addend=Q["kss_add"]),
    constraints=(*one.MODEL.constraints, *cells.CONSTRAINTS),
    constants=CONSTANTS,
    stiffness_keys=("ige_baseline_iu_ml", "weight_kg"),
    # fceri_reduction reads the basophils, the cells every receptor measurement counts
    receptor_readout="basophil_fceri_total",
    receptor_baseline=Q[f"rtot0_{cells.BASOPHILS.short}"],
)
