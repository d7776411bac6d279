"""What a sweep store's values depend on, as digests recorded in the store and checked on resume.

A store resumed with different inputs would hold lanes computed two ways under
one set of coordinates. Each digest covers one input a user may change between
an interrupted run and ``--resume``: the sweep file's content (other than its
``cluster:`` section, which says where lanes run, not what they hold), the design files'
content (through the design values read from them), the resolved parameters
(catalogue values, published variability and uncertainty, the regimens'
events), the models' declarations and the package version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

import numpy as np

from igesweep._version import __version__
from igesweep.models.card import get_card
from igesweep.scenario import parse_yaml
from igesweep.sweep.plan import SweepPlan

#: Digests compared on resume, with what a difference means.
CHECKED: dict[str, str] = {
    "sweep_sha256": "the sweep file (other than its cluster: section)",
    "design_sha256": "the design values (a design file's content)",
    "parameters_sha256": "the resolved parameters (catalogue values, variability, "
                         "uncertainty or regimens)",
    "models_digest": "a model's declaration",
    "igesweep_version": "the igesweep version",
}


def _arrays_digest(arrays: Iterable[np.ndarray]) -> str:
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _parameter_arrays(plan: SweepPlan) -> Iterable[np.ndarray]:
    yield from plan.therapy_params
    for per_model in plan.variability:
        for v in per_model:
            yield v.columns
            yield v.cholesky
    for per_model in plan.uncertainty or ():
        for u in per_model:
            yield np.array(u.names)
            yield u.columns
            yield u.shifts
    yield from (plan.event_day, plan.event_kind, plan.event_mg, plan.n_events, plan.times)


def _sweep_digest(text: str) -> str:
    """The digest of a sweep file's content without its ``cluster:`` section.

    The file was read and validated before, so its text parses to a mapping;
    its content, not its layout or comments, is what results depend on.
    """
    content = parse_yaml(text, "sweep file")
    content = {k: v for k, v in content.items() if k != "cluster"}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=repr).encode()).hexdigest()


def input_digests(plan: SweepPlan, text: str) -> dict[str, str]:
    """The digests of :data:`CHECKED` for a plan and its sweep file's text."""
    design = plan.sweep.design
    return {
        "sweep_sha256": _sweep_digest(text),
        "design_sha256": "none" if design is None else _arrays_digest(
            [np.array(design.keys), design.values]),
        "parameters_sha256": _arrays_digest(_parameter_arrays(plan)),
        "models_digest": hashlib.sha256(json.dumps(
            [get_card(m).digest() for m in plan.models]).encode()).hexdigest(),
        "igesweep_version": __version__,
    }


def changed_inputs(recorded: dict[str, object], current: dict[str, str]) -> list[str]:
    """What differs between a store's recorded digests and the current ones, in words."""
    return [CHECKED[k] for k in CHECKED if recorded.get(k) != current[k]]
