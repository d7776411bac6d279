"""The scenario file of model.md §9: schema, validation and YAML-path errors.

:func:`parse_scenario` turns a mapping (parsed YAML) into a validated
:class:`Scenario`; every problem becomes an :class:`~igesweep.errors.InputError`
entry naming its YAML path (``regimen.dose_mg``) and the allowed values.
"""

from __future__ import annotations

import io
import itertools
import math
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    Tag,
    ValidationError,
    create_model,
    model_validator,
)

from igesweep.errors import InputError, unknown_name_message
from igesweep.models import DEFAULT_MODEL, is_model
from igesweep.models.card import get_card
from igesweep.parameters import ParameterTable, parameter_table
from igesweep.tolerances import DEFAULT_ATOL, DEFAULT_RTOL

Number = Annotated[float, Strict(), AllowInfNan(False)]
PositiveNumber = Annotated[float, Strict(), AllowInfNan(False), Field(gt=0)]
NonNegativeNumber = Annotated[float, Strict(), AllowInfNan(False), Field(ge=0)]
Count = Annotated[int, Strict(), Field(ge=1)]

#: Bounds on size-like inputs, checked before anything of that size is built: a typo such as
#: ``step: 1e-7`` or ``n_doses: 1e9`` is an input error, not a memory blow-up.
MAX_OUTPUT_TIMES = 1_000_000
MAX_DOSES = 100_000
Route = Literal["sc", "iv"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _override_model(name: str, table: ParameterTable, names: tuple[str, ...]) -> type[BaseModel]:
    """A model with one optional, range-checked float field per parameter of ``table``."""
    fields: dict[str, Any] = {}
    for n in names:
        p = table.by_name[n]
        bounds: dict[str, float] = {"gt": 0.0} if p.positive else {"ge": 0.0}
        if p.signed:
            bounds = {}
        if p.fraction:
            bounds["le"] = 1.0
        if p.minimum is not None:
            bounds = {**bounds, "ge": p.minimum}
            bounds.pop("gt", None)
        fields[n] = (
            Annotated[float, Strict(), AllowInfNan(False), Field(**bounds)] | None,
            Field(default=None, description=f"{p.description} ({p.unit})"),
        )
    return create_model(name, __base__=_Model, **fields)


_TABLE = parameter_table(DEFAULT_MODEL)
PatientOverrides = _override_model("PatientOverrides", _TABLE, _TABLE.patient)
TherapyOverrides = _override_model("TherapyOverrides", _TABLE, _TABLE.therapy)


class RepeatingRegimen(_Model):
    """Doses of ``dose_mg`` every ``interval_days`` from ``start_day`` (model.md §6)."""

    route: Route
    dose_mg: PositiveNumber
    interval_days: PositiveNumber
    n_doses: Count | None = None
    until_day: Number | None = None
    start_day: NonNegativeNumber = 0.0
    loading_doses: list[tuple[NonNegativeNumber, PositiveNumber]] = []

    @model_validator(mode="after")
    def _one_end(self) -> RepeatingRegimen:
        if (self.n_doses is None) == (self.until_day is None):
            raise ValueError("give exactly one of n_doses or until_day")
        if self.until_day is not None and self.until_day < self.start_day:
            raise ValueError(f"until_day ({self.until_day}) is before start_day ({self.start_day})")
        n = self.n_repeats()
        if n > MAX_DOSES:
            raise ValueError(f"the regimen gives {n:,} doses; at most "
                             f"{MAX_DOSES:,} (check interval_days, n_doses and until_day)")
        return self

    def n_repeats(self) -> int:
        """Number of repeated doses (loading doses not counted)."""
        if self.n_doses is not None:
            return self.n_doses
        assert self.until_day is not None
        return math.floor((self.until_day - self.start_day) / self.interval_days
                          * (1 + 1e-12)) + 1

    def dose_list(self) -> list[tuple[float, float, str]]:
        """Every dose as ``(day, mg, route)``, loading doses included."""
        n = self.n_repeats()
        doses = [(self.start_day + i * self.interval_days, self.dose_mg, self.route)
                 for i in range(n)]
        doses += [(day, mg, self.route) for day, mg in self.loading_doses]
        return doses


class ExplicitRegimen(_Model):
    """An explicit list of ``[day, mg, route]`` doses."""

    doses: list[tuple[NonNegativeNumber, PositiveNumber, Route]]

    def dose_list(self) -> list[tuple[float, float, str]]:
        """Every dose as ``(day, mg, route)``."""
        return [tuple(d) for d in self.doses]  # type: ignore[misc]


class TimeGrid(_Model):
    """Output days ``start, start + step, ...`` up to and including ``stop``."""

    start: NonNegativeNumber = 0.0
    stop: Number
    step: PositiveNumber

    @model_validator(mode="after")
    def _ordered(self) -> TimeGrid:
        if not self.stop > self.start:
            raise ValueError(f"stop ({self.stop}) must be greater than start ({self.start})")
        n = self.count()
        if n > MAX_OUTPUT_TIMES:
            raise ValueError(f"{n:,} output times; at most {MAX_OUTPUT_TIMES:,} (check step)")
        return self

    def count(self) -> int:
        """Number of output days."""
        return math.floor((self.stop - self.start) / self.step * (1 + 1e-12)) + 1

    def days(self) -> np.ndarray:
        """The output days as an array."""
        return self.start + self.step * np.arange(self.count(), dtype=np.float64)


class SolverOptions(_Model):
    """Tolerances and limits of the compiled integrator.

    ``lockstep`` (default ``true``) lets a sweep integrate the lanes of a chunk
    with identical events and output days in SIMD groups sharing one step
    size (about 2x faster on sweep grids); each lane then matches
    ``simulate`` within the accuracy contract (model.md §8) rather than bit
    for bit, and depends at the level of the tolerance on the lanes it was
    grouped with, which the sweep file alone decides (its grid and
    ``output.chunk_lanes``), never the workers. ``lockstep: false`` runs
    every lane on its own, exactly as ``simulate`` does. A single scenario
    always runs on its own.
    """

    rtol: Annotated[float, Strict(), AllowInfNan(False), Field(gt=0, lt=1)] = DEFAULT_RTOL
    atol: Annotated[float, Strict(), AllowInfNan(False), Field(gt=0, lt=1)] = DEFAULT_ATOL
    max_steps: Count = 100_000
    lockstep: Annotated[bool, Strict()] = True


class MetricOptions(_Model):
    """Free-IgE target and evaluation window of the summary metrics (model.md §7)."""

    target_free_ige_ng_ml: PositiveNumber = 50.0
    window_days: tuple[Number, Number] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> MetricOptions:
        if self.window_days is not None and not self.window_days[1] >= self.window_days[0]:
            raise ValueError("window_days must be [start, stop] with stop >= start")
        return self


def _strictly_increasing(days: list[float]) -> list[float]:
    if not days:
        raise ValueError("the list of output days is empty")
    if any(b <= a for a, b in itertools.pairwise(days)):
        raise ValueError(f"output days must be strictly increasing, got {days}")
    return days


def _regimen_tag(value: Any) -> str | None:
    if value == "usual":
        return "<usual>"
    if isinstance(value, ExplicitRegimen):
        return "<explicit>"
    if isinstance(value, RepeatingRegimen):
        return "<repeating>"
    if isinstance(value, Mapping):
        return "<explicit>" if "doses" in value else "<repeating>"
    return None


def _times_tag(value: Any) -> str | None:
    if isinstance(value, Mapping | TimeGrid):
        return "<grid>"
    if isinstance(value, list):
        return "<list>"
    return None


Regimen = Annotated[
    Annotated[RepeatingRegimen, Tag("<repeating>")]
    | Annotated[ExplicitRegimen, Tag("<explicit>")]
    | Annotated[Literal["usual"], Tag("<usual>")],
    Discriminator(
        _regimen_tag,
        custom_error_type="regimen",
        custom_error_message=(
            "must be 'usual', a repeating regimen {route, dose_mg, interval_days, "
            "n_doses | until_day, start_day, loading_doses} or {doses: [[day, mg, route], ...]}"
        ),
    ),
]
Times = Annotated[
    Annotated[TimeGrid, Tag("<grid>")]
    | Annotated[list[NonNegativeNumber], AfterValidator(_strictly_increasing), Tag("<list>")],
    Discriminator(
        _times_tag,
        custom_error_type="times",
        custom_error_message="must be {start, stop, step} or a list of days",
    ),
]


def _known_model(name: str) -> str:
    try:
        get_card(name)
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None
    return name


class Scenario(_Model):
    """A validated scenario (model.md §9)."""

    model: Annotated[str, Strict(), AfterValidator(_known_model)] = DEFAULT_MODEL
    therapy: Annotated[str, Strict()]
    therapy_params: TherapyOverrides = TherapyOverrides()  # type: ignore[valid-type]
    patient: PatientOverrides = PatientOverrides()  # type: ignore[valid-type]
    regimen: Regimen = ExplicitRegimen(doses=[])  # none: untreated, placebo, apheresis alone
    apheresis_days: list[NonNegativeNumber] | None = None
    times: Times
    binding: Literal["full", "qe", "qss"] = "full"
    solver: SolverOptions = SolverOptions()
    metrics: MetricOptions = MetricOptions()

    @model_validator(mode="after")
    def _window_holds_an_output_day(self) -> Scenario:
        window = self.metrics.window_days
        if window is not None:
            days = self.output_days()
            if not np.any((days >= window[0]) & (days <= window[1])):
                raise ValueError(f"metrics.window_days: no output day lies in "
                                 f"[{window[0]}, {window[1]}]")
        return self

    def output_days(self) -> np.ndarray:
        """Output days as a float64 array."""
        if isinstance(self.times, TimeGrid):
            return self.times.days()
        return np.asarray(self.times, dtype=np.float64)


_MESSAGES = {
    "missing": "missing required key",
    "float_type": "must be a number",
    "int_type": "must be a whole number",
    "string_type": "must be a string",
    "finite_number": "must be a finite number",
    "dict_type": "must be a mapping",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
}


def _yaml_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if not (isinstance(p, str) and p.startswith("<"))]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out


