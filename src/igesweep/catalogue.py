"""The therapy catalogue (``config/therapies.yaml``): loading and validation.

Every number in the catalogue carries a ``source`` and an ``evidence`` level;
the loader checks that, that each unit matches the parameter table of
:mod:`igesweep.parameters`, that every therapy sets all therapy parameters,
and that each therapy together with the patient defaults is admissible.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, Strict, ValidationError

from igesweep.errors import InputError
from igesweep.models import CATALOGUE_MODEL, DEFAULT_MODEL
from igesweep.models.card import get_card
from igesweep.parameters import (
    BY_NAME,
    PARAMETER_NAMES,
    PATIENT_PARAMETERS,
    THERAPY_PARAMETERS,
    ParameterTable,
    check_values,
    parameter_table,
)
from igesweep.scenario import (
    ExplicitRegimen,
    NonNegativeNumber,
    RepeatingRegimen,
    load_yaml,
    validation_problems,
)

Evidence = Literal[
    "label", "population-pk", "clinical-trial", "preclinical", "illustrative", "structural",
    "calibrated",
]
MechanismClass = Literal[
    "anti-ige", "bcell-depletion", "effector-targeting", "apheresis", "production-inhibition"
]
#: Allowed ``evidence:`` levels.
EVIDENCE_LEVELS: tuple[str, ...] = get_args(Evidence)
#: Allowed ``mechanism_class:`` values.
MECHANISM_CLASSES: tuple[str, ...] = get_args(MechanismClass)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParameterEntry(_Model):
    """One catalogue number with its provenance.

    ``borrowed_from`` names the drug whose value this is, where the therapy
    has none of its own (the report and ``igesweep therapies`` mark it).
    """

    value: Annotated[float, Strict(), AllowInfNan(False)]
    unit: str
    source: Annotated[str, Field(min_length=1)]
    evidence: Evidence
    borrowed_from: Annotated[str, Field(min_length=1)] | None = None
    note: str | None = None


class VariabilityEntry(_Model):
    """Published log-normal inter-individual variability of one parameter."""

    omega2: Annotated[float, Strict(), AllowInfNan(False), Field(gt=0)] | None = None
    cv: Annotated[float, Strict(), AllowInfNan(False), Field(gt=0)] | None = None
    source: Annotated[str, Field(min_length=1)]
    evidence: Evidence
    note: str | None = None


class UncertaintyEntry(_Model):
    """Standard error of a typical value (same unit as the parameter), as published."""

    se: Annotated[float, Strict(), AllowInfNan(False), Field(gt=0)]
    source: Annotated[str, Field(min_length=1)]
    evidence: Evidence
    note: str | None = None


class Correlation(_Model):
    """Correlation of the log-normal random effects of two parameters."""

    between: tuple[str, str]
    rho: Annotated[float, Strict(), AllowInfNan(False), Field(ge=-1, le=1)]
    source: str
    evidence: Evidence | None = None
    note: str | None = None


class PatientBlock(_Model):
    """Patient defaults of the catalogue."""

    description: str | None = None
    parameters: dict[str, ParameterEntry]
    variability: dict[str, VariabilityEntry] = {}


class TherapyBlock(_Model):
    """One therapy of the catalogue."""

    label: str
    mechanism_class: MechanismClass
    mechanism: str
    usual_regimen: RepeatingRegimen | ExplicitRegimen
    usual_regimen_source: str
    usual_apheresis_days: list[NonNegativeNumber] = []
    parameters: dict[str, ParameterEntry]
    variability: dict[str, VariabilityEntry] = {}
    correlations: list[Correlation] = []
    uncertainty: dict[str, UncertaintyEntry] = {}
    conversions: str | None = None


class SameAs(_Model):
    """A default that takes another parameter's value of the same therapy."""

    same_as: str
    unit: str
    note: Annotated[str, Field(min_length=1)]


class ModelTherapyBlock(_Model):
    """A therapy's parameters in a model other than the catalogue's own (``CATALOGUE_MODEL``)."""

    parameters: dict[str, ParameterEntry]
    variability: dict[str, VariabilityEntry] = {}
    correlations: list[Correlation] = []
    uncertainty: dict[str, UncertaintyEntry] = {}
    note: str | None = None


