"""Exact unit conversions of model.md §2, used everywhere in igesweep."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: Molar mass of IgE used by the model, kDa (1 nM IgE = 190 ng/mL).
IGE_MW_KDA: float = 190.0
#: ng/mL of IgE per IU/mL.
IGE_NG_ML_PER_IU_ML: float = 2.4
#: nM of IgE per IU/mL: 2.4 / 190.
IU_ML_TO_NM: float = IGE_NG_ML_PER_IU_ML / IGE_MW_KDA

FloatLike = float | npt.NDArray[np.float64]


def ige_iu_ml_to_nm(iu_ml: FloatLike) -> FloatLike:
    """Convert serum IgE from IU/mL to nM (1 IU/mL = 2.4/190 nM)."""
    return iu_ml * IU_ML_TO_NM


def ige_nm_to_ng_ml(nm: FloatLike) -> FloatLike:
    """Convert serum IgE from nM to ng/mL (1 nM = 190 ng/mL)."""
    return nm * IGE_MW_KDA


def ige_ng_ml_to_nm(ng_ml: FloatLike) -> FloatLike:
    """Convert serum IgE from ng/mL to nM."""
    return ng_ml / IGE_MW_KDA


def ige_nm_to_iu_ml(nm: FloatLike) -> FloatLike:
    """Convert serum IgE from nM to IU/mL."""
    return nm / IU_ML_TO_NM


def drug_mg_to_nmol(mg: FloatLike, mw_kda: FloatLike) -> FloatLike:
    """Convert a drug amount from mg to nmol: ``mg * 1000 / mw_kda``."""
    return mg * 1000.0 / mw_kda


def drug_nm_to_ug_ml(nm: FloatLike, mw_kda: FloatLike) -> FloatLike:
    """Convert a drug concentration from nM to µg/mL: ``nm * mw_kda / 1000``."""
    return nm * mw_kda / 1000.0
