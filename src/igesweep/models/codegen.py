"""Numba source generated from a model declaration.

:func:`generate` turns a :class:`~igesweep.models.declaration.Model` into the
text of a Python module holding every model-specific function the
integrators call, for one binding option of the model (one module per
option, so the compiler sees straight-line code with no branch on the
binding and inlines the right-hand side into the integrator):

========================  =====================================================
``derive(p)``             lane constants (parameters and derived quantities)
``initial_state``         the untreated steady state
``absolute_tolerance``    per-state absolute tolerance
``event_dose``            amount an event adds (for tolerance scales)
``apply_event``           what an event does to the state
``rhs``                   right-hand side
``jacobian``              structural nonzeros of the exact Jacobian, flat
``stage_factor``          LU of ``fac*I - J`` in the planned order, flat
``stage_solve``           forward and back substitution with that factor
``outputs_from_state``    the model's outputs
``pre_event_value``       the output recorded before each event
``*_group``               rhs, Jacobian+factor and solve over a lockstep group
========================  =====================================================

Everything is straight-line code with common subexpressions hoisted
(SymPy's ``cse``), so a reader can audit it (``igesweep models show NAME
--code``). The quasi-equilibrium variant is derived from the model's
:class:`~igesweep.models.declaration.ReversibleBinding`: the slots of
ligand and target carry totals, the species are recovered through
:class:`~igesweep.models.functions.qe_complex`, and the Jacobian follows by
the chain rule through the declared derivatives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from igesweep.models.declaration import EVENT_MG, MAX_DOSE, Model
from igesweep.models.functions import POWER_FUNCTIONS, RUNTIME_NAMES, qe_bound, qe_complex
from igesweep.models.sparse import EliminationPlan, plan_elimination


@dataclass(frozen=True)
class Variant:
    """The equations of one binding option, in the symbols of the state slots.

    Attributes
    ----------
    binding : str
        ``"full"``, ``"qe"`` or ``"qss"``.
    rhs : list of sympy.Expr
        Time derivative of each slot.
    initial : list of sympy.Expr
        Initial value of each slot.
    outputs : list of sympy.Expr
        Outputs in the model's order.
    events : dict of str to list of (int, sympy.Expr)
        Per event kind, the slots it changes and their new values.
    jacobian : dict of (int, int) to sympy.Expr
        Structurally nonzero entries ``d rhs_i / d slot_j``.
    """

    binding: str
    rhs: list[sp.Expr]
    initial: list[sp.Expr]
    outputs: list[sp.Expr]
    events: dict[str, list[tuple[int, sp.Expr]]]
    jacobian: dict[tuple[int, int], sp.Expr]


def variant(model: Model, binding: str) -> Variant:
    """The equations of ``model`` under binding option ``binding`` (see :class:`Variant`)."""
    syms = [s.symbol for s in model.states]
    index = {s: i for i, s in enumerate(syms)}
    if binding == "full":
        species: dict[sp.Symbol, sp.Expr] = {}
        rhs = [model.rhs[s] for s in syms]
        initial = [sp.sympify(s.initial) for s in model.states]
    else:
        b = model.binding
        assert b is not None
        if binding == "qe" and b.kd_ratio_exp == 0:
            cq = qe_complex(b.ligand, b.target, b.kd, b.kon)
        else:
            k_add = b.qss_addend if binding == "qss" else sp.Integer(0)
            assert k_add is not None
            cq = qe_bound(b.ligand, b.target, b.kd, b.kd_ratio_exp, k_add, b.kon)
        species = {b.ligand: b.ligand - cq, b.target: b.target - cq, b.complex: cq}
        rhs = []
        initial = []
        for s, st in zip(syms, model.states, strict=True):
            if s in (b.ligand, b.target):
                rhs.append((model.rhs[s] + model.rhs[b.complex]).xreplace(species))
                init_c = model.states[index[b.complex]].initial
                initial.append(sp.sympify(st.initial) + init_c)
            elif s == b.complex:
                rhs.append(sp.Integer(0))
                initial.append(sp.Integer(0))
            else:
                rhs.append(model.rhs[s].xreplace(species))
                initial.append(sp.sympify(st.initial))
    outputs = [o.expr.xreplace(species) for o in model.outputs]
    events: dict[str, list[tuple[int, sp.Expr]]] = {}
    for ev in model.events:
        new = {s: sp.sympify(ev.updates.get(s, s)).xreplace(species) for s in syms}
        if binding != "full":
            b = model.binding
            assert b is not None
            new[b.ligand] = new[b.ligand] + new[b.complex]
            new[b.target] = new[b.target] + new[b.complex]
            new[b.complex] = b.complex  # the complex slot is unused (always 0) under QE
        events[ev.kind] = [(index[s], new[s]) for s in syms if new[s] != s]
    jac = {}
    for i, f in enumerate(rhs):
        for j, s in enumerate(syms):
            d = sp.diff(f, s)
            if d != 0:
                jac[(i, j)] = d
    return Variant(binding, rhs, initial, outputs, events, jac)


def _tree_sum(terms: Sequence[str]) -> str:
    """``terms`` summed pairwise: ``((a + b) + (c + d))``."""
    if len(terms) == 1:
        return terms[0]
    half = len(terms) // 2
    return f"({_tree_sum(terms[:half])} + {_tree_sum(terms[half:])})"


class _Printer(PythonCodePrinter):
    """Python printer that writes symbols by a name map and special functions by name.

    Calls of :data:`POWER_FUNCTIONS` get the argument ``vector`` last: ``True`` in
    the lane loops of lockstep groups, ``False`` in per-lane code.
    """

    def __init__(self, names: dict[sp.Symbol, str], *, vector: bool) -> None:
        super().__init__({"allow_unknown_functions": True, "fully_qualified_modules": True})
        self._names = names
        self._vector = vector

    def _print_Function(self, expr: sp.Function) -> str:
        name = type(expr).__name__
        if name in POWER_FUNCTIONS:
            return f"{name}({', '.join(self._print(a) for a in expr.args)}, {self._vector})"
        return super()._print_Function(expr)

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return self._names.get(expr, expr.name)

    def _print_Float(self, expr: sp.Float) -> str:
        return repr(float(expr))


@dataclass
class _Block:
    """Straight-line code assembled line by line."""

    lines: list[str] = field(default_factory=list)

    @classmethod
    def function(cls, decorator: str, signature: str, doc: str) -> _Block:
        """A block opening a compiled function: decorator, ``def`` line, docstring."""
        b = cls()
        b.add(decorator, 0)
        b.add(f"def {signature}:", 0)
        b.add(f'"""{doc}"""', 1)
        return b

    def add(self, line: str, indent: int) -> None:
        self.lines.append("    " * indent + line)

    def text(self) -> str:
        """The code as one string."""
        return "\n".join(self.lines)


class Generator:
    """Generated source of one model under one binding option, built from its declaration.

    Parameters
    ----------
    model : Model
        The declaration.
    binding : str
        One of ``model.bindings``.
    """

    def __init__(self, model: Model, binding: str) -> None:
        if binding not in model.bindings:
            raise ValueError(f"model {model.name!r} offers binding {list(model.bindings)}, "
                             f"not {binding!r}")
        self.model = model
        self.binding = binding
        self.states = [s.symbol for s in model.states]
        self.variant = variant(model, binding)
        #: Structural nonzeros of the Jacobian, row-major.
        self.jac_entries: list[tuple[int, int]] = sorted(self.variant.jacobian)
        self.plan: EliminationPlan = plan_elimination(set(self.jac_entries), len(self.states))
        self.factor_entries = self.plan.factor_entries()

    # -- names ----------------------------------------------------------------------------------

    @cached_property
    def rate_symbols(self) -> list[sp.Symbol]:
        """Lane constants the kernels read: derived quantities, then parameters, as used."""
        used: set[sp.Symbol] = set()
        v = self.variant
        exprs = [*v.rhs, *v.initial, *v.outputs, *v.jacobian.values()]
        exprs += [e for changes in v.events.values() for _, e in changes]
        for e in exprs:
            used |= sp.sympify(e).free_symbols
        for s in self.model.states:
            used |= sp.sympify(s.scale).free_symbols
        for ev in self.model.events:
            if ev.dose is not None:
                used |= ev.dose.free_symbols
        ordered = [d.symbol for d in self.model.derived] + [p.symbol for p in
                                                             self.model.parameters]
        return [s for s in ordered if s in used]

    def _names(self) -> dict[sp.Symbol, str]:
        names = {s: f"s_{s.name}" for s in self.states}
        names.update({p.symbol: f"r_{p.name}" for p in self.model.parameters})
        names.update({d.symbol: f"r_{d.name}" for d in self.model.derived})
        names[EVENT_MG] = "mg"
        names[MAX_DOSE] = "max_dose"
        return names

    def _emit(self, block: _Block, indent: int, assigns: Sequence[tuple[str, sp.Expr]],
              load: Callable[[sp.Symbol], str | None], *, vector: bool = False) -> None:
        """Loads of the symbols used, common subexpressions, then the assignments.

        ``vector``: the code is the body of a lockstep group's lane loop (:class:`_Printer`).
        """
        printer = _Printer(self._names(), vector=vector)
        exprs = [sp.sympify(e) for _, e in assigns]
        temps = sp.numbered_symbols("x")
        replacements, reduced = sp.cse(exprs, symbols=temps, order="none")
        used: set[sp.Symbol] = set()
        for e in [*reduced, *(r for _, r in replacements)]:
            used |= e.free_symbols
        for sym in self._load_order(used):
            src = load(sym)
            if src is not None:
                block.add(f"{printer.doprint(sym)} = {src}", indent)
        for sym, e in replacements:
            block.add(f"{sym.name} = {printer.doprint(e)}", indent)
        for (target, _), e in zip(assigns, reduced, strict=True):
            code = repr(float(e)) if e.is_Number else printer.doprint(e)
            block.add(f"{target} = {code}", indent)

    def _load_order(self, used: Iterable[sp.Symbol]) -> list[sp.Symbol]:
        order = {s: i for i, s in enumerate(self.states + self.rate_symbols)}
        return sorted((s for s in used if s in order), key=order.__getitem__)

    def _loader(self, state: str, rate: str) -> Callable[[sp.Symbol], str | None]:
        """Source of a state or lane constant from templates with ``{name}`` (others: None)."""
        states = set(self.states)
        rates = set(self.rate_symbols)

        def load(sym: sp.Symbol) -> str | None:
            if sym in states:
                return state.format(name=sym.name)
            if sym in rates:
                return rate.format(name=sym.name)
            return None

        return load

    def _lane_load(self) -> Callable[[sp.Symbol], str | None]:
        """States from ``y``, lane constants from ``r`` (the per-lane functions)."""
        return self._loader("y[I_{name}]", "r[K_{name}]")

    def _group_load(self, oy: str) -> Callable[[sp.Symbol], str | None]:
        """Lane ``k``'s state at offset ``oy`` and constants of the group work array."""
        return self._loader(f"ws[{oy} + I_{{name}} * ROW + k]", "ws[O_RATES + K_{name} * ROW + k]")

    def _jacobian_assigns(self, target: Callable[[int], str]) -> list[tuple[str, sp.Expr]]:
        """Every structural nonzero of the Jacobian, flat."""
        return [(target(n), self.variant.jacobian[ij]) for n, ij in enumerate(self.jac_entries)]

    def _lane_function(self, decorator: str, signature: str, doc: str,
                       assigns: list[tuple[str, sp.Expr]]) -> str:
        """A per-lane function that makes the assignments ``assigns``."""
        b = _Block.function(decorator, signature, doc)
        self._emit(b, 1, assigns, self._lane_load())
        return b.text()

    # -- the module -----------------------------------------------------------------------------

    def source(self) -> str:
        """The whole generated module."""
        parts = [self._header(), self._constants(), self._derive(), self._initial_state(),
                 self._absolute_tolerance(), self._event_dose(), self._apply_event(),
                 self._rhs(), self._jacobian(), self._stage_factor(), self._stage_solve(),
                 self._outputs(), self._pre_event(), self._rhs_group(), self._factor_group(),
                 self._stage_solve_group()]
        return "\n\n".join(p.rstrip() for p in parts) + "\n"

    def _header(self) -> str:
        m = self.model
        return "\n".join([
            f'"""Generated from the declaration of model {m.name!r} (digest {m.digest()}), '
            f"binding {self.binding!r}.",
            "",
            f"{m.title}. Source: {m.source}.",
            "Do not edit: change the model's module and the code is generated again.",
            '"""',
            "",
            "import math",
            "",
            "import numpy as np",
            "",
            "from igesweep._jit import jit, jit_inline",
            "from igesweep.events import EVENT_APHERESIS, EVENT_IV, EVENT_SC",
            f"from igesweep.models.runtime import {', '.join(RUNTIME_NAMES)}",
        ])

    def _constants(self) -> str:
        m = self.model
        lines = [f"MODEL_NAME = {m.name!r}", f"MODEL_DIGEST = {m.digest()!r}",
                 f"N_STATES = {len(m.states)}", f"N_PARAMETERS = {len(m.parameters)}",
                 f"N_RATES = {len(self.rate_symbols)}", f"N_OUTPUTS = {len(m.outputs)}",
                 f"N_JAC = {len(self.jac_entries)}", f"N_LU = {len(self.factor_entries)}",
                 f"BINDING = {self.binding!r}",
                 "STIFFNESS_COLUMNS = "
                 f"{tuple(m.parameter_names.index(k) for k in m.stiffness_keys)!r}"]
        lines += [f"{k} = {float(v)!r}" for k, v in sorted(m.constants.items())]
        lines += [f"I_{s.name} = {i}" for i, s in enumerate(m.states)]
        lines += [f"P_{p.name} = {i}" for i, p in enumerate(m.parameters)]
        lines += [f"K_{s.name} = {i}" for i, s in enumerate(self.rate_symbols)]
        order = ", ".join(m.states[k].name for k in self.plan.order)
        lines.append(f"# elimination order of the stage matrix: {order}; fill-in: "
                     f"{len(self.plan.fill)} entries")
        return "\n".join(lines)

    def _derive(self) -> str:
        b = _Block.function(
            "@jit", "derive(p)",
            "Lane constants (derived quantities and parameters) of one parameter row.")
        printer = _Printer(self._names(), vector=False)
        needed: set[sp.Symbol] = set(self.rate_symbols)
        for d in self.model.derived:
            needed |= d.expr.free_symbols
        for p in self.model.parameters:
            if p.symbol in needed:
                b.add(f"r_{p.name} = p[P_{p.name}]", 1)
        for d in self.model.derived:
            b.add(f"r_{d.name} = {printer.doprint(d.expr)}", 1)
        b.add("r = np.empty(N_RATES)", 1)
        for s in self.rate_symbols:
            b.add(f"r[K_{s.name}] = r_{s.name}", 1)
        b.add("return r", 1)
        return b.text()

    def _initial_state(self) -> str:
        return self._lane_function(
            "@jit", "initial_state(r, y)", "Write the untreated steady state into ``y``.",
            [(f"y[I_{s.name}]", e) for s, e in zip(self.states, self.variant.initial,
                                                   strict=True)])

    def _absolute_tolerance(self) -> str:
        b = _Block.function(
            "@jit", "absolute_tolerance(r, max_dose, atol, out)",
            "``atol`` times each state's natural scale; ``max_dose``: largest dose.")
        self._emit(b, 1, [(f"out[I_{s.name}]", atol_expr) for s, atol_expr in
                          ((s, sp.Symbol("atol") * s.scale) for s in self.model.states)],
                   self._lane_load())
        return b.text()

    def _event_dose(self) -> str:
        b = _Block.function(
            "@jit", "event_dose(r, kind, mg)",
            "Amount an event of ``kind`` and ``mg`` adds (0 for events that add none).")
        b.add("dose = 0.0", 1)
        first = True
        for ev in self.model.events:
            if ev.dose is None:
                continue
            b.add(f"{'if' if first else 'elif'} kind == EVENT_{ev.kind.upper()}:", 1)
            self._emit(b, 2, [("dose", ev.dose)], self._lane_load())
            first = False
        b.add("return dose", 1)
        return b.text()

    def _apply_event(self) -> str:
        b = _Block.function(
            "@jit", "apply_event(y, r, kind, mg)",
            "Apply an event of ``kind`` (amount ``mg``) to the state ``y`` in place.")
        first = True
        for ev in self.model.events:
            changes = self.variant.events[ev.kind]
            b.add(f"{'if' if first else 'elif'} kind == EVENT_{ev.kind.upper()}:", 1)
            first = False
            if not changes:
                b.add("pass", 2)
                continue
            temps = [(f"new_{self.states[i].name}", e) for i, e in changes]
            self._emit(b, 2, temps, self._lane_load())
            for i, _ in changes:
                name = self.states[i].name
                b.add(f"y[I_{name}] = new_{name}", 2)
        return b.text()

    def _rhs(self) -> str:
        # inlined into the integrator: called seven times per step, it is the hot path
        return self._lane_function(
            "@jit_inline", "rhs(y, r, dy)", "Right-hand side, written into ``dy``.",
            [(f"dy[I_{s.name}]", e) for s, e in zip(self.states, self.variant.rhs, strict=True)])

    def _jacobian(self) -> str:
        entries = ", ".join(f"({i}, {j})" for i, j in self.jac_entries)
        return f"JAC_ENTRIES = ({entries},)\n\n\n" + self._lane_function(
            "@jit", "jacobian(y, r, jac)",
            "Structural nonzeros of the Jacobian, flat in ``JAC_ENTRIES`` order.",
            self._jacobian_assigns(lambda n: f"jac[{n}]"))

    # -- LU of the stage matrix -----------------------------------------------------------------

    def _factor_lines(self, b: _Block, ind: int, jac: Callable[[int], str],
                      store: Callable[[int], str]) -> None:
        """``fac*I - J`` reduced in the planned order; ``check`` sums every pivot and entry."""
        n = len(self.states)
        pos = {ij: k for k, ij in enumerate(self.jac_entries)}
        entries = set(self.jac_entries) | {(i, i) for i in range(n)} | set(self.plan.fill)
        for i, j in sorted(entries):
            j_ij = jac(pos[(i, j)]) if (i, j) in pos else None
            if i == j:
                b.add(f"m_{i}_{j} = fac - {j_ij}" if j_ij else f"m_{i}_{j} = fac", ind)
            else:
                b.add(f"m_{i}_{j} = -{j_ij}" if j_ij else f"m_{i}_{j} = 0.0", ind)
        checks = []
        for k, rows, cols in self.plan.steps:
            b.add(f"inv_{k} = 1.0 / m_{k}_{k}", ind)
            checks += [f"m_{k}_{k}", f"inv_{k}"]
            for i in rows:
                b.add(f"l_{i}_{k} = m_{i}_{k} * inv_{k}", ind)
                for j in cols:
                    b.add(f"m_{i}_{j} = m_{i}_{j} - l_{i}_{k} * m_{k}_{j}", ind)
        # U is stored scaled by the reciprocal pivot of its row, so that back
        # substitution is x_k = b_k*inv_k - sum_j u_kj*x_j: a chain of multiply-adds
        stored = []
        for slot, (kind, i, j) in enumerate(self.factor_entries):
            value = {"inv": f"inv_{i}", "l": f"l_{i}_{j}", "u": f"m_{i}_{j} * inv_{i}"}[kind]
            b.add(f"{store(slot)} = {value}", ind)
            if kind != "inv":
                stored.append(f"m_{i}_{j}" if kind == "u" else value)
        # one test catches a zero pivot (reciprocal inf) and any NaN or inf in the factor;
        # summed as a balanced tree, so the additions do not form one long dependency chain
        b.add("check = " + _tree_sum(checks + stored), ind)

    def _solve_lines(self, b: _Block, ind: int, vec: Callable[[int], str],
                     lu: Callable[[int], str]) -> None:
        slot = {e: k for k, e in enumerate(self.factor_entries)}
        n = len(self.states)
        for i in range(n):
            b.add(f"b_{i} = {vec(i)}", ind)
        for k, rows, _ in self.plan.steps:
            for i in rows:
                b.add(f"b_{i} = b_{i} - {lu(slot[('l', i, k)])} * b_{k}", ind)
        for k, _, cols in reversed(self.plan.steps):
            terms = "".join(f" - {lu(slot[('u', k, j)])} * b_{j}" for j in cols)
            b.add(f"b_{k} = b_{k} * {lu(slot[('inv', k, k)])}{terms}", ind)
        for i in range(n):
            b.add(f"{vec(i)} = b_{i}", ind)

    def _stage_factor(self) -> str:
        b = _Block.function(
            "@jit", "stage_factor(jac, fac, lu)",
            "LU of ``fac*I - J`` in the planned order into ``lu``; ``False`` if unusable.")
        self._factor_lines(b, 1, lambda n: f"jac[{n}]", lambda s: f"lu[{s}]")
        b.add("return math.isfinite(check)", 1)
        return b.text()

    def _stage_solve(self) -> str:
        b = _Block.function(
            "@jit_inline", "stage_solve(lu, b)",
            "Solve ``(fac*I - J) x = b`` in place with the factor of ``stage_factor``.")
        self._solve_lines(b, 1, lambda i: f"b[{i}]", lambda s: f"lu[{s}]")
        return b.text()

    def _outputs(self) -> str:
        return self._lane_function(
            "@jit", "outputs_from_state(y, r, out)",
            "The outputs at one time, in the model's order, into ``out``.",
            [(f"out[{n}]", e) for n, e in enumerate(self.variant.outputs)])

    def _pre_event(self) -> str:
        n = self.model.output_names.index(self.model.pre_event_output)
        b = _Block.function(
            "@jit", "pre_event_value(y, r)",
            f"Output {self.model.pre_event_output!r}, recorded just before each event.")
        self._emit(b, 1, [("value", self.variant.outputs[n])], self._lane_load())
        b.add("return value", 1)
        return b.text()

    # -- lockstep groups ------------------------------------------------------------------------

    def _rhs_group(self) -> str:
        b = _Block.function(
            "@jit", "rhs_group(ws, oy, od, w)",
            "``rhs`` of lanes ``0..w-1``: state at offset ``oy``, result at ``od``.")
        b.add("for k in range(w):", 1)
        self._emit(b, 2, [(f"ws[od + I_{s.name} * ROW + k]", e)
                          for s, e in zip(self.states, self.variant.rhs, strict=True)],
                   self._group_load("oy"), vector=True)
        return b.text()

    def _factor_group(self) -> str:
        b = _Block.function(
            "@jit", "factor_group(ws, fac, w, lane_ok)",
            "Jacobian and ``stage_factor`` of lanes ``0..w-1`` in one pass.")
        b.add("for k in range(w):", 1)
        self._emit(b, 2, self._jacobian_assigns(lambda n: f"j_{n}"), self._group_load("O_Y"),
                   vector=True)
        self._factor_lines(b, 2, lambda n: f"j_{n}", lambda s: f"ws[O_LU + {s} * ROW + k]")
        b.add("lane_ok[k] = math.isfinite(check)", 2)
        return b.text()

    def _stage_solve_group(self) -> str:
        b = _Block.function(
            "@jit", "stage_solve_group(ws, vec, w)",
            "``stage_solve`` of lanes ``0..w-1`` in place on ``vec``, a vector of the work array.")
        b.add("for k in range(w):", 1)
        self._solve_lines(b, 2, lambda i: f"vec[{i} * ROW + k]",
                          lambda s: f"ws[O_LU + {s} * ROW + k]")
        return b.text()


def generate(model: Model, binding: str = "full") -> str:
    """The generated source of ``model`` under ``binding`` (see the module docstring)."""
    return Generator(model, binding).source()