class ModelBlock(_Model):
    """Values of a model other than the catalogue's own: its therapies' parameters.

    Patient values come from the catalogue's ``patient`` block for the names
    the models share, and from ``patient`` here for the model's own;
    ``patient_variability`` is the between-subject variability of the
    model's own patient parameters (every therapy's population draws it).

    With ``extends: true`` the model takes every therapy of the catalogue:
    a parameter it shares with the catalogue's model comes from the therapy's
    top-level entry, one of its own from ``therapy_defaults`` (a value, or
    ``same_as`` another parameter of the therapy), and ``therapies`` here
    override single parameters (and, where given, the variability).
    """

    description: str | None = None
    extends: bool = False
    patient: dict[str, ParameterEntry] = {}
    patient_variability: dict[str, VariabilityEntry] = {}
    therapy_defaults: dict[str, ParameterEntry | SameAs] = {}
    therapies: dict[str, ModelTherapyBlock] = {}


class CatalogueFile(_Model):
    """Schema of ``therapies.yaml``."""

    version: Literal[1]
    evidence_levels: dict[str, str]
    patient: PatientBlock
    therapies: dict[str, TherapyBlock]
    models: dict[str, ModelBlock] = {}


@dataclass(frozen=True)
class Catalogue:
    """A validated therapy catalogue.

    Attributes
    ----------
    path : Path
        File it was read from.
    sha256 : str
        Hash of the file's bytes, for provenance.
    patient : PatientBlock
        Patient defaults.
    therapies : dict of str to TherapyBlock
        Therapies by key (labels, regimens, and the parameters of
        :data:`igesweep.models.CATALOGUE_MODEL`).
    models : dict of str to ModelBlock
        Parameters of the therapies in the other models, by model name. A
        model with exactly the catalogue model's parameters (one that extends
        it by states or outputs) takes ``therapies`` as they are.
    """

    path: Path
    sha256: str
    patient: PatientBlock
    therapies: dict[str, TherapyBlock] = field(default_factory=dict)
    models: dict[str, ModelBlock] = field(default_factory=dict)

    def patient_entries(self, model: str = DEFAULT_MODEL) -> dict[str, ParameterEntry]:
        """Patient default entries of ``model``'s patient parameters, by name."""
        names = parameter_table(model).patient
        own = self.models[model].patient if model in self.models else {}
        return {n: e for n, e in {**self.patient.parameters, **own}.items() if n in names}

    def patient_values(self, model: str = DEFAULT_MODEL) -> dict[str, float]:
        """Patient default values of ``model``'s patient parameters, by name."""
        return {n: e.value for n, e in self.patient_entries(model).items()}

    def therapy_values(self, therapy: str, model: str = DEFAULT_MODEL) -> dict[str, float]:
        """Parameter values of ``therapy`` in ``model``, by name."""
        return {n: e.value for n, e in self.therapy_block(therapy, model).parameters.items()}

    def therapy_block(self, therapy: str, model: str = DEFAULT_MODEL
                      ) -> TherapyBlock | ModelTherapyBlock:
        """The block holding ``therapy``'s parameters (and variability) in ``model``.

        Raises
        ------
        KeyError
            Naming the model and the therapies it has parameters for.
        """
        if _shares_default_parameters(model) and model not in self.models:
            return self.therapies[therapy]
        block = self.models.get(model)
        if block is not None and block.extends and therapy in self.therapies:
            return extended_block(self.therapies[therapy], block, block.therapies.get(therapy),
                                  parameter_table(model))
        if block is None or therapy not in block.therapies:
            have = sorted(block.therapies) if block is not None else []
            raise KeyError(f"model {model!r} has no parameters for therapy {therapy!r} in the "
                           f"catalogue; it has: {', '.join(have) or 'none'}")
        return block.therapies[therapy]

def extended_block(base: TherapyBlock, block: ModelBlock, override: ModelTherapyBlock | None,
                   table: ParameterTable) -> ModelTherapyBlock:
    """A therapy's block in a model that ``extends`` the catalogue's (see :class:`ModelBlock`)."""
    params: dict[str, ParameterEntry] = {}
    for name in table.therapy:
        default = block.therapy_defaults.get(name)
        if override is not None and name in override.parameters:
            params[name] = override.parameters[name]
        elif name in base.parameters:
            params[name] = base.parameters[name]
        elif isinstance(default, SameAs):
            entry = base.parameters[default.same_as]
            note = f"{default.note} Value of {default.same_as}: {entry.note or entry.source}"
            params[name] = entry.model_copy(update={"note": note})
        elif default is not None:
            params[name] = default
    if override is not None and override.variability:
        variability, correlations = override.variability, override.correlations
    else:
        variability = {n: v for n, v in base.variability.items() if n in table.by_name}
        correlations = [c for c in base.correlations if set(c.between) <= set(variability)]
    uncertainty = (override.uncertainty if override is not None and override.uncertainty
                   else {n: u for n, u in base.uncertainty.items() if n in table.by_name})
    return ModelTherapyBlock(parameters=params, variability=variability,
                             correlations=correlations, uncertainty=uncertainty,
                             note=override.note if override is not None else None)


