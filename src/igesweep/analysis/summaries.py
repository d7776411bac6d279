"""Helpers of the study summaries: metrics as floats and JSON-ready lists.

Each study's summary lives in its module (:mod:`igesweep.studies`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

#: Summary metrics analysed for sensitivity (model.md §7).
SENSITIVITY_METRICS = (
    "time_to_target",
    "fraction_below_target",
    "trough_free_ige",
    "fceri_reduction",
    "max_threshold_fold",
)


def metric_values(ds: xr.Dataset, metric: str) -> np.ndarray:
    """A metric as floats for sensitivity analysis.

    ``time_to_target`` is NaN when the target is never reached; it is
    censored at the last output day (the run's length), so such samples count
    as "not before the end" instead of being dropped. Other NaNs (failed
    lanes) stay NaN and are dropped by the analyses.
    """
    y = ds[metric].values.astype(float)
    if metric == "time_to_target":
        ok = ds["status"].values == 0
        y = np.where(np.isnan(y) & ok, float(ds["time"].values[-1]), y)
    return y


def clean(values: np.ndarray) -> list[Any]:
    """A JSON-ready flat list with NaN (and ±inf) as None."""
    arr = np.asarray(values, dtype=float)
    return [None if not np.isfinite(v) else float(v) for v in arr.ravel()]


def metric_table(ds: xr.Dataset, names: Sequence[str]) -> dict[str, list[Any]]:
    """Metrics by ``"name [unit]"``, each a JSON-ready list."""
    return {f"{n} [{ds[n].attrs['units']}]": clean(ds[n].values) for n in names}
