"""Sweeps and the workflow on a real one-node SLURM cluster (issue 11, item 12).

The cluster (tests/cluster/slurm.py) is started once for the module: Debian's
``slurm-wlm`` and ``munge``, loopback only. ``igesweep sweep --cluster slurm``
submits its workers through dask-jobqueue's ``sbatch``; the workflow's SLURM
profile submits every rule through snakemake-executor-plugin-slurm.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from igesweep.sweep import open_sweep, run_sweep
from tests import processes
from tests.processes import igesweep
from tests.workflow.workdir import TWO_STUDIES, tiny_config_with, workflow_copy

pytestmark = pytest.mark.xdist_group("slurm")

#: 10 x 10 patients, 24 weeks of a 4-weekly regimen: a few seconds on one node.
SMALL = {
    "therapy": "omalizumab",
    "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 6},
    "times": {"start": 0, "stop": 168, "step": 7},
    "grid": {"patient.ige_baseline_iu_ml": {"geomspace": [30, 1500, 10]},
             "patient.weight_kg": {"linspace": [40, 140, 10]}},
    "output": {"chunk_lanes": 20},
}


def _cluster_section(tmp_path: Path, **settings) -> dict:
    """One job of two single-threaded workers, talking over the loopback interface."""
    return {"kind": "slurm", "cores": 2, "memory": "2GB", "walltime": "00:10:00",
            "interface": "lo", "log_directory": str(tmp_path / "jobs"), **settings}


def _sweep_file(tmp_path: Path, sweep: dict, name: str = "sweep") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(sweep, sort_keys=False))
    return path


def _cli(cluster, *args: str, timeout: float) -> subprocess.CompletedProcess:
    return igesweep("sweep", *args, timeout=timeout, env=cluster.env)


def _assert_same_values(a: xr.Dataset, b: xr.Dataset) -> None:
    assert set(a.data_vars) == set(b.data_vars)
    for var in a.data_vars:
        xr.testing.assert_identical(a[var], b[var])


def test_a_sweep_through_slurm_equals_the_local_run(slurm_cluster, tmp_path):
    """The file's cluster: settings with ``--cluster slurm``: jobs submitted, same values."""
    path = _sweep_file(tmp_path, {**SMALL, "cluster": _cluster_section(tmp_path, kind="pbs")})
    out = tmp_path / "slurm.zarr"
    proc = _cli(slurm_cluster, str(path), "-o", str(out), "--cluster", "slurm", timeout=300)
    assert proc.returncode == 0, proc.stderr + slurm_cluster.log("slurmctld")
    jobs = sorted((tmp_path / "jobs").glob("dask-worker-*.err"))
    assert jobs, "no SLURM job wrote a log"
    assert "Starting Worker" in jobs[0].read_text()
    local = run_sweep(_sweep_file(tmp_path, SMALL, "local"), tmp_path / "local.zarr",
                      quiet=True)
    _assert_same_values(open_sweep(out).load(), open_sweep(local.path).load())


def test_a_job_the_batch_system_refuses_is_an_input_error(slurm_cluster, tmp_path):
    path = _sweep_file(tmp_path, {**SMALL, "cluster": _cluster_section(
        tmp_path, queue="no_such_partition")})
    out = tmp_path / "out.zarr"
    proc = _cli(slurm_cluster, str(path), "-o", str(out), timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "the batch system refused the job" in proc.stderr
    assert "invalid partition" in proc.stderr.lower()


#: Twenty years of a weekly regimen (1,040 doses) for 50,000 patients, the free IgE of
#: each year stored: about two minutes of two workers (410 lanes/s on the 2-core machine),
#: longer than a walltime of one minute (Slurm's smallest; it ends a job between 60 and 90 s
#: after its start).
LONG = {
    "therapy": "omalizumab",
    "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 7, "until_day": 7280},
    "times": {"start": 0, "stop": 7280, "step": 364},
    "grid": {"patient.ige_baseline_iu_ml": {"geomspace": [30, 700, 500]},
             "patient.weight_kg": {"linspace": [40, 140, 100]}},
    "output": {"variables": ["free_ige"], "chunk_lanes": 500},
}


def test_a_job_ended_at_its_walltime_is_replaced_and_the_sweep_completes(slurm_cluster,
                                                                         tmp_path):
    """The batch system ends the only job mid-sweep; a new job takes over its chunks."""
    cluster = _cluster_section(tmp_path, walltime="00:01:00")
    path = _sweep_file(tmp_path, {**LONG, "cluster": cluster})
    out = tmp_path / "long.zarr"
    # Dask waits this long (15 s by default) before it counts a lost worker's job as ended
    env = {**slurm_cluster.env, "DASK_DISTRIBUTED__DEPLOY__LOST_WORKER_TIMEOUT": "1s"}
    proc = igesweep("sweep", str(path), "-o", str(out), "--quiet", timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    jobs = sorted((tmp_path / "jobs").glob("dask-worker-*.err"))
    ended = [job for job in jobs if "DUE TO TIME LIMIT" in job.read_text()]
    assert ended, "no job reached its walltime: the sweep ended before it"
    assert len(jobs) > len(ended), "no job replaced the one ended"
    stored = open_sweep(out).load()
    assert int((stored["status"] == 0).sum()) == stored["status"].size
    # The first and last chunks' patients (5 baseline IgE levels x 100 weights each), run in
    # this process as chunks of the same lanes (lockstep groups are made within a chunk).
    levels = np.r_[0:5, -5:0]
    part = {**LONG, "grid": {**LONG["grid"], "patient.ige_baseline_iu_ml": [
        float(v) for v in stored["ige_baseline_iu_ml"].values[levels]]}}
    local = run_sweep(_sweep_file(tmp_path, part, "part"), tmp_path / "part.zarr", quiet=True)
    _assert_same_values(stored.isel(ige_baseline_iu_ml=levels), open_sweep(local.path).load())


def test_the_workflow_runs_through_the_slurm_profile(slurm_cluster, tmp_path_factory):
    """profiles/slurm with this cluster's site settings given on the command line, on two
    studies of the tiny configuration and the report (every study runs in the local workflow
    tests: each rule is one SLURM job whichever study it serves)."""
    work = workflow_copy(tmp_path_factory)
    config = tiny_config_with(work, TWO_STUDIES)
    cmd = [sys.executable, "-m", "snakemake", "--profile", "profiles/slurm",
           "--configfile", str(config), "--jobs", "4",
           # the site's settings: no accounts, one partition, a node of 2 cores
           "--slurm-no-account",
           "--default-resources", "slurm_partition=debug", "mem_mb=1000", "runtime=30",
           "--set-threads", "run_sweep=2",
           "--set-resources", "run_sweep:mem_mb=2000", "run_sweep:runtime=30",
           # no accounting database here: job states from squeue, polled from the start
           "--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "1",
           "--slurm-keep-successful-logs"]
    proc = processes.run(cmd, timeout=900, cwd=work, env=slurm_cluster.env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    results = work / "results"
    assert (results / "report.html").stat().st_size > 50_000
    job_logs = work / ".snakemake" / "slurm_logs"
    sweeps = sorted(p.name for p in (job_logs / "rule_run_sweep").iterdir())
    assert len(sweeps) == len(TWO_STUDIES), sweeps   # each study's sweep ran as a SLURM job
    store = results / "dosing_map" / "dosing_map.zarr"
    local = run_sweep(results / "dosing_map" / "sweep.yaml", work / "local.zarr",
                      catalogue=work / "config" / "therapies.yaml", quiet=True)
    _assert_same_values(open_sweep(store).load(), open_sweep(local.path).load())
