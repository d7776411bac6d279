"""Batch drivers: one compiled call integrates many lanes.

Lanes run either one at a time with the per-lane kernel
:func:`igesweep.solver.lane.integrate_lane`, or in lockstep groups of up to
:data:`~igesweep.solver.group.LANE_STRIDE` lanes with
:func:`igesweep.solver.group.integrate_group`, for lanes that share binding,
event days and kinds, and output days. Each comes with two drivers:

* ``run_*_parallel`` spreads lanes (groups) over Numba's threads with ``prange``;
* ``run_*_serial`` runs them in the calling thread, for callers that
  already run inside a thread pool (a Dask threaded worker, say), where
  Numba's default ``workqueue`` threading layer would abort the process on
  concurrent use.

:func:`solve_batch` packs the checks, forms the groups and chooses the driver.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numba
import numpy as np

from igesweep._jit import jit, jit_parallel
from igesweep.parameters import INDEX, N_PARAMETERS
from igesweep.solver.group import LANE_STRIDE, integrate_group
from igesweep.solver.lane import N_OUTPUTS, N_STATS, integrate_lane
from igesweep.solver.status import STATUS_OK
from igesweep.tolerances import DEFAULT_ATOL, DEFAULT_RTOL


@dataclass(frozen=True)
class LaneBatch:
    """Packed inputs of a batch of lanes.

    Attributes
    ----------
    params : ndarray of float64, shape (n_lanes, n_parameters)
        Parameters in :data:`igesweep.parameters.PARAMETER_NAMES` order.
    binding : ndarray of int64, shape (n_lanes,)
        ``BINDING_FULL`` or ``BINDING_QE`` per lane.
    event_day, event_mg : ndarray of float64, shape (n_lanes, max_events)
        Event times (days, sorted per lane) and amounts (mg; unused for apheresis).
    event_kind : ndarray of int64, shape (n_lanes, max_events)
        ``EVENT_SC``, ``EVENT_IV`` or ``EVENT_APHERESIS``.
    n_events : ndarray of int64, shape (n_lanes,)
        Number of valid events per lane.
    times : ndarray of float64, shape (1 or n_lanes, n_times)
        Strictly increasing output days, shared (one row) or per lane.
    """

    params: np.ndarray
    binding: np.ndarray
    event_day: np.ndarray
    event_kind: np.ndarray
    event_mg: np.ndarray
    n_events: np.ndarray
    times: np.ndarray

    @property
    def n_lanes(self) -> int:
        """Number of lanes."""
        return self.params.shape[0]

    def check(self) -> None:
        """Raise ``ValueError`` if shapes or dtypes are inconsistent."""
        n = self.n_lanes
        if self.params.shape != (n, N_PARAMETERS):
            raise ValueError(f"params must have shape (n_lanes, {N_PARAMETERS})")
        if self.binding.shape != (n,) or self.n_events.shape != (n,):
            raise ValueError("binding and n_events must have shape (n_lanes,)")
        shape = self.event_day.shape
        if shape[0] != n or self.event_kind.shape != shape or self.event_mg.shape != shape:
            raise ValueError("event arrays must share shape (n_lanes, max_events)")
        if np.any(self.n_events > shape[1]) or np.any(self.n_events < 0):
            raise ValueError("n_events out of range of the event arrays")
        if self.times.ndim != 2 or self.times.shape[0] not in (1, n) or self.times.shape[1] < 1:
            raise ValueError("times must have shape (1 or n_lanes, n_times >= 1)")
        if np.any(np.diff(self.times, axis=1) <= 0):
            raise ValueError("output times must be strictly increasing")


@dataclass(frozen=True)
class BatchResult:
    """Raw results of a batch.

    Attributes
    ----------
    outputs : ndarray of float64, shape (N_OUTPUTS, n_lanes, n_times)
        The model.md §7 outputs, in :data:`igesweep.outputs.OUTPUTS` order.
    pre_event_free_ige : ndarray of float64, shape (n_lanes, max_events)
        Free IgE (ng/mL) just before each event.
    stats : ndarray of int64, shape (n_lanes, N_STATS)
        Accepted steps, rejected steps, Jacobian evaluations.
    status : ndarray of int64, shape (n_lanes,)
        Status code per lane (:mod:`igesweep.solver.status`).
    """

    outputs: np.ndarray
    pre_event_free_ige: np.ndarray
    stats: np.ndarray
    status: np.ndarray


@jit
def _run_one(i, params, binding, ev_t, ev_kind, ev_mg, n_ev, times, rtol, atol, max_steps,
             out, pre, stats, status):
    i = np.int64(i)  # prange indices may be unsigned; keep index arithmetic in int64
    row = i if times.shape[0] > 1 else np.int64(0)
    status[i] = integrate_lane(
        params[i], binding[i], ev_t[i], ev_kind[i], ev_mg[i], n_ev[i], times[row],
        rtol, atol, max_steps, out[:, i, :], pre[i], stats[i],
    )


@jit_parallel
def run_lanes_parallel(params, binding, ev_t, ev_kind, ev_mg, n_ev, times, rtol, atol,
                       max_steps, out, pre, stats, status):
    """Integrate every lane, lanes spread over Numba threads (``prange``)."""
    for i in numba.prange(params.shape[0]):
        _run_one(i, params, binding, ev_t, ev_kind, ev_mg, n_ev, times, rtol, atol, max_steps,
                 out, pre, stats, status)


@jit
def run_lanes_serial(params, binding, ev_t, ev_kind, ev_mg, n_ev, times, rtol, atol,
                     max_steps, out, pre, stats, status):
    """Integrate every lane in the calling thread."""
    for i in range(params.shape[0]):
        _run_one(i, params, binding, ev_t, ev_kind, ev_mg, n_ev, times, rtol, atol, max_steps,
                 out, pre, stats, status)


@jit
def _run_group(g, groups, widths, params, binding, ev_t, ev_kind, ev_mg, n_ev, times, rtol, atol,
               max_steps, out, pre, stats, status):
    """Integrate group ``g``; lanes that fail in the group are run again on their own."""
    g = np.int64(g)
    lanes = groups[g, :widths[g]]
    lane0 = lanes[0]
    if lanes.shape[0] > 1:
        row = lane0 if times.shape[0] > 1 else np.int64(0)
        integrate_group(lanes, params, binding[lane0], ev_t, ev_kind, ev_mg, n_ev[lane0],
                        times[row], rtol, atol, max_steps, out, pre, stats, status)
    for k in range(lanes.shape[0]):
        if lanes.shape[0] == 1 or status[lanes[k]] != STATUS_OK:
            _run_one(lanes[k], params, binding, ev_t, ev_kind, ev_mg, n_ev, times, rtol, atol,
                     max_steps, out, pre, stats, status)


@jit_parallel
def run_groups_parallel(groups, widths, params, binding, ev_t, ev_kind, ev_mg, n_ev, times, rtol,
                        atol, max_steps, out, pre, stats, status):
    """Integrate every group, groups spread over Numba threads (``prange``)."""
    for g in numba.prange(groups.shape[0]):
        _run_group(g, groups, widths, params, binding, ev_t, ev_kind, ev_mg, n_ev, times, rtol,
                   atol, max_steps, out, pre, stats, status)


@jit
def run_groups_serial(groups, widths, params, binding, ev_t, ev_kind, ev_mg, n_ev, times, rtol,
                      atol, max_steps, out, pre, stats, status):
    """Integrate every group in the calling thread."""
    for g in range(groups.shape[0]):
        _run_group(g, groups, widths, params, binding, ev_t, ev_kind, ev_mg, n_ev, times, rtol,
                   atol, max_steps, out, pre, stats, status)


def _schedule_key(batch: LaneBatch) -> np.ndarray:
    """Per-lane row of everything lanes of one group must share."""
    n = batch.n_lanes
    used = np.arange(batch.event_day.shape[1]) < batch.n_events[:, None]
    times = batch.times if batch.times.shape[0] == n else np.empty((n, 0))
    return np.column_stack([
        batch.binding, batch.n_events, np.where(used, batch.event_day, 0.0),
        np.where(used, batch.event_kind, 0), times,
    ]).astype(np.float64)


def form_groups(batch: LaneBatch, width: int = LANE_STRIDE) -> tuple[np.ndarray, np.ndarray]:
    """Split the lanes into lockstep groups of up to ``width`` lanes.

    Lanes join a group only with lanes of identical binding, events (days and
    kinds) and output days. Within such a set, lanes are ordered by baseline
    IgE, then weight, so that a group holds patients of similar difficulty
    (the group steps as often as its hardest lane).

    Returns
    -------
    groups : ndarray of int64, shape (n_groups, width)
        Lane indices of each group, padded with -1.
    widths : ndarray of int64, shape (n_groups,)
        Number of lanes in each group; a group of width 1 runs the per-lane kernel.
    """
    if not 1 <= width <= LANE_STRIDE:
        raise ValueError(f"group width must be between 1 and {LANE_STRIDE}")
    _, cls = np.unique(_schedule_key(batch), axis=0, return_inverse=True)
    order = np.lexsort((batch.params[:, INDEX["weight_kg"]],
                        batch.params[:, INDEX["ige_baseline_iu_ml"]], cls.ravel()))
    cls = cls.ravel()[order]
    starts = np.flatnonzero(np.r_[True, cls[1:] != cls[:-1]])
    ends = np.r_[starts[1:], len(order)]
    rows = [order[i:min(i + width, end)] for start, end in zip(starts, ends, strict=True)
            for i in range(start, end, width)]
    groups = np.full((len(rows), width), -1, dtype=np.int64)
    widths = np.array([len(r) for r in rows], dtype=np.int64)
    for g, r in enumerate(rows):
        groups[g, :len(r)] = r
    return groups, widths


def _in_foreign_thread() -> bool:
    """True when called from a thread other than the main one (a thread pool)."""
    return threading.current_thread() is not threading.main_thread()


def solve_batch(
    batch: LaneBatch,
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    max_steps: int = 100_000,
    parallel: bool | None = None,
    grouped: bool = False,
) -> BatchResult:
    """Integrate a batch of lanes with the compiled Rodas5P kernel.

    Parameters
    ----------
    batch : LaneBatch
        Packed lanes.
    rtol : float
        Relative tolerance of the local error control.
    atol : float
        Absolute tolerance, relative to each state's natural scale (largest
        dose, baseline IgE, receptor baseline, 1 for the cell pools).
    max_steps : int
        Step attempts allowed per lane.
    parallel : bool or None
        ``True``: spread lanes over Numba threads; ``False``: run in this
        thread. ``None`` (default) chooses parallel for more than one lane in
        the main thread, and serial inside any other thread, where nested
        thread pools would oversubscribe the cores or trip Numba's workqueue
        layer.
    grouped : bool
        ``False`` (default): every lane runs on its own with the per-lane
        kernel, so a lane's result does not depend on the other lanes of the
        batch. ``True``: lanes sharing binding, events and output days run in
        lockstep groups (:func:`form_groups`), the rest one at a time; about
        twice the throughput on a sweep chunk, and each lane's result then
        depends, within the tolerances, on the group it ran in.

    Returns
    -------
    BatchResult
        Outputs, pre-event free IgE, statistics and a status per lane. Lanes
        that fail carry NaN outputs from the failure on; nothing is raised.
    """
    batch.check()
    n = batch.n_lanes
    n_t = batch.times.shape[1]
    out = np.empty((N_OUTPUTS, n, n_t))
    pre = np.empty(batch.event_day.shape)
    stats = np.zeros((n, N_STATS), dtype=np.int64)
    status = np.zeros(n, dtype=np.int64)
    if parallel is None:
        parallel = n > 1 and not _in_foreign_thread()
    if grouped:
        groups, widths = form_groups(batch)
        driver = run_groups_parallel if parallel else run_groups_serial
        lead = (groups, widths)
    else:
        driver = run_lanes_parallel if parallel else run_lanes_serial
        lead = ()
    driver(
        *lead,
        np.ascontiguousarray(batch.params, dtype=np.float64),
        np.ascontiguousarray(batch.binding, dtype=np.int64),
        np.ascontiguousarray(batch.event_day, dtype=np.float64),
        np.ascontiguousarray(batch.event_kind, dtype=np.int64),
        np.ascontiguousarray(batch.event_mg, dtype=np.float64),
        np.ascontiguousarray(batch.n_events, dtype=np.int64),
        np.ascontiguousarray(batch.times, dtype=np.float64),
        float(rtol),
        float(atol),
        int(max_steps),
        out,
        pre,
        stats,
        status,
    )
    return BatchResult(outputs=out, pre_event_free_ige=pre, stats=stats, status=status)
