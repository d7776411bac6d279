"""Compute one chunk of a sweep: pack its lanes, run the kernel, shape the results."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from igesweep.metrics import metrics_of_outputs
from igesweep.models import get_model
from igesweep.outputs import METRICS
from igesweep.parameters import parameter_table
from igesweep.solver import STATUS_OK, solve_batch
from igesweep.solver.status import STAT_STEPS
from igesweep.sweep.plan import SweepPlan
from igesweep.sweep.store import varying_parameters, write_chunk


@dataclass(frozen=True)
class ChunkReport:
    """What a finished chunk reports back to the client."""

    chunk: int
    n_lanes: int
    seconds: float


def compute_chunk(plan: SweepPlan, chunk: int) -> dict[str, np.ndarray]:
    """Arrays to store for one chunk, each shaped as the chunk's region.

    Lanes whose status is not ok are NaN-filled entirely, metrics included.
    """
    batch, block = plan.chunk_batch(chunk)
    scen = plan.sweep.scenario
    res = solve_batch(batch, rtol=scen.solver.rtol, atol=scen.solver.atol,
                      max_steps=scen.solver.max_steps, parallel=False,
                      grouped=scen.solver.lockstep)
    failed = res.status != STATUS_OK
    outputs = res.outputs
    outputs[:, failed, :] = np.nan
    n_t = len(plan.times)
    out = {o.name: outputs[i] for i, o in enumerate(get_model(batch.model_name).outputs)}
    table = parameter_table(batch.model_name)
    metrics = metrics_of_outputs(
        plan.times, out, batch.params, table.names, batch.event_day, batch.event_kind,
        batch.n_events, res.pre_event,
        target_free_ige_ng_ml=scen.metrics.target_free_ige_ng_ml,
        window_days=scen.metrics.window_days,
    )
    dtype = plan.sweep.output.dtype
    arrays = {name: out[name].reshape((*block, n_t)).astype(dtype)
              for name in plan.sweep.output.variables}
    for m in METRICS:
        arrays[m.name] = metrics[m.name].reshape(block)
    arrays["status"] = res.status.astype(np.int8).reshape(block)
    arrays["n_steps"] = res.stats[:, STAT_STEPS].astype(np.int32).reshape(block)
    for name in varying_parameters(plan):
        arrays[f"param_{name}"] = batch.params[:, table.index[name]].reshape(block)
    return arrays


def run_chunk(plan: SweepPlan, path: str, chunk: int) -> ChunkReport:
    """Compute one chunk and write it into the store (the body of one Dask task)."""
    t0 = time.perf_counter()
    write_chunk(Path(path), plan, chunk, compute_chunk(plan, chunk))
    return ChunkReport(chunk=chunk, n_lanes=plan.chunk_lanes(chunk),
                       seconds=time.perf_counter() - t0)
