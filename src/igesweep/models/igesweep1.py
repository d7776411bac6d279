"""``igesweep-1``: the anti-IgE receptor-occupancy model of docs/model.md (specification v1).

Everything the kernels compute for this model is declared here, once:
parameters (§3), derived quantities (§4), states and equations (§5, with
the quasi-equilibrium option of §5b derived from the binding reaction),
events (§6), outputs (§7) and the natural scale of each state (absolute
tolerances, §8).
"""

from __future__ import annotations

import sympy as sp

from igesweep.models.declaration import (
    EVENT_MG,
    MAX_DOSE,
    Derived,
    Event,
    Model,
    Output,
    Parameter,
    ReversibleBinding,
    State,
)
from igesweep.models.functions import emax
from igesweep.units import IGE_MW_KDA, IU_ML_TO_NM

PARAMETERS: tuple[Parameter, ...] = (
    # patient / disease
    Parameter("weight_kg", "patient", "kg", "body weight", positive=True),
    Parameter("ige_baseline_iu_ml", "patient", "IU/mL",
              "untreated steady-state free (= total) serum IgE", positive=True),
    Parameter("ige_half_life_d", "patient", "day", "half-life of free serum IgE", positive=True),
    Parameter("fceri_baseline_per_cell", "patient", "1/cell",
              "FcεRI per basophil/mast cell, untreated", positive=True),
    Parameter("fceri_kon", "patient", "1/(nM*day)", "IgE–FcεRI association", positive=True),
    Parameter("fceri_kd_nm", "patient", "nM", "IgE–FcεRI dissociation constant", positive=True),
    Parameter("fceri_kint_free", "patient", "1/day", "loss rate of unoccupied FcεRI"),
    Parameter("fceri_kint_bound", "patient", "1/day", "loss rate of occupied FcεRI"),
    Parameter("bcell_turnover", "patient", "1/day",
              "renewal rate of the depletable IgE+ B-cell pool"),
    Parameter("ige_llpc_fraction", "patient", "1",
              "share of IgE made by cells no therapy here depletes", fraction=True),
    Parameter("effector_turnover", "patient", "1/day", "renewal rate of the effector-cell pool"),
    Parameter("crosslink_exponent", "patient", "1",
              "n in threshold ∝ (occupied receptors)^-n"),
    # therapy / drug
    Parameter("mw_kda", "therapy", "kDa", "molar mass", positive=True),
    Parameter("bioavailability", "therapy", "1", "SC bioavailability F", fraction=True),
    Parameter("ka", "therapy", "1/day", "SC absorption rate"),
    Parameter("cl_l_day", "therapy", "L/day", "clearance at 70 kg"),
    Parameter("v_l", "therapy", "L", "central volume at 70 kg", positive=True),
    Parameter("q_l_day", "therapy", "L/day", "intercompartmental clearance at 70 kg"),
    Parameter("vp_l", "therapy", "L", "peripheral volume at 70 kg (0 = one compartment)"),
    Parameter("cl_wt_exp", "therapy", "1", "allometric exponent on weight/70 for clearances"),
    Parameter("v_wt_exp", "therapy", "1", "allometric exponent on weight/70 for volumes"),
    Parameter("kon", "therapy", "1/(nM*day)",
              "drug–IgE association (0 = does not bind free IgE)"),
    Parameter("kd_nm", "therapy", "nM", "drug–IgE dissociation constant"),
    Parameter("complex_cl_l_day", "therapy", "L/day", "clearance of drug–IgE complex at 70 kg"),
    Parameter("bcell_kill_max", "therapy", "1/day",
              "maximal depletion rate of the IgE+ B-cell pool by free drug"),
    Parameter("bcell_kill_ec50_nm", "therapy", "nM",
              "free-drug concentration of half-maximal B-cell depletion"),
    Parameter("effector_kill_max", "therapy", "1/day",
              "maximal depletion rate of effector cells by free drug"),
    Parameter("effector_kill_ec50_nm", "therapy", "nM",
              "free-drug concentration of half-maximal effector depletion"),
    Parameter("fceri_drug_kon", "therapy", "1/(nM*day)",
              "drug binding to free FcεRI (0 = does not)"),
    Parameter("fceri_drug_kd_nm", "therapy", "nM", "drug–FcεRI dissociation constant"),
    Parameter("apheresis_ige_removal", "therapy", "1",
              "fraction of serum IgE and complex removed per apheresis session", fraction=True),
)
P = {p.name: p.symbol for p in PARAMETERS}

