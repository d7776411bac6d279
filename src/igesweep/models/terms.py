"""The parts of a model declaration that need no SymPy: parameters and binding options.

:mod:`.declaration` builds models from these and from SymPy expressions;
the run-time (input checks, packing, sweeps) reads them through a model's card
(:mod:`.card`) and never imports SymPy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    import sympy

Group = Literal["patient", "therapy"]

#: Binding options: how a reversible binding reaction of the model is integrated.
BINDING_FULL = 0
BINDING_QE = 1
BINDING_QSS = 2
BINDING_CODES: dict[str, int] = {"full": BINDING_FULL, "qe": BINDING_QE, "qss": BINDING_QSS}


@dataclass(frozen=True)
class Parameter:
    """One model parameter, as given in configs, catalogue and output attributes.

    Attributes
    ----------
    name : str
        Name used in configs, the catalogue and output attributes.
    group : {"patient", "therapy"}
        Whether the value describes the patient or the therapy.
    unit : str
        Unit string (UDUNITS style where one exists).
    description : str
        One-line meaning.
    positive : bool
        The value must be strictly greater than zero (otherwise ``>= 0``).
    fraction : bool
        The value must lie in ``[0, 1]``.
    signed : bool
        Any finite value is admissible (covariate exponents).
    minimum : float or None
        Smallest admissible value, where it is above 0 (a valency is at least 1).
    """

    name: str
    group: Group
    unit: str
    description: str
    positive: bool = False
    fraction: bool = False
    signed: bool = False
    minimum: float | None = None

    @property
    def symbol(self) -> sympy.Symbol:
        """The SymPy symbol standing for this parameter in equations."""
        import sympy

        return sympy.Symbol(self.name, real=True)


class ModelNames:
    """Names of a model's parameters and outputs, for its declaration and its card alike
    (both hold ``parameters`` and ``outputs``, each item with a ``name``)."""

    if TYPE_CHECKING:
        parameters: tuple[Parameter, ...]
        outputs: tuple[Any, ...]

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Parameter names in packing order."""
        return tuple(p.name for p in self.parameters)

    @property
    def output_names(self) -> tuple[str, ...]:
        """Output names in the order the kernels write them."""
        return tuple(o.name for o in self.outputs)


class ParameterSet(Protocol):
    """What :func:`check_values` reads of a model: its parameters and their constraints."""

    @property
    def parameters(self) -> tuple[Parameter, ...]: ...

    @property
    def constraints(self) -> tuple[tuple[str, str], ...]: ...


def check_values(model: ParameterSet, values: Mapping[str, float]) -> list[tuple[str, str]]:
    """Check a complete parameter set of ``model`` against the admissible ranges.

    Parameters
    ----------
    model : ParameterSet
        The model (its declaration or its card) whose parameters are checked.
    values : mapping of str to float
        Every parameter name of the model mapped to its value.

    Returns
    -------
    list of (str, str)
        ``(parameter name, problem)`` pairs; empty when every value is admissible.
    """
    problems: list[tuple[str, str]] = []
    for p in model.parameters:
        v = values[p.name]
        if not (v == v and abs(v) != float("inf")):
            problems.append((p.name, f"must be a finite number, got {v!r}"))
        elif p.positive and v <= 0:
            problems.append((p.name, f"must be > 0, got {v!r}"))
        elif v < 0 and not p.signed:
            problems.append((p.name, f"must be >= 0, got {v!r}"))
        elif p.fraction and v > 1:
            problems.append((p.name, f"must lie in [0, 1], got {v!r}"))
        elif p.minimum is not None and v < p.minimum:
            problems.append((p.name, f"must be >= {p.minimum:g}, got {v!r}"))
    for rate, constant in model.constraints:
        if values[rate] > 0 and not values[constant] > 0:
            problems.append((constant, f"must be > 0 when {rate} > 0, got {values[constant]!r}"))
    return problems
