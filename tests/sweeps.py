"""Run a sweep given as a mapping, as a user would: a YAML file, ``run_sweep``, the store."""

from pathlib import Path
from typing import Any

import xarray as xr
import yaml

from igesweep.sweep import open_sweep, run_sweep


def run_sweep_mapping(tmp_path: Path, sweep: dict[str, Any], name: str = "sweep") -> xr.Dataset:
    """Write ``sweep`` as ``<name>.yaml``, run it on one worker and open the complete store."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(sweep, sort_keys=False))
    summary = run_sweep(path, tmp_path / f"{name}.zarr", n_workers=1, quiet=True)
    assert summary.complete and summary.n_failed == 0
    return open_sweep(tmp_path / f"{name}.zarr")
