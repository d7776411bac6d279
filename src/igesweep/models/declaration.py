"""The vocabulary of model declarations: parameters, states, derived quantities, events, outputs.

A model module builds one :class:`Model` from these pieces; nothing else in
igesweep names a state or writes an equation. Expressions are SymPy
expressions in the symbols of the parameters (:attr:`Parameter.symbol`),
the derived quantities (:attr:`Derived.symbol`) and the states
(:attr:`State.symbol`); two further symbols have a fixed meaning:

* :data:`EVENT_MG`, the amount of the event being applied (mg);
* :data:`MAX_DOSE`, the largest :attr:`Event.dose` of a lane's events (1 if it
  has none), the natural scale of dose-driven states in absolute tolerances.

From the declaration :mod:`igesweep.models.codegen` derives the Jacobian, its
sparsity, an elimination order for the stage systems, and the compiled code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy as sp

from igesweep.events import EVENT_CODES
from igesweep.models.terms import ModelNames, Parameter

__all__ = ["EVENT_MG", "MAX_DOSE", "Derived", "Event", "Model", "Output", "Parameter",
           "ReversibleBinding", "State"]

#: Amount of the event being applied, mg (in :attr:`Event.updates` and :attr:`Event.dose`).
EVENT_MG = sp.Symbol("event_mg", real=True)
#: Largest dose of the lane's events in the unit of :attr:`Event.dose` (1 if none).
MAX_DOSE = sp.Symbol("max_dose", positive=True)


@dataclass(frozen=True)
class Derived:
    """A quantity computed once per lane from the parameters (and earlier derived quantities).

    Attributes
    ----------
    name : str
        Identifier (a valid Python name).
    expr : sympy.Expr
        Definition in parameter symbols and earlier derived symbols.
    unit : str
        Unit string.
    description : str
        One-line meaning.
    """

    name: str
    expr: sp.Expr
    unit: str
    description: str

    @property
    def symbol(self) -> sp.Symbol:
        """The SymPy symbol standing for this quantity in equations."""
        return sp.Symbol(self.name, real=True)


@dataclass(frozen=True)
class State:
    """One state variable of the ODE system.

    Attributes
    ----------
    name : str
        Identifier (a valid Python name), as in the model's documentation.
    unit : str
        Unit string.
    description : str
        One-line meaning.
    initial : sympy.Expr
        Value at the start of a lane (the untreated steady state), in
        parameter and derived symbols.
    scale : sympy.Expr
        Natural magnitude of the state; the absolute tolerance of the state is
        the solver's relative ``atol`` times this (may use :data:`MAX_DOSE`).
    """

    name: str
    unit: str
    description: str
    initial: sp.Expr
    scale: sp.Expr

    @property
    def symbol(self) -> sp.Symbol:
        """The SymPy symbol standing for this state in equations."""
        return sp.Symbol(self.name, real=True)


@dataclass(frozen=True)
class Event:
    """What an event kind of :data:`igesweep.events.EVENT_CODES` does to the state.

    Attributes
    ----------
    kind : str
        ``"sc"``, ``"iv"`` or ``"apheresis"``.
    updates : mapping of State symbol to sympy.Expr
        New value of each changed state, in the states just before the event
        (applied simultaneously), parameters, derived symbols and :data:`EVENT_MG`.
    dose : sympy.Expr or None
        Amount the event adds, in the unit of :data:`MAX_DOSE` (``None`` for
        events that add nothing).
    """

    kind: str
    updates: Mapping[sp.Symbol, sp.Expr]
    dose: sp.Expr | None = None


@dataclass(frozen=True)
class Output:
    """An output variable recorded at every output time.

    Attributes
    ----------
    name : str
        Variable name in datasets and stores.
    expr : sympy.Expr
        Definition in states, parameters and derived symbols.
    unit : str
        Unit string.
    long_name : str
        Meaning, used as the ``long_name`` attribute.
    """

    name: str
    expr: sp.Expr
    unit: str
    long_name: str


@dataclass(frozen=True)
class ReversibleBinding:
    """A 1:1 reversible binding ``ligand + target <-> complex`` that may be integrated in QE.

    The right-hand sides of the three states must contain the binding flux
    ``kon*ligand*target - koff*complex`` with the usual signs. Under
    quasi-equilibrium (``binding: qe``) the slots of ``ligand`` and
    ``target`` carry their totals (free + complex), the complex slot is
    unused, and the species are recovered from the equilibrium with
    dissociation constant ``kd`` (model.md §5b); binding is off where
    ``kon == 0``.

    ``kd_ratio_exp`` (α, default 0) makes the constant depend on the molar
    ratio of the totals, ``kd*((ligand + complex)/(target + complex))**α``
    (Lowe 2009; the model's full-binding flux must then use
    :class:`~igesweep.models.functions.ratio_dissociation`). With
    ``qss_addend`` (``kelC/kon``, 0 where ``kon == 0``) the model also offers
    ``binding: qss``, quasi-equilibrium with ``K_SS = K + kelC/kon``
    (Gibiansky et al. 2008).
    """

    ligand: sp.Symbol
    target: sp.Symbol
    complex: sp.Symbol
    kon: sp.Expr
    kd: sp.Expr
    kd_ratio_exp: sp.Expr = sp.S.Zero
    qss_addend: sp.Expr | None = None


@dataclass(frozen=True)
class Model(ModelNames):
    """A complete model declaration.

    Attributes
    ----------
    name : str
        Name by which scenarios and sweeps choose the model.
    title : str
        One-line description.
    source : str
        Where the equations come from (document section, paper with DOI).
    parameters : tuple of Parameter
        Parameters in packing order (the column order of parameter arrays).
    derived : tuple of Derived
        Derived quantities in evaluation order.
    states : tuple of State
        States in state-vector order.
    rhs : mapping of State symbol to sympy.Expr
        Time derivative of every state.
    events : tuple of Event
        What each event kind does.
    outputs : tuple of Output
        Output variables in the order the kernels write them.
    pre_event_output : str
        Name of the output recorded just before every event (troughs).
    binding : ReversibleBinding or None
        The reaction that ``binding: qe`` treats as instantaneous; ``None``
        when the model offers only ``binding: full``.
    constraints : tuple of (str, str)
        ``(rate, constant)`` parameter pairs: where the rate is positive the
        constant must be too.
    constants : mapping of str to float
        Named numerical constants used in the expressions (exact unit
        conversions); printed by name in the generated code.
    stiffness_keys : tuple of str
        Parameters that most set how many steps a lane takes, most telling
        first; lockstep groups are formed of lanes alike in them.
    receptor_readout : str or None
        The output of receptors per cell that the summary metric
        ``fceri_reduction`` reads (``None``: the model has no receptors).
    receptor_baseline : sympy.Expr or None
        That output's untreated value, in parameters, constants and derived
        quantities.
    """

    name: str
    title: str
    source: str
    parameters: tuple[Parameter, ...]
    derived: tuple[Derived, ...]
    states: tuple[State, ...]
    rhs: Mapping[sp.Symbol, sp.Expr]
    events: tuple[Event, ...]
    outputs: tuple[Output, ...]
    pre_event_output: str
    binding: ReversibleBinding | None = None
    constraints: tuple[tuple[str, str], ...] = ()
    constants: Mapping[str, float] = field(default_factory=dict)
    stiffness_keys: tuple[str, ...] = ()
    receptor_readout: str | None = None
    receptor_baseline: sp.Expr | None = None

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ValueError(f"model {self.name!r} is ill-declared: " + "; ".join(problems))

    def problems(self) -> list[str]:
        """Inconsistencies of the declaration (empty when it is well formed)."""
        out: list[str] = []
        names = [p.name for p in self.parameters] + [d.name for d in self.derived] + [
            s.name for s in self.states] + list(self.constants)
        seen: set[str] = set()
        for n in names:
            if n in seen:
                out.append(f"name {n!r} declared twice")
            seen.add(n)
        state_syms = {s.symbol for s in self.states}
        if set(self.rhs) != state_syms:
            out.append("rhs must give exactly one equation per state")
        known = {p.symbol for p in self.parameters} | {sp.Symbol(c, real=True)
                                                       for c in self.constants}
        for d in self.derived:
            unknown = d.expr.free_symbols - known
            if unknown:
                out.append(f"derived {d.name!r} uses undeclared {sorted(map(str, unknown))}")
            known.add(d.symbol)
        lane_syms = known | {MAX_DOSE}
        for s in self.states:
            for what, expr in (("initial", s.initial), ("scale", s.scale)):
                unknown = sp.sympify(expr).free_symbols - lane_syms
                if unknown:
                    out.append(f"state {s.name!r} {what} uses {sorted(map(str, unknown))}")
        full = known | state_syms
        for sym, expr in self.rhs.items():
            unknown = expr.free_symbols - full
            if unknown:
                out.append(f"rhs of {sym} uses undeclared {sorted(map(str, unknown))}")
        for o in self.outputs:
            unknown = o.expr.free_symbols - full
            if unknown:
                out.append(f"output {o.name!r} uses undeclared {sorted(map(str, unknown))}")
        for ev in self.events:
            if ev.kind not in EVENT_CODES:
                out.append(f"event kind {ev.kind!r} is not one of {sorted(EVENT_CODES)}")
            for sym, expr in ev.updates.items():
                if sym not in state_syms:
                    out.append(f"event {ev.kind!r} updates {sym}, which is not a state")
                unknown = sp.sympify(expr).free_symbols - full - {EVENT_MG}
                if unknown:
                    out.append(f"event {ev.kind!r} uses undeclared {sorted(map(str, unknown))}")
        if self.pre_event_output not in {o.name for o in self.outputs}:
            out.append(f"pre_event_output {self.pre_event_output!r} is not an output")
        param_names = {p.name for p in self.parameters}
        for rate, constant in self.constraints:
            if rate not in param_names or constant not in param_names:
                out.append(f"constraint ({rate}, {constant}) names an undeclared parameter")
        for key in self.stiffness_keys:
            if key not in param_names:
                out.append(f"stiffness key {key!r} is not a parameter")
        if (self.receptor_readout is None) != (self.receptor_baseline is None):
            out.append("receptor_readout and receptor_baseline go together")
        if self.receptor_readout is not None and self.receptor_readout not in {
                o.name for o in self.outputs}:
            out.append(f"receptor_readout {self.receptor_readout!r} is not an output")
        if self.receptor_baseline is not None:
            unknown = sp.sympify(self.receptor_baseline).free_symbols - known
            if unknown:
                out.append(f"receptor_baseline uses {sorted(map(str, unknown))}")
        b = self.binding
        if b is not None and not {b.ligand, b.target, b.complex} <= state_syms:
            out.append("binding species must be states")
        return out

    # -- look-ups ---------------------------------------------------------------------------

    @property
    def state_names(self) -> tuple[str, ...]:
        """State names in state-vector order."""
        return tuple(s.name for s in self.states)

    @property
    def bindings(self) -> tuple[str, ...]:
        """Binding options this model offers."""
        if self.binding is None:
            return ("full",)
        return ("full", "qe", "qss") if self.binding.qss_addend is not None else ("full", "qe")

    def parameter(self, name: str) -> Parameter:
        """The parameter called ``name`` (``KeyError`` if the model has none)."""
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    def digest(self) -> str:
        """Hash of everything in the declaration that the generated code depends on."""
        h = hashlib.sha256()
        parts: list[str] = [self.name, repr(self.parameter_names), repr(self.state_names)]
        parts += [f"{d.name}={sp.srepr(d.expr)}" for d in self.derived]
        parts += [f"{s.name}:{sp.srepr(s.initial)}:{sp.srepr(s.scale)}" for s in self.states]
        parts += [f"d{k}={sp.srepr(v)}" for k, v in self.rhs.items()]
        parts += [f"{e.kind}:{sorted((str(k), sp.srepr(v)) for k, v in e.updates.items())}"
                  f":{sp.srepr(e.dose) if e.dose is not None else None}" for e in self.events]
        parts += [f"{o.name}={sp.srepr(o.expr)}" for o in self.outputs]
        parts += [self.pre_event_output, repr(sorted(self.constants.items()))]
        parts += [repr(self.constraints), repr(self.stiffness_keys)]
        if self.binding is not None:
            b = self.binding
            parts += [sp.srepr(x) for x in (b.ligand, b.target, b.complex, b.kon, b.kd)]
        for part in parts:
            h.update(part.encode())
            h.update(b"\0")
        return h.hexdigest()[:16]
