"""From a validated scenario and the catalogue to one concrete lane.

A :class:`Lane` holds everything the kernel needs: all parameter values
(catalogue defaults overridden by the scenario), the sorted event list, the
output days and the binding option. A scenario that sets every parameter
explicitly gives a lane that does not depend on the catalogue's numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from igesweep.catalogue import Catalogue
from igesweep.errors import InputError, unknown_name_message
from igesweep.models import DEFAULT_MODEL
from igesweep.models.card import get_card
from igesweep.parameters import parameter_table
from igesweep.scenario import ExplicitRegimen, RepeatingRegimen, Scenario

#: Order in which events at one time are applied: apheresis first, then doses
#: (a drug given on the day of a session is given after it, so it is not removed).
_KIND_ORDER = {"apheresis": 0, "sc": 1, "iv": 1}


@dataclass(frozen=True)
class Lane:
    """One patient x scenario, ready to pack.

    Attributes
    ----------
    therapy : str
        Catalogue key of the therapy.
    values : dict of str to float
        Every model parameter.
    events : tuple of (float, str, float)
        ``(day, kind, mg)`` sorted by day; kind is ``sc``, ``iv`` or ``apheresis``.
    binding : str
        ``full`` or ``qe``.
    model : str
        The model the lane runs (a name for :func:`igesweep.models.get_model`).
    """

    therapy: str
    values: dict[str, float]
    events: tuple[tuple[float, str, float], ...]
    binding: str
    model: str = DEFAULT_MODEL

    def parameter_vector(self) -> np.ndarray:
        """Values in the packing order of the lane's model."""
        names = parameter_table(self.model).names
        return np.array([self.values[n] for n in names], dtype=np.float64)


def regimen_of(scenario: Scenario, catalogue: Catalogue) -> RepeatingRegimen | ExplicitRegimen:
    """The scenario's regimen, or the therapy's usual regimen for ``regimen: usual``."""
    if scenario.regimen == "usual":
        return catalogue.therapies[scenario.therapy].usual_regimen
    return scenario.regimen  # type: ignore[return-value]


def events_of(scenario: Scenario, catalogue: Catalogue) -> tuple[tuple[float, str, float], ...]:
    """Doses and apheresis sessions as ``(day, kind, mg)``, sorted by day.

    Several events at one day are applied apheresis first, then doses.
    """
    events = [(day, route, mg) for day, mg, route in regimen_of(scenario, catalogue).dose_list()]
    apheresis = scenario.apheresis_days
    if apheresis is None:
        apheresis = (catalogue.therapies[scenario.therapy].usual_apheresis_days
                     if scenario.regimen == "usual" else [])
    events += [(day, "apheresis", 0.0) for day in apheresis]
    events.sort(key=lambda e: (e[0], _KIND_ORDER[e[1]]))
    return tuple(events)


def resolve(scenario: Scenario, catalogue: Catalogue, source: str | None = None) -> Lane:
    """Combine a scenario with the catalogue into a :class:`Lane`.

    Raises
    ------
    InputError
        For an unknown therapy (with the closest name) or parameter values
        that are inadmissible once combined (``kd_nm`` 0 with ``kon`` > 0, ...).
    """
    if scenario.therapy not in catalogue.therapies:
        raise InputError(
            [("therapy", unknown_name_message("therapy", scenario.therapy, catalogue.therapies))],
            source,
        )
    events = events_of(scenario, catalogue)
    check_model(scenario, catalogue, events, source)
    table = parameter_table(scenario.model)
    values = {**catalogue.patient_values(scenario.model),
              **catalogue.therapy_values(scenario.therapy, scenario.model)}
    values.update(scenario.patient.model_dump(exclude_none=True))
    values.update(scenario.therapy_params.model_dump(exclude_none=True))
    problems = []
    for name, message in table.check(values):
        problems.append((f"{table.section(name)}.{name}",
                         message + " (after applying the catalogue)"))
    if problems:
        raise InputError(problems, source)
    return Lane(
        therapy=scenario.therapy,
        values=values,
        events=events,
        binding=scenario.binding,
        model=scenario.model,
    )


def check_model(scenario: Scenario, catalogue: Catalogue,
                events: tuple[tuple[float, str, float], ...], source: str | None = None) -> None:
    """Refuse a model the scenario cannot run: no values for the therapy, an event it lacks.

    ``events`` are the scenario's, as :func:`events_of` gives them.

    Raises
    ------
    InputError
        Naming the model and what it lacks, with the allowed alternatives.
    """
    model = get_card(scenario.model)
    problems = []
    try:
        catalogue.therapy_block(scenario.therapy, scenario.model)
    except KeyError as err:
        problems.append(("therapy", err.args[0]))
    if scenario.binding not in model.bindings:
        problems.append(("binding", f"model {model.name!r} offers binding "
                                    f"{' | '.join(model.bindings)}, got {scenario.binding!r}"))
    declared = set(model.event_kinds)
    for kind in sorted({kind for _, kind, _ in events} - declared):
        where = "apheresis_days" if kind == "apheresis" else "regimen"
        problems.append((where, f"model {model.name!r} has no {kind!r} events; it has: "
                                f"{', '.join(sorted(declared))}"))
    if problems:
        raise InputError(problems, source)
