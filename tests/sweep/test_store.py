"""The sweep store's template, written with zarr alone, checked against xarray's own encoding."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from igesweep.sweep import load_plan
from igesweep.sweep.store import create_store

#: A design (non-dimension coordinates along ``sample``), a grid of strings, a population,
#: float32 trajectories, per-lane parameters.
RICH = {
    "therapy": "omalizumab",
    "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 3},
    "times": {"start": 0, "stop": 56, "step": 14},
    "design": {"patient.weight_kg": [50, 70, 90], "therapy_params.kd_nm": [1.0, 0.5, 2.0]},
    "grid": {"therapy": ["omalizumab", "ligelizumab"]},
    "population": {"n": 2, "seed": 1, "covariates": {
        "ige_baseline_iu_ml": {"lognormal": {"median": 300, "cv": 0.5}, "bounds": [30, 1500]}}},
    "output": {"dtype": "float32", "compression": "lz4"},
}
PLAIN = {
    "therapy": "omalizumab",
    "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 3},
    "times": {"start": 0, "stop": 84, "step": 7},
    "grid": {"patient.ige_baseline_iu_ml": [100, 300], "patient.weight_kg": [50, 80]},
}


def _template(tmp_path: Path, sweep: dict) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(sweep))
    plan, _ = load_plan(path)
    store = tmp_path / "template.zarr"
    create_store(plan, store, {"title": "test", "solver_rtol": 3e-6})
    return store


def _metadata(store: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in store.glob("*/zarr.json")
            if p.parent.name != "bookkeeping"}


@pytest.mark.parametrize("sweep", [RICH, PLAIN], ids=["design-strings-population", "grid"])
def test_the_template_is_the_metadata_xarray_writes_for_its_dataset(tmp_path, sweep):
    """xarray reads the template and writes the dataset it read (metadata only) again;
    every array's metadata and the group's attributes come out the same."""
    store = _template(tmp_path, sweep)
    ds = xr.open_zarr(store, consolidated=False)
    again = tmp_path / "again.zarr"
    ds.to_zarr(again, mode="w-", zarr_format=3, consolidated=False, compute=False)
    ours, theirs = _metadata(store), _metadata(again)
    assert ours.keys() == theirs.keys()
    for name, meta in ours.items():
        assert meta == theirs[name], name
    attrs = json.loads((store / "zarr.json").read_text())["attributes"]
    assert attrs == json.loads((again / "zarr.json").read_text())["attributes"]
    assert attrs["solver_rtol"] == 3e-6 and attrs["igesweep_complete"] == "false"


def test_the_template_reads_as_the_dataset_of_the_sweep(tmp_path):
    """Which names are coordinates, their values and units, the lanes' dims, dtypes and
    fill values, as a user opening the store sees them."""
    ds = xr.open_zarr(_template(tmp_path, RICH), consolidated=False)
    assert set(ds.coords) == {"time", "sample", "therapy", "subject", "weight_kg", "kd_nm"}
    assert ds["weight_kg"].dims == ("sample",) and ds["weight_kg"].attrs["units"] == "kg"
    np.testing.assert_array_equal(ds["weight_kg"], [50, 70, 90])
    np.testing.assert_array_equal(ds["kd_nm"], [1.0, 0.5, 2.0])
    assert list(ds["therapy"].values) == ["omalizumab", "ligelizumab"]
    np.testing.assert_array_equal(ds["time"], np.arange(0, 57, 14))
    assert ds["time"].attrs == {"units": "day", "long_name": "time"}
    lane_dims = ("sample", "therapy", "subject")
    assert ds["free_ige"].dims == (*lane_dims, "time") and ds["free_ige"].dtype == np.float32
    assert ds["free_ige"].attrs["units"] == "ng/mL"
    assert np.isnan(ds["free_ige"].values).all()
    assert ds["status"].dtype == np.int8 and (ds["status"].values == -1).all()
    assert ds["status"].attrs["flag_values"] == [-1, 0, 1, 2, 3, 4]
    assert ds["n_steps"].dtype == np.int32 and (ds["n_steps"].values == 0).all()
    assert ds["param_ige_baseline_iu_ml"].dims == lane_dims
    assert np.isnan(ds["trough_free_ige"].values).all()


def test_a_sweep_command_imports_neither_xarray_pandas_nor_dask_array(tmp_path):
    """The template was written through xarray and dask.array, 0.6 s of a small sweep's
    start (issue 15); the command now runs without them."""
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(PLAIN))
    code = ("import sys; from igesweep.cli import main; "
            f"code = main(['sweep', {str(path)!r}, '-o', {str(tmp_path / 'o.zarr')!r}, "
            "'--quiet']); "
            "print(code, sorted(m for m in ('xarray', 'pandas', 'dask.array') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "0 []"
