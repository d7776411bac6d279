"""Complete parameter sets for kernel tests that do not depend on the catalogue."""

from __future__ import annotations

import numpy as np

from igesweep.parameters import PARAMETER_NAMES

#: An omalizumab-like lane with every mechanism switched on somewhere below.
BASE_VALUES: dict[str, float] = dict(
    weight_kg=70.0, ige_baseline_iu_ml=300.0, ige_half_life_d=1.68,
    fceri_baseline_per_cell=220000.0, fceri_kon=8.64, fceri_kd_nm=0.13,
    fceri_kint_free=0.23, fceri_kint_bound=0.005, bcell_turnover=0.05,
    ige_llpc_fraction=0.6, effector_turnover=0.1, crosslink_exponent=0.8,
    mw_kda=149.0, bioavailability=0.62, ka=0.458, cl_l_day=0.129, v_l=5.78,
    q_l_day=0.0, vp_l=0.0, cl_wt_exp=1.0, v_wt_exp=0.828, kon=86.4, kd_nm=2.676,
    complex_cl_l_day=0.763, bcell_kill_max=0.0, bcell_kill_ec50_nm=0.0,
    effector_kill_max=0.0, effector_kill_ec50_nm=0.0, fceri_drug_kon=0.0,
    fceri_drug_kd_nm=0.0, apheresis_ige_removal=0.0,
)

#: Every optional mechanism on: peripheral compartment, B-cell and effector
#: kill, drug binding to FcεRI, apheresis removal.
ALL_MECHANISMS: dict[str, float] = {
    **BASE_VALUES,
    "weight_kg": 85.0, "q_l_day": 0.3, "vp_l": 3.0, "bcell_kill_max": 0.2,
    "bcell_kill_ec50_nm": 5.0, "effector_kill_max": 0.1, "effector_kill_ec50_nm": 20.0,
    "fceri_drug_kon": 2.0, "fceri_drug_kd_nm": 4.0, "apheresis_ige_removal": 0.4,
}


def vector(values: dict[str, float]) -> np.ndarray:
    """Pack a value mapping in parameter order."""
    return np.array([values[n] for n in PARAMETER_NAMES], dtype=np.float64)
