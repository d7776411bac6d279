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
    EVENT_MG,
    Derived,
    Event,
    Model,
    Output,
    Parameter,
    ReversibleBinding,
)
from igesweep.models.functions import emax, ratio_dissociation
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

_s = {n: sp.Symbol(n, real=True) for n in (
    "w", "g", "v", "vp", "cl_scale", "e0", "ksyne", "vc", "k0", "kelc", "koffr", "re_r_ratio",
    "r0", "re0")}

DERIVED: tuple[Derived, ...] = (
    Derived("w", P["weight_kg"] / 70, "1", "weight relative to 70 kg"),
    Derived("g", NG_PER_IU * P["ige_baseline_iu_ml"] / IGE_REF, "1",
            "baseline IgE relative to 365 ng/mL"),
    Derived("v", P["v_l"] * _s["w"] ** P["v_wt_exp"], "L", "central volume of the drug"),
    Derived("vp", P["vp_l"] * _s["w"] ** P["v_wt_exp"], "L", "peripheral volume"),
    Derived("cl_scale", _s["w"] ** P["cl_wt_exp"], "1", "allometric factor of clearances"),
    Derived("fka_v", P["bioavailability"] * P["ka"] / _s["v"], "1/(L*day)",
            "absorbed fraction of the depot per day per central volume"),
    Derived("kel", P["cl_l_day"] * _s["cl_scale"] / _s["v"], "1/day", "drug elimination rate"),
    Derived("k12", P["q_l_day"] * _s["cl_scale"] / _s["v"], "1/day",
            "central-to-peripheral rate"),
    Derived("k21", sp.Piecewise((P["q_l_day"] * _s["cl_scale"] / _s["vp"], _s["vp"] > 0),
                                (0, True)), "1/day",
            "peripheral-to-central rate (0 without a peripheral volume)"),
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
    Derived("koffr", P["fceri_kon"] * P["fceri_kd_nm"], "1/day", "IgE–FcεRI dissociation rate"),
    Derived("koffrd", P["fceri_drug_kon"] * P["fceri_drug_kd_nm"], "1/day",
            "drug–FcεRI dissociation rate"),
    Derived("re_r_ratio", P["fceri_kon"] * _s["e0"] / (_s["koffr"] + P["fceri_kint_bound"]),
            "1", "RE0/R0 at the untreated steady state"),
    Derived("r0", P["fceri_baseline_per_cell"] / (1 + _s["re_r_ratio"]), "1/cell",
            "free FcεRI at baseline"),
    Derived("re0", P["fceri_baseline_per_cell"] - _s["r0"], "1/cell",
            "IgE-bound FcεRI at baseline"),
    Derived("ksynr", P["fceri_kint_free"] * _s["r0"] + P["fceri_kint_bound"] * _s["re0"],
            "1/(cell*day)", "FcεRI synthesis"),
)
Q = {d.name: d.symbol for d in DERIVED}

# -- states: igesweep-1's (their expressions name the same symbols: e0, v, ...) --------------
STATES = tuple(
    replace(s, description="drug–IgE complex, amount per litre of V") if s.name == "C" else s
    for s in one.STATES)
A, D, Dp, E, C, R, RE, RD, B, M = (s.symbol for s in STATES)

_bind = P["kon"] * D * E - Q["koff0"] * ratio_dissociation(C, D + C, E + C, P["kd_ratio_exp"])
_kill_b = emax(P["bcell_kill_max"], P["bcell_kill_ec50_nm"], D)
_kill_m = emax(P["effector_kill_max"], P["effector_kill_ec50_nm"], D)
_llpc = P["ige_llpc_fraction"]
_fe = P["fceri_kon"] * E * R
_fd = P["fceri_drug_kon"] * D * R

RHS = {
    A: -P["ka"] * A,
    D: Q["fka_v"] * A - Q["kel"] * D - Q["k12"] * (D - Dp) - _bind,
    Dp: Q["k21"] * (D - Dp),
    E: Q["ksyne"] * (_llpc + (1 - _llpc) * B) - Q["ke"] * E - _bind,
    C: _bind - Q["kelc"] * C,
    R: Q["ksynr"] - P["fceri_kint_free"] * R - _fe + Q["koffr"] * RE - _fd + Q["koffrd"] * RD,
    RE: _fe - (Q["koffr"] + P["fceri_kint_bound"]) * RE,
    RD: _fd - (Q["koffrd"] + P["fceri_kint_bound"]) * RD,
    B: P["bcell_turnover"] * (1 - B) - _kill_b * B,
    M: P["effector_turnover"] * (1 - M) - _kill_m * M,
}

_nmol = EVENT_MG * 1000 / P["mw_kda"]
_keep = 1 - P["apheresis_ige_removal"]
EVENTS = (
    Event("sc", {A: A + _nmol}, dose=_nmol),
    Event("iv", {D: D + _nmol / Q["v"]}, dose=_nmol),
    Event("apheresis", {E: E * _keep, C: C * _keep}),
)

_serum_complex = C * Q["v"] / Q["vc"]
_fold = (Q["re0"] / RE) ** P["crosslink_exponent"]
OUTPUTS = (
    Output("free_ige", NM_TO_NG * E, "ng/mL", "free serum IgE"),
    Output("total_ige", (E + _serum_complex) / IU_TO_NM, "IU/mL",
           "total serum IgE (free + drug-bound)"),
    Output("free_drug", D * P["mw_kda"] / 1000, "ug/mL", "free drug in serum"),
    Output("complex", _serum_complex, "nM", "drug–IgE complex in serum"),
    Output("total_drug", (D + _serum_complex) * P["mw_kda"] / 1000, "ug/mL",
           "total drug in serum (free + IgE-bound)"),
    Output("fceri_total", R + RE + RD, "1/cell", "FcεRI per cell (free + IgE-bound + drug-bound)"),
    Output("fceri_occupancy", RE / (R + RE + RD), "1", "fraction of FcεRI occupied by IgE"),
    Output("threshold_fold", _fold, "1", "allergen activation threshold relative to untreated"),
    Output("bcell_pool", B, "1", "IgE+ B-cell pool relative to untreated"),
    Output("effector_pool", M, "1", "effector-cell pool relative to untreated"),
    Output("effector_response", M / _fold, "1", "effector response relative to untreated"),
)

MODEL = Model(
    name="igesweep-2",
    title="anti-IgE receptor-occupancy model with published IgE production and binding",
    source="docs/model.md §M2; Lowe et al., Br J Clin Pharmacol 2009;68:61-76, "
           "doi:10.1111/j.1365-2125.2009.03401.x",
    parameters=PARAMETERS,
    derived=DERIVED,
    states=STATES,
    rhs=RHS,
    events=EVENTS,
    outputs=OUTPUTS,
    pre_event_output="free_ige",
    binding=ReversibleBinding(ligand=D, target=E, complex=C, kon=P["kon"], kd=Q["k0"],
                              kd_ratio_exp=P["kd_ratio_exp"], qss_addend=Q["kss_add"]),
    constraints=one.MODEL.constraints,
    constants=CONSTANTS,
    stiffness_keys=("ige_baseline_iu_ml", "weight_kg"),
)
