"""Test session set-up: compile the kernels once before any test worker starts."""

from __future__ import annotations

import numpy as np
import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Fill Numba's cache in the controlling process.

    With pytest-xdist, several worker processes would otherwise compile the
    same cached functions at the same moment, which can race on the cache
    files; afterwards every worker loads the compiled code from the cache.
    """
    if hasattr(config, "workerinput"):
        return
    from igesweep.models.declaration import BINDING_FULL, BINDING_QE
    from igesweep.solver import LaneBatch, solve_batch
    from tests.values import BASE_VALUES, vector

    for binding in (BINDING_FULL, BINDING_QE):
        batch = LaneBatch(
            params=np.stack([vector(BASE_VALUES)] * 2), binding=np.full(2, binding),
            event_day=np.zeros((2, 1)), event_kind=np.zeros((2, 1), dtype=np.int64),
            event_mg=np.full((2, 1), 100.0), n_events=np.ones(2, dtype=np.int64),
            times=np.array([[0.0, 1.0]]),
        )
        for grouped in (False, True):
            solve_batch(batch, parallel=True, grouped=grouped)
            solve_batch(batch, parallel=False, grouped=grouped)
