"""SBML Level 3 export of a model declaration, optionally with one lane's values and events.

The model is written as Antimony text (human-readable, and what
:func:`antimony_text` returns), then converted to SBML Level 3 Version 2 with
the Antimony library, so COPASI, Tellurium, libRoadRunner or PK-Sim can run
it:

* parameters and derived quantities are SBML parameters (derived ones by
  initial assignment, so they follow edited parameter values);
* states are parameters with rate rules (the model is written in
  concentrations and amounts, not reactions);
* the special functions of :mod:`igesweep.models.functions` are SBML
  function definitions;
* outputs are assignment rules;
* with a lane, its parameter values and each dose or apheresis session as an
  event at its day (several at one day in igesweep's order, by priority).

Units are given in the notes of each element (SBML unit definitions are not
written). The ``qe`` binding option is exported as its own variant: the
ligand and target states then hold totals.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp
from sympy.printing.str import StrPrinter

from igesweep.models.codegen import Variant, variant
from igesweep.models.declaration import EVENT_MG, Model

#: Antimony function definitions of the special functions (same formulas as
#: :mod:`igesweep.models.runtime`).
FUNCTIONS = """\
function emax(kmax, ec50, x)
  piecewise(0, kmax == 0, kmax*x/(ec50 + x))
end
function emax_slope(kmax, ec50, x)
  piecewise(0, kmax == 0, kmax*ec50/((ec50 + x)*(ec50 + x)))
end
function qe_sqrt(a, b, kd)
  sqrt((a - b)*(a - b) + kd*(2*(a + b) + kd))
end
function qe_complex(a, b, kd, kon)
  piecewise(0, kon == 0, 2*a*b/(a + b + kd + sqrt((a - b)*(a - b) + kd*(2*(a + b) + kd))))
end
function qe_ratio_k(a, b, k0, alpha)
  piecewise(0, a <= 0, k0*(a/b)^alpha)
end
function qe_ratio_complex(a, b, k0, alpha)
  qe_complex(piecewise(0, a <= 0, a), b, qe_ratio_k(a, b, k0, alpha), 1)
end
function ratio_power(x, y, alpha)
  piecewise((x/y)^alpha, x > 0, piecewise(1, alpha == 0, 0))
end
function ratio_dissociation(c, x, y, alpha)
  c*ratio_power(x, y, alpha)
end
function qe_bound(a, b, k0, alpha, k_add, kon)
  qe_complex(piecewise(0, a <= 0, a), b, k0*ratio_power(a, b, alpha) + k_add, kon)
