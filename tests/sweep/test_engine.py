"""Dask deployment: progress line and batch-system job scripts."""

import io

from igesweep.sweep.engine import Progress, jobqueue_cluster
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


def test_progress_line_counts_lanes_rate_and_eta():
    out = io.StringIO()
    progress = Progress(1000, stream=out)
    progress.update(250)
    progress.update(750)
    text = out.getvalue()
    assert "lanes 1,000/1,000 (100.0%)" in text and "lanes/s" in text and "ETA" in text
    quiet = io.StringIO()
    Progress(10, quiet=True, stream=quiet).update(10)
    assert quiet.getvalue() == ""