_TAGGED_MODELS: dict[str, type[BaseModel]] = {
    "<repeating>": RepeatingRegimen,
    "<explicit>": ExplicitRegimen,
    "<grid>": TimeGrid,
}


def _first_model(annotation: Any) -> type[BaseModel] | None:
    """The first BaseModel class inside a (possibly nested) annotation."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _first_model(arg)
        if found is not None:
            return found
    return None


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Keys allowed in the mapping that holds ``loc[-1]``."""
    current: type[BaseModel] | None = model
    for part in loc[:-1]:
        if current is None:
            return []
        if isinstance(part, str) and part in _TAGGED_MODELS:
            current = _TAGGED_MODELS[part]
            continue
        field = current.model_fields.get(str(part))
        current = _first_model(field.annotation) if field is not None else None
    return sorted(current.model_fields) if current is not None else []


def validation_problems(err: ValidationError, model: type[BaseModel]) -> list[tuple[str, str]]:
    """Turn a pydantic error into ``(yaml_path, message)`` pairs."""
    problems = []
    for e in err.errors(include_url=False):
        loc = tuple(e["loc"])
        path = _yaml_path(loc)
        kind = e["type"]
        if kind == "extra_forbidden":
            name = str(loc[-1])
            msg = unknown_name_message("key", name, _allowed_keys(model, loc))
        elif kind == "literal_error":
            msg = f"got {e['input']!r}; allowed: {e['ctx']['expected']}"
        elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
            msg = f"{e['msg'].replace('Input should be', 'must be')}, got {e['input']!r}"
        elif kind == "missing" and isinstance(loc[-1], int):
            msg = "missing list item"
        elif kind in _MESSAGES:
            got = "" if kind == "missing" else f", got {e['input']!r}"
            msg = _MESSAGES[kind] + got
        elif kind == "value_error":
            msg = str(e["ctx"]["error"])
            # model-level checks name their own key: "metrics.window_days: ..."
            named = re.match(r"^([A-Za-z_][\w.\[\]]*): (.*)$", msg, re.DOTALL)
            if not path and named:
                path, msg = named.groups()
        else:
            msg = e["msg"]
        problems.append((path, msg))
    return problems


