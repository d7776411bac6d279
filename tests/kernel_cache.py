"""Fill Numba's cache with every kernel the tests run, one model binding per process."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

#: Models the tests run: the registered ones and the toy model declared in tests/models/toy.py,
#: the costliest to compile first (igesweep-2's three bindings take 50-80 s each).
WARMED_MODELS = ("igesweep-2", "igesweep-1", "tests.models.toy:MODEL", "lowe2009",
                 "hayashi2007")
#: Models whose multi-lane simulations run in the main thread (Numba's parallel drivers: a
#: compile of their own, 12-14 s each); the others run one lane, or in Dask workers (serial).
PARALLEL_MODELS = ("igesweep-1", "igesweep-2")


def compile_binding(model: str, binding: str) -> None:
    """Compile (or load) every kernel of ``model`` under ``binding`` that the tests call."""
    from igesweep import load_catalogue, parse_scenario
    from igesweep.packing import pack_lanes
    from igesweep.resolve import resolve
    from igesweep.solver import solve_batch

    scenario = parse_scenario({
        "model": model, "therapy": "omalizumab", "binding": binding,
        "regimen": {"route": "sc", "dose_mg": 100, "interval_days": 28, "n_doses": 1},
        "times": [0.0, 1.0]})
    batch = pack_lanes([resolve(scenario, load_catalogue())] * 2, scenario.output_days())
    for grouped in (False, True):
        solve_batch(batch, parallel=False, grouped=grouped)
        if model in PARALLEL_MODELS:
            solve_batch(batch, parallel=True, grouped=grouped)


def compile_all() -> None:
    """Compile every model binding's kernels, as many bindings at once as there are cores.

    Each binding is one generated module with cache files of its own, so the
    processes write different files (the few functions they share are written
    whole under a temporary name and renamed by Numba, with identical contents).
    The processes are spawned, not forked: a fork would copy this process's
    threads' state.
    """
    from igesweep.models import get_model
    from igesweep.sweep.cores import available_cores

    tasks = [(model, binding) for model in WARMED_MODELS for binding in get_model(model).bindings]
    workers = min(len(tasks), available_cores())
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for done in [pool.submit(compile_binding, *task) for task in tasks]:
            done.result()