end
"""

#: Antimony (and SBML MathML) words that cannot name a model element.
_RESERVED = frozenset({"time", "e", "pi", "exponentiale", "avogadro", "true", "false", "inf",
                       "notanumber", "at", "end", "const", "var", "model", "function",
                       "species", "compartment", "formula", "in", "is", "has", "import",
                       "delete", "unit", "DNA", "gene", "operator", "reaction", "substanceOnly",
                       "E", "C", "D", "M", "R"})


def element_id(name: str) -> str:
    """A valid, unreserved SBML id for a declaration name."""
    clean = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return f"s_{clean}" if clean in _RESERVED or not clean[0].isalpha() else clean


class _AntimonyPrinter(StrPrinter):
    """Infix Antimony math: ``^`` for powers, ``piecewise(value, condition, otherwise)``."""

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return element_id(expr.name)

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, exp = expr.as_base_exp()
        if exp == sp.Rational(1, 2):
            return f"sqrt({self._print(base)})"
        return f"({self._print(base)})^({self._print(exp)})"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        *pieces, (last, cond) = expr.args
        out = self._print(last) if cond == sp.true else "0"
        for value, condition in reversed(pieces):
            out = f"piecewise({self._print(value)}, {self._print(condition)}, {out})"
        return out

    def _print_log(self, expr: sp.Expr) -> str:
        return f"ln({self._print(expr.args[0])})"

    def _print_Float(self, expr: sp.Float) -> str:
        return repr(float(expr))

    def _print_Rational(self, expr: sp.Rational) -> str:
        return f"({expr.p}/{expr.q})"


def antimony_text(model: Model, binding: str = "full", *,
                  values: dict[str, float] | None = None,
                  events: Sequence[tuple[float, str, float]] = ()) -> str:
    """The model as Antimony text, optionally with one lane's values and events.

    Parameters
    ----------
    model : Model
        The declaration.
    binding : str
        ``"full"`` or ``"qe"`` (if the model offers it).
    values : dict of str to float, optional
        Parameter values (a resolved lane's); without them parameters are 0.
    events : sequence of (day, kind, mg)
        Doses and apheresis sessions, sorted by day (igesweep's order within a day).

    Raises
    ------
    ValueError
        For a binding option or event kind the model does not offer.
    """
    if binding not in model.bindings:
        raise ValueError(f"model {model.name!r} offers binding {', '.join(model.bindings)}")
    v: Variant = variant(model, binding)
    printer = _AntimonyPrinter()
    out = [f"// {model.name}: {model.title}", f"// source: {model.source}",
           f"// binding: {binding}; time in days", "", FUNCTIONS.rstrip(), "",
           f"model {element_id(model.name)}()"]
    for name, value in sorted(model.constants.items()):
        out.append(f"  const {element_id(name)} = {float(value)!r};")
    for p in model.parameters:
        value = 0.0 if values is None else float(values[p.name])
        out.append(f"  const {element_id(p.name)} = {value!r};  // {p.unit}: {p.description}")
    for d in model.derived:
        out.append(f"  {element_id(d.name)} = {printer.doprint(d.expr)};  // {d.unit}: "
                   f"{d.description}")
    for s, init in zip(model.states, v.initial, strict=True):
        out.append(f"  {element_id(s.name)} = {printer.doprint(init)};  // {s.unit}: "
                   f"{s.description}")
    for s, rhs in zip(model.states, v.rhs, strict=True):
        out.append(f"  {element_id(s.name)}' = {printer.doprint(rhs)};")
    for o, expr in zip(model.outputs, v.outputs, strict=True):
        out.append(f"  {element_id(o.name)} := {printer.doprint(expr)};  // {o.unit}: "
                   f"{o.long_name}")
    by_kind = {ev.kind: ev for ev in model.events}
    for n, (day, kind, mg) in enumerate(events):
        if kind not in by_kind:
            raise ValueError(f"model {model.name!r} has no {kind!r} events")
        changes = dict(v.events[kind])
        if not changes:
            continue
        assigns = ", ".join(
            f"{element_id(model.states[i].name)} = {printer.doprint(e.subs(EVENT_MG, mg))}"
            for i, e in changes.items())
        # events of one day fire in list order: earlier ones get a higher priority
        out.append(f"  ev{n}: at (time >= {float(day)!r}), t0 = false, priority = "
                   f"{len(events) - n}: {assigns};  // {kind} {mg} mg")
    out.append("end")
    return "\n".join(out) + "\n"


def sbml_text(model: Model, binding: str = "full", *,
              values: dict[str, float] | None = None,
              events: Sequence[tuple[float, str, float]] = ()) -> str:
    """SBML Level 3 Version 2 of :func:`antimony_text` (needs the ``antimony`` package).

    Raises
    ------
    RuntimeError
        If Antimony rejects the text (a defect of the exporter: please report it).
    """
    import antimony

    antimony.clearPreviousLoads()
    if antimony.loadAntimonyString(antimony_text(model, binding, values=values,
                                                 events=events)) < 0:
        raise RuntimeError(f"Antimony rejected the export of {model.name}: "
                           f"{antimony.getLastError()}")
    sbml = antimony.getSBMLString(element_id(model.name))
    if not sbml:
        raise RuntimeError(f"no SBML for {model.name}: {antimony.getLastError()}")
    return sbml

