"""``igesweep-2``: igesweep-1 with IgE production, binding and volumes as published (model.md §M2).

Everything of :mod:`igesweep.models.igesweep1` (states, events, receptor,
B-cell and effector mechanisms), changed in four places where the published
omalizumab population models say so (Lowe 2009, Br J Clin Pharmacol
68:61-76, doi:10.1111/j.1365-2125.2009.03401.x, Table 3):

1. IgE production per patient from Lowe's covariate model, the IgE
   elimination rate derived from it so the untreated steady state is the
   patient's baseline (the patient parameter ``ige_half_life_d`` is gone);
2. the drug–IgE constant with Lowe's covariate on baseline IgE and his
   dependence on the molar ratio of the totals, and a third binding option,
   ``qss`` (Gibiansky et al. 2008);
3. the complex in its own volume, with weight exponents of its own;
4. 1 IU/mL = 2.42 ng/mL (WHO 75/502, the published models' conversion).

The complex state ``C`` is the complex amount per litre of the drug's volume
``V``, so that binding conserves ``D + C`` and ``E + C``; its serum
concentration is ``C*V/V_C``.
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

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
    patient = [p for p in one.PARAMETERS if p.group == "patient" and p.name != "ige_half_life_d"]
    therapy = [p for p in one.PARAMETERS if p.group == "therapy"]
    return (*patient, *NEW_PATIENT, *therapy, *NEW_THERAPY)


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
DERIVED: tuple[Derived, ...] = (
    _ONE["w"],
    Derived("g", NG_PER_IU * P["ige_baseline_iu_ml"] / IGE_REF, "1",
            "baseline IgE relative to 365 ng/mL"),
    *(_ONE[n] for n in ("v", "vp", "cl_scale", "fka_v", "kel", "k12", "k21")),
    *NEW_DERIVED,
    *(_ONE[n] for n in ("koffr", "koffrd", "re_r_ratio", "r0", "re0", "ksynr")),
)
Q = {d.name: d.symbol for d in DERIVED}

# -- states: igesweep-1's (their expressions name the same symbols: e0, v, ...) --------------
STATES = tuple(
    replace(s, description="drug–IgE complex, amount per litre of V") if s.name == "C" else s
    for s in one.STATES)
A, D, Dp, E, C, R, RE, RD, B, M = (s.symbol for s in STATES)

_bind = P["kon"] * D * E - Q["koff0"] * ratio_dissociation(C, D + C, E + C, P["kd_ratio_exp"])
RHS = {**one.RHS, **one.binding_equations(_bind, Q["kelc"])}

_serum_complex = C * Q["v"] / Q["vc"]
#: Outputs that read the complex in serum concentration (§M2.4); the rest are igesweep-1's.
_SERUM = {
    "total_ige": Output("total_ige", (E + _serum_complex) / IU_TO_NM, "IU/mL",
                        "total serum IgE (free + drug-bound)"),
    "complex": Output("complex", _serum_complex, "nM", "drug–IgE complex in serum"),
}
_total_drug = Output("total_drug", (D + _serum_complex) * P["mw_kda"] / 1000, "ug/mL",
                     "total drug in serum (free + IgE-bound)")
_after_complex = one.MODEL.output_names.index("complex") + 1
OUTPUTS = (*(_SERUM.get(o.name, o) for o in one.OUTPUTS[:_after_complex]), _total_drug,
           *one.OUTPUTS[_after_complex:])

MODEL = Model(
    name="igesweep-2",
    title="anti-IgE receptor-occupancy model with published IgE production and binding",
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
    constraints=one.MODEL.constraints,
    constants=CONSTANTS,
    stiffness_keys=("ige_baseline_iu_ml", "weight_kg"),
)
