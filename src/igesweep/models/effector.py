"""Effector cells of ``igesweep-2``: basophils and mast cells (docs/model.md §M2.8-§M2.9).

Each population has FcεRI per cell free (``R``), IgE-bound (``RE``), IgE-bound
with a drug on its IgE (``RX``) and drug-bound (``RD``), and a cell pool
(``M``). Baseline receptors per cell are a power of the patient's baseline
IgE; the population's renewal dilutes the per-cell averages; a drug that
holds two receptors at once bridges them, and the bridged pairs relative to
the number that triggers the cell are the cross-link hazard.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from igesweep.models.declaration import Derived, Output, Parameter, State
from igesweep.models.functions import emax

#: Patient parameters the populations share (§M2.8).
SHARED_PATIENT: tuple[Parameter, ...] = (
    Parameter("fceri_ige_koff", "patient", "1/day", "dissociation rate of IgE from FcεRI",
              positive=True),
    Parameter("fceri_ige_exp", "patient", "1",
              "exponent of baseline FcεRI per cell on baseline IgE/365 ng/mL", signed=True),
    Parameter("trigger_crosslinks_per_cell", "patient", "1/cell",
              "FcεRI pairs bridged per cell that trigger degranulation", positive=True),
)
#: Therapy parameters of drugs on cell-bound IgE and of their valency (§M2.9).
THERAPY: tuple[Parameter, ...] = (
    Parameter("bound_ige_kon", "therapy", "1/(nM*day)",
              "drug binding to IgE on FcεRI (0 = does not)"),
    Parameter("bound_ige_kd_nm", "therapy", "nM", "drug–(FcεRI-bound IgE) dissociation constant"),
    Parameter("valency", "therapy", "1",
              "cell-surface targets one drug molecule can hold at once", minimum=1.0),
    Parameter("surface_crosslink_k", "therapy", "cell",
              "two-dimensional cross-linking constant (per receptor per cell)"),
    Parameter("crosslink_kint", "therapy", "1/day",
              "extra internalisation of drug-bridged FcεRI"),
)
#: (rate, constant) pairs: a drug that binds cell-bound IgE needs its constant.
CONSTRAINTS = (("bound_ige_kon", "bound_ige_kd_nm"),)


@dataclass(frozen=True)
class Population:
    """One effector population.

    Attributes
    ----------
    name : str
        Prefix of its parameters and outputs (``basophil``, ``mast_cell``).
    short : str
        Suffix of its states and derived quantities (``bas``, ``mast``).
    description : str
        What the cells are.
    """

    name: str
    short: str
    description: str

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        """Its own patient parameters: receptors at the reference IgE, renewal rate."""
        return (
            Parameter(f"{self.name}_fceri_per_cell", "patient", "1/cell",
                      f"untreated FcεRI per cell of the {self.description} at baseline IgE "
                      "365 ng/mL", positive=True),
            Parameter(f"{self.name}_turnover", "patient", "1/day",
                      f"renewal rate of the {self.description} (1/mean life span)"),
        )


BASOPHILS = Population("basophil", "bas", "basophils (blood; renewed from the marrow)")
MAST_CELLS = Population("mast_cell", "mast", "mast cells (tissue; long-lived)")
POPULATIONS = (BASOPHILS, MAST_CELLS)

PATIENT: tuple[Parameter, ...] = (*SHARED_PATIENT, *(p for pop in POPULATIONS
                                                     for p in pop.parameters))


def _sym(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


#: Rate constants the populations share.
SHARED_DERIVED: tuple[Derived, ...] = (
    Derived("koffrd", _sym("fceri_drug_kon") * _sym("fceri_drug_kd_nm"), "1/day",
            "drug–FcεRI dissociation rate"),
    Derived("koffx", _sym("bound_ige_kon") * _sym("bound_ige_kd_nm"), "1/day",
            "drug–(FcεRI-bound IgE) dissociation rate"),
)


@dataclass(frozen=True)
class Declared:
    """What one population contributes to the model."""

    derived: tuple[Derived, ...]
    states: tuple[State, ...]
    rhs: dict[sp.Symbol, sp.Expr]
    outputs: tuple[Output, ...]
    threshold_fold: sp.Expr
    hazard: sp.Expr


def bridged_share(valency: sp.Expr, k: sp.Expr, targets: sp.Expr) -> sp.Expr:
    """Share of drug held by one target that holds a second one too (§M2.9)."""
    x = (valency - 1) * k * targets
    return x / (1 + x)


def declare(pop: Population, *, E: sp.Symbol, D: sp.Symbol, e0: sp.Symbol,
            g: sp.Symbol) -> Declared:
    """The derived quantities, states, equations and outputs of one population.

    Parameters
    ----------
    pop : Population
        The population.
    E, D : sympy.Symbol
        Free IgE and free drug (nM).
    e0, g : sympy.Symbol
        Baseline free IgE (nM) and baseline IgE relative to 365 ng/mL.
    """
    s = pop.short
    p = {n: _sym(n) for n in ("fceri_kon", "fceri_ige_koff", "fceri_ige_exp", "fceri_kint_free",
                              "fceri_kint_bound", "trigger_crosslinks_per_cell",
                              "crosslink_exponent", "fceri_drug_kon", "bound_ige_kon",
                              "valency", "surface_crosslink_k", "crosslink_kint",
                              "effector_kill_max", "effector_kill_ec50_nm")}
    kon, koff = p["fceri_kon"], p["fceri_ige_koff"]
    turnover = _sym(f"{pop.name}_turnover")
    d = {n: _sym(f"{n}_{s}") for n in ("rtot0", "kf", "kb", "ratio", "r0", "re0", "ksynr")}
    derived = (
        Derived(d["rtot0"].name, _sym(f"{pop.name}_fceri_per_cell") * g ** p["fceri_ige_exp"],
                "1/cell", f"untreated FcεRI per cell, {pop.description}"),
        Derived(d["kf"].name, p["fceri_kint_free"] + turnover, "1/day",
                "loss of free FcεRI, untreated"),
        Derived(d["kb"].name, p["fceri_kint_bound"] + turnover, "1/day",
                "loss of occupied FcεRI, untreated"),
        Derived(d["ratio"].name, kon * e0 / (koff + d["kb"]), "1", "RE0/R0, untreated"),
        Derived(d["r0"].name, d["rtot0"] / (1 + d["ratio"]), "1/cell", "free FcεRI, untreated"),
        Derived(d["re0"].name, d["rtot0"] - d["r0"], "1/cell", "IgE-bound FcεRI, untreated"),
        Derived(d["ksynr"].name, d["kf"] * d["r0"] + d["kb"] * d["re0"], "1/(cell*day)",
                "FcεRI synthesis per cell"),
    )
    scale = d["rtot0"]
    states = (
        State(f"R_{s}", "1/cell", f"free FcεRI, {pop.description}", d["r0"], scale),
        State(f"RE_{s}", "1/cell", f"IgE-bound FcεRI, {pop.description}", d["re0"], scale),
        State(f"RX_{s}", "1/cell", f"IgE-bound FcεRI with drug on the IgE, {pop.description}",
              sp.S.Zero, scale),
        State(f"RD_{s}", "1/cell", f"drug-bound FcεRI, {pop.description}", sp.S.Zero, scale),
        State(f"M_{s}", "1", f"pool of {pop.description}, relative to untreated", sp.S.One,
              sp.S.One),
    )
    R, RE, RX, RD, M = (st.symbol for st in states)
    dilution = turnover / M
    phi_x = bridged_share(p["valency"], p["surface_crosslink_k"], RE)
    phi_d = bridged_share(p["valency"], p["surface_crosslink_k"], R)
    f_e = kon * E * R - koff * RE
    f_x = p["bound_ige_kon"] * D * RE - _sym("koffx") * RX
    f_d = p["fceri_drug_kon"] * D * R - _sym("koffrd") * RD
    kb = p["fceri_kint_bound"]
    kill = emax(p["effector_kill_max"], p["effector_kill_ec50_nm"], D)
    rhs = {
        R: d["ksynr"] - (p["fceri_kint_free"] + dilution) * R - f_e - f_d + koff * RX,
        RE: f_e - f_x - (kb + dilution) * RE,
        RX: f_x - koff * RX - (kb + phi_x * p["crosslink_kint"] + dilution) * RX,
        RD: f_d - (kb + phi_d * p["crosslink_kint"] + dilution) * RD,
        M: turnover * (1 - M) - kill * M,
    }
    total = R + RE + RX + RD
    fold = (d["re0"] / (RE + RX)) ** p["crosslink_exponent"]
    hazard = (phi_x * RX + phi_d * RD) / p["trigger_crosslinks_per_cell"]
    n = pop.name
    outputs = (
        Output(f"{n}_fceri_total", total, "1/cell",
               f"FcεRI per cell (free + IgE-bound + drug-bound), {pop.description}"),
        Output(f"{n}_fceri_occupancy", (RE + RX) / total, "1",
               f"fraction of FcεRI carrying IgE, {pop.description}"),
        Output(f"{n}_threshold_fold", fold, "1",
               f"allergen activation threshold relative to untreated, {pop.description}"),
        Output(f"{n}_pool", M, "1", f"pool of {pop.description} relative to untreated"),
        Output(f"{n}_response", M / fold, "1",
               f"allergen response relative to untreated, {pop.description}"),
        Output(f"{n}_crosslink_hazard", hazard, "1",
               f"drug-bridged FcεRI pairs per cell relative to the triggering number, "
               f"{pop.description}"),
    )
    return Declared(derived, states, rhs, outputs, fold, hazard)
