"""Parameter names, units and admissible ranges of the default model, for the input layer.

The parameters are declared by the model (:mod:`igesweep.models`); this
module gives scenario parsing, the catalogue, sweeps and analyses the table
of :data:`igesweep.models.DEFAULT_MODEL`. The order of :data:`PARAMETERS` is
the column order of every packed parameter array handed to the kernels.
"""

from __future__ import annotations

from igesweep.models import DEFAULT_MODEL, get_model
from igesweep.models.declaration import Parameter
from igesweep.models.declaration import check_values as _check_model_values

_MODEL = get_model(DEFAULT_MODEL)

PARAMETERS: tuple[Parameter, ...] = _MODEL.parameters
PARAMETER_NAMES: tuple[str, ...] = tuple(p.name for p in PARAMETERS)
PATIENT_PARAMETERS: tuple[str, ...] = tuple(p.name for p in PARAMETERS if p.group == "patient")
THERAPY_PARAMETERS: tuple[str, ...] = tuple(p.name for p in PARAMETERS if p.group == "therapy")
BY_NAME: dict[str, Parameter] = {p.name: p for p in PARAMETERS}
INDEX: dict[str, int] = {p.name: i for i, p in enumerate(PARAMETERS)}
N_PARAMETERS: int = len(PARAMETERS)

#: Parameter pairs (rate, constant): when the rate is positive the constant must be too.
#: (``q_l_day > 0`` with ``vp_l = 0`` would drain drug into a compartment that never
#: returns it: a second clearance in disguise.)
REQUIRED_POSITIVE_WHEN: tuple[tuple[str, str], ...] = _MODEL.constraints


def check_values(values: dict[str, float]) -> list[tuple[str, str]]:
    """Check a complete parameter set against the admissible ranges.

    Parameters
    ----------
    values : dict of str to float
        Every name of :data:`PARAMETER_NAMES` mapped to its value.

    Returns
    -------
    list of (str, str)
        ``(parameter name, problem)`` pairs; empty when every value is admissible.
    """
    return _check_model_values(_MODEL, values)
