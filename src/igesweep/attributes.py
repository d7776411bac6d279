"""Dataset attributes shared by ``simulate`` and sweep stores: status flags, solver, lane values."""

from __future__ import annotations

from typing import Any

import numpy as np

from igesweep.parameters import parameter_table
from igesweep.resolve import Lane
from igesweep.scenario import Scenario
from igesweep.solver import STATUS_MEANINGS

#: Name of the integrator recorded in every dataset.
SOLVER_NAME = "rodas5p"


def status_attrs(*, not_run: bool = False) -> dict[str, Any]:
    """CF-style flag attributes of a ``status`` variable (``not_run = -1`` for sweeps)."""
    meanings = dict(STATUS_MEANINGS)
    if not_run:
        meanings[-1] = "not_run"
    return {
        "long_name": "integrator status",
        "units": "1",
        "flag_values": np.array(sorted(meanings), dtype=np.int8),
        "flag_meanings": " ".join(meanings[k] for k in sorted(meanings)),
    }


def lane_attrs(lane: Lane) -> dict[str, Any]:
    """Therapy, binding and every parameter value (attribute name = parameter name)."""
    table = parameter_table(lane.model)
    attrs: dict[str, Any] = {"therapy": lane.therapy, "binding": lane.binding}
    for name in table.names:
        attrs[name] = float(lane.values[name])
    attrs["parameter_units"] = "; ".join(f"{n}: {table.by_name[n].unit}" for n in table.names)
    return attrs


def solver_attrs(scenario: Scenario, *, lockstep: bool | None = None) -> dict[str, Any]:
    """Solver name and settings; ``lockstep`` overrides the scenario's (one lane runs alone)."""
    return {
        "solver": SOLVER_NAME,
        "solver_rtol": scenario.solver.rtol,
        "solver_atol": scenario.solver.atol,
        "solver_max_steps": scenario.solver.max_steps,
        "solver_lockstep": int(scenario.solver.lockstep if lockstep is None else lockstep),
    }
