"""Summary metrics of model.md §7, computed from the outputs of many lanes at once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from igesweep.events import EVENT_APHERESIS
from igesweep.outputs import METRIC_NAMES

if TYPE_CHECKING:
    from igesweep.models.card import ModelCard


def summary_metrics(
    times: np.ndarray,
    free_ige: np.ndarray,
    fceri_total: np.ndarray,
    threshold_fold: np.ndarray,
    fceri_baseline: np.ndarray,
    event_day: np.ndarray,
    event_kind: np.ndarray,
    n_events: np.ndarray,
    pre_event_free_ige: np.ndarray,
    *,
    crosslink_hazard: np.ndarray | None = None,
    target_free_ige_ng_ml: float = 50.0,
    window_days: tuple[float, float] | None = None,
) -> dict[str, np.ndarray]:
    """Summary metrics per lane.

    Parameters
    ----------
    times : ndarray, shape (n_times,)
        Output days.
    free_ige, fceri_total, threshold_fold : ndarray, shape (n_lanes, n_times)
        Outputs (ng/mL, 1/cell, 1).
    fceri_baseline : ndarray, shape (n_lanes,)
        Untreated FcεRI per cell.
    event_day, event_kind, pre_event_free_ige : ndarray, shape (n_lanes, max_events)
        Events and free IgE (ng/mL) just before each.
    n_events : ndarray, shape (n_lanes,)
        Valid events per lane.
    crosslink_hazard : ndarray, shape (n_lanes, n_times), optional
        The cross-link hazard (docs/model.md §M2.9); NaN metric without it.
    target_free_ige_ng_ml : float
        Free-IgE target, ng/mL.
    window_days : (float, float), optional
        Evaluation window; defaults to the whole output range.

    Returns
    -------
    dict of str to ndarray, shape (n_lanes,)
        The metrics of :data:`igesweep.outputs.METRICS`. They are computed on
        the output times, except the trough, taken from the state just before
        the last dose in the window. A failed lane (NaN outputs) gets NaN.

    Raises
    ------
    ValueError
        If no output time falls in the window.
    """
    start, stop = window_days if window_days is not None else (times[0], times[-1])
    in_window = (times >= start) & (times <= stop)
    if not in_window.any():
        raise ValueError(f"no output time lies in the metric window [{start}, {stop}]")
    t = times[in_window]
    free = free_ige[:, in_window]
    failed = np.isnan(free).any(axis=1)
    below = free < target_free_ige_ng_ml
    reached = below.any(axis=1)
    time_to_target = np.where(reached, t[np.argmax(below, axis=1)], np.nan)
    fraction = below.mean(axis=1)
    last = np.flatnonzero(in_window)[-1]
    reduction = 1.0 - fceri_total[:, last] / fceri_baseline

    valid = np.arange(event_day.shape[1])[None, :] < n_events[:, None]
    dose = valid & (event_kind != EVENT_APHERESIS) & (event_day >= start) & (event_day <= stop)
    has_dose = dose.any(axis=1)
    last_dose = dose.shape[1] - 1 - np.argmax(dose[:, ::-1], axis=1)
    trough = np.where(has_dose, pre_event_free_ige[np.arange(len(last_dose)), last_dose], np.nan)

    metrics = {
        "time_to_target": time_to_target,
        "fraction_below_target": fraction,
        "trough_free_ige": trough,
        "nadir_free_ige": free.min(axis=1),
        "fceri_reduction": reduction,
        "max_threshold_fold": threshold_fold[:, in_window].max(axis=1),
        "max_crosslink_hazard": (np.full(free.shape[0], np.nan) if crosslink_hazard is None
                                 else crosslink_hazard[:, in_window].max(axis=1)),
    }
    for name in METRIC_NAMES:
        metrics[name] = np.where(failed, np.nan, metrics[name])
    return metrics


def metrics_of_outputs(
    times: np.ndarray,
    outputs: Mapping[str, np.ndarray],
    params: np.ndarray,
    model: ModelCard,
    event_day: np.ndarray,
    event_kind: np.ndarray,
    n_events: np.ndarray,
    pre_event_free_ige: np.ndarray,
    *,
    target_free_ige_ng_ml: float = 50.0,
    window_days: tuple[float, float] | None = None,
) -> dict[str, np.ndarray]:
    """:func:`summary_metrics` from a model's outputs by name.

    ``fceri_reduction`` reads the model's :attr:`~igesweep.models.card.ModelCard.
    receptor_readout` against its untreated value; a model without receptors
    (or without ``threshold_fold``) gets NaN for the receptor metrics; the
    free-IgE metrics need ``free_ige``.

    Parameters
    ----------
    outputs : mapping of str to ndarray, shape (n_lanes, n_times)
        The model's outputs by name.
    params : ndarray, shape (n_lanes, n_parameters)
        Packed parameters in ``model``'s order.
    model : ModelCard
        The model the outputs come from (its card).
    """
    free = outputs["free_ige"]
    nan = np.full_like(free, np.nan)
    receptors = outputs[model.receptor_readout] if model.receptor_readout else nan
    return summary_metrics(
        times, free, receptors, outputs.get("threshold_fold", nan),
        model.receptor_baselines(params), event_day, event_kind, n_events, pre_event_free_ige,
        crosslink_hazard=outputs.get("crosslink_hazard"),
        target_free_ige_ng_ml=target_free_ige_ng_ml, window_days=window_days)
