"""Batches of lanes: packed inputs, raw results, lockstep groups and :func:`solve_batch`.

:func:`solve_batch` takes a batch of one model, splits its lanes by binding
option, loads the compiled kernels of the model under each option used
(:func:`igesweep.solver.kernels.load_kernels`), forms lockstep groups if
asked and chooses a driver (threads or the calling thread; see
:mod:`igesweep.solver.drivers`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from igesweep.models.terms import BINDING_CODES
from igesweep.solver.kernels import load_kernels
from igesweep.solver.status import N_STATS, STATUS_NON_FINITE_OUTPUT, STATUS_OK
from igesweep.tolerances import DEFAULT_ATOL, DEFAULT_RTOL

if TYPE_CHECKING:
    from igesweep.models.declaration import Model

@dataclass(frozen=True)
class LaneBatch:
    """Packed inputs of a batch of lanes.

    Attributes
    ----------
    params : ndarray of float64, shape (n_lanes, n_parameters)
        Parameters in the packing order of ``model``'s parameter table.
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
    model : str or Model
        The model every lane of the batch runs: a registered name
        (:func:`igesweep.models.model_names`) or a declaration. No default:
        the layout of ``params`` depends on it.
    """

    params: np.ndarray
    binding: np.ndarray
    event_day: np.ndarray
    event_kind: np.ndarray
    event_mg: np.ndarray
    n_events: np.ndarray
    times: np.ndarray
    model: str | Model

    @property
    def n_lanes(self) -> int:
        """Number of lanes."""
        return self.params.shape[0]

    @property
    def model_name(self) -> str:
        """Name of the batch's model."""
        return self.model if isinstance(self.model, str) else self.model.name

    def bindings(self) -> dict[str, np.ndarray]:
        """Lane indices of each binding option used, by option name."""
        names = {code: name for name, code in BINDING_CODES.items()}
        codes = np.unique(self.binding)
        unknown = [int(c) for c in codes if c not in names]
        if unknown:
            raise ValueError(f"binding codes must be in {BINDING_CODES}, got {unknown}")
        return {names[int(c)]: np.flatnonzero(self.binding == c) for c in codes}

    def take(self, lanes: np.ndarray) -> LaneBatch:
        """The batch of the lanes at indices ``lanes`` (same model and output days)."""
        times = self.times if self.times.shape[0] == 1 else self.times[lanes]
        return LaneBatch(self.params[lanes], self.binding[lanes], self.event_day[lanes],
                         self.event_kind[lanes], self.event_mg[lanes], self.n_events[lanes],
                         times, self.model)

    def check(self, n_parameters: int) -> None:
        """Raise ``ValueError`` if shapes or dtypes are inconsistent.

        ``n_parameters`` is the number of parameters of the batch's model.
        """
        n = self.n_lanes
        if self.params.shape != (n, n_parameters):
            raise ValueError(f"params must have shape (n_lanes, {n_parameters}) "
                             f"for model {self.model_name}")
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
    outputs : ndarray of float64, shape (n_outputs, n_lanes, n_times)
        The model's outputs, in the order of its declaration.
    pre_event : ndarray of float64, shape (n_lanes, max_events)
        The model's pre-event output (free IgE, ng/mL) just before each event.
    stats : ndarray of int64, shape (n_lanes, N_STATS)
        Accepted steps, rejected steps, Jacobian evaluations.
    status : ndarray of int64, shape (n_lanes,)
        Status code per lane (:mod:`igesweep.solver.status`).
    """

    outputs: np.ndarray
    pre_event: np.ndarray
    stats: np.ndarray
    status: np.ndarray


def _schedule_key(batch: LaneBatch) -> np.ndarray:
    """Per-lane row of everything lanes of one group must share."""
    n = batch.n_lanes
    used = np.arange(batch.event_day.shape[1]) < batch.n_events[:, None]
    times = batch.times if batch.times.shape[0] == n else np.empty((n, 0))
    return np.column_stack([
        batch.binding, batch.n_events, np.where(used, batch.event_day, 0.0),
        np.where(used, batch.event_kind, 0), times,
    ]).astype(np.float64)


def form_groups(batch: LaneBatch, width: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Split the lanes into lockstep groups of up to ``width`` lanes.

    Lanes join a group only with lanes of identical binding, events (days and
    kinds) and output days. Within such a set, lanes are ordered by the
    parameters the model names as setting a lane's step count
    (:attr:`~igesweep.models.declaration.Model.stiffness_keys`), so that a
    group holds patients of similar difficulty (the group steps as often as
    its hardest lane). ``width`` defaults to the group kernel's largest
    group, ``LANE_STRIDE`` of :mod:`igesweep.solver.group`.

    Returns
    -------
    groups : ndarray of int64, shape (n_groups, width)
        Lane indices of each group, padded with -1.
    widths : ndarray of int64, shape (n_groups,)
        Number of lanes in each group; a group of width 1 runs the per-lane kernel.
    """
    first = next(iter(batch.bindings()), "full")
    kernels = load_kernels(batch.model, first)  # group width and stiffness keys: any binding's
    stride = kernels.LANE_STRIDE
    width = stride if width is None else width
    if not 1 <= width <= stride:
        raise ValueError(f"group width must be between 1 and {stride}")
    _, cls = np.unique(_schedule_key(batch), axis=0, return_inverse=True)
    keys = kernels.STIFFNESS_COLUMNS
    order = np.lexsort((*(batch.params[:, c] for c in reversed(keys)), cls.ravel()))
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
    """Integrate a batch of lanes with the compiled Rodas5P kernels of its model.

    Parameters
    ----------
    batch : LaneBatch
        Packed lanes of one model.
    rtol : float
        Relative tolerance of the local error control.
    atol : float
        Absolute tolerance, relative to each state's natural scale (declared
        by the model: largest dose, baseline IgE, receptor baseline, ...).
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
        Outputs, pre-event values, statistics and a status per lane. Lanes
        whose integration fails carry NaN outputs from the failure on; a lane
        that ran to the end with an output NaN or infinite has status
        ``STATUS_NON_FINITE_OUTPUT``; nothing is raised.
    """
    by_binding = batch.bindings()
    if len(by_binding) <= 1:
        binding = next(iter(by_binding), "full")
        return _solve_one_binding(batch, binding, rtol, atol, max_steps, parallel, grouped)
    parts = {b: _solve_one_binding(batch.take(lanes), b, rtol, atol, max_steps, parallel,
                                   grouped) for b, lanes in by_binding.items()}
    some = next(iter(parts.values()))
    n = batch.n_lanes
    out = np.empty((some.outputs.shape[0], n, batch.times.shape[1]))
    pre = np.empty(batch.event_day.shape)
    stats = np.zeros((n, N_STATS), dtype=np.int64)
    status = np.zeros(n, dtype=np.int64)
    for b, lanes in by_binding.items():
        out[:, lanes] = parts[b].outputs
        pre[lanes] = parts[b].pre_event
        stats[lanes] = parts[b].stats
        status[lanes] = parts[b].status
    return BatchResult(outputs=out, pre_event=pre, stats=stats, status=status)


