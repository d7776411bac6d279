"""``lowe2009``: the omalizumab–IgE model of Lowe et al. 2009, as published.

Lowe PJ, Tannenbaum S, Gautier A, Jimenez P. Relationship between omalizumab
pharmacokinetics, IgE pharmacodynamics and symptoms in patients with severe
persistent allergic (IgE-mediated) asthma. Br J Clin Pharmacol
2009;68:61-76, doi:10.1111/j.1365-2125.2009.03401.x (PMID 19660004),
Eq. 1-3 and Table 3, as transcribed in nlmixr2lib
``inst/modeldb/specificDrugs/Lowe_2009_omalizumab.R``. Structure:
:mod:`igesweep.models.published_qe`. Every clearance and volume and the IgE
production carry power covariates on weight/70 kg; IgE clearance, production
and Kd on baseline IgE/365 ng/mL. The typical values are in the catalogue
(``models.lowe2009``), each with its source.
"""

from __future__ import annotations

import sympy as sp

from igesweep.models.declaration import Derived, Parameter
from igesweep.models.published_qe import PATIENT, published_qe_model

#: Reference covariates (Table 3 footnotes), molar masses and IU conversion of the paper.
CONSTANTS = {
    "LOWE_WEIGHT_REF_KG": 70.0,
    "LOWE_IGE_REF_NG_ML": 365.0,
    # IgE molar mass in nlmixr2lib (190.07, chosen so the published production maps to nmol)
    "LOWE_IGE_MW_KDA": 190.07,
    "LOWE_IGE_NG_ML_PER_IU_ML": 2.42,  # Lowe 2009 Methods
}

THERAPY: tuple[Parameter, ...] = (
    Parameter("ka", "therapy", "1/day", "SC absorption rate", positive=True),
    Parameter("cl_l_day", "therapy", "L/day", "apparent clearance of free drug at 70 kg"),
    Parameter("cl_ige_l_day", "therapy", "L/day",
              "apparent clearance of free IgE at 70 kg and 365 ng/mL", positive=True),
    Parameter("complex_cl_l_day", "therapy", "L/day", "apparent clearance of complex at 70 kg"),
    Parameter("v_l", "therapy", "L", "apparent volume of free drug and free IgE at 70 kg",
              positive=True),
    Parameter("complex_v_l", "therapy", "L", "apparent volume of complex at 70 kg",
              positive=True),
    Parameter("ige_production_ug_day", "therapy", "ug/day",
              "apparent IgE production at 70 kg and 365 ng/mL", positive=True),
    Parameter("kd_nm", "therapy", "nM", "Kd at equal drug and IgE totals, 365 ng/mL",
              positive=True),
    Parameter("kd_ratio_exp", "therapy", "1", "alpha in Kd = Kd0*(X_T/E_T)**alpha"),
    Parameter("mw_kda", "therapy", "kDa", "drug molar mass converting doses", positive=True),
    Parameter("wt_exp_cl", "therapy", "1", "weight exponent of CL_X", signed=True),
    Parameter("wt_exp_cl_ige", "therapy", "1", "weight exponent of CL_E", signed=True),
    Parameter("wt_exp_complex_cl", "therapy", "1", "weight exponent of CL_C", signed=True),
    Parameter("wt_exp_v", "therapy", "1", "weight exponent of V_X = V_E", signed=True),
    Parameter("wt_exp_complex_v", "therapy", "1", "weight exponent of V_C", signed=True),
    Parameter("wt_exp_production", "therapy", "1", "weight exponent of R", signed=True),
    Parameter("ige_exp_cl_ige", "therapy", "1", "baseline-IgE exponent of CL_E", signed=True),
    Parameter("ige_exp_production", "therapy", "1", "baseline-IgE exponent of R", signed=True),
    Parameter("ige_exp_kd", "therapy", "1", "baseline-IgE exponent of Kd0", signed=True),
)
P = {p.name: p.symbol for p in (*PATIENT, *THERAPY)}
K = {k: sp.Symbol(k, real=True) for k in CONSTANTS}

_w, _g = sp.Symbol("w", real=True), sp.Symbol("g", real=True)
DERIVED: tuple[Derived, ...] = (
    Derived("w", P["weight_kg"] / K["LOWE_WEIGHT_REF_KG"], "1", "weight / 70 kg"),
    Derived("ige0_ng_ml", P["ige_baseline_iu_ml"] * K["LOWE_IGE_NG_ML_PER_IU_ML"], "ng/mL",
            "baseline IgE in the paper's conversion"),
    Derived("g", sp.Symbol("ige0_ng_ml", real=True) / K["LOWE_IGE_REF_NG_ML"], "1",
            "baseline IgE / 365 ng/mL"),
    Derived("cl_x", P["cl_l_day"] * _w ** P["wt_exp_cl"], "L/day", "CL_X/F"),
    Derived("cl_e", P["cl_ige_l_day"] * _w ** P["wt_exp_cl_ige"] * _g ** P["ige_exp_cl_ige"],
            "L/day", "CL_E/F"),
    Derived("cl_c", P["complex_cl_l_day"] * _w ** P["wt_exp_complex_cl"], "L/day", "CL_C/F"),
    Derived("v_x", P["v_l"] * _w ** P["wt_exp_v"], "L", "V_X/F = V_E/F"),
    Derived("v_c", P["complex_v_l"] * _w ** P["wt_exp_complex_v"], "L", "V_C/F"),
    Derived("production", P["ige_production_ug_day"] / K["LOWE_IGE_MW_KDA"]
            * _w ** P["wt_exp_production"] * _g ** P["ige_exp_production"], "nmol/day",
            "R/F: IgE production (ug/day / kDa = nmol/day)"),
    Derived("kd0", P["kd_nm"] * _g ** P["ige_exp_kd"], "nM", "Kd at X_T = E_T"),
    Derived("ige0_nm", sp.Symbol("ige0_ng_ml", real=True) / K["LOWE_IGE_MW_KDA"], "nM",
            "baseline total IgE"),
)
Q = {d.name: d.symbol for d in DERIVED}

MODEL = published_qe_model(
    name="lowe2009",
    title="omalizumab–IgE quasi-equilibrium model of Lowe 2009, as published",
    source="Lowe et al., Br J Clin Pharmacol 2009;68:61-76, doi:10.1111/j.1365-2125.2009.03401.x",
    therapy=THERAPY, derived=DERIVED, constants=CONSTANTS,
    ka=P["ka"], cl_drug=Q["cl_x"], cl_ige=Q["cl_e"], cl_complex=Q["cl_c"], v_free=Q["v_x"],
    v_complex=Q["v_c"], production=Q["production"], kd0=Q["kd0"], alpha=P["kd_ratio_exp"],
    ige0_nm=Q["ige0_nm"], drug_mw=P["mw_kda"], ige_mw=K["LOWE_IGE_MW_KDA"],
    ige_ng_per_iu=K["LOWE_IGE_NG_ML_PER_IU_ML"],
)