#: Exact unit conversions of model.md §2, printed by name in the generated code.
CONSTANTS = {"IU_ML_TO_NM": IU_ML_TO_NM, "IGE_MW_KDA": IGE_MW_KDA}
IU_TO_NM = sp.Symbol("IU_ML_TO_NM", real=True)
NM_TO_NG = sp.Symbol("IGE_MW_KDA", real=True)

# -- derived quantities (model.md §4) ---------------------------------------------------------
_w = sp.Symbol("w", real=True)
_v = sp.Symbol("v", real=True)
_vp = sp.Symbol("vp", real=True)
_cl_scale = sp.Symbol("cl_scale", real=True)
_ke = sp.Symbol("ke", real=True)
_e0 = sp.Symbol("e0", real=True)
_koffr = sp.Symbol("koffr", real=True)
_ratio = sp.Symbol("re_r_ratio", real=True)
_r0 = sp.Symbol("r0", real=True)
_re0 = sp.Symbol("re0", real=True)

DERIVED: tuple[Derived, ...] = (
    Derived("w", P["weight_kg"] / 70, "1", "weight relative to 70 kg"),
    Derived("v", P["v_l"] * _w ** P["v_wt_exp"], "L", "central volume"),
    Derived("vp", P["vp_l"] * _w ** P["v_wt_exp"], "L", "peripheral volume"),
    Derived("cl_scale", _w ** P["cl_wt_exp"], "1", "allometric factor of clearances"),
    Derived("fka_v", P["bioavailability"] * P["ka"] / _v, "1/(L*day)",
            "absorbed fraction of the depot per day per central volume"),
    Derived("kel", P["cl_l_day"] * _cl_scale / _v, "1/day", "drug elimination rate"),
    Derived("k12", P["q_l_day"] * _cl_scale / _v, "1/day", "central-to-peripheral rate"),
    Derived("k21", sp.Piecewise((P["q_l_day"] * _cl_scale / _vp, _vp > 0), (0, True)), "1/day",
            "peripheral-to-central rate (0 without a peripheral volume)"),
    Derived("kelc", P["complex_cl_l_day"] * _cl_scale / _v, "1/day",
            "complex elimination rate"),
    Derived("koff", P["kon"] * P["kd_nm"], "1/day", "drug–IgE dissociation rate"),
    Derived("ke", sp.log(2) / P["ige_half_life_d"], "1/day", "free-IgE elimination rate"),
    Derived("e0", IU_TO_NM * P["ige_baseline_iu_ml"], "nM", "baseline free IgE"),
    Derived("ksyne", _ke * _e0, "nM/day", "IgE production at baseline"),
    Derived("koffr", P["fceri_kon"] * P["fceri_kd_nm"], "1/day", "IgE–FcεRI dissociation rate"),
    Derived("koffrd", P["fceri_drug_kon"] * P["fceri_drug_kd_nm"], "1/day",
            "drug–FcεRI dissociation rate"),
    Derived("re_r_ratio", P["fceri_kon"] * _e0 / (_koffr + P["fceri_kint_bound"]), "1",
            "RE0/R0 at the untreated steady state"),
    Derived("r0", P["fceri_baseline_per_cell"] / (1 + _ratio), "1/cell",
            "free FcεRI at baseline"),
    Derived("re0", P["fceri_baseline_per_cell"] - _r0, "1/cell", "IgE-bound FcεRI at baseline"),
    Derived("ksynr", P["fceri_kint_free"] * _r0 + P["fceri_kint_bound"] * _re0, "1/(cell*day)",
            "FcεRI synthesis"),
)
Q = {d.name: d.symbol for d in DERIVED}

# -- states (model.md §5) ---------------------------------------------------------------------
_receptors = P["fceri_baseline_per_cell"]
STATES: tuple[State, ...] = (
    State("A", "nmol", "SC depot", 0, MAX_DOSE),
    State("D", "nM", "free drug, central", 0, MAX_DOSE / _v),
    State("Dp", "nM", "free drug, peripheral", 0, MAX_DOSE / _v),
    State("E", "nM", "free IgE", _e0, _e0),
    State("C", "nM", "drug–IgE complex", 0, _e0),
    State("R", "1/cell", "free FcεRI", _r0, _receptors),
    State("RE", "1/cell", "IgE-bound FcεRI", _re0, _receptors),
    State("RD", "1/cell", "drug-bound FcεRI", 0, _receptors),
    State("B", "1", "IgE+ B-cell pool", 1, 1),
    State("M", "1", "effector-cell pool", 1, 1),
)
A, D, Dp, E, C, R, RE, RD, B, M = (s.symbol for s in STATES)