#: Top-level sections only a sweep file has (model.md §10).
SWEEP_SECTIONS: tuple[str, ...] = ("grid", "design", "population", "uncertainty", "output",
                                   "cluster")


def parse_scenario(data: Any, source: str | None = None) -> Scenario:
    """Validate a parsed scenario mapping.

    Parameters
    ----------
    data : Any
        The parsed YAML (a mapping).
    source : str, optional
        Where it came from, for messages.

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
        Listing every problem with its YAML path.
    """
    if not isinstance(data, Mapping):
        raise InputError([("", "a scenario must be a mapping of keys to values")], source)
    sweep_sections = [k for k in SWEEP_SECTIONS if k in data]
    if sweep_sections:
        raise InputError([(k, "a section of a sweep file, not of a scenario: run it with "
                              "`igesweep sweep FILE -o OUT.zarr`") for k in sweep_sections],
                         source)
    cls = scenario_class(data.get("model", DEFAULT_MODEL))
    try:
        return cls.model_validate(dict(data))
    except ValidationError as err:
        raise InputError(validation_problems(err, cls), source) from None


@cache
def _scenario_class_of(model: str) -> type[Scenario]:
    table = parameter_table(model)
    patient = _override_model(f"PatientOverrides[{model}]", table, table.patient)
    therapy = _override_model(f"TherapyOverrides[{model}]", table, table.therapy)
    return create_model(f"Scenario[{model}]", __base__=Scenario,
                        patient=(patient, patient()), therapy_params=(therapy, therapy()))


