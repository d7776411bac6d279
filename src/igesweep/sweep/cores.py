"""How many of this machine's cores a sweep may use, and Numba's threads held to them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


def available_cores() -> int:
    """CPU cores this process may use (its CPU affinity on Linux)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (not Linux)
        return os.cpu_count() or 1


@contextmanager
def numba_threads(n_threads: int | None) -> Iterator[int]:
    """Run the parallel kernel driver of this thread over at most ``n_threads`` threads.

    Parameters
    ----------
    n_threads : int, optional
        Threads wanted; capped at the threads Numba started with
        (``NUMBA_NUM_THREADS``, the cores by default). ``None``: as many as it has.

    Yields
    ------
    int
        The number of threads in use; the previous number is restored on exit.

    Notes
    -----
    Numba's thread count belongs to the calling thread: it holds the parallel
    kernels this thread launches, not those of other threads.
    """
    import numba

    before = numba.get_num_threads()
    wanted = before if n_threads is None else min(n_threads, numba.config.NUMBA_NUM_THREADS)
    numba.set_num_threads(wanted)
    try:
        yield wanted
    finally:
        numba.set_num_threads(before)