def _shares_default_parameters(model: str) -> bool:
    """A model with exactly the catalogue model's parameters takes its catalogue entries."""
    return model == CATALOGUE_MODEL or parameter_table(model).names == PARAMETER_NAMES


def default_catalogue_path() -> Path:
    """The catalogue shipped with igesweep.

    In a source checkout this is ``config/therapies.yaml``; an installed
    wheel carries a copy as package data.
    """
    checkout = Path(__file__).resolve().parents[2] / "config" / "therapies.yaml"
    if checkout.is_file():
        return checkout
    return Path(str(resources.files("igesweep") / "data" / "therapies.yaml"))


def _check_block(
    prefix: str, entries: dict[str, Any], names: tuple[str, ...], problems: list[tuple[str, str]],
    table: ParameterTable | None = None,
) -> None:
    by_name = table.by_name if table is not None else BY_NAME
    for name in entries:
        if name not in names:
            problems.append((f"{prefix}.{name}", f"unknown parameter; allowed: {', '.join(names)}"))
    for name in names:
        entry = entries.get(name)
        if entry is None:
            problems.append((f"{prefix}.{name}", "missing: every parameter must be given"))
        elif entry.unit != by_name[name].unit:
            problems.append((f"{prefix}.{name}.unit",
                             f"unit '{entry.unit}' does not match '{by_name[name].unit}'"))


def _check_model_blocks(parsed: CatalogueFile, problems: list[tuple[str, str]]) -> None:
    """Each ``models.NAME`` block: a known model, known therapies, complete admissible values."""
    for name, block in parsed.models.items():
        try:
            get_card(name)
        except (KeyError, ValueError) as err:
            problems.append((f"models.{name}", err.args[0]))
            continue
        table = parameter_table(name)
        for n, entry in block.patient.items():
            if n not in table.patient:
                problems.append((f"models.{name}.patient.{n}",
                                 f"not a patient parameter of model {name!r}; allowed: "
                                 f"{', '.join(table.patient)}"))
            elif entry.unit != table.by_name[n].unit:
                problems.append((f"models.{name}.patient.{n}.unit", f"unit '{entry.unit}' does "
                                 f"not match '{table.by_name[n].unit}'"))
        for n, entry in block.patient_variability.items():
            where = f"models.{name}.patient_variability.{n}"
            if n not in table.patient:
                problems.append((where, f"not a patient parameter of model {name!r}; allowed: "
                                        f"{', '.join(table.patient)}"))
            if (entry.omega2 is None) == (entry.cv is None):
                problems.append((where, "give exactly one of omega2 or cv"))
        patient = {n: e.value for n, e in {**parsed.patient.parameters, **block.patient}.items()
                   if n in table.patient}
        for n in table.patient:
            if n not in patient:
                problems.append((f"models.{name}.patient",
                                 f"model {name!r} needs a default for {n}"))
        therapies = dict(block.therapies)
        if block.extends:
            _check_defaults(name, block, table, problems)
            therapies = {key: extended_block(t, block, block.therapies.get(key), table)
                         for key, t in parsed.therapies.items()}
        for key, therapy in therapies.items():
            prefix = f"models.{name}.therapies.{key}"
            if key not in parsed.therapies:
                problems.append((prefix, f"not a therapy of the catalogue; allowed: "
                                         f"{', '.join(parsed.therapies)}"))
            if block.extends and key in block.therapies:
                for n in block.therapies[key].parameters:
                    if n not in table.therapy:
                        problems.append((f"{prefix}.parameters.{n}", f"unknown parameter; "
                                         f"allowed: {', '.join(table.therapy)}"))
            _check_block(f"{prefix}.parameters", therapy.parameters, table.therapy, problems,
                         table)
            _check_variability(prefix, therapy.variability, therapy.correlations, problems,
                               table)
            _check_uncertainty(prefix, therapy.uncertainty, problems, table)
            values = {**patient, **{n: e.value for n, e in therapy.parameters.items()}}
            if set(values) >= set(table.names):
                for pname, message in table.check(values):
                    problems.append((f"{prefix}.parameters.{pname}", message))


