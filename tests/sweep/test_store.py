"""The sweep store's template, written with zarr alone, checked against xarray's own encoding."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from igesweep.attributes import status_attrs
from igesweep.models import DEFAULT_MODEL, get_model
from igesweep.models.card import get_card
from igesweep.outputs import METRICS
from igesweep.parameters import parameter_table
from igesweep.sweep import load_plan
from igesweep.sweep import store as store_module
from igesweep.sweep.compute import compute_chunk
from igesweep.sweep.integrity import verify_store
from igesweep.sweep.store import ChunkWriter, chunks_done, create_store
from tests import processes

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


#: More cases for the metadata: a population whose coordinate zarr chunks itself, generated
#: and string grids, uncertainty draws, a subset of variables, other codecs and dtypes.
CASES = {
    "design-strings-population": RICH,
    "grid": PLAIN,
    "large-population": {**PLAIN, "grid": None, "population": {
        "n": 50_000, "seed": 1, "covariates": {"weight_kg": {"uniform": [40, 150]}}}},
    "route-and-range": {**PLAIN, "grid": {"regimen.route": ["sc", "iv"],
                                          "regimen.dose_mg": {"range": [75, 301, 75]}}},
    "uncertainty": {**PLAIN, "grid": None, "model": "igesweep-2",
                    "uncertainty": {"n": 3, "seed": 5}},
    "variables-uncompressed-float64": {**PLAIN, "output": {
        "variables": ["free_ige"], "compression": "none", "dtype": "float64"}},
}


def _plan(tmp_path: Path, sweep: dict):
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump({k: v for k, v in sweep.items() if v is not None}))
    plan, _ = load_plan(path)
    return plan


def _template(tmp_path: Path, sweep: dict) -> Path:
    store = tmp_path / "template.zarr"
    create_store(_plan(tmp_path, sweep), store, ATTRS)
    return store


#: Global attributes given by the caller (provenance, solver settings).
ATTRS = {"title": "test", "solver_rtol": 3e-6}


def _xarray_template(plan, store: Path) -> None:
    """The same dataset built as an xarray Dataset of lazy arrays and written by xarray
    (the way the template was written before): the reference for its encoding."""
    import dask.array as da

    lane_dims = tuple(d.name for d in plan.dims)
    table = parameter_table(plan.sweep.model)
    shape, chunks, n_t = plan.shape, plan.chunks, len(plan.times)
    coords = {"time": ("time", plan.times, {"units": "day", "long_name": "time"})}
    for d in plan.dims:
        values = d.values.astype(object) if d.values.dtype.kind in "UO" else d.values
        coords[d.name] = (d.name, values, {"units": d.unit, "long_name": d.key})
    if plan.sweep.design is not None:
        design = plan.sweep.design
        for j, (key, name) in enumerate(zip(design.keys, design.names, strict=True)):
            coords[name] = ("sample", design.values[:, j],
                            {"units": table.by_name[name].unit, "long_name": key})
    ds = xr.Dataset(coords=coords)
    compressors = store_module._compressors(plan)

    def lanes(name, dtype, fill, attrs, trajectory=False):
        dims, full = (lane_dims, shape) if not trajectory else ((*lane_dims, "time"),
                                                                (*shape, n_t))
        ds[name] = (dims, da.full(full, fill, dtype=dtype, chunks=-1), attrs)
        ds[name].encoding = {"chunks": (*chunks, n_t) if trajectory else chunks,
                             "compressors": compressors,
                             **({"_FillValue": fill} if np.isnan(fill) else {"fill_value": fill})}

    for v in get_model(plan.sweep.model).outputs:
        if v.name in plan.sweep.variables:
            lanes(v.name, plan.sweep.output.dtype, np.nan,
                  {"units": v.unit, "long_name": v.long_name}, trajectory=True)
    for m in METRICS:
        lanes(m.name, np.float64, np.nan, {"units": m.unit, "long_name": m.long_name})
    lanes("status", np.int8, -1, status_attrs(not_run=True))
    lanes("n_steps", np.int32, 0, {"units": "1", "long_name": "accepted integrator steps"})
    for name in store_module.varying_parameters(plan):
        p = next(parameter_table(m).by_name[name] for m in plan.models
                 if name in parameter_table(m).by_name)
        lanes(f"param_{name}", np.float64, np.nan,
              {"units": p.unit, "long_name": f"{p.description} (per lane)"})
    ds.to_zarr(store, mode="w-", zarr_format=3, consolidated=False, compute=False)


def _metadata(store: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in store.glob("*/zarr.json")
            if p.parent.name != "bookkeeping"}


def _coordinate_chunks(store: Path, names) -> dict[str, bytes]:
    return {str(p.relative_to(store)): p.read_bytes() for name in names
            for p in sorted((store / name).rglob("*")) if p.is_file() and p.name != "zarr.json"}


@pytest.mark.parametrize("sweep", CASES.values(), ids=CASES.keys())
def test_the_template_is_the_metadata_xarray_writes_for_the_same_dataset(tmp_path, sweep):
    """Every array's metadata (dtype, chunks, codecs, fill value, dimension names,
    attributes) and the coordinates' stored bytes equal those xarray writes for the
    dataset the template stands for."""
    plan = _plan(tmp_path, sweep)
    ours, theirs = tmp_path / "ours.zarr", tmp_path / "xarray.zarr"
    create_store(plan, ours, ATTRS)
    _xarray_template(plan, theirs)
    ours_meta, their_meta = _metadata(ours), _metadata(theirs)
    assert ours_meta.keys() == their_meta.keys()
    for name, meta in ours_meta.items():
        assert meta == their_meta[name], name
    coords = list(xr.open_zarr(theirs, consolidated=False).coords)
    assert _coordinate_chunks(ours, coords) == _coordinate_chunks(theirs, coords)
    attrs = json.loads((ours / "zarr.json").read_text())["attributes"]
    assert attrs["solver_rtol"] == 3e-6 and attrs["igesweep_complete"] == "false"
    assert attrs["checksum_variables"] == sorted(
        n for n, v in xr.open_zarr(theirs, consolidated=False).data_vars.items()
        if v.dims[:len(plan.dims)] == tuple(d.name for d in plan.dims))


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


def test_a_sweep_command_imports_neither_xarray_pandas_dask_array_nor_sympy(tmp_path):
    """The template was written through xarray and dask.array, 0.6 s of a small sweep's
    start, and the model's declaration built with SymPy, 0.4 s more (issue 15); the command
    now runs without them, reading the model's card from the cache."""
    get_card(PLAIN.get("model", DEFAULT_MODEL))  # the card is in the cache from here on
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(PLAIN))
    code = ("import sys; from igesweep.cli import main; "
            f"code = main(['sweep', {str(path)!r}, '-o', {str(tmp_path / 'o.zarr')!r}, "
            "'--quiet']); "
            "print(code, sorted(m for m in ('xarray', 'pandas', 'dask.array', 'sympy') "
            "if m in sys.modules))")
    done = processes.run([sys.executable, "-c", code], timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0 []"


def test_a_chunk_writer_refuses_arrays_other_than_the_stores_and_marks_nothing(tmp_path):
    plan = _plan(tmp_path, RICH)
    store = tmp_path / "written.zarr"
    create_store(plan, store, ATTRS)
    arrays = compute_chunk(plan, 0)
    missing = {name: a for name, a in arrays.items() if name != "free_ige"}
    with pytest.raises(ValueError, match=r"missing \['free_ige'\], not in the store \[\]"):
        ChunkWriter(store).write(plan, 0, missing)
    assert not chunks_done(store).any()
    ChunkWriter(store).write(plan, 0, arrays)
    assert chunks_done(store).tolist() == [True] + [False] * (plan.n_chunks - 1)
    checked = verify_store(store)      # the digests recorded are those of the values read back
    assert checked.n_done == 1 and not checked.bad
    written = xr.open_zarr(store, consolidated=False)["free_ige"][plan.chunk_region(0)]
    np.testing.assert_array_equal(written.values, arrays["free_ige"])
