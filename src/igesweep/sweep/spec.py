"""The sweep file of model.md §10: a scenario plus a grid, a population and output options.

:func:`parse_sweep` validates the whole file up front, so that a sweep never
starts on input that would fail later: every grid value is checked by
substituting it into the base scenario, and every problem names its YAML
path (``grid.patient.weight_kg[2]``).
"""

from __future__ import annotations

import copy
import itertools
import math
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, Strict, ValidationError

from igesweep.errors import InputError, unknown_name_message
from igesweep.models import DEFAULT_MODEL, is_model
from igesweep.models.card import get_card
from igesweep.parameters import ParameterTable, parameter_table
from igesweep.scenario import (
    PositiveNumber,
    RepeatingRegimen,
    Scenario,
    parse_scenario,
    validation_problems,
)

#: Scenario keys a sweep file may hold besides grid/population/output/cluster.
SCENARIO_KEYS = tuple(Scenario.model_fields)
#: Regimen fields a grid may vary (repeating regimens).
REGIMEN_FIELDS = tuple(RepeatingRegimen.model_fields)
REGIMEN_UNITS = {"route": "", "dose_mg": "mg", "interval_days": "day", "n_doses": "1",
                 "until_day": "day", "start_day": "day", "loading_doses": ""}


def grid_keys(model: str = DEFAULT_MODEL, *others: str) -> list[str]:
    """Every dotted key a grid may vary in a sweep of ``model`` (and of ``others``, whose
    lanes sit beside it on a ``model`` dimension: their shared parameters)."""
    tables = [parameter_table(m) for m in (model, *others)]
    shared = [n for n in tables[0].names if all(n in t.by_name for t in tables)]
    return (["model", "therapy", "binding"]
            + [f"patient.{n}" for n in shared if tables[0].by_name[n].group == "patient"]
            + [f"therapy_params.{n}" for n in shared if tables[0].by_name[n].group == "therapy"]
            + [f"regimen.{f}" for f in REGIMEN_FIELDS])


def key_unit(key: str, model: str = DEFAULT_MODEL) -> str:
    """Unit of a grid key's values."""
    section, _, name = key.partition(".")
    if section in ("patient", "therapy_params"):
        return parameter_table(model).by_name[name].unit
    if section == "regimen":
        return REGIMEN_UNITS[name]
    return ""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Positive = Annotated[float, Strict(), AllowInfNan(False), Field(gt=0)]


class LogNormal(_Model):
    """Log-normal covariate: ``median * exp(sigma * z)``, ``sigma**2 = ln(1 + cv**2)``."""

    median: Positive
    cv: Positive


class Normal(_Model):
    """Normal covariate ``mean + sd * z`` (clipped by ``bounds`` if given)."""

    mean: Annotated[float, Strict(), AllowInfNan(False)]
    sd: Positive


