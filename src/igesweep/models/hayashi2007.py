"""``hayashi2007``: the omalizumab–IgE model of Hayashi et al. 2007, as published.

Hayashi N, Tsukamoto Y, Sallas WM, Lowe PJ. A mechanism-based binding model
for the population pharmacokinetics and pharmacodynamics of omalizumab. Br J
Clin Pharmacol 2007;63:548-561, doi:10.1111/j.1365-2125.2006.02803.x (PMID
17096680), p. 552 and Table 3 (rates per hour there, per day here), as
transcribed in nlmixr2lib ``inst/modeldb/specificDrugs/Hayashi_2007_omalizumab.R``.
Structure: :mod:`igesweep.models.published_qe`. Weight/61.1 kg acts on the
free-drug clearance and the shared free volume (the complex clearance is
CL_X + ΔCL_C, so it follows weight through CL_X); baseline IgE/482.4 ng/mL on
IgE clearance and production. The typical values are in the catalogue
(``models.hayashi2007``), each with its source.
"""

from __future__ import annotations

import sympy as sp

from igesweep.models.declaration import Derived, Parameter
from igesweep.models.published_qe import PATIENT, published_qe_model

#: Reference covariates (Table 3 footnotes), molar masses (p. 552) and IU conversion (p. 549).
CONSTANTS = {
    "HAYASHI_WEIGHT_REF_KG": 61.1,
    "HAYASHI_IGE_REF_NG_ML": 482.4,
    "HAYASHI_IGE_MW_KDA": 190.0,
    "HAYASHI_IGE_NG_ML_PER_IU_ML": 2.42,
}

THERAPY: tuple[Parameter, ...] = (
    Parameter("ka", "therapy", "1/day", "SC absorption rate", positive=True),
    Parameter("cl_l_day", "therapy", "L/day", "apparent clearance of free drug at 61.1 kg"),
    Parameter("complex_cl_extra_l_day", "therapy", "L/day",
              "apparent clearance of complex in excess of free drug's (ΔCL_C)"),
    Parameter("cl_ige_l_day", "therapy", "L/day",
              "apparent clearance of free IgE at 482.4 ng/mL", positive=True),
    Parameter("v_l", "therapy", "L", "apparent volume of free drug and free IgE at 61.1 kg",
              positive=True),
    Parameter("complex_v_l", "therapy", "L", "apparent volume of complex", positive=True),
    Parameter("ige_production_nmol_day", "therapy", "nmol/day",
              "apparent IgE production at 482.4 ng/mL", positive=True),
    Parameter("kd_nm", "therapy", "nM", "Kd at equal drug and IgE totals", positive=True),
    Parameter("kd_ratio_exp", "therapy", "1", "alpha in Kd = Kd0*(X_T/E_T)**alpha"),
    Parameter("mw_kda", "therapy", "kDa", "drug molar mass converting doses", positive=True),
    Parameter("wt_exp_cl", "therapy", "1", "weight exponent of CL_X", signed=True),
    Parameter("wt_exp_v", "therapy", "1", "weight exponent of V_X = V_E", signed=True),
    Parameter("ige_exp_cl_ige", "therapy", "1", "baseline-IgE exponent of CL_E", signed=True),
    Parameter("ige_exp_production", "therapy", "1", "baseline-IgE exponent of P_E",
              signed=True),
)
P = {p.name: p.symbol for p in (*PATIENT, *THERAPY)}
K = {k: sp.Symbol(k, real=True) for k in CONSTANTS}

_w, _g = sp.Symbol("w", real=True), sp.Symbol("g", real=True)
_ige0_ng_ml = sp.Symbol("ige0_ng_ml", real=True)
_cl_x = sp.Symbol("cl_x", real=True)
DERIVED: tuple[Derived, ...] = (
    Derived("w", P["weight_kg"] / K["HAYASHI_WEIGHT_REF_KG"], "1", "weight / 61.1 kg"),
    Derived("ige0_ng_ml", P["ige_baseline_iu_ml"] * K["HAYASHI_IGE_NG_ML_PER_IU_ML"], "ng/mL",
            "baseline IgE in the paper's conversion"),
    Derived("g", _ige0_ng_ml / K["HAYASHI_IGE_REF_NG_ML"], "1", "baseline IgE / 482.4 ng/mL"),
    Derived("cl_x", P["cl_l_day"] * _w ** P["wt_exp_cl"], "L/day", "CL_X/f"),
    Derived("cl_c", _cl_x + P["complex_cl_extra_l_day"], "L/day", "CL_C/f = CL_X/f + ΔCL_C/f"),
    Derived("cl_e", P["cl_ige_l_day"] * _g ** P["ige_exp_cl_ige"], "L/day", "CL_E/f"),
    Derived("v_x", P["v_l"] * _w ** P["wt_exp_v"], "L", "V_X/f = V_E/f"),
    Derived("production", P["ige_production_nmol_day"] * _g ** P["ige_exp_production"],
            "nmol/day", "P_E/f: IgE production"),
    Derived("ige0_nm", _ige0_ng_ml / K["HAYASHI_IGE_MW_KDA"], "nM", "baseline total IgE"),
)
Q = {d.name: d.symbol for d in DERIVED}

MODEL = published_qe_model(
    name="hayashi2007",
    title="omalizumab–IgE quasi-equilibrium model of Hayashi 2007, as published",
    source="Hayashi et al., Br J Clin Pharmacol 2007;63:548-561, "
           "doi:10.1111/j.1365-2125.2006.02803.x",
    therapy=THERAPY, derived=DERIVED, constants=CONSTANTS,
    ka=P["ka"], cl_drug=Q["cl_x"], cl_ige=Q["cl_e"], cl_complex=Q["cl_c"], v_free=Q["v_x"],
    v_complex=P["complex_v_l"], production=Q["production"], kd0=P["kd_nm"],
    alpha=P["kd_ratio_exp"], ige0_nm=Q["ige0_nm"], drug_mw=P["mw_kda"],
    ige_mw=K["HAYASHI_IGE_MW_KDA"], ige_ng_per_iu=K["HAYASHI_IGE_NG_ML_PER_IU_ML"],
)
