"""Sweeps end to end on real Dask clusters and real zarr stores."""

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numba
import numpy as np
import pytest
import xarray as xr
import yaml
import zarr
from distributed import LocalCluster

from igesweep import InputError, simulate
from igesweep.models import DEFAULT_MODEL, get_model
from igesweep.outputs import METRIC_NAMES
from igesweep.parameters import parameter_table
from igesweep.sweep import open_sweep, run_sweep
from igesweep.sweep.cores import available_cores
from igesweep.sweep.timing import CHUNK_PHASES
from tests.processes import igesweep

OUTPUT_NAMES = get_model(DEFAULT_MODEL).output_names

BASE = {
    "therapy": "omalizumab",
    "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 6},
    "times": {"start": 0, "stop": 168, "step": 7},
}


def write(tmp_path, data, name="sweep.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as c:
        yield c


def test_each_lane_equals_simulate_of_the_same_scenario(tmp_path, cluster):
    sweep = {**BASE, "grid": {
        "patient.ige_baseline_iu_ml": [100, 700],
        "regimen.dose_mg": [150, 375],
        "therapy": ["omalizumab", "ligelizumab"],
        "binding": ["full", "qe"],
    }, "population": {"n": 3, "seed": 11,
                      "covariates": {"weight_kg": {"lognormal": {"median": 70, "cv": 0.3}}}},
        "solver": {"lockstep": False}, "output": {"dtype": "float64", "chunk_lanes": 5}}
    out = tmp_path / "s.zarr"
    summary = run_sweep(write(tmp_path, sweep), out, scheduler=cluster.scheduler_address,
                        quiet=True)
    assert summary.complete and summary.n_failed == 0
    assert set(summary.chunk_phases) == set(CHUNK_PHASES)
    assert all(s > 0 for s in summary.chunk_phases.values())
    assert set(summary.timings) >= {"plan", "store", "chunks", "finish"}
    ds = open_sweep(out)
    assert ds.sizes == {"ige_baseline_iu_ml": 2, "dose_mg": 2, "therapy": 2, "binding": 2,
                        "subject": 3, "time": 25}
    assert ds["free_ige"].dims[-1] == "time" and ds["status"].dims[-1] == "subject"
    assert ds["dose_mg"].attrs["units"] == "mg"
    table = parameter_table(DEFAULT_MODEL)
    rng = np.random.default_rng(0)
    for _ in range(6):
        sel = {d: int(rng.integers(ds.sizes[d])) for d in
               ("ige_baseline_iu_ml", "dose_mg", "therapy", "binding", "subject")}
        lane = ds.isel(sel)
        therapy = str(lane["therapy"].values)
        patient = {"ige_baseline_iu_ml": float(lane["ige_baseline_iu_ml"]),
                   "weight_kg": float(lane["param_weight_kg"])}
        therapy_params = {}
        for var in ds.data_vars:
            if var.startswith("param_") and var != "param_weight_kg":
                name = var.removeprefix("param_")
                target = patient if table.section(name) == "patient" else therapy_params
                target[name] = float(lane[var])
        scenario = {**BASE, "therapy": therapy, "binding": str(lane["binding"].values),
                    "patient": patient, "therapy_params": therapy_params,
                    "regimen": {**BASE["regimen"], "dose_mg": float(lane["dose_mg"])}}
        ref = simulate(scenario)
        # bit for bit in a fresh process; up to 2e-12 apart inside the full suite (README)
        for name in (*OUTPUT_NAMES, *METRIC_NAMES):
            np.testing.assert_allclose(lane[name].values, ref[name].values, rtol=1e-10, atol=0,
                                       err_msg=name)


def test_chunking_and_where_chunks_run_do_not_change_any_value_per_lane(tmp_path, cluster):
    sweep = {**BASE, "grid": {"patient.weight_kg": [40, 80, 120]},
             "population": {"n": 7, "seed": 5}, "solver": {"lockstep": False}}
    a = run_sweep(write(tmp_path, {**sweep, "output": {"chunk_lanes": 4}}, "a.yaml"),
                  tmp_path / "a.zarr", scheduler=cluster.scheduler_address, quiet=True)
    b = run_sweep(write(tmp_path, {**sweep, "output": {"chunk_lanes": 21}}, "b.yaml"),
                  tmp_path / "b.zarr", quiet=True)  # small: in this process, over Numba threads
    assert a.complete and b.complete and "cluster_start" not in b.timings
    da, db = open_sweep(a.path), open_sweep(b.path)
    assert da["free_ige"].encoding["chunks"] != db["free_ige"].encoding["chunks"]
    assert "chunk_done" not in da.variables   # bookkeeping is not part of the dataset
    for var in da.data_vars:
        xr.testing.assert_identical(da[var].load(), db[var].load())


def test_lockstep_default_values_depend_on_the_sweep_file_only(tmp_path, cluster):
    """The default (lockstep groups) gives the same values on any scheduler and worker count."""
    sweep = {**BASE, "grid": {"patient.weight_kg": [40, 80, 120]},
             "population": {"n": 7, "seed": 5}, "output": {"chunk_lanes": 8}}
    path = write(tmp_path, sweep)
    a = run_sweep(path, tmp_path / "a.zarr", scheduler=cluster.scheduler_address, quiet=True)
    b = run_sweep(path, tmp_path / "b.zarr", n_workers=1, quiet=True)
    c = run_sweep(path, tmp_path / "c.zarr", quiet=True)  # small: in this process, no cluster
    assert a.complete and b.complete and c.complete
    assert "cluster_start" in b.timings and "cluster_start" not in c.timings
    da, db, dc = open_sweep(a.path), open_sweep(b.path), open_sweep(c.path)
    assert da.attrs["solver_lockstep"] == 1
    assert "chunk_done" not in da.variables   # bookkeeping is not part of the dataset
    for var in da.data_vars:
        xr.testing.assert_identical(da[var].load(), db[var].load())
        xr.testing.assert_identical(da[var].load(), dc[var].load())


def test_existing_store_is_refused_and_bad_input_writes_nothing(tmp_path):
    path = write(tmp_path, {**BASE, "grid": {"patient.weight_kg": [50, 70]}})
    out = tmp_path / "o.zarr"
    out.mkdir()
    with pytest.raises(InputError, match="--resume"):
        run_sweep(path, out, quiet=True)
    bad = write(tmp_path, {**BASE, "grid": {"patient.weight": [50]}}, "bad.yaml")
    proc = igesweep("sweep", bad, "-o", tmp_path / "bad.zarr", timeout=300)
    assert proc.returncode == 2
    assert "grid.patient.weight" in proc.stderr and "weight_kg" in proc.stderr
    assert not (tmp_path / "bad.zarr").exists()


def test_store_over_the_size_limit_is_refused(tmp_path):
    path = write(tmp_path, {**BASE, "grid": {"patient.weight_kg": [50, 70]},
                            "output": {"max_store_gb": 1e-9}})
    with pytest.raises(InputError, match="max_store_gb"):
        run_sweep(path, tmp_path / "o.zarr", quiet=True)
    assert not (tmp_path / "o.zarr").exists()


def _done(path: Path) -> int:
    try:
        return int(zarr.open_array(str(path / "bookkeeping" / "chunk_done"), mode="r")[:].sum())
    except Exception:
        return 0


def test_sigkill_then_resume_gives_the_uninterrupted_store(tmp_path):
    sweep = {**BASE, "times": {"start": 0, "stop": 364, "step": 1},
             "regimen": {**BASE["regimen"], "n_doses": 13},
             "grid": {"patient.ige_baseline_iu_ml": {"logspace": [30, 1500, 30]},
                      "patient.weight_kg": {"linspace": [40, 140, 20]}},
             "output": {"chunk_lanes": 2}}
    path = write(tmp_path, sweep)
    killed = tmp_path / "killed.zarr"
    cmd = [sys.executable, "-m", "igesweep.cli", "sweep", str(path), "-o", str(killed),
           "--workers", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 240
    while _done(killed) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = _done(killed)
    n_chunks = int(zarr.open_group(str(killed), mode="r").attrs["n_chunks"])
    assert 0 < done < n_chunks, f"kill landed after {done} of {n_chunks} chunks"
    with pytest.raises(ValueError, match="not complete"):
        open_sweep(killed)
    summary = run_sweep(path, killed, resume=True, n_workers=2, quiet=True)
    assert summary.complete and summary.n_chunks_run == n_chunks - done
    fresh = run_sweep(path, tmp_path / "fresh.zarr", n_workers=2, quiet=True)
    a, b = open_sweep(killed).load(), open_sweep(fresh.path).load()
    for var in a.data_vars:
        xr.testing.assert_identical(a[var], b[var])
    assert a.attrs["sweep_sha256"] == b.attrs["sweep_sha256"]


def test_lockstep_sweep_matches_the_per_lane_sweep_within_the_contract(tmp_path, cluster):
    """The default lockstep groups give each lane's values within model.md §8's 1e-4."""
    grid = {"patient.ige_baseline_iu_ml": [30, 300, 1500], "patient.weight_kg": [20, 70, 150]}
    stores = {}
    for lockstep in (False, True):
        solver = {} if lockstep else {"solver": {"lockstep": False}}
        sweep = {**BASE, "grid": grid, **solver,
                 "output": {"dtype": "float64", "chunk_lanes": 9}}
        out = tmp_path / f"lockstep_{lockstep}.zarr"
        summary = run_sweep(write(tmp_path, sweep, f"lockstep_{lockstep}.yaml"), out,
                            scheduler=cluster.scheduler_address, quiet=True)
        assert summary.complete and summary.n_failed == 0
        stores[lockstep] = open_sweep(out).load()
    assert stores[True].attrs["solver_lockstep"] == 1
    assert stores[False].attrs["solver_lockstep"] == 0
    assert not np.array_equal(stores[True]["free_ige"].values, stores[False]["free_ige"].values)
    for name in OUTPUT_NAMES:
        ref = stores[False][name].values
        got = stores[True][name].values
        scale = np.nanmax(np.abs(ref), axis=-1, keepdims=True)
        significant = np.abs(ref) > 1e-6 * scale
        rel = np.abs(got - ref)[significant] / np.abs(ref)[significant]
        assert rel.max(initial=0.0) < 1e-4, name
        np.testing.assert_array_equal(got[scale[..., 0] == 0], 0.0, err_msg=name)


def test_a_cluster_without_its_submit_command_is_refused_before_any_store(tmp_path,
                                                                          monkeypatch):
    """--cluster on a machine without the batch system: exit 2 at once, nothing written."""
    path = write(tmp_path, {**BASE, "grid": {"patient.weight_kg": [50, 70]},
                            "cluster": {"kind": "pbs"}})
    out = tmp_path / "out.zarr"
    monkeypatch.setenv("PATH", str(tmp_path / "no-batch-system"))
    with pytest.raises(InputError, match="qsub is not found") as err:
        run_sweep(path, out, quiet=True)
    assert "cluster.kind" in str(err.value)
    with pytest.raises(InputError, match="sbatch is not found"):
        run_sweep(path, out, cluster_kind="slurm", quiet=True)
    assert not out.exists()


def test_local_workers_asked_for_run_the_sweep_rather_than_the_files_cluster(tmp_path,
                                                                           monkeypatch):
    path = write(tmp_path, {**BASE, "grid": {"patient.weight_kg": [50, 70]},
                            "cluster": {"kind": "pbs"}})
    monkeypatch.setenv("PATH", str(tmp_path / "no-batch-system"))
    assert run_sweep(path, tmp_path / "out.zarr", n_workers=1, quiet=True).complete


def test_a_sweep_of_more_chunks_than_tasks_in_flight_runs_them_all(tmp_path, monkeypatch):
    """Chunk tasks are submitted a window at a time; every chunk still runs, once."""
    import igesweep.sweep.run as run_module

    monkeypatch.setattr(run_module, "TASKS_IN_FLIGHT", 2)
    sweep = {**BASE, "grid": {"patient.weight_kg": [40, 55, 70, 85, 100, 115, 130]},
             "output": {"chunk_lanes": 1}}
    summary = run_sweep(write(tmp_path, sweep), tmp_path / "windowed.zarr", n_workers=2,
                        quiet=True)
    assert summary.complete and summary.n_chunks_run == 7
    writers = []
    original = run_module.store_chunk

    def store_chunk(*args):
        writers.append(threading.current_thread().name)
        return original(*args)

    monkeypatch.setattr(run_module, "store_chunk", store_chunk)
    in_process = run_sweep(write(tmp_path, sweep, "same.yaml"), tmp_path / "same.zarr",
                           quiet=True)
    assert len(writers) == 7 and all(w.startswith("igesweep-writer") for w in writers)
    assert not [t for t in threading.enumerate() if t.name.startswith("igesweep-writer")]
    a, b = open_sweep(summary.path).load(), open_sweep(in_process.path).load()
    for var in a.data_vars:
        xr.testing.assert_identical(a[var], b[var])


def test_sweeps_up_to_the_limit_run_in_this_process_and_larger_ones_on_dask(tmp_path,
                                                                          monkeypatch):
    import igesweep.sweep.run as run_module

    monkeypatch.setattr(run_module, "IN_PROCESS_MAX_LANES", 3)
    said = {}
    for n in (3, 4):
        sweep = {**BASE, "times": {"start": 0, "stop": 28, "step": 28},
                 "grid": {"patient.weight_kg": {"linspace": [40, 100, n]}},
                 "output": {"variables": ["free_ige"]}}
        stream = io.StringIO()
        assert run_sweep(write(tmp_path, sweep, f"{n}.yaml"), tmp_path / f"{n}.zarr",
                         stream=stream).complete
        said[n] = stream.getvalue()
    assert "running in this process (3 lanes; a Dask cluster is started above 3" in said[3]
    assert "dashboard" not in said[3]
    assert "dask dashboard:" in said[4] and "running in this process" not in said[4]


def test_cores_hold_the_kernel_threads_here_and_the_local_workers(tmp_path, monkeypatch):
    import igesweep.sweep.run as run_module

    monkeypatch.setattr(run_module, "IN_PROCESS_MAX_LANES", 3)
    kernel_threads = []
    original = run_module.compute_chunk

    def compute_chunk(*args, **kwargs):
        kernel_threads.append(numba.get_num_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(run_module, "compute_chunk", compute_chunk)
    said = {}
    for n, cores in ((3, None), (3, 1), (4, None), (4, 1)):
        sweep = {**BASE, "times": {"start": 0, "stop": 28, "step": 28},
                 "grid": {"patient.weight_kg": {"linspace": [40, 100, n]}},
                 "output": {"variables": ["free_ige"], "chunk_lanes": 1}}
        stream = io.StringIO()
        kernel_threads.clear()
        assert run_sweep(write(tmp_path, sweep, f"{n}.yaml"), tmp_path / f"{n}-{cores}.zarr",
                         n_cores=cores, stream=stream).complete
        said[n, cores] = stream.getvalue(), list(kernel_threads)
    every = numba.config.NUMBA_NUM_THREADS
    assert said[3, None][1] == [every] * 3 and said[3, 1][1] == [1] * 3
    plural = "thread" if every == 1 else "threads"
    assert f"or with --workers), kernel on {every} {plural}\n" in said[3, None][0]
    assert "or with --workers), kernel on 1 thread\n" in said[3, 1][0]
    assert numba.get_num_threads() == every   # given back after the run
    assert said[4, None][1] == said[4, 1][1] == []   # computed by Dask workers
    n_workers = available_cores()
    assert (f"({n_workers} {'worker' if n_workers == 1 else 'workers'} connected)"
            in said[4, None][0])
    assert "(1 worker connected)" in said[4, 1][0]


def test_cores_run_the_sweep_here_rather_than_the_files_cluster(tmp_path, monkeypatch):
    path = write(tmp_path, {**BASE, "grid": {"patient.weight_kg": [50, 70]},
                            "cluster": {"kind": "pbs"}})
    monkeypatch.setenv("PATH", str(tmp_path / "no-batch-system"))
    stream = io.StringIO()
    assert run_sweep(path, tmp_path / "out.zarr", n_cores=1, stream=stream).complete
    assert "running in this process (2 lanes; " in stream.getvalue()


def test_cores_are_ignored_with_a_scheduler(tmp_path, cluster):
    stream = io.StringIO()
    assert run_sweep(write(tmp_path, {**BASE, "grid": {"patient.weight_kg": [50, 70]}}),
                     tmp_path / "out.zarr", scheduler=cluster.scheduler_address, n_cores=1,
                     stream=stream).complete
    assert "(2 workers connected)" in stream.getvalue()   # the scheduler's two, not one


@pytest.mark.parametrize("argument", ["n_workers", "n_cores"])
def test_a_count_of_workers_or_cores_below_one_is_refused(tmp_path, argument):
    with pytest.raises(ValueError, match=f"{argument} must be a positive number, not 0"):
        run_sweep(write(tmp_path, {**BASE, "grid": {"patient.weight_kg": [40, 80]}}),
                  tmp_path / "out.zarr", quiet=True, **{argument: 0})
    assert not (tmp_path / "out.zarr").exists()
