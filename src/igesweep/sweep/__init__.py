"""Sweeps (model.md §10): grids and virtual populations, run on Dask, streamed into zarr."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from igesweep.sweep.run import SweepSummary, load_plan, run_sweep
from igesweep.sweep.spec import parse_sweep
from igesweep.sweep.store import is_complete

if TYPE_CHECKING:
    import xarray as xr


def open_sweep(path: str | Path, *, allow_incomplete: bool = False) -> xr.Dataset:
    """Open a sweep store as an xarray Dataset.

    Raises
    ------
    ValueError
        If the store is not marked complete and ``allow_incomplete`` is false
        (lanes of chunks not yet run read as NaN, status -1).
    """
    import xarray as xr

    path = Path(path)
    if not is_complete(path):
        if not allow_incomplete:
            raise ValueError(f"{path} is not complete; resume it with igesweep sweep --resume")
        warnings.warn(f"{path} is incomplete", stacklevel=2)
    with warnings.catch_warnings():
        # Snakemake marks a directory output with this file; it is not part of the store.
        warnings.filterwarnings("ignore", message=r"Object at \.snakemake_timestamp")
        return xr.open_zarr(path, consolidated=False)


__all__ = ["SweepSummary", "load_plan", "open_sweep", "parse_sweep", "run_sweep"]
