"""What a model's generated code gives the integrator (the names the kernel templates use).

The integrator is written once, model-independent, in :mod:`.lane`,
:mod:`.group` and :mod:`.drivers`. Those files are *templates*: for each
model and binding option, :mod:`igesweep.solver.kernels` writes one module
holding the generated functions (:mod:`igesweep.models.codegen`) followed by the text of
the three templates without their ``kernel-interface`` import blocks, and
compiles that. This module declares the generated names with their meaning
so that the templates read (and lint) as ordinary Python; calling these
stand-ins raises.

Sizes
    ``N_STATES``, ``N_PARAMETERS``, ``N_RATES`` (lane constants), ``N_OUTPUTS``,
    ``N_JAC`` (structural nonzeros of the Jacobian), ``N_LU`` (entries of the
    stored factor).
Per lane (``y``: state, ``r``: lane constants from ``derive``)
    ``derive(p) -> r``; ``initial_state(r, y)``;
    ``absolute_tolerance(r, max_dose, atol, out)``; ``event_dose(r, kind, mg) -> float``;
    ``apply_event(y, r, kind, mg)``; ``rhs(y, r, dy)``;
    ``jacobian(y, r, jac)``; ``stage_factor(jac, fac, lu) -> bool``;
    ``stage_solve(lu, b)``; ``outputs_from_state(y, r, out)``;
    ``pre_event_value(y, r) -> float``.
Per lockstep group (work array ``ws`` laid out by :mod:`.group`)
    ``rhs_group(ws, oy, od, w)``; ``factor_group(ws, fac, w, lane_ok)``;
    ``stage_solve_group(ws, vec, w)``.
"""

from __future__ import annotations

from typing import Any

N_STATES = 1
N_PARAMETERS = 1
N_RATES = 1
N_OUTPUTS = 1
N_JAC = 1
N_LU = 1


def _generated(*_: Any) -> Any:
    raise NotImplementedError("generated per model: load kernels with igesweep.solver.kernels")


derive = initial_state = absolute_tolerance = event_dose = apply_event = _generated
rhs = jacobian = stage_factor = stage_solve = outputs_from_state = pre_event_value = _generated
rhs_group = factor_group = stage_solve_group = _generated