class Covariate(_Model):
    """A patient covariate drawn per subject; exactly one distribution."""

    lognormal: LogNormal | None = None
    normal: Normal | None = None
    uniform: tuple[Positive, Positive] | None = None
    loguniform: tuple[Positive, Positive] | None = None
    bounds: tuple[Positive, Positive] | None = None

    def kind(self) -> str:
        """Name of the distribution given."""
        given = [k for k in ("lognormal", "normal", "uniform", "loguniform")
                 if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of lognormal, normal, uniform, loguniform")
        return given[0]


#: Bounds on size-like sweep inputs, checked before anything of that size is built (the
#: store-size check then bounds their product).
MAX_SUBJECTS = 100_000_000
MAX_GRID_VALUES = 10_000_000


class Population(_Model):
    """A virtual population drawn per grid point (model.md §10)."""

    n: Annotated[int, Strict(), Field(ge=1, le=MAX_SUBJECTS)]
    seed: Annotated[int, Strict(), Field(ge=0)]
    variability: bool = True
    covariates: dict[str, Covariate] = {}


class Uncertainty(_Model):
    """Typical-value sets drawn from the published standard errors: the ``draw`` dimension."""

    n: Annotated[int, Strict(), Field(ge=1, le=MAX_SUBJECTS)]
    seed: Annotated[int, Strict(), Field(ge=0)]


class OutputOptions(_Model):
    """What the sweep stores and how (``variables``: the model's outputs unless given)."""

    variables: list[str] | None = None
    dtype: Literal["float32", "float64"] = "float32"
    compression: Literal["zstd", "lz4", "none"] = "zstd"
    compression_level: Annotated[int, Strict(), Field(ge=1, le=19)] = 1
    chunk_lanes: Annotated[int, Strict(), Field(ge=1)] | None = None
    max_store_gb: PositiveNumber = 50.0


#: The command each batch system submits a job with (dask-jobqueue's).
SUBMIT_COMMANDS = {"slurm": "sbatch", "pbs": "qsub"}


class ClusterOptions(_Model):
    """A batch-system cluster started through dask-jobqueue.

    ``jobs`` batch jobs are kept running until the sweep ends: a job the
    batch system ends early (its walltime reached, preempted, its node lost)
    is replaced, and its chunks run again. ``interface`` is the network
    interface workers and scheduler talk over (``ib0``; ``lo`` on one node);
    ``log_directory`` receives the jobs' output files.
    """

    kind: Literal["slurm", "pbs"]
    jobs: Annotated[int, Strict(), Field(ge=1)] = 1
    cores: Annotated[int, Strict(), Field(ge=1)] = 1
    processes: Annotated[int, Strict(), Field(ge=1)] | None = None
    memory: str = "4GB"
    walltime: str = "01:00:00"
    queue: str | None = None
    account: str | None = None
    job_extra_directives: list[str] = []
    interface: str | None = None
    log_directory: str | None = None

    @property
    def submit_command(self) -> str:
        """The batch system's command that submits a job."""
        return SUBMIT_COMMANDS[self.kind]

    def check_submit_command(self) -> None:
        """Raise :class:`InputError` if :attr:`submit_command` is not on the ``PATH``."""
        if shutil.which(self.submit_command) is None:
            raise InputError([("cluster.kind", (
                f"{self.submit_command} is not found: a {self.kind} cluster submits its "
                f"workers with {self.submit_command}; run where it is installed (a login "
                f"node), or without --cluster"))])


class SweepOptions(_Model):
    """The non-scenario sections of a sweep file."""

    grid: dict[str, Any] = {}
    design: dict[str, Any] = {}
    population: Population | None = None
    uncertainty: Uncertainty | None = None
    output: OutputOptions = OutputOptions()
    cluster: ClusterOptions | None = None


@dataclass(frozen=True)
class GridDim:
    """One grid dimension.

    Attributes
    ----------
    key : str
        Dotted key (``patient.weight_kg``).
    name : str
        Dimension name: the key's last component.
    values : tuple
        The values, in file order.
    unit : str
        Unit of the values.
    """

    key: str
    name: str
    values: tuple[Any, ...]
    unit: str


@dataclass(frozen=True)
class Design:
    """Parameter rows run side by side (zipped, not crossed): the ``sample`` dimension.

    Attributes
    ----------
    keys : tuple of str
        Dotted parameter keys (``patient.*`` or ``therapy_params.*``).
    values : ndarray, shape (n_samples, n_keys)
        One row per sample.
    """

    keys: tuple[str, ...]
    values: np.ndarray

    @property
    def names(self) -> tuple[str, ...]:
        """Parameter names (the keys' last components)."""
        return tuple(k.partition(".")[2] for k in self.keys)


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: base scenario mapping, grid dimensions and options."""

    base: dict[str, Any]
    dims: tuple[GridDim, ...]
    design: Design | None
    population: Population | None
    output: OutputOptions
    cluster: ClusterOptions | None
    scenario: Scenario
    uncertainty: Uncertainty | None = None

    @property
    def model(self) -> str:
        """The base scenario's model (the first of :attr:`models`)."""
        return self.scenario.model

    @property
    def models(self) -> tuple[str, ...]:
        """Models of the sweep's lanes: the values of a ``model`` grid key, or the base's."""
        for d in self.dims:
            if d.key == "model":
                return tuple(str(v) for v in d.values)
        return (self.scenario.model,)

    @property
    def variables(self) -> tuple[str, ...]:
        """Outputs stored per time: ``output.variables``, or the outputs all models share."""
        if self.output.variables is not None:
            return tuple(self.output.variables)
        return shared_outputs(self.models)


def shared_outputs(models: Sequence[str]) -> tuple[str, ...]:
    """Output names every model of ``models`` has, in the first model's order."""
    names = [get_card(m).output_names for m in models]
    return tuple(n for n in names[0] if all(n in other for other in names[1:]))


def grid_models(base: Mapping[str, Any], grid: Mapping[str, Any]) -> tuple[str, ...]:
    """Models of a sweep file: its ``model`` grid values that name models, or the base's."""
    values = grid.get("model")
    good = [v for v in values if is_model(v)] if isinstance(values, list) else []
    return tuple(dict.fromkeys(good)) if good else (base_model(base),)


def base_model(base: Mapping[str, Any]) -> str:
    """The model a sweep's base scenario names (the default for none or an unknown name;
    the scenario check reports the latter)."""
    model = base.get("model", DEFAULT_MODEL)
    return model if is_model(model) else DEFAULT_MODEL


def _expand(key: str, spec: Any) -> tuple[list[Any], str | None]:
    """Turn a grid entry (list or generator) into values; return (values, problem)."""
    if isinstance(spec, list):
        return spec, None
    if not isinstance(spec, Mapping) or len(spec) != 1:
        return [], ("must be a list of values or one generator: {linspace: [a, b, n]}, "
                    "{logspace: [a, b, n]}, {geomspace: [a, b, n]} or {range: [start, stop, step]}")
    (kind, args), = spec.items()
    if kind not in ("linspace", "logspace", "geomspace", "range"):
        return [], unknown_name_message("generator", str(kind),
                                        ["linspace", "logspace", "geomspace", "range"])
    if (not isinstance(args, list) or len(args) != 3
            or not all(isinstance(a, int | float) and not isinstance(a, bool)
                       and math.isfinite(a) for a in args)):
        return [], f"{kind} takes a list of three finite numbers"
    a, b, c = args
    if kind == "range":
        if c <= 0 or b <= a:
            return [], "range needs start < stop and step > 0 (stop excluded)"
        n = math.ceil((b - a) / c - 1e-12)
        if n > MAX_GRID_VALUES:
            return [], f"range gives {n:,} values; at most {MAX_GRID_VALUES:,} per grid key"
        return [a + i * c for i in range(n)], None
    if not (isinstance(c, int) and 1 <= c <= MAX_GRID_VALUES):
        return [], (f"{kind}: the number of values must be a whole number from 1 to "
                    f"{MAX_GRID_VALUES:,}")
    if kind == "linspace":
        return np.linspace(a, b, c).tolist(), None
    if a <= 0 or b <= 0:
        return [], f"{kind}: both ends must be > 0 (the values themselves, not exponents)"
    return np.geomspace(a, b, c).tolist(), None


def _set(data: dict[str, Any], key: str, value: Any) -> None:
    section, _, name = key.partition(".")
    if not name:
        data[section] = value
        return
    block = dict(data.get(section) or {}) if isinstance(data.get(section), Mapping) else {}
    if section == "regimen":
        # a grid over one end of a repeating regimen replaces the other end
        if name == "until_day":
            block.pop("n_doses", None)
        elif name == "n_doses":
            block.pop("until_day", None)
    block[name] = value
    data[section] = block


def substitute(base: Mapping[str, Any], assignments: Mapping[str, Any]) -> dict[str, Any]:
    """The base scenario with dotted-key assignments applied."""
    data = copy.deepcopy(dict(base))
    for key, value in assignments.items():
        _set(data, key, value)
    return data


def _check_grid(base: dict[str, Any], grid: Mapping[str, Any], models: tuple[str, ...],
                source: str | None, problems: list[tuple[str, str]]) -> list[GridDim]:
    dims: list[GridDim] = []
    model = models[0]
    allowed = grid_keys(*models)
    names: dict[str, str] = {}
    for key, spec in grid.items():
        path = f"grid.{key}"
        if key not in allowed:
            problems.append((path, unknown_name_message("grid key", str(key), allowed)))
            continue
        regimen = base.get("regimen")
        if key.startswith("regimen.") and (not isinstance(regimen, Mapping) or "doses" in regimen):
            problems.append((path, "a grid over regimen fields needs a repeating regimen "
                                   "(route, dose_mg, interval_days, ...) in the base scenario"))
            continue
        values, problem = _expand(key, spec)
        if problem:
            problems.append((path, problem))
            continue
        if not values:
            problems.append((path, "the list of values is empty"))
            continue
        seen: set[str] = set()
        for i, v in enumerate(values):
            if v is None:
                problems.append((f"{path}[{i}]", "null is not a grid value (in a scenario it "
                                                 "means 'the default'); give the value"))
            token = repr(v)
            if token in seen:
                problems.append((f"{path}[{i}]", f"duplicate value {v!r}"))
            seen.add(token)
        name = key.rpartition(".")[2]
        if name in names:
            problems.append((path, f"dimension name '{name}' is also given by "
                                   f"grid.{names[name]}"))
        names[name] = key
        dims.append(GridDim(key=key, name=name, values=tuple(values),
                            unit=key_unit(key, model)))
    return dims


def _check_values(base: dict[str, Any], dims: list[GridDim], source: str | None,
                  problems: list[tuple[str, str]]) -> None:
    """Validate each grid value substituted into the base scenario (others at their first)."""
    first = {d.key: d.values[0] for d in dims}
    for d in dims:
        for i, v in enumerate(d.values):
            try:
                parse_scenario(substitute(base, {**first, d.key: v}), source)
            except InputError as err:
                for path, message in err.problems:
                    if path.startswith(d.key) or path == d.key.partition(".")[0]:
                        problems.append((f"grid.{d.key}[{i}]", message))
    # regimen fields interact (n_doses/until_day/start_day): validate their product
    regimen_dims = [d for d in dims if d.key.startswith("regimen.")]
    if len(regimen_dims) > 1:
        for combo in itertools.product(*(d.values for d in regimen_dims)):
            try:
                parse_scenario(substitute(base, {**first, **{
                    d.key: v for d, v in zip(regimen_dims, combo, strict=True)}}), source)
            except InputError as err:
                for path, message in err.problems:
                    if path.startswith("regimen"):
                        where = ", ".join(f"{d.name}={v!r}"
                                          for d, v in zip(regimen_dims, combo, strict=True))
                        problems.append(("grid", f"regimen with {where}: {message}"))
                        return


def parse_sweep(data: Any, source: str | None = None) -> Sweep:
    """Validate a parsed sweep file.

    Raises
    ------
    InputError
        Listing every problem with its YAML path.
    """
    if not isinstance(data, Mapping):
        raise InputError([("", "a sweep file must be a mapping of keys to values")], source)
    data = dict(data)
    option_keys = set(SweepOptions.model_fields)
    base = {k: v for k, v in data.items() if k not in option_keys}
    options_raw = {k: v for k, v in data.items() if k in option_keys}
    problems: list[tuple[str, str]] = []
    for key in base:
        if key not in SCENARIO_KEYS:
            problems.append((key, unknown_name_message(
                "key", key, [*SCENARIO_KEYS, *sorted(option_keys)])))
    try:
        options = SweepOptions.model_validate(options_raw)
    except ValidationError as err:
        raise InputError(problems + validation_problems(err, SweepOptions), source) from None
    if not isinstance(options_raw.get("grid", {}), Mapping):
        problems.append(("grid", "must be a mapping of dotted keys to values"))
    models = grid_models(base, options.grid)
    dims = _check_grid(base, options.grid, models, source, problems)
    table = parameter_table(models[0])
    if len(models) > 1 and options.design:
        problems.append(("design", "a design varies one model's parameters; "
                                   "it cannot be combined with a grid over model"))
    design = _check_design(options.design, source, dims, problems, table)
    _check_output(options.output, problems, models)
    if problems:
        raise InputError(problems, source)
    first = {d.key: d.values[0] for d in dims}
    try:
        scenario = parse_scenario(substitute(base, first), source)
    except InputError as err:
        problems.extend(err.problems)
    _check_values(base, dims, source, problems)
    if options.population is not None:
        _check_population(options.population, dims, problems, table)
    if not options.grid and not options.design and options.population is None and (
            options.uncertainty is None):
        problems.append(("grid", "a sweep varies something: give a grid, a design, a "
                                  "population or uncertainty (for one scenario, use "
                                  "`igesweep simulate`)"))
    if problems:
        raise InputError(list(dict.fromkeys(problems)), source)
    return Sweep(base=base, dims=tuple(dims), design=design, population=options.population,
                 output=options.output, cluster=options.cluster, scenario=scenario,
                 uncertainty=options.uncertainty)


def _check_design(raw: Mapping[str, Any], source: str | None, dims: list[GridDim],
                  problems: list[tuple[str, str]], table: ParameterTable) -> Design | None:
    """Validate a design: equal-length columns of admissible parameter values."""
    if not raw:
        return None
    if set(raw) == {"csv"}:
        raw = _read_design_csv(raw["csv"], source, problems)
        if not raw:
            return None
    allowed = [f"patient.{n}" for n in table.patient] + [
        f"therapy_params.{n}" for n in table.therapy]
    grid_names = {d.name for d in dims}
    columns: list[np.ndarray] = []
    keys: list[str] = []
    for key, values in raw.items():
        path = f"design.{key}"
        if key not in allowed:
            problems.append((path, unknown_name_message("design key", str(key), allowed)
                             + " (a design varies parameters; use grid: for the rest)"))
            continue
        name = key.partition(".")[2]
        if name in grid_names:
            problems.append((path, f"'{name}' is also a grid dimension"))
            continue
        if not isinstance(values, list) or not values or not all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            problems.append((path, "must be a non-empty list of numbers"))
            continue
        column = np.asarray(values, dtype=np.float64)
        p = table.by_name[name]
        bad = ~np.isfinite(column)
        if not p.signed:
            bad |= column <= 0 if p.positive else column < 0
        if p.fraction:
            bad |= column > 1
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            rule = "> 0" if p.positive else ("in [0, 1]" if p.fraction else ">= 0")
            problems.append((f"{path}[{i}]", f"must be a finite number {rule}, got {values[i]!r}"))
            continue
        keys.append(key)
        columns.append(column)
    lengths = {len(c) for c in columns}
    if len(lengths) > 1:
        problems.append(("design", f"columns must have equal lengths, got {sorted(lengths)}"))
        return None
    if not columns:
        return None
    return Design(keys=tuple(keys), values=np.column_stack(columns))


def _read_design_csv(name: Any, source: str | None,
                     problems: list[tuple[str, str]]) -> dict[str, list[float]]:
    """Columns of a design CSV (header = dotted keys), relative to the sweep file."""
    from pathlib import Path

    path = Path(str(name))
    if not path.is_absolute() and source:
        path = Path(source).parent / path
    try:
        header = path.read_text().splitlines()[0].split(",")
        data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    except (OSError, ValueError, IndexError) as err:
        problems.append(("design.csv", f"cannot read {path}: {err}"))
        return {}
    if data.shape[1] != len(header):
        problems.append(("design.csv", f"{path}: {data.shape[1]} columns, {len(header)} names"))
        return {}
    return {h.strip(): data[:, j].tolist() for j, h in enumerate(header)}


def _check_output(output: OutputOptions, problems: list[tuple[str, str]],
                  models: Sequence[str]) -> None:
    if output.variables is None:
        return
    names = shared_outputs(models)
    for i, name in enumerate(output.variables):
        if name not in names:
            problems.append((f"output.variables[{i}]", unknown_name_message(
                f"output variable of model {' and '.join(models)}", name, names)))
    if not output.variables:
        problems.append(("output.variables", "the list of variables is empty"))


def _check_population(pop: Population, dims: list[GridDim],
                      problems: list[tuple[str, str]], table: ParameterTable) -> None:
    grid_params = {d.key.partition(".")[2] for d in dims}
    for name, cov in pop.covariates.items():
        path = f"population.covariates.{name}"
        if name not in table.patient:
            problems.append((path, unknown_name_message("patient parameter", name,
                                                        table.patient)))
            continue
        if name in grid_params:
            problems.append((path, "is also a grid key; vary it one way or the other"))
        try:
            kind = cov.kind()
        except ValueError as err:
            problems.append((path, str(err)))
            continue
        pair = getattr(cov, kind)
        if kind in ("uniform", "loguniform") and not pair[0] < pair[1]:
            problems.append((f"{path}.{kind}", "needs [low, high] with low < high"))
        if cov.bounds is not None and not cov.bounds[0] < cov.bounds[1]:
            problems.append((f"{path}.bounds", "needs [low, high] with low < high"))
        if table.by_name[name].fraction and kind in ("lognormal", "loguniform"):
            problems.append((path, f"{name} is a fraction; use uniform or normal with bounds"))