def scenario_class(model: Any) -> type[Scenario]:
    """The scenario schema whose ``patient`` and ``therapy_params`` take ``model``'s parameters.

    An unknown or malformed model name gives the default schema, whose
    ``model`` check then reports it.
    """
    if model == DEFAULT_MODEL or not is_model(model):
        return Scenario
    return _scenario_class_of(model)


class YamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader with YAML 1.2 floats and no duplicate keys.

    YAML 1.1 (PyYAML) reads ``1.0e4`` and ``1e4`` as strings (its float needs
    an exponent sign), so ``bounds: [1.0e4, 1.0e6]`` was "not a number"; and a
    repeated key silently kept the last value.

    The parser is libyaml's where PyYAML was built with it (its wheels are):
    the catalogue reads in ~0.03 s instead of 0.16-0.22 s with the pure-Python
    parser, on every command and workflow job that reads it (BENCHMARKS.md).
    Resolver and constructors are PyYAML's Python ones either way, so values,
    duplicate keys and YAML 1.2 floats do not depend on which parser runs;
    libyaml words some syntax errors differently and accepts a few inputs the
    Python parser rejects (a tab after ``key:``). :func:`load_yaml` adds the
    offending line to syntax errors and limits the nesting depth
    (:data:`MAX_YAML_DEPTH`) before anything is built.
    """


YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789."))


def _mapping_without_duplicates(loader: YamlLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in seen
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, f"a mapping key must be a plain value, not {type(key).__name__}",
                key_node.start_mark) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


YamlLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                           _mapping_without_duplicates)


#: Deepest nesting of lists and mappings a YAML file may have: far beyond any igesweep
#: file, and far inside what the Python constructors' recursion handles. libyaml builds
#: its node tree by recursion in C without a limit (a file nested 10^5 levels deep
#: crashed the process), so the depth is counted on the parser's events, which are
#: produced without recursion, before anything is built.
MAX_YAML_DEPTH = 100


def _stream(text: str, name: str) -> io.StringIO:
    stream = io.StringIO(text)
    stream.name = name  # the parsers' error marks name the stream
    return stream


def _too_deep(text: str, name: str) -> bool:
    """Whether ``text`` nests lists and mappings deeper than :data:`MAX_YAML_DEPTH`."""
    depth = 0
    for event in yaml.parse(_stream(text, name), Loader=YamlLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                return True
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return False


def _with_line(err: yaml.YAMLError, text: str) -> str:
    """``err`` with the line it points at and a caret under the column (libyaml gives none)."""
    mark = getattr(err, "problem_mark", None)
    lines = text.splitlines()
    if mark is None or getattr(mark, "buffer", None) is not None or not (
            0 <= mark.line < len(lines)):
        return str(err)
    return f"{err}\n    {lines[mark.line]}\n    {' ' * mark.column}^"


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file, turning read, decoding and syntax errors into :class:`InputError`.

    Error messages name the file (not PyYAML's ``<unicode string>``) and show
    the offending line (:func:`parse_yaml`).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError([("", f"cannot read file: {err.strerror}")], str(path)) from None
    except UnicodeDecodeError as err:
        raise InputError([("", f"not UTF-8 text (byte {err.start}): a YAML file is text")],
                         str(path)) from None
    return parse_yaml(text, str(path))


def parse_yaml(text: str, source: str) -> Any:
    """The document in ``text`` (read from ``source``), with :class:`YamlLoader`.

    Raises
    ------
    InputError
        Naming ``source``, for a syntax error (with the offending line), nesting
        deeper than :data:`MAX_YAML_DEPTH`, or a value that cannot be read.
    """
    loader = None
    try:
        if _too_deep(text, source):
            raise RecursionError   # the message of a recursion in the constructors, below
        loader = YamlLoader(_stream(text, source))
        return loader.get_single_data()
    except yaml.YAMLError as err:
        raise InputError([("", f"not valid YAML: {_with_line(err, text)}")], source) from None
    except RecursionError:
        raise InputError([("", f"nested too deeply to read (more than {MAX_YAML_DEPTH} "
                               "levels of lists or mappings)")], source) from None
    except ValueError as err:  # e.g. an integer of more digits than Python converts
        why = ("an integer of more than 4,300 digits" if "digits" in str(err)
               else f"a value cannot be read ({err})")
        raise InputError([("", why)], source) from None
    finally:
        if loader is not None:
            loader.dispose()
