"""Test session set-up: SIGINT as in a terminal; every model's kernels compiled once before
any test worker starts."""

from __future__ import annotations

import signal

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Handle SIGINT as a terminal's command does; fill Numba's cache before the workers start.

    A shell starts background jobs with SIGINT ignored and children inherit
    that, so in a suite started in the background the commands the tests stop
    with SIGINT, as Ctrl-C would, ran on to the end. Python's own handler is
    restored here (in the controller and in each test worker); commands
    started from these processes then begin with SIGINT's default.

    With pytest-xdist (and the Dask workers the sweep tests start), several
    processes would otherwise compile the same cached functions at the same
    moment, which can race on the cache files; afterwards every process loads
    the compiled code from the cache (:mod:`tests.kernel_cache`).

    With pytest-xdist (and the Dask workers the sweep tests start), several
    processes would otherwise compile the same cached functions at the same
    moment, which can race on the cache files; afterwards every process loads
    the compiled code from the cache.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if hasattr(config, "workerinput"):
        return
    from tests.kernel_cache import compile_all

    compile_all()
