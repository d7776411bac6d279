"""Names, units and meanings of the outputs and summary metrics (model.md §7).

Outputs are declared by each model (:mod:`igesweep.models`, ``Model.outputs``);
this module holds the summary metrics computed from them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Variable:
    """A named result variable with its unit and meaning."""

    name: str
    unit: str
    long_name: str


METRICS: tuple[Variable, ...] = (
    Variable("time_to_target", "day", "first output day with free IgE below target (NaN if never)"),
    Variable("fraction_below_target", "1",
             "fraction of output times in the window with free IgE below target"),
    Variable("trough_free_ige", "ng/mL",
             "free IgE just before the last dose in the window (NaN if no dose there)"),
    Variable("nadir_free_ige", "ng/mL", "lowest free IgE at the output times in the window"),
    Variable("fceri_reduction", "1", "1 - FcεRI per cell / baseline at the window's last output"),
    Variable("max_threshold_fold", "1", "largest threshold fold at the output times in the window"),
    Variable("max_crosslink_hazard", "1",
             "largest cross-link hazard at the output times in the window (>= 1: predicted "
             "degranulation; NaN for a model without it)"),
)
METRIC_NAMES: tuple[str, ...] = tuple(v.name for v in METRICS)
