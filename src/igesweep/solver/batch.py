"""Batch drivers: one compiled call integrates many lanes.

Two drivers share the per-lane kernel :func:`igesweep.solver.lane.integrate_lane`:

* :func:`run_lanes_parallel` spreads lanes over Numba's threads with ``prange``;
* :func:`run_lanes_serial` runs them in the calling thread, for callers that
  already run inside a thread pool (a Dask threaded worker, say), where
  Numba's default ``workqueue`` threading layer would abort the process on
  concurrent use.

:func:`solve_batch` packs the checks and chooses the driver.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numba
import numpy as np

from igesweep._jit import jit, jit_parallel
from igesweep.parameters import N_PARAMETERS
from igesweep.solver.lane import N_OUTPUTS, N_STATS, integrate_lane
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
    driver = run_lanes_parallel if parallel else run_lanes_serial
    driver(
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
