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
from igesweep.parameters import BY_NAME, PATIENT_PARAMETERS, THERAPY_PARAMETERS, check_values
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
    """One catalogue number with its provenance."""

    value: Annotated[float, Strict(), AllowInfNan(False)]
    unit: str
    source: Annotated[str, Field(min_length=1)]
    evidence: Evidence
    note: str | None = None


class VariabilityEntry(_Model):
    """Published log-normal inter-individual variability of one parameter."""

    omega2: Annotated[float, Strict(), AllowInfNan(False), Field(gt=0)] | None = None
    cv: Annotated[float, Strict(), AllowInfNan(False), Field(gt=0)] | None = None
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
    conversions: str | None = None


class CatalogueFile(_Model):
    """Schema of ``therapies.yaml``."""

    version: Literal[1]
    evidence_levels: dict[str, str]
    patient: PatientBlock
    therapies: dict[str, TherapyBlock]


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
        Therapies by key.
    """

    path: Path
    sha256: str
    patient: PatientBlock
    therapies: dict[str, TherapyBlock] = field(default_factory=dict)

    def patient_values(self) -> dict[str, float]:
        """Patient default values by parameter name."""
        return {n: e.value for n, e in self.patient.parameters.items()}

    def therapy_values(self, therapy: str) -> dict[str, float]:
        """Therapy parameter values by name."""
        return {n: e.value for n, e in self.therapies[therapy].parameters.items()}


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
    prefix: str, entries: dict[str, Any], names: tuple[str, ...], problems: list[tuple[str, str]]
) -> None:
    for name in entries:
        if name not in names:
            problems.append((f"{prefix}.{name}", f"unknown parameter; allowed: {', '.join(names)}"))
    for name in names:
        entry = entries.get(name)
        if entry is None:
            problems.append((f"{prefix}.{name}", "missing: every parameter must be given"))
        elif entry.unit != BY_NAME[name].unit:
            problems.append((f"{prefix}.{name}.unit",
                             f"unit '{entry.unit}' does not match '{BY_NAME[name].unit}'"))


def _check_variability(
    prefix: str, block: dict[str, VariabilityEntry], correlations: list[Correlation],
    problems: list[tuple[str, str]],
) -> None:
    for name, entry in block.items():
        if name not in BY_NAME:
            problems.append((f"{prefix}.variability.{name}", "not a model parameter"))
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
        values = {**patient, **{n: e.value for n, e in therapy.parameters.items()}}
        if set(values) >= set(BY_NAME):
            for name, message in check_values(values):
                where = "patient" if BY_NAME[name].group == "patient" else prefix
                problems.append((f"{where}.parameters.{name}", message))
    if problems:
        raise InputError(problems, str(path))
    return Catalogue(path=path, sha256=sha256, patient=parsed.patient,
                     therapies=dict(parsed.therapies))


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
