"""Names, units and meanings of the outputs and summary metrics (model.md §7).

The kernel writes outputs in the order of :data:`OUTPUTS`; every dataset,
store and report takes units and long names from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Variable:
    """A named result variable with its unit and meaning."""

    name: str
    unit: str
    long_name: str


OUTPUTS: tuple[Variable, ...] = (
    Variable("free_ige", "ng/mL", "free serum IgE"),
    Variable("total_ige", "IU/mL", "total serum IgE (free + drug-bound)"),
    Variable("free_drug", "ug/mL", "free drug in serum"),
    Variable("complex", "nM", "drug–IgE complex in serum"),
    Variable("fceri_total", "1/cell", "FcεRI per cell (free + IgE-bound + drug-bound)"),
    Variable("fceri_occupancy", "1", "fraction of FcεRI occupied by IgE"),
    Variable("threshold_fold", "1", "allergen activation threshold relative to untreated"),
    Variable("bcell_pool", "1", "IgE+ B-cell pool relative to untreated"),
    Variable("effector_pool", "1", "effector-cell pool relative to untreated"),
    Variable("effector_response", "1", "effector response relative to untreated"),
)
OUTPUT_NAMES: tuple[str, ...] = tuple(v.name for v in OUTPUTS)

METRICS: tuple[Variable, ...] = (
    Variable("time_to_target", "day", "first output day with free IgE below target (NaN if never)"),
    Variable("fraction_below_target", "1",
             "fraction of output times in the window with free IgE below target"),
    Variable("trough_free_ige", "ng/mL",
             "free IgE just before the last dose in the window (NaN if no dose there)"),
    Variable("nadir_free_ige", "ng/mL", "lowest free IgE at the output times in the window"),
    Variable("fceri_reduction", "1", "1 - FcεRI per cell / baseline at the window's last output"),
    Variable("max_threshold_fold", "1", "largest threshold fold at the output times in the window"),
)
METRIC_NAMES: tuple[str, ...] = tuple(v.name for v in METRICS)