_bind = P["kon"] * D * E - Q["koff"] * C
_kill_b = emax(P["bcell_kill_max"], P["bcell_kill_ec50_nm"], D)
_kill_m = emax(P["effector_kill_max"], P["effector_kill_ec50_nm"], D)
_llpc = P["ige_llpc_fraction"]
_fe = P["fceri_kon"] * E * R
_fd = P["fceri_drug_kon"] * D * R


def binding_equations(bind: sp.Expr, complex_loss: sp.Expr) -> dict[sp.Symbol, sp.Expr]:
    """Right-hand sides of ``D``, ``E`` and ``C`` given the drug–IgE binding flux (nM/day)
    and the complex's first-order loss rate (1/day); shared with :mod:`.igesweep2`."""
    return {
        D: Q["fka_v"] * A - Q["kel"] * D - Q["k12"] * (D - Dp) - bind,
        E: Q["ksyne"] * (_llpc + (1 - _llpc) * B) - Q["ke"] * E - bind,
        C: bind - complex_loss * C,
    }


_eqs = binding_equations(_bind, Q["kelc"])
RHS = {
    A: -P["ka"] * A,
    D: _eqs[D],
    Dp: Q["k21"] * (D - Dp),
    E: _eqs[E],
    C: _eqs[C],
    R: Q["ksynr"] - P["fceri_kint_free"] * R - _fe + Q["koffr"] * RE - _fd + Q["koffrd"] * RD,
    RE: _fe - (Q["koffr"] + P["fceri_kint_bound"]) * RE,
    RD: _fd - (Q["koffrd"] + P["fceri_kint_bound"]) * RD,
    B: P["bcell_turnover"] * (1 - B) - _kill_b * B,
    M: P["effector_turnover"] * (1 - M) - _kill_m * M,
}

# -- events (model.md §6) ---------------------------------------------------------------------
_nmol = EVENT_MG * 1000 / P["mw_kda"]
_keep = 1 - P["apheresis_ige_removal"]
EVENTS = (
    Event("sc", {A: A + _nmol}, dose=_nmol),
    Event("iv", {D: D + _nmol / _v}, dose=_nmol),
    Event("apheresis", {E: E * _keep, C: C * _keep}),
)

# -- outputs (model.md §7) --------------------------------------------------------------------
_fold = (_re0 / RE) ** P["crosslink_exponent"]
OUTPUTS = (
    Output("free_ige", NM_TO_NG * E, "ng/mL", "free serum IgE"),
    Output("total_ige", (E + C) / IU_TO_NM, "IU/mL", "total serum IgE (free + drug-bound)"),
    Output("free_drug", D * P["mw_kda"] / 1000, "ug/mL", "free drug in serum"),
    Output("complex", C, "nM", "drug–IgE complex in serum"),
    Output("fceri_total", R + RE + RD, "1/cell", "FcεRI per cell (free + IgE-bound + drug-bound)"),
    Output("fceri_occupancy", RE / (R + RE + RD), "1", "fraction of FcεRI occupied by IgE"),
    Output("threshold_fold", _fold, "1", "allergen activation threshold relative to untreated"),
    Output("bcell_pool", B, "1", "IgE+ B-cell pool relative to untreated"),
    Output("effector_pool", M, "1", "effector-cell pool relative to untreated"),
    Output("effector_response", M / _fold, "1", "effector response relative to untreated"),
)

MODEL = Model(
    name="igesweep-1",
    title="anti-IgE receptor-occupancy model, specification v1",
    source="docs/model.md §1-§8 (igesweep model specification v1)",
    parameters=PARAMETERS,
    derived=DERIVED,
    states=STATES,
    rhs=RHS,
    events=EVENTS,
    outputs=OUTPUTS,
    pre_event_output="free_ige",
    binding=ReversibleBinding(ligand=D, target=E, complex=C, kon=P["kon"], kd=P["kd_nm"]),
    # where the rate is positive the constant must be too; ``q_l_day > 0`` with ``vp_l = 0``
    # would drain drug into a compartment that never returns it: a second clearance in disguise
    constraints=(
        ("q_l_day", "vp_l"),
        ("kon", "kd_nm"),
        ("bcell_kill_max", "bcell_kill_ec50_nm"),
        ("effector_kill_max", "effector_kill_ec50_nm"),
        ("fceri_drug_kon", "fceri_drug_kd_nm"),
    ),
    constants=CONSTANTS,
    stiffness_keys=("ige_baseline_iu_ml", "weight_kg"),
    receptor_readout="fceri_total",
    receptor_baseline=P["fceri_baseline_per_cell"],
)
