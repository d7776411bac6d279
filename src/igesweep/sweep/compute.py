"""Compute one chunk of a sweep: pack its lanes, run the kernel, shape the results."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from igesweep.metrics import metrics_of_outputs
from igesweep.models.card import get_card
from igesweep.outputs import METRICS
from igesweep.parameters import parameter_table
from igesweep.solver import STATUS_OK, solve_batch
from igesweep.solver.status import STAT_STEPS
from igesweep.sweep.plan import SweepPlan
from igesweep.sweep.store import ChunkWriter, varying_parameters
from igesweep.sweep.timing import Stopwatch


@dataclass(frozen=True)
class ChunkReport:
    """What a finished chunk reports back to the client.

    Attributes
    ----------
    chunk : int
        The chunk's number.
    n_lanes : int
        Its lanes.
    seconds : float
        Wall time of the task in the worker.
    phases : dict of str to float
        Seconds per phase of
        :data:`~igesweep.sweep.timing.CHUNK_PHASES`: packing the lanes, the
        kernel, metrics and shaping, writing the arrays (encoding included)
        then their checksums and the done flag, computing the checksums.
    write_error : str or None
        Why writing the chunk failed (a full or read-only disk), or None. A
        failed write is reported, not raised, so the client stops the run with
        one clear message instead of each worker logging a traceback.
    """

    chunk: int
    n_lanes: int
    seconds: float
    phases: dict[str, float]
    write_error: str | None = None


def compute_chunk(plan: SweepPlan, chunk: int, *, parallel: bool = False,
                  watch: Stopwatch | None = None) -> dict[str, np.ndarray]:
    """Arrays to store for one chunk, each shaped as the chunk's region.

    Lanes whose status is not ok are NaN-filled entirely, metrics included.
    Each model's lanes run as one batch; a stored parameter that a lane's
    model does not have is NaN for that lane. ``parallel`` spreads the lanes
    over Numba's threads (for a chunk run in the calling process, not in a
    Dask worker, which runs one thread per chunk). ``watch``, if given, is
    charged with the time of each phase.
    """
    watch = watch or Stopwatch()
    batches, block = plan.chunk_batches(chunk)
    scen = plan.sweep.scenario
    n_lanes, n_t = math.prod(block), len(plan.times)
    dtype = plan.sweep.output.dtype
    stored = varying_parameters(plan)
    arrays: dict[str, np.ndarray] = {
        name: np.full((n_lanes, n_t), np.nan, dtype=dtype) for name in plan.sweep.variables}
    arrays.update({m.name: np.full(n_lanes, np.nan) for m in METRICS})
    arrays["status"] = np.zeros(n_lanes, dtype=np.int8)
    arrays["n_steps"] = np.zeros(n_lanes, dtype=np.int32)
    arrays.update({f"param_{name}": np.full(n_lanes, np.nan) for name in stored})
    watch.lap("pack")
    for batch, lanes in batches:
        res = solve_batch(batch, rtol=scen.solver.rtol, atol=scen.solver.atol,
                          max_steps=scen.solver.max_steps, parallel=parallel,
                          grouped=scen.solver.lockstep)
        watch.lap("kernel")
        failed = res.status != STATUS_OK
        outputs = res.outputs
        outputs[:, failed, :] = np.nan
        model = get_card(batch.model_name)
        table = parameter_table(batch.model_name)
        out = {o.name: outputs[i] for i, o in enumerate(model.outputs)}
        metrics = metrics_of_outputs(
            plan.times, out, batch.params, model, batch.event_day, batch.event_kind,
            batch.n_events, res.pre_event,
            target_free_ige_ng_ml=scen.metrics.target_free_ige_ng_ml,
            window_days=scen.metrics.window_days,
        )
        for name in plan.sweep.variables:
            arrays[name][lanes] = out[name]
        for m in METRICS:
            arrays[m.name][lanes] = metrics[m.name]
        arrays["status"][lanes] = res.status
        arrays["n_steps"][lanes] = res.stats[:, STAT_STEPS]
        for name in stored:
            if name in table.index:
                arrays[f"param_{name}"][lanes] = batch.params[:, table.index[name]]
        watch.lap("metrics")
    return {name: a.reshape((*block, n_t) if a.ndim == 2 else block)
            for name, a in arrays.items()}


def os_error_text(err: OSError) -> str:
    """An operating-system error in a few words: ``No space left on device (OSError)``."""
    return f"{err.strerror or err} ({type(err).__name__})"


def store_chunk(plan: SweepPlan, writer: ChunkWriter, chunk: int, arrays: dict[str, np.ndarray],
                phases: dict[str, float], started: float) -> ChunkReport:
    """Write a computed chunk into the store; report it with its phases.

    Parameters
    ----------
    plan : SweepPlan
        The sweep.
    writer : ChunkWriter
        The store's writer, kept over a run's chunks.
    chunk : int
        The chunk's number.
    arrays : dict of str to ndarray
        The chunk's arrays (:func:`compute_chunk`).
    phases : dict of str to float
        Seconds of the phases that computed it; ``write`` and ``checksum`` are added.
    started : float
        :func:`time.perf_counter` when the chunk's computation started.
    """
    watch = Stopwatch()
    error = None
    try:
        writer.write(plan, chunk, arrays, watch=watch)
    except OSError as err:
        error = os_error_text(err)
    return ChunkReport(chunk=chunk, n_lanes=plan.chunk_lanes(chunk),
                       seconds=time.perf_counter() - started,
                       phases={**phases, **watch.seconds}, write_error=error)


#: The writer of the store a worker process last wrote chunks of, by store and run.
_RUN_WRITER: dict[tuple[str, str], ChunkWriter] = {}
_RUN_WRITER_LOCK = threading.Lock()


def run_writer(path: str, run_id: str) -> ChunkWriter:
    """This process's writer of one run's store, kept over the run's tasks.

    A worker then opens the store once per run rather than once per chunk
    (~8 ms of each chunk's writing, BENCHMARKS.md). Only the latest run's
    writer is kept; a store written again at the same path by a later run
    (another ``run_id``) is opened afresh. (Two runs alternating on the
    workers of one scheduler reopen their stores at each switch: correct, as
    slow as before.)
    """
    key = (path, run_id)
    with _RUN_WRITER_LOCK:
        if key not in _RUN_WRITER:
            _RUN_WRITER.clear()
            _RUN_WRITER[key] = ChunkWriter(Path(path))
        return _RUN_WRITER[key]


def run_chunk(plan: SweepPlan, path: str, chunk: int, run_id: str) -> ChunkReport:
    """Compute one chunk and write it into the store (the body of one Dask task).

    ``run_id`` names the run: the worker keeps its writer of the store over
    the run's chunks (:func:`run_writer`).
    """
    started = time.perf_counter()
    watch = Stopwatch()
    arrays = compute_chunk(plan, chunk, watch=watch)
    return store_chunk(plan, run_writer(path, run_id), chunk, arrays, watch.seconds, started)


def compute_in_memory(plan: SweepPlan, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Run every lane of a small plan in this process, without a store.

    Parameters
    ----------
    plan : SweepPlan
        The sweep to run; its lanes are spread over Numba's threads.
    names : tuple of str
        Arrays of :func:`compute_chunk` to keep (metrics, ``status``, outputs).

    Returns
    -------
    dict of str to ndarray
        Each array shaped as the plan's lanes (:attr:`SweepPlan.shape`, then
        time for outputs).
    """
    out: dict[str, np.ndarray] = {}
    for chunk in range(plan.n_chunks):
        arrays = compute_chunk(plan, chunk, parallel=True)
        region = plan.chunk_region(chunk)
        for name in names:
            a = arrays[name]
            if name not in out:
                out[name] = np.empty(plan.shape + a.shape[len(region):], dtype=a.dtype)
            out[name][region] = a
    return out
