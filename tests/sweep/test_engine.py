"""Dask deployment: local workers and batch-system job scripts."""

import multiprocessing
import os
import sys

import psutil
import pytest

from igesweep.sweep.engine import dask_client, jobqueue_cluster
from igesweep.sweep.spec import ClusterOptions


def test_slurm_job_script_carries_the_cluster_settings():
    options = ClusterOptions(kind="slurm", cores=8, memory="16GB", walltime="02:00:00",
                             queue="short", account="allergy",
                             job_extra_directives=["--constraint=avx2"])
    cluster = jobqueue_cluster(options)
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert "#SBATCH -p short" in script and "#SBATCH -A allergy" in script
    assert "#SBATCH -t 02:00:00" in script and "--constraint=avx2" in script
    assert "--nworkers 8" in script and "--nthreads 1" in script


def test_pbs_cluster_is_available():
    cluster = jobqueue_cluster(ClusterOptions(kind="pbs", cores=4, memory="8GB"))
    try:
        assert "#PBS" in cluster.job_script()
    finally:
        cluster.close()


@pytest.mark.skipif("forkserver" not in multiprocessing.get_all_start_methods(),
                    reason="no fork server on this platform")
def test_local_workers_are_forked_from_a_single_threaded_server_holding_igesweep():
    """A worker forked from this process (Dask's threads running) may deadlock; forked from
    the fork server it also starts with what a chunk task needs (importing it took 2.5 s)."""
    with dask_client(n_workers=2) as client:
        loaded = client.run(lambda: "igesweep.sweep.compute" in sys.modules)
        parents = set(client.run(os.getppid).values())
    assert sorted(loaded.values()) == [True, True]
    assert len(parents) == 1 and os.getpid() not in parents
    assert psutil.Process(parents.pop()).num_threads() == 1


def test_a_chunk_runs_in_a_worker_to_the_values_of_this_process(tmp_path):
    import numpy as np
    import yaml

    from igesweep.sweep.compute import compute_chunk
    from igesweep.sweep.run import load_plan

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({
        "therapy": "omalizumab",
        "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 3},
        "times": {"start": 0, "stop": 84, "step": 7},
        "grid": {"patient.weight_kg": [40, 90, 140]}}))
    plan, _ = load_plan(path)
    here = compute_chunk(plan, 0)
    with dask_client(n_workers=1) as client:
        there = client.submit(compute_chunk, plan, 0).result()
    for name, values in here.items():
        np.testing.assert_array_equal(there[name], values, err_msg=name)


def test_the_submit_commands_are_dask_jobqueues():
    import dask_jobqueue

    from igesweep.sweep.spec import SUBMIT_COMMANDS

    assert SUBMIT_COMMANDS == {"slurm": dask_jobqueue.SLURMCluster.job_cls.submit_command,
                               "pbs": dask_jobqueue.PBSCluster.job_cls.submit_command}


def test_the_job_script_carries_the_interface_and_log_directory(tmp_path):
    options = ClusterOptions(kind="slurm", interface="lo", log_directory=str(tmp_path / "jobs"))
    cluster = jobqueue_cluster(options)
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert "--interface lo" in script and f"{tmp_path / 'jobs'}/dask-worker-%J.err" in script
