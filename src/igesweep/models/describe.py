"""Plain-text descriptions of model declarations, for ``igesweep models``."""

from __future__ import annotations

import sympy as sp

from igesweep.models.declaration import Model


def summary_table(models: list[Model]) -> str:
    """One line per model: name, states, parameters, binding options, source."""
    rows = [("model", "states", "parameters", "binding", "title / source")]
    for m in models:
        rows.append((m.name, str(len(m.states)), str(len(m.parameters)), " | ".join(m.bindings),
                     f"{m.title} ({m.source})"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True))
                     + "  " + r[4] for r in rows)


def _expr(e: object) -> str:
    return sp.sstr(sp.sympify(e))


def describe(model: Model) -> str:
    """Everything the declaration says: states, parameters, derived quantities, equations,
    events and outputs, with units."""
    lines = [f"{model.name}: {model.title}", f"source: {model.source}",
             f"binding options: {', '.join(model.bindings)}", f"digest: {model.digest()}", "",
             "states (initial value; absolute-tolerance scale):"]
    for s in model.states:
        lines.append(f"  {s.name} [{s.unit}]  {s.description}  "
                     f"(initial {_expr(s.initial)}; scale {_expr(s.scale)})")
    lines += ["", "parameters:"]
    for p in model.parameters:
        bound = "in [0, 1]" if p.fraction else ("> 0" if p.positive else (
            "any" if p.signed else ">= 0"))
        lines.append(f"  {p.name} [{p.unit}] ({p.group}, {bound})  {p.description}")
    lines += ["", "derived quantities:"]
    for d in model.derived:
        lines.append(f"  {d.name} = {_expr(d.expr)}  [{d.unit}]  {d.description}")
    lines += ["", "equations:"]
    for s in model.states:
        lines.append(f"  d{s.name}/dt = {_expr(model.rhs[s.symbol])}")
    if model.binding is not None:
        b = model.binding
        lines.append(f"  binding: qe treats {b.ligand} + {b.target} <-> {b.complex} as "
                     f"instantaneous with Kd = {_expr(b.kd)} (off where {_expr(b.kon)} = 0)")
    lines += ["", "events (event_mg: amount of the event, mg):"]
    for ev in model.events:
        changes = ", ".join(f"{k} := {_expr(v)}" for k, v in ev.updates.items())
        lines.append(f"  {ev.kind}: {changes}")
    lines += ["", "outputs:"]
    for o in model.outputs:
        lines.append(f"  {o.name} = {_expr(o.expr)}  [{o.unit}]  {o.long_name}")
    return "\n".join(lines)
