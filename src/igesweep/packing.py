"""Pack lanes into the flat arrays of a :class:`~igesweep.solver.LaneBatch`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from igesweep.events import EVENT_CODES
from igesweep.models.terms import BINDING_CODES
from igesweep.resolve import Lane
from igesweep.solver import LaneBatch


def pack_lanes(lanes: Sequence[Lane], times: np.ndarray) -> LaneBatch:
    """Pack lanes sharing one set of output days.

    Parameters
    ----------
    lanes : sequence of Lane
        Lanes to integrate, all of one model.
    times : ndarray, shape (n_times,)
        Strictly increasing output days shared by every lane.

    Returns
    -------
    LaneBatch
        Event arrays are padded to the largest event count (at least 1).
    """
    n = len(lanes)
    models = {lane.model for lane in lanes}
    if len(models) != 1:
        raise ValueError(f"a batch holds lanes of one model, got {sorted(models)}")
    max_events = max([len(lane.events) for lane in lanes] + [1])
    event_day = np.zeros((n, max_events))
    event_kind = np.zeros((n, max_events), dtype=np.int64)
    event_mg = np.zeros((n, max_events))
    n_events = np.zeros(n, dtype=np.int64)
    for i, lane in enumerate(lanes):
        n_events[i] = len(lane.events)
        for j, (day, kind, mg) in enumerate(lane.events):
            event_day[i, j] = day
            event_kind[i, j] = EVENT_CODES[kind]
            event_mg[i, j] = mg
    return LaneBatch(
        params=np.stack([lane.parameter_vector() for lane in lanes]),
        binding=np.array([BINDING_CODES[lane.binding] for lane in lanes], dtype=np.int64),
        event_day=event_day,
        event_kind=event_kind,
        event_mg=event_mg,
        n_events=n_events,
        times=np.asarray(times, dtype=np.float64)[None, :],
        model=models.pop(),
    )