def _check_uncertainty(prefix: str, block: dict[str, UncertaintyEntry],
                       problems: list[tuple[str, str]], table: ParameterTable | None = None
                       ) -> None:
    """Uncertainty entries name parameters of the model (the catalogue model's without a table)."""
    names = table.names if table is not None else PARAMETER_NAMES
    for name in block:
        if name not in names:
            problems.append((f"{prefix}.uncertainty.{name}",
                             f"not a parameter of the model; allowed: {', '.join(names)}"))


def _check_defaults(name: str, block: ModelBlock, table: ParameterTable,
                    problems: list[tuple[str, str]]) -> None:
    """``therapy_defaults`` of an extending model: its own therapy parameters, same units."""
    for n, entry in block.therapy_defaults.items():
        where = f"models.{name}.therapy_defaults.{n}"
        if n not in table.therapy or n in THERAPY_PARAMETERS:
            own = [p for p in table.therapy if p not in THERAPY_PARAMETERS]
            problems.append((where, f"not a therapy parameter model {name!r} adds; allowed: "
                                    f"{', '.join(own)}"))
        elif entry.unit != table.by_name[n].unit:
            problems.append((f"{where}.unit",
                             f"unit '{entry.unit}' does not match '{table.by_name[n].unit}'"))
        elif isinstance(entry, SameAs) and (
                entry.same_as not in THERAPY_PARAMETERS
                or BY_NAME[entry.same_as].unit != entry.unit):
            problems.append((f"{where}.same_as", f"must name a therapy parameter of the default "
                                                 f"model with unit '{entry.unit}'"))


def _check_variability(
    prefix: str, block: dict[str, VariabilityEntry], correlations: list[Correlation],
    problems: list[tuple[str, str]], table: ParameterTable | None = None,
) -> None:
    """Variability entries of ``table``'s model (the catalogue model's without a table)."""
    by_name = table.by_name if table is not None else BY_NAME
    unknown = (f"not a parameter of model {table.model!r}" if table is not None
               else "not a model parameter")
    for name, entry in block.items():
        if name not in by_name:
            problems.append((f"{prefix}.variability.{name}", unknown))
        if (entry.omega2 is None) == (entry.cv is None):
            problems.append((f"{prefix}.variability.{name}", "give exactly one of omega2 or cv"))
    for i, corr in enumerate(correlations):
        for name in corr.between:
            if name not in block:
                problems.append((f"{prefix}.correlations[{i}].between",
                                 f"'{name}' has no variability entry"))


def parse_catalogue(data: Any, path: Path, sha256: str = "") -> Catalogue:
    """Validate a parsed catalogue mapping.

    Raises
    ------
    InputError
        Every problem with its YAML path inside the catalogue file.
    """
    try:
        parsed = CatalogueFile.model_validate(data)
    except ValidationError as err:
        raise InputError(validation_problems(err, CatalogueFile), str(path)) from None
    problems: list[tuple[str, str]] = []
    for level in parsed.evidence_levels:
        if level not in EVIDENCE_LEVELS:
            problems.append((f"evidence_levels.{level}",
                             f"unknown level; allowed: {', '.join(EVIDENCE_LEVELS)}"))
    _check_block("patient.parameters", parsed.patient.parameters, PATIENT_PARAMETERS, problems)
    _check_variability("patient", parsed.patient.variability, [], problems)
    patient = {n: e.value for n, e in parsed.patient.parameters.items()}
    for key, therapy in parsed.therapies.items():
        prefix = f"therapies.{key}"
        _check_block(f"{prefix}.parameters", therapy.parameters, THERAPY_PARAMETERS, problems)
        _check_variability(prefix, therapy.variability, therapy.correlations, problems)
        _check_uncertainty(prefix, therapy.uncertainty, problems)
        values = {**patient, **{n: e.value for n, e in therapy.parameters.items()}}
        if set(values) >= set(BY_NAME):
            for name, message in check_values(values):
                where = "patient" if BY_NAME[name].group == "patient" else prefix
                problems.append((f"{where}.parameters.{name}", message))
    _check_model_blocks(parsed, problems)
    if problems:
        raise InputError(problems, str(path))
    return Catalogue(path=path, sha256=sha256, patient=parsed.patient,
                     therapies=dict(parsed.therapies), models=dict(parsed.models))


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read and validate a therapy catalogue.

    Parameters
    ----------
    path : str or Path, optional
        Catalogue file; defaults to :func:`default_catalogue_path`.

    Raises
    ------
    InputError
        If the file cannot be read, is not YAML, or breaks the schema.
    """
    path = Path(path) if path is not None else default_catalogue_path()
    data = load_yaml(path)
    return parse_catalogue(data, path, hashlib.sha256(path.read_bytes()).hexdigest())
