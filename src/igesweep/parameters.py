"""Parameter tables of the models, for the input layer: names, units, groups, ranges, order.

The parameters are declared by each model (:mod:`igesweep.models`);
:func:`parameter_table` gives scenario parsing, the catalogue, sweeps and
analyses one model's table. The module-level names describe
:data:`igesweep.models.CATALOGUE_MODEL`, the model whose parameters the
catalogue's top-level blocks hold. The order of a table is the column order
of every packed parameter array handed to that model's kernels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from igesweep.models import CATALOGUE_MODEL, DEFAULT_MODEL
from igesweep.models.card import get_card
from igesweep.models.terms import Parameter
from igesweep.models.terms import check_values as _check_model_values


@dataclass(frozen=True)
class ParameterTable:
    """The parameters of one model.

    Attributes
    ----------
    model : str
        Model name.
    parameters : tuple of Parameter
        In packing order.
    constraints : tuple of (str, str)
        ``(rate, constant)`` pairs: where the rate is positive the constant must be too.
    """

    model: str
    parameters: tuple[Parameter, ...]
    constraints: tuple[tuple[str, str], ...]
    names: tuple[str, ...] = field(init=False)
    patient: tuple[str, ...] = field(init=False)
    therapy: tuple[str, ...] = field(init=False)
    by_name: dict[str, Parameter] = field(init=False)
    index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "names", tuple(p.name for p in self.parameters))
        set_(self, "patient", tuple(p.name for p in self.parameters if p.group == "patient"))
        set_(self, "therapy", tuple(p.name for p in self.parameters if p.group == "therapy"))
        set_(self, "by_name", {p.name: p for p in self.parameters})
        set_(self, "index", {p.name: i for i, p in enumerate(self.parameters)})

    def section(self, name: str) -> str:
        """The scenario section that sets parameter ``name``: ``patient`` or ``therapy_params``."""
        return "patient" if self.by_name[name].group == "patient" else "therapy_params"

    def check(self, values: dict[str, float]) -> list[tuple[str, str]]:
        """``(parameter, problem)`` pairs of a complete value set; empty when admissible."""
        return _check_model_values(get_card(self.model), values)


@cache
def parameter_table(model: str = DEFAULT_MODEL) -> ParameterTable:
    """The parameter table of model ``model`` (a name for :func:`igesweep.models.get_model`)."""
    m = get_card(model)
    return ParameterTable(model=model, parameters=m.parameters, constraints=m.constraints)


_CATALOGUE = parameter_table(CATALOGUE_MODEL)
PARAMETERS: tuple[Parameter, ...] = _CATALOGUE.parameters
PARAMETER_NAMES: tuple[str, ...] = _CATALOGUE.names
PATIENT_PARAMETERS: tuple[str, ...] = _CATALOGUE.patient
THERAPY_PARAMETERS: tuple[str, ...] = _CATALOGUE.therapy
BY_NAME: dict[str, Parameter] = _CATALOGUE.by_name
INDEX: dict[str, int] = _CATALOGUE.index
N_PARAMETERS: int = len(PARAMETERS)


def check_values(values: dict[str, float]) -> list[tuple[str, str]]:
    """Check a complete parameter set of the catalogue's model against the admissible ranges."""
    return _CATALOGUE.check(values)
