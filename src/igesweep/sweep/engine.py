"""Where chunks run: a local Dask cluster, an existing scheduler, or a batch system.

Workers are processes with one thread each and run the kernel's serial
driver, so workers x Numba threads never exceeds the cores and Numba's
threading layer is never entered from two threads of one process (the
``workqueue`` layer aborts the process when that happens).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import multiprocessing.forkserver as forkserver
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator

import dask
from dask.utils import parse_timedelta
from distributed import Client, LocalCluster

from igesweep.errors import InputError
from igesweep.sweep.cores import available_cores
from igesweep.sweep.spec import ClusterOptions


class _ReplacesEndedJobs:
    """Mixin for a dask-jobqueue cluster: a job whose workers all left counts as ended.

    ``SpecCluster`` forgets a job (so that adaptive scaling submits a new one)
    when a worker of the job's name leaves; a job of several worker processes
    names them ``<job>-0``, ``<job>-1``..., so a job ended by the batch system
    (its walltime reached) was never forgotten nor replaced, and the sweep
    waited for ever (dask-jobqueue issues 498 and 611). Here the worker's name
    is mapped to its job's, and the job forgotten once none of its workers is left.
    """

    def _job_of(self, worker_name: str) -> str:
        for job, spec in self.worker_spec.items():
            if worker_name in {f"{job}{suffix}" for suffix in spec.get("group", ())}:
                return job
        return worker_name

    def _update_worker_status(self, op, msg):
        if op == "remove":
            job = self._job_of(self.scheduler_info["workers"][msg]["name"])
            spec = self.worker_spec.get(job, {})
            names = {f"{job}{suffix}" for suffix in spec.get("group", ())} or {job}

            def forget_ended_job() -> None:
                left = {w["name"] for w in self.scheduler_info["workers"].values()}
                if job in self.workers and not names & left:
                    self._futures.add(asyncio.ensure_future(self.workers[job].close()))
                    del self.workers[job]

            delay = parse_timedelta(dask.config.get("distributed.deploy.lost-worker-timeout"))
            asyncio.get_running_loop().call_later(delay, forget_ended_job)
        super()._update_worker_status(op, msg)


def jobqueue_cluster(options: ClusterOptions):
    """A dask-jobqueue SLURM or PBS cluster for the options, not yet scaled.

    Workers are single-threaded processes (``processes = cores`` unless set).

    Raises
    ------
    InputError
        If dask-jobqueue is not installed.
    """
    try:
        import dask_jobqueue
    except ImportError:
        raise InputError([("cluster.kind", "dask-jobqueue is not installed; "
                           "pip install 'igesweep[hpc]'")]) from None
    kinds = {"slurm": dask_jobqueue.SLURMCluster, "pbs": dask_jobqueue.PBSCluster}
    kwargs = {"cores": options.cores, "memory": options.memory, "walltime": options.walltime,
              "processes": options.processes or options.cores,
              "job_extra_directives": options.job_extra_directives}
    for name in ("queue", "account", "interface", "log_directory"):
        if getattr(options, name) is not None:
            kwargs[name] = getattr(options, name)
    base = kinds[options.kind]
    return type(base.__name__, (_ReplacesEndedJobs, base), {})(**kwargs)


def _check_job_script(cluster, options: ClusterOptions) -> None:
    """Have SLURM validate the workers' job script without submitting it.

    dask-jobqueue submits jobs in the background, where a refusal (an unknown
    account or partition, a resource request no node meets) is only logged
    and the sweep would wait for workers for ever; ``sbatch --test-only``
    gives the refusal first. PBS has no such test.

    Raises
    ------
    InputError
        If ``sbatch`` refuses the job; its words are in the message.
    """
    if options.kind != "slurm":
        return
    with tempfile.NamedTemporaryFile("w", suffix=".sh") as script:
        script.write(cluster.job_script())
        script.flush()
        checked = subprocess.run([options.submit_command, "--test-only", script.name],
                                 capture_output=True, text=True, timeout=120)
    if checked.returncode != 0:
        words = " ".join(checked.stderr.split()) or f"exit code {checked.returncode}"
        raise InputError([("cluster", f"the batch system refused the job: {words}")])


def _submitted(options: ClusterOptions):
    """A jobqueue cluster kept at ``options.jobs`` jobs (its job script checked first).

    The submit command was found before (``ClusterOptions.check_submit_command``,
    called by ``run_sweep`` before any store is written).

    Raises
    ------
    InputError
        If the batch system refuses the job (see :func:`_check_job_script`).
    """
    started = jobqueue_cluster(options)
    try:
        _check_job_script(started, options)
    except BaseException:
        started.close()
        raise
    # Adaptive with a fixed size rather than scale(): scale submits the jobs once, adapt
    # also submits a new job for one the batch system ended (walltime reached, preempted),
    # whose chunks then run there again
    started.adapt(minimum_jobs=options.jobs, maximum_jobs=options.jobs)
    return started


@contextlib.contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Start worker processes with SIGINT ignored (inherited through fork and exec).

    Ctrl-C in a terminal signals the whole process group; the command's own
    process then stops the run and closes the cluster, while workers that
    took the signal themselves would die mid-task with a traceback each. Only
    possible from the main thread (elsewhere nothing changes).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


#: What the parent of the local workers (the fork server) imports once, so each worker
#: forked from it starts with what a chunk task needs rather than importing it: that took
#: 2.5 s per worker, two at once on two cores (BENCHMARKS.md).
WORKER_PRELOAD = ("distributed", "igesweep.sweep.compute")


def _local_start_method() -> str:
    """How local worker processes start: from a fork server where there is one (Linux).

    Forking this process itself was faster still, but Dask forks from a thread
    of its own while others run (its event loop's), and a child forked from a
    multi-threaded process may deadlock on a lock another thread held (CPython
    issue 100228; Python 3.14 made the fork server its default on Linux for
    that reason). The fork server is a fresh single-threaded process.
    """
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def start_local_workers() -> None:
    """Start the parent of the local workers (the fork server) now, in the background.

    Its imports (1.6-1.9 s alone on two cores) then run while this process does
    other work, such as writing the store and loading the kernels, rather than
    when the cluster starts. Nothing to do where workers are spawned.
    """
    if _local_start_method() != "forkserver":
        return
    with _workers_ignore_ctrl_c():
        _preload_fork_server()
        forkserver.ensure_running()


def _preload_fork_server() -> None:
    """Have the fork server import :data:`WORKER_PRELOAD` when it starts.

    Dask sets the fork server's imports to its own list the first time it
    starts a worker, unless told the list is set; a later Dask that no longer
    reads that flag only makes workers import igesweep themselves.
    """
    import distributed.utils

    multiprocessing.get_context("forkserver").set_forkserver_preload(list(WORKER_PRELOAD))
    distributed.utils._forkserver_preload_set = True


@contextlib.contextmanager
def dask_client(
    *,
    scheduler: str | None = None,
    cluster: ClusterOptions | None = None,
    n_workers: int | None = None,
) -> Iterator[Client]:
    """A Dask client for a sweep, closed (and any cluster it started shut down) on exit.

    Parameters
    ----------
    scheduler : str, optional
        Address of an existing scheduler (``tcp://host:8786``); takes precedence.
    cluster : ClusterOptions, optional
        Start a SLURM or PBS cluster through dask-jobqueue.
    n_workers : int, optional
        Workers of the local cluster (default: one per available core).
    """
    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    if cluster is not None:
        with _submitted(cluster) as started, Client(started) as client:
            yield client
        return
    start_local_workers()   # unless run_sweep has started the fork server already
    # The start method holds for the cluster's life: a worker the nanny restarts (after a
    # crash) starts as the first ones did.
    with dask.config.set({"distributed.worker.multiprocessing-method": _local_start_method()}):
        with _workers_ignore_ctrl_c():
            # Scheduler and dashboard on the loopback interface only, as the printed link
            # says; a task's exception reaches the client and is raised there, what workers
            # log besides is shutdown chatter (a heartbeat to a scheduler already closed).
            started = LocalCluster(n_workers=n_workers or available_cores(),
                                   threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address="127.0.0.1:0",
                                   silence_logs=logging.CRITICAL)
        with started, Client(started) as client:
            yield client
