"""Step by step from Lowe 2009 to the catalogue's omalizumab entry, to attribute their differences.

The entry is igesweep-1's (:data:`igesweep.models.CATALOGUE_MODEL`): igesweep-2
takes Lowe's structure, so the steps explain the gap igesweep-2 closes.

Each step changes one structural choice of the published model into
igesweep's, cumulatively, inside the published quasi-equilibrium solver of
:mod:`igesweep.validation.published`. The last step is igesweep's omalizumab
with ``binding: qe`` (model.md §5b) written in the published form, so the
difference between consecutive steps is the share of the total
igesweep-vs-Lowe difference due to that choice (attribution in this order).

Steps (see the ``conversions`` block of the omalizumab entry in
``config/therapies.yaml``):

``lowe_2009``
    The published model (:func:`~igesweep.validation.published.lowe_2009`).
``kd_ratio_fixed``
    alpha = 0: Kd no longer rises with the drug:IgE ratio.
``kd_no_ige_covariate``
    Kd0 at the covariate reference (1.81 nM) for every baseline IgE.
``one_volume``
    The complex shares V_X: Kd0 x V_X/V_C and CL_C x V_X/V_C for this patient,
    so free and bound amounts and every elimination rate are unchanged; only
    the complex concentration (hence total IgE and total drug) is lower by
    V_C/V_X.
``catalogue_drug``
    Drug-side parameters from the catalogue (absolute values divided by F):
    ``kd_nm`` fixed across weight (Lowe's effective Kd scales as WT^0.279) and
    ``complex_cl_l_day`` scaled by ``cl_wt_exp`` (Lowe's effective CL_C as
    WT^0.950); CL_X, V and ka are Lowe's already.
``ige_turnover``
    IgE half-life from the patient block (no weight or baseline-IgE
    covariates) and production set so that the baseline is the untreated
    steady state (Lowe's R/CL_E is not the baseline).
``units``
    149 kDa (label) instead of 150 kDa for the dose, and IgE converted with
    2.4 ng/mL per IU and 190 kDa instead of 2.42 and 190.07.
"""

from __future__ import annotations

import math
from dataclasses import replace

from igesweep.catalogue import Catalogue
from igesweep.models import CATALOGUE_MODEL
from igesweep.units import IGE_MW_KDA, ige_iu_ml_to_nm
from igesweep.validation.published import (
    PublishedParameters,
    ige_iu_ml_to_published_ng_ml,
    lowe_2009,
)

#: Names of the steps, in order; the first is the published model.
STEP_NAMES: tuple[str, ...] = (
    "lowe_2009",
    "kd_ratio_fixed",
    "kd_no_ige_covariate",
    "one_volume",
    "catalogue_drug",
    "ige_turnover",
    "units",
)

#: Lowe 2009's covariate reference for baseline IgE (ng/mL).
_LOWE_IGE_REFERENCE_NG_ML = 365.0


def lowe_to_catalogue_steps(weight_kg: float, ige_baseline_iu_ml: float,
                            catalogue: Catalogue) -> dict[str, PublishedParameters]:
    """Parameters of each step from Lowe 2009 to the catalogue's omalizumab entry.

    Parameters
    ----------
    weight_kg : float
        Body weight (kg).
    ige_baseline_iu_ml : float
        Pre-treatment total serum IgE (IU/mL).
    catalogue : Catalogue
        Therapy catalogue holding the ``omalizumab`` entry and the patient block.

    Returns
    -------
    dict of str to PublishedParameters
        Keyed by :data:`STEP_NAMES`, in order; each step's ``model`` is its name.
    """
    drug = catalogue.therapy_values("omalizumab", CATALOGUE_MODEL)
    patient = catalogue.patient_values(CATALOGUE_MODEL)
    w = weight_kg / 70.0
    f = drug["bioavailability"]

    p = lowe_2009(weight_kg, ige_iu_ml_to_published_ng_ml(ige_baseline_iu_ml))
    steps = {"lowe_2009": p}
    p = replace(p, model="kd_ratio_fixed", kd_ratio_exponent=0.0)
    steps[p.model] = p
    p = replace(p, model="kd_no_ige_covariate",
                kd0_nm=lowe_2009(weight_kg, _LOWE_IGE_REFERENCE_NG_ML).kd0_nm)
    steps[p.model] = p
    share = p.v_free_l / p.v_complex_l
    p = replace(p, model="one_volume", kd0_nm=p.kd0_nm * share,
                cl_complex_l_day=p.cl_complex_l_day * share, v_complex_l=p.v_free_l)
    steps[p.model] = p
    v_free_l = drug["v_l"] / f * w ** drug["v_wt_exp"]
    p = replace(p, model="catalogue_drug", ka_per_day=drug["ka"],
                cl_drug_l_day=drug["cl_l_day"] / f * w ** drug["cl_wt_exp"],
                cl_complex_l_day=drug["complex_cl_l_day"] / f * w ** drug["cl_wt_exp"],
                v_free_l=v_free_l, v_complex_l=v_free_l, kd0_nm=drug["kd_nm"])
    steps[p.model] = p
    cl_ige_l_day = math.log(2.0) / patient["ige_half_life_d"] * v_free_l
    p = replace(p, model="ige_turnover", cl_ige_l_day=cl_ige_l_day,
                ige_production_nmol_day=cl_ige_l_day * p.ige_initial_nm)
    steps[p.model] = p
    ige_initial_nm = float(ige_iu_ml_to_nm(ige_baseline_iu_ml))
    p = replace(p, model="units", drug_mw_kda=drug["mw_kda"], ige_mw_kda=IGE_MW_KDA,
                ige_initial_nm=ige_initial_nm,
                ige_production_nmol_day=cl_ige_l_day * ige_initial_nm)
    steps[p.model] = p
    return steps
