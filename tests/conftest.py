"""Test session set-up: compile every model's kernels once before any test worker starts."""

from __future__ import annotations

import pytest

#: Models the tests run: the registered ones and the toy model declared in tests/models/toy.py.
WARMED_MODELS = ("igesweep-1", "igesweep-2", "lowe2009", "hayashi2007",
                 "tests.models.toy:MODEL")
#: Models whose multi-lane simulations run in the main thread (Numba's parallel drivers: a
#: compile of their own, 12-14 s each); the others run one lane, or in Dask workers (serial).
PARALLEL_MODELS = ("igesweep-1", "igesweep-2")


def pytest_configure(config: pytest.Config) -> None:
    """Fill Numba's cache in the controlling process.

    With pytest-xdist (and the Dask workers the sweep tests start), several
    processes would otherwise compile the same cached functions at the same
    moment, which can race on the cache files; afterwards every process loads
    the compiled code from the cache.
    """
    if hasattr(config, "workerinput"):
        return
    from igesweep import load_catalogue, parse_scenario
    from igesweep.models import get_model
    from igesweep.packing import pack_lanes
    from igesweep.resolve import resolve
    from igesweep.solver import solve_batch

    catalogue = load_catalogue()
    for model in WARMED_MODELS:
        for binding in get_model(model).bindings:
            scenario = parse_scenario({
                "model": model, "therapy": "omalizumab", "binding": binding,
                "regimen": {"route": "sc", "dose_mg": 100, "interval_days": 28, "n_doses": 1},
                "times": [0.0, 1.0]})
            batch = pack_lanes([resolve(scenario, catalogue)] * 2, scenario.output_days())
            for grouped in (False, True):
                solve_batch(batch, parallel=False, grouped=grouped)
                if model in PARALLEL_MODELS:
                    solve_batch(batch, parallel=True, grouped=grouped)
