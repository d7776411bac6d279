"""``igesweep.simulate``: one scenario in, one labelled xarray Dataset out (model.md §9)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
import yaml

from igesweep.attributes import lane_attrs, solver_attrs, status_attrs
from igesweep.catalogue import Catalogue, load_catalogue
from igesweep.events import EVENT_CODES
from igesweep.metrics import metrics_of_outputs
from igesweep.models.card import get_card
from igesweep.outputs import METRICS
from igesweep.packing import pack_lanes
from igesweep.provenance import provenance_attrs
from igesweep.resolve import Lane, resolve
from igesweep.scenario import Scenario, load_yaml, parse_scenario
from igesweep.solver import solve_batch
from igesweep.solver.status import STAT_JACOBIANS, STAT_REJECTED, STAT_STEPS


def read_scenario(scenario: Scenario | Mapping[str, Any] | str | Path) -> tuple[Scenario, str, str]:
    """Validate a scenario given as a model, a mapping or a YAML file path.

    Returns
    -------
    (Scenario, str, str)
        The scenario, its YAML text (as given, or dumped) and its source name.
    """
    if isinstance(scenario, Scenario):
        text = yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False)
        return scenario, text, "<scenario>"
    if isinstance(scenario, Mapping):
        text = yaml.safe_dump(dict(scenario), sort_keys=False)
        return parse_scenario(scenario, "<scenario>"), text, "<scenario>"
    path = Path(scenario)
    data = load_yaml(path)
    return parse_scenario(data, str(path)), path.read_text(), str(path)


def simulate(
    scenario: Scenario | Mapping[str, Any] | str | Path,
    *,
    catalogue: Catalogue | str | Path | None = None,
    parallel: bool | None = None,
) -> xr.Dataset:
    """Simulate one scenario.

    Parameters
    ----------
    scenario : Scenario, mapping or path
        A scenario (model.md §9): a validated :class:`~igesweep.scenario.Scenario`,
        a mapping as parsed from YAML, or the path of a YAML file.
    catalogue : Catalogue, path or None
        Therapy catalogue; ``None`` uses the one shipped with igesweep.
    parallel : bool or None
        Passed to :func:`igesweep.solver.solve_batch`.

    Returns
    -------
    xarray.Dataset
        Coordinate ``time`` (day), the outputs of the scenario's model on ``time``
        (model.md §7 for igesweep-1),
        the summary metrics and ``status`` as scalars, the events on an
        ``event`` dimension, every parameter value and the provenance as
        attributes. Each variable has ``units`` and ``long_name``.
        If the integrator fails, ``status`` is non-zero and the outputs are
        NaN from the failure on; nothing is raised.

    Raises
    ------
    InputError
        When the scenario is invalid; each problem names its YAML path.
    """
    scen, text, source = read_scenario(scenario)
    cat = catalogue if isinstance(catalogue, Catalogue) else load_catalogue(catalogue)
    lane = resolve(scen, cat, source)
    times = scen.output_days()
    batch = pack_lanes([lane], times)
    result = solve_batch(batch, rtol=scen.solver.rtol, atol=scen.solver.atol,
                         max_steps=scen.solver.max_steps, parallel=parallel)
    model = get_card(lane.model)
    outputs = {v.name: result.outputs[i] for i, v in enumerate(model.outputs)}
    metrics = metrics_of_outputs(
        times, outputs, batch.params, model, batch.event_day, batch.event_kind,
        batch.n_events, result.pre_event,
        target_free_ige_ng_ml=scen.metrics.target_free_ige_ng_ml,
        window_days=scen.metrics.window_days,
    )
    ds = xr.Dataset(coords={"time": ("time", times, {"units": "day", "long_name": "time"})})
    for v in model.outputs:
        ds[v.name] = ("time", outputs[v.name][0], {"units": v.unit, "long_name": v.long_name})
    for v in METRICS:
        ds[v.name] = ((), metrics[v.name][0], {"units": v.unit, "long_name": v.long_name})
    ds["status"] = ((), np.int8(result.status[0]), status_attrs())
    _add_events(ds, lane, result.pre_event[0])
    ds.attrs.update(provenance_attrs(text, "scenario"))
    ds.attrs.update(lane_attrs(lane))
    ds.attrs.update(solver_attrs(scen, lockstep=False))
    ds.attrs.update({
        "model": model.name,
        "model_digest": model.digest(),
        "metric_target_free_ige_ng_ml": scen.metrics.target_free_ige_ng_ml,
        "n_steps": int(result.stats[0, STAT_STEPS]),
        "n_rejected_steps": int(result.stats[0, STAT_REJECTED]),
        "n_jacobians": int(result.stats[0, STAT_JACOBIANS]),
        "catalogue_path": str(cat.path),
        "catalogue_sha256": cat.sha256,
    })
    return ds


def _add_events(ds: xr.Dataset, lane: Lane, pre_event: np.ndarray) -> None:
    n = len(lane.events)
    codes = {v: k for k, v in EVENT_CODES.items()}
    ds["event_day"] = ("event", np.array([e[0] for e in lane.events], dtype=np.float64),
                       {"units": "day", "long_name": "event time"})
    ds["event_kind"] = ("event", np.array([EVENT_CODES[e[1]] for e in lane.events], dtype=np.int8),
                        {"long_name": "event kind", "units": "1",
                         "flag_values": np.array(sorted(codes), dtype=np.int8),
                         "flag_meanings": " ".join(codes[k] for k in sorted(codes))})
    ds["event_dose"] = ("event", np.array([e[2] for e in lane.events], dtype=np.float64),
                        {"units": "mg", "long_name": "dose (0 for apheresis)"})
    ds["pre_event_free_ige"] = ("event", pre_event[:n].copy(),
                                {"units": "ng/mL", "long_name": "free IgE just before the event"})
