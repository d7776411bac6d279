"""Batch drivers: one compiled call integrates many lanes.

Lanes run either one at a time with the per-lane kernel
(:func:`igesweep.solver.lane.integrate_lane`), or in lockstep groups of up to
``LANE_STRIDE`` lanes (:func:`igesweep.solver.group.integrate_group`), for
lanes that share event days and kinds, and output days. Each comes
with two drivers:

* ``run_*_parallel`` spreads lanes (groups) over Numba's threads with ``prange``;
* ``run_*_serial`` runs them in the calling thread, for callers that
  already run inside a thread pool (a Dask threaded worker, say), where
  Numba's default ``workqueue`` threading layer would abort the process on
  concurrent use.

``run_one`` and ``run_group`` are inlined into the drivers: Numba optimises
a compiled function together with everything it calls, so each separately
compiled layer between a driver and the integrator would run the optimiser
over the whole integrator once more (seconds of cold start each).

This file is a template (:mod:`igesweep.solver.interface`), compiled once per model and
binding option: every lane of a call shares the binding.
"""

from __future__ import annotations

import numba
import numpy as np

from igesweep._jit import jit, jit_inline, jit_parallel
from igesweep.solver.group import integrate_group
from igesweep.solver.lane import integrate_lane
from igesweep.solver.status import STATUS_OK


@jit_inline
def run_one(i, params, ev_t, ev_kind, ev_mg, n_ev, times, rtol, atol, max_steps,
            out, pre, stats, status):
    """Integrate lane ``i`` of the batch arrays with the per-lane kernel."""
    i = np.int64(i)  # prange indices may be unsigned; keep index arithmetic in int64
    row = i if times.shape[0] > 1 else np.int64(0)
    status[i] = integrate_lane(
        params[i], ev_t[i], ev_kind[i], ev_mg[i], n_ev[i], times[row],
        rtol, atol, max_steps, out[:, i, :], pre[i], stats[i],
    )


@jit_parallel
def run_lanes_parallel(params, ev_t, ev_kind, ev_mg, n_ev, times, rtol, atol,
                       max_steps, out, pre, stats, status):
    """Integrate every lane, lanes spread over Numba threads (``prange``)."""
    for i in numba.prange(params.shape[0]):
        run_one(i, params, ev_t, ev_kind, ev_mg, n_ev, times, rtol, atol, max_steps,
                out, pre, stats, status)


@jit
def run_lanes_serial(params, ev_t, ev_kind, ev_mg, n_ev, times, rtol, atol,
                     max_steps, out, pre, stats, status):
    """Integrate every lane in the calling thread."""
    for i in range(params.shape[0]):
        run_one(i, params, ev_t, ev_kind, ev_mg, n_ev, times, rtol, atol, max_steps,
                out, pre, stats, status)


@jit_inline
def run_group(g, groups, widths, params, ev_t, ev_kind, ev_mg, n_ev, times, rtol, atol,
              max_steps, out, pre, stats, status):
    """Integrate group ``g``; lanes that fail in the group are run again on their own."""
    g = np.int64(g)
    lanes = groups[g, :widths[g]]
    lane0 = lanes[0]
    if lanes.shape[0] > 1:
        row = lane0 if times.shape[0] > 1 else np.int64(0)
        integrate_group(lanes, params, ev_t, ev_kind, ev_mg, n_ev[lane0],
                        times[row], rtol, atol, max_steps, out, pre, stats, status)
    for k in range(lanes.shape[0]):
        if lanes.shape[0] == 1 or status[lanes[k]] != STATUS_OK:
            run_one(lanes[k], params, ev_t, ev_kind, ev_mg, n_ev, times, rtol, atol,
                    max_steps, out, pre, stats, status)


@jit_parallel
def run_groups_parallel(groups, widths, params, ev_t, ev_kind, ev_mg, n_ev, times, rtol,
                        atol, max_steps, out, pre, stats, status):
    """Integrate every group, groups spread over Numba threads (``prange``)."""
    for g in numba.prange(groups.shape[0]):
        run_group(g, groups, widths, params, ev_t, ev_kind, ev_mg, n_ev, times, rtol,
                  atol, max_steps, out, pre, stats, status)


@jit
def run_groups_serial(groups, widths, params, ev_t, ev_kind, ev_mg, n_ev, times, rtol,
                      atol, max_steps, out, pre, stats, status):
    """Integrate every group in the calling thread."""
    for g in range(groups.shape[0]):
        run_group(g, groups, widths, params, ev_t, ev_kind, ev_mg, n_ev, times, rtol,
                  atol, max_steps, out, pre, stats, status)
