"""Where chunks run: a local Dask cluster, an existing scheduler, or a batch system.

Workers are processes with one thread each and run the kernel's serial
driver, so workers x Numba threads never exceeds the cores and Numba's
threading layer is never entered from two threads of one process (the
``workqueue`` layer aborts the process when that happens).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator

import dask
from distributed import Client, LocalCluster

from igesweep.errors import InputError
from igesweep.sweep.spec import ClusterOptions


def available_cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (not Linux)
        return os.cpu_count() or 1


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
    if options.queue:
        kwargs["queue"] = options.queue
    if options.account:
        kwargs["account"] = options.account
    return kinds[options.kind](**kwargs)


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
        started = jobqueue_cluster(cluster)
        started.scale(jobs=cluster.jobs)
    else:
        # Scheduler and dashboard on the loopback interface only, as the printed link says.
        # On Linux the workers are forked from this process, so they start with igesweep,
        # NumPy, Numba and the warmed kernels in memory instead of importing them again
        # (about 3.5 s on two cores, BENCHMARKS.md); they never start Numba's threads.
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        with dask.config.set({"distributed.worker.multiprocessing-method": method}), \
                _workers_ignore_ctrl_c():
            started = LocalCluster(n_workers=n_workers or available_cores(),
                                   threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address="127.0.0.1:0",
                                   # a task's exception reaches the client and is raised
                                   # there; what workers log besides is shutdown chatter (a
                                   # heartbeat to a scheduler already closed)
                                   silence_logs=logging.CRITICAL)
    with started, Client(started) as client:
        yield client
