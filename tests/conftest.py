"""Test session set-up: compile every model's kernels once before any test worker starts."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Fill Numba's cache before the test workers start (:mod:`tests.kernel_cache`).

    With pytest-xdist (and the Dask workers the sweep tests start), several
    processes would otherwise compile the same cached functions at the same
    moment, which can race on the cache files; afterwards every process loads
    the compiled code from the cache.
    """
    if hasattr(config, "workerinput"):
        return
    from tests.kernel_cache import compile_all

    compile_all()
