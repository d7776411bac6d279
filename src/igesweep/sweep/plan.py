"""From a validated sweep to a chunk plan and, for any chunk, its packed lanes.

The plan is small whatever the number of lanes: it holds the grid
coordinates, one parameter vector per model and therapy, one event table per
distinct regimen, and the chunk shape. :meth:`SweepPlan.chunk_batches` builds
the lanes of one chunk from their grid indices, one batch per model, so a
worker needs nothing else.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from igesweep.catalogue import Catalogue
from igesweep.errors import InputError
from igesweep.events import EVENT_CODES
from igesweep.models.terms import BINDING_CODES
from igesweep.parameters import parameter_table
from igesweep.resolve import events_of, resolve
from igesweep.scenario import parse_scenario
from igesweep.solver import LaneBatch
from igesweep.sweep.population import TherapyVariability, apply_population, therapy_variability
from igesweep.sweep.spec import Sweep, substitute
from igesweep.sweep.uncertainty import TherapyUncertainty, therapy_uncertainty

#: Bytes of stored trajectories aimed at per chunk when the sweep file sets no chunk_lanes.
TARGET_CHUNK_BYTES = 8 * 2**20
#: Chunks aimed at, at least, when the sweep is big enough (work for every worker).
MIN_CHUNKS = 16


def chunk_grid(shape: tuple[int, ...], chunks: tuple[int, ...]) -> tuple[int, ...]:
    """Number of chunks along each lane dimension of a lane array of ``shape``."""
    return tuple(-(-s // c) for s, c in zip(shape, chunks, strict=True))


def chunk_region(chunk: int, shape: tuple[int, ...], chunks: tuple[int, ...]
                 ) -> tuple[slice, ...]:
    """Slices over the lane dimensions of chunk number ``chunk`` (C order over the chunk grid)."""
    index = np.unravel_index(chunk, chunk_grid(shape, chunks))
    return tuple(slice(i * c, min((i + 1) * c, s))
                 for i, c, s in zip(index, chunks, shape, strict=True))


@dataclass(frozen=True)
class Dimension:
    """A lane dimension of the result: grid key, ``draw`` or ``subject``."""

    name: str
    values: np.ndarray
    unit: str
    key: str


def chunk_shape(shape: tuple[int, ...], target_lanes: int) -> tuple[int, ...]:
    """Chunk sizes over lane dimensions holding about ``target_lanes`` lanes.

    Inner dimensions are kept whole first, so a chunk is a contiguous block
    of the C-ordered lanes whenever possible.
    """
    chunks = [1] * len(shape)
    inner = 1
    for i in range(len(shape) - 1, -1, -1):
        chunks[i] = max(1, min(shape[i], target_lanes // inner))
        inner *= chunks[i]
    return tuple(chunks)


@dataclass(frozen=True)
class SweepPlan:
    """Everything a worker needs to build and run any chunk of a sweep."""

    sweep: Sweep
    dims: tuple[Dimension, ...]
    times: np.ndarray
    chunks: tuple[int, ...]
    models: tuple[str, ...]
    therapy_params: tuple[np.ndarray, ...]  # per model: (n_therapies, n_parameters)
    variability: tuple[tuple[TherapyVariability, ...], ...]  # per model, per therapy
    event_day: np.ndarray  # (n_regimens, max_events)
    event_kind: np.ndarray
    event_mg: np.ndarray
    n_events: np.ndarray  # (n_regimens,)
    regimen_dims: tuple[int, ...]  # positions (in dims) of the dims that select the regimen
    regimen_by_therapy: bool
    therapy_names: tuple[str, ...]
    #: per model, per therapy; None without ``uncertainty:``
    uncertainty: tuple[tuple[TherapyUncertainty, ...], ...] | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        """Lane shape (grid dimensions, then draw, then subject)."""
        return tuple(len(d.values) for d in self.dims)

    @property
    def n_lanes(self) -> int:
        """Number of lanes."""
        return math.prod(self.shape)

    @property
    def chunk_grid(self) -> tuple[int, ...]:
        """Number of chunks along each lane dimension."""
        return chunk_grid(self.shape, self.chunks)

    @property
    def n_chunks(self) -> int:
        """Number of chunks."""
        return math.prod(self.chunk_grid)

    def chunk_region(self, chunk: int) -> tuple[slice, ...]:
        """Slices over lane dimensions of chunk number ``chunk`` (C order)."""
        return chunk_region(chunk, self.shape, self.chunks)

    def chunk_lanes(self, chunk: int) -> int:
        """Number of lanes in chunk number ``chunk``."""
        return math.prod(s.stop - s.start for s in self.chunk_region(chunk))

    def stored_bytes(self) -> int:
        """Uncompressed size of the stored trajectories, metrics and statuses."""
        item = np.dtype(self.sweep.output.dtype).itemsize
        per_lane = len(self.sweep.variables) * len(self.times) * item + 6 * 8 + 1
        return self.n_lanes * per_lane

    def _dim_index(self, name: str) -> int | None:
        for i, d in enumerate(self.dims):
            if d.name == name and d.key not in ("subject", "draw"):
                return i
        return None

    def chunk_batches(self, chunk: int) -> tuple[list[tuple[LaneBatch, np.ndarray]],
                                                  tuple[int, ...]]:
        """Packed lanes of one chunk, one batch per model, and the chunk's shape.

        Returns
        -------
        (list of (LaneBatch, ndarray), tuple of int)
            Each batch with the positions of its lanes in the chunk's C-ordered
            lanes; the chunk's shape.
        """
        region = self.chunk_region(chunk)
        block = tuple(s.stop - s.start for s in region)
        idx = np.indices(block).reshape(len(block), -1)
        idx += np.array([s.start for s in region])[:, None]
        model_dim = self._dim_index("model")
        model_index = (idx[model_dim] if model_dim is not None
                       else np.zeros(idx.shape[1], np.int64))
        batches = []
        for m in range(len(self.models)):
            lanes = np.flatnonzero(model_index == m)
            if lanes.size:
                batches.append((self._batch(m, idx[:, lanes]), lanes))
        return batches, block

    def _batch(self, m: int, idx: np.ndarray) -> LaneBatch:
        """The lanes at grid indices ``idx`` (one column per lane), all of model ``m``."""
        n = idx.shape[1]
        model = self.models[m]
        therapy_dim = self._dim_index("therapy")
        therapy_index = idx[therapy_dim] if therapy_dim is not None else np.zeros(n, np.int64)
        index = parameter_table(model).index
        params = self.therapy_params[m][therapy_index].copy()
        binding = np.full(n, BINDING_CODES[self.sweep.scenario.binding], dtype=np.int64)
        for pos, dim in enumerate(self.dims):
            section, _, name = dim.key.partition(".")
            if section in ("patient", "therapy_params"):
                params[:, index[name]] = dim.values.astype(np.float64)[idx[pos]]
            elif dim.key == "binding":
                codes = np.array([BINDING_CODES[v] for v in dim.values], dtype=np.int64)
                binding = codes[idx[pos]]
            elif dim.key == "design":
                design = self.sweep.design
                assert design is not None
                for j, name in enumerate(design.names):
                    params[:, index[name]] = design.values[idx[pos], j]
        if self.uncertainty is not None:
            draw = idx[next(i for i, d in enumerate(self.dims) if d.key == "draw")]
            for t, unc in enumerate(self.uncertainty[m]):
                rows = np.flatnonzero(therapy_index == t)
                params[np.ix_(rows, unc.columns)] += unc.shifts[draw[rows]]
        if self.sweep.population is not None:
            apply_population(params, therapy_index, idx[-1], self.sweep.population,
                             list(self.variability[m]), index)
        regimen = np.zeros(n, dtype=np.int64)
        sizes = [len(self.dims[p].values) for p in self.regimen_dims]
        if self.regimen_dims:
            regimen = np.ravel_multi_index(tuple(idx[p] for p in self.regimen_dims), sizes)
        if self.regimen_by_therapy:
            regimen = therapy_index * math.prod(sizes) + regimen
        return LaneBatch(
            params=params, binding=binding,
            event_day=self.event_day[regimen], event_kind=self.event_kind[regimen],
            event_mg=self.event_mg[regimen], n_events=self.n_events[regimen],
            times=self.times[None, :], model=model,
        )


def _therapies(sweep: Sweep) -> list[str]:
    for d in sweep.dims:
        if d.key == "therapy":
            return list(d.values)
    return [sweep.scenario.therapy]


def _first(sweep: Sweep) -> dict[str, object]:
    return {d.key: d.values[0] for d in sweep.dims}


def build_plan(sweep: Sweep, catalogue: Catalogue, source: str | None = None) -> SweepPlan:
    """Resolve a sweep against the catalogue and plan its chunks.

    Raises
    ------
    InputError
        For unknown therapies, inadmissible parameter combinations, or a
        population with nothing to draw; each names its YAML path.
    """
    problems: list[tuple[str, str]] = []
    therapies = _therapies(sweep)
    models = sweep.models
    first = _first(sweep)
    base_vectors: list[list[np.ndarray]] = [[] for _ in models]
    for m, model in enumerate(models):
        for i, therapy in enumerate(therapies):
            where = f"grid.therapy[{i}]" if "therapy" in first else "therapy"
            if len(models) > 1:
                where = f"grid.model[{m}]"
            try:
                assign = {**first, "therapy": therapy, "model": model}
                lane = resolve(parse_scenario(substitute(sweep.base, assign), source),
                               catalogue, source)
            except InputError as err:
                problems += [(where if p in ("therapy", "") else p, m_) for p, m_ in err.problems]
                continue
            base_vectors[m].append(lane.parameter_vector())
            _check_param_grid(sweep, model, lane.values, therapy, problems)
    if problems:
        raise InputError(list(dict.fromkeys(problems)), source)
    variability = tuple(tuple(therapy_variability(catalogue, t, model) for t in therapies)
                        for model in models)
    if sweep.population is not None and not sweep.population.covariates:
        flat = [t for var in variability for t, v in zip(therapies, var, strict=True)
                if not sweep.population.variability or v.columns.size == 0]
        if len(flat) == len(therapies) * len(models):
            problems.append(("population", "nothing to draw: no therapy of the sweep has "
                             "published variability in the catalogue (or variability is off) "
                             "and no covariates are given (population.covariates)"))
    if problems:
        raise InputError(problems, source)

    dims = [Dimension(d.name, np.asarray(d.values), d.unit, d.key) for d in sweep.dims]
    if sweep.design is not None:
        dims.insert(0, Dimension("sample", np.arange(len(sweep.design.values)), "1", "design"))
    uncertainty = None
    if sweep.uncertainty is not None:
        uncertainty = _uncertainty(sweep, catalogue, therapies, base_vectors, source)
        dims.append(Dimension("draw", np.arange(sweep.uncertainty.n), "1", "draw"))
    if sweep.population is not None:
        dims.append(Dimension("subject", np.arange(sweep.population.n), "1", "subject"))
    regimen_dims = tuple(i for i, d in enumerate(dims) if d.key.startswith("regimen."))
    by_therapy = sweep.scenario.regimen == "usual"
    events = []
    combo_list = list(itertools.product(*(dims[i].values.tolist() for i in regimen_dims)))
    for therapy in (therapies if by_therapy else therapies[:1]):
        for combo in combo_list:
            assign = {**first, "therapy": therapy,
                      **{dims[i].key: v for i, v in zip(regimen_dims, combo, strict=True)}}
            scenario = parse_scenario(substitute(sweep.base, assign), source)
            events.append(events_of(scenario, catalogue))
    max_events = max([len(e) for e in events] + [1])
    n_reg = len(events)
    event_day = np.zeros((n_reg, max_events))
    event_kind = np.zeros((n_reg, max_events), dtype=np.int64)
    event_mg = np.zeros((n_reg, max_events))
    n_events = np.array([len(e) for e in events], dtype=np.int64)
    for r, evs in enumerate(events):
        for j, (day, kind, mg) in enumerate(evs):
            event_day[r, j], event_kind[r, j], event_mg[r, j] = day, EVENT_CODES[kind], mg
    times = sweep.scenario.output_days()
    shape = tuple(len(d.values) for d in dims)
    item = np.dtype(sweep.output.dtype).itemsize
    per_lane = max(1, len(sweep.variables) * len(times) * item)
    n_lanes = math.prod(shape)
    target = sweep.output.chunk_lanes or int(min(65536, TARGET_CHUNK_BYTES // per_lane,
                                                 max(64, n_lanes // MIN_CHUNKS)))
    return SweepPlan(
        sweep=sweep, dims=tuple(dims), times=times, chunks=chunk_shape(shape, target),
        models=models, therapy_params=tuple(np.stack(v) for v in base_vectors),
        variability=variability,
        event_day=event_day, event_kind=event_kind, event_mg=event_mg, n_events=n_events,
        regimen_dims=regimen_dims, regimen_by_therapy=by_therapy,
        therapy_names=tuple(therapies), uncertainty=uncertainty,
    )


def _uncertainty(sweep: Sweep, catalogue: Catalogue, therapies: list[str],
                 base_vectors: list[list[np.ndarray]], source: str | None
                 ) -> tuple[tuple[TherapyUncertainty, ...], ...]:
    """The drawn shifts per model and therapy; every drawn typical-value set admissible."""
    spec = sweep.uncertainty
    assert spec is not None
    out = tuple(tuple(therapy_uncertainty(catalogue, t, model, spec.n, spec.seed)
                      for t in therapies) for model in sweep.models)
    problems: list[tuple[str, str]] = []
    if all(u.columns.size == 0 for per_model in out for u in per_model):
        problems.append(("uncertainty", "nothing to draw: no therapy of the sweep has published "
                         "standard errors in the catalogue (uncertainty: entries of the therapy "
                         f"in model {', '.join(sweep.models)})"))
    for model, per_model, vectors in zip(sweep.models, out, base_vectors, strict=True):
        table = parameter_table(model)
        for therapy, unc, base in zip(therapies, per_model, vectors, strict=True):
            for k in range(spec.n):
                values = dict(zip(table.names, base, strict=True))
                for name, shift in zip(unc.names, unc.shifts[k], strict=True):
                    values[name] += shift
                for name, message in table.check(values):
                    problems.append(("uncertainty", f"draw {k} of {therapy} in {model}: "
                                     f"{name} {values[name]:.4g}: {message}"))
    if problems:
        raise InputError(problems[:10], source)
    return out


def _check_param_grid(sweep: Sweep, model: str, values: dict[str, float], therapy: str,
                      problems: list[tuple[str, str]]) -> None:
    """Admissibility of every parameter grid value, and of grid pairs that constrain each other."""
    grid = {d.key.partition(".")[2]: d for d in sweep.dims
            if d.key.partition(".")[0] in ("patient", "therapy_params")}
    table = parameter_table(model)
    for name, d in grid.items():
        for i, v in enumerate(d.values):
            for pname, message in table.check({**values, name: float(v)}):
                if pname == name or pname not in grid:
                    problems.append((f"grid.{d.key}[{i}]",
                                     f"{pname} {message} (therapy {therapy})"))
    for rate, constant in table.constraints:
        if rate in grid and constant in grid:
            for r, c in itertools.product(grid[rate].values, grid[constant].values):
                if r > 0 and not c > 0:
                    problems.append(("grid", f"{constant} must be > 0 when {rate} > 0, got "
                                             f"{rate}={r!r} with {constant}={c!r}"))
                    return