def _solve_one_binding(batch: LaneBatch, binding: str, rtol: float, atol: float,
                       max_steps: int, parallel: bool | None, grouped: bool) -> BatchResult:
    """:func:`solve_batch` of a batch whose lanes all use binding option ``binding``."""
    kernels = load_kernels(batch.model, binding)
    batch.check(kernels.N_PARAMETERS)
    n = batch.n_lanes
    n_t = batch.times.shape[1]
    out = np.empty((kernels.N_OUTPUTS, n, n_t))
    pre = np.empty(batch.event_day.shape)
    stats = np.zeros((n, N_STATS), dtype=np.int64)
    status = np.zeros(n, dtype=np.int64)
    if parallel is None:
        parallel = n > 1 and not _in_foreign_thread()
    if grouped:
        groups, widths = form_groups(batch)
        driver = kernels.run_groups_parallel if parallel else kernels.run_groups_serial
        lead = (groups, widths)
    else:
        driver = kernels.run_lanes_parallel if parallel else kernels.run_lanes_serial
        lead = ()
    driver(
        *lead,
        np.ascontiguousarray(batch.params, dtype=np.float64),
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
    # a lane is never ok with an output that is not a number (an overflow the state allows)
    status[(status == STATUS_OK) & ~np.isfinite(out).all(axis=(0, 2))] = STATUS_NON_FINITE_OUTPUT
    return BatchResult(outputs=out, pre_event=pre, stats=stats, status=status)
