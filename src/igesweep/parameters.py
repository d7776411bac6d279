"""The model's parameters: names, units, meanings and admissible ranges.

This module is the single source of truth for parameter names (model.md §3).
The order of :data:`PARAMETERS` is the column order of every packed
parameter array handed to the compiled kernels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Group = Literal["patient", "therapy"]


@dataclass(frozen=True)
class Parameter:
    """One model parameter.

    Attributes
    ----------
    name : str
        Name used in configs, the catalogue and output attributes.
    group : {"patient", "therapy"}
        Whether the value describes the patient or the therapy.
    unit : str
        Unit string (UDUNITS style where one exists).
    description : str
        One-line meaning.
    positive : bool
        The value must be strictly greater than zero (otherwise ``>= 0``).
    fraction : bool
        The value must lie in ``[0, 1]``.
    """

    name: str
    group: Group
    unit: str
    description: str
    positive: bool = False
    fraction: bool = False


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

PARAMETER_NAMES: tuple[str, ...] = tuple(p.name for p in PARAMETERS)
PATIENT_PARAMETERS: tuple[str, ...] = tuple(p.name for p in PARAMETERS if p.group == "patient")
THERAPY_PARAMETERS: tuple[str, ...] = tuple(p.name for p in PARAMETERS if p.group == "therapy")
BY_NAME: dict[str, Parameter] = {p.name: p for p in PARAMETERS}
INDEX: dict[str, int] = {p.name: i for i, p in enumerate(PARAMETERS)}
N_PARAMETERS: int = len(PARAMETERS)

#: Parameter pairs (rate, constant): when the rate is positive the constant must be too.
#: (``q_l_day > 0`` with ``vp_l = 0`` would drain drug into a compartment that never
#: returns it: a second clearance in disguise.)
REQUIRED_POSITIVE_WHEN: tuple[tuple[str, str], ...] = (
    ("q_l_day", "vp_l"),
    ("kon", "kd_nm"),
    ("bcell_kill_max", "bcell_kill_ec50_nm"),
    ("effector_kill_max", "effector_kill_ec50_nm"),
    ("fceri_drug_kon", "fceri_drug_kd_nm"),
)


def check_values(values: dict[str, float]) -> list[tuple[str, str]]:
    """Check a complete parameter set against the admissible ranges.

    Parameters
    ----------
    values : dict of str to float
        Every name of :data:`PARAMETER_NAMES` mapped to its value.

    Returns
    -------
    list of (str, str)
        ``(parameter name, problem)`` pairs; empty when every value is admissible.
    """
    problems: list[tuple[str, str]] = []
    for p in PARAMETERS:
        v = values[p.name]
        if not (v == v and abs(v) != float("inf")):
            problems.append((p.name, f"must be a finite number, got {v!r}"))
        elif p.positive and v <= 0:
            problems.append((p.name, f"must be > 0, got {v!r}"))
        elif v < 0:
            problems.append((p.name, f"must be >= 0, got {v!r}"))
        elif p.fraction and v > 1:
            problems.append((p.name, f"must lie in [0, 1], got {v!r}"))
    for rate, constant in REQUIRED_POSITIVE_WHEN:
        if values[rate] > 0 and not values[constant] > 0:
            problems.append((constant, f"must be > 0 when {rate} > 0, got {values[constant]!r}"))
    return problems
