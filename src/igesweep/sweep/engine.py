"""Where chunks run: a local Dask cluster, an existing scheduler, or a batch system.

Workers are processes with one thread each and run the kernel's serial
driver, so workers x Numba threads never exceeds the cores and Numba's
threading layer is never entered from two threads of one process (the
``workqueue`` layer aborts the process when that happens).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from typing import TextIO

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
        # scheduler and dashboard on the loopback interface only, as the printed link says
        started = LocalCluster(n_workers=n_workers or available_cores(), threads_per_worker=1,
                               processes=True, host="127.0.0.1",
                               dashboard_address="127.0.0.1:0")
    with started, Client(started) as client:
        yield client


class Progress:
    """Lanes done, lanes/s and ETA on one line of a stream (stderr by default)."""

    def __init__(self, total_lanes: int, *, quiet: bool = False,
                 stream: TextIO | None = None) -> None:
        self.total = total_lanes
        self.done = 0
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()
        self._last = 0.0
        self._tty = self.stream.isatty()

    def update(self, lanes: int) -> None:
        """Count finished lanes and redraw at most twice a second (every 10 s off a terminal)."""
        self.done += lanes
        now = time.perf_counter()
        if self.quiet or (now - self._last < (0.5 if self._tty else 10.0)
                          and self.done < self.total):
            return
        self._last = now
        end = "\r" if self._tty and self.done < self.total else "\n"
        print(self.line(now), end=end, file=self.stream, flush=True)

    def line(self, now: float | None = None) -> str:
        """The progress line."""
        elapsed = (now or time.perf_counter()) - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else float("inf")
        pct = 100.0 * self.done / self.total if self.total else 100.0
        eta_text = "?" if eta == float("inf") else _duration(eta)
        return (f"lanes {self.done:,}/{self.total:,} ({pct:5.1f}%)  {rate:,.0f} lanes/s  "
                f"elapsed {_duration(elapsed)}  ETA {eta_text}")


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"
