"""The catalogue's therapies side by side: regimen, mechanism, what they do on cells, evidence.

Shared by ``igesweep therapies`` and the report's therapy comparison. The
cross-link hazard (docs/model.md §M2.9) comes from simulating each therapy's
usual regimen (:func:`peak_hazards`); what a therapy *can* do on the cells
follows from its parameters alone (:func:`cell_action`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from igesweep.catalogue import Catalogue, ModelTherapyBlock, TherapyBlock
from igesweep.models import DEFAULT_MODEL
from igesweep.scenario import ExplicitRegimen
from igesweep.simulate import simulate

#: A hazard at or above this is predicted degranulation (docs/model.md §M2.9).
HAZARD_THRESHOLD = 1.0


def cell_action(values: Mapping[str, float]) -> str:
    """What a therapy's drug does on mast cells and basophils, from its parameters."""
    targets = [name for name, rate in (("IgE on FcεRI", "bound_ige_kon"),
                                       ("free FcεRI", "fceri_drug_kon"))
               if values.get(rate, 0.0) > 0]
    if not targets:
        return "none"
    valency = values.get("valency", 1.0)
    how = "can bridge receptors" if valency > 1 else "monovalent, cannot bridge"
    return f"binds {' and '.join(targets)} (valency {valency:g}: {how})"


def regimen_text(block: TherapyBlock) -> str:
    """The usual regimen in one line."""
    r = block.usual_regimen
    if isinstance(r, ExplicitRegimen):
        text = f"{len(r.doses)} doses as listed"
    else:
        count = f"x {r.n_doses}" if r.n_doses is not None else f"until day {r.until_day:g}"
        text = f"{r.dose_mg:g} mg {r.route} every {r.interval_days:g} d {count}"
        if r.loading_doses:
            text += ", plus " + ", ".join(f"{mg:g} mg on day {day:g}"
                                          for day, mg in r.loading_doses)
    if block.usual_apheresis_days:
        text += f"; apheresis on {len(block.usual_apheresis_days)} days"
    return text


@dataclass(frozen=True)
class TherapyRow:
    """One therapy of the catalogue in one model."""

    therapy: str
    label: str
    mechanism_class: str
    regimen: str
    on_cells: str
    evidence: str
    borrowed: dict[str, int]
    illustrative: int
    n_parameters: int


def overview(catalogue: Catalogue, model: str = DEFAULT_MODEL) -> list[TherapyRow]:
    """Every therapy of ``catalogue`` with its parameters in ``model``."""
    rows = []
    for key, block in catalogue.therapies.items():
        params: ModelTherapyBlock | TherapyBlock = catalogue.therapy_block(key, model)
        entries = params.parameters
        counts = Counter(e.evidence for e in entries.values())
        rows.append(TherapyRow(
            therapy=key, label=block.label, mechanism_class=block.mechanism_class,
            regimen=regimen_text(block),
            on_cells=cell_action({n: e.value for n, e in entries.items()}),
            evidence=", ".join(f"{level} {n}" for level, n in counts.most_common()),
            borrowed=dict(Counter(e.borrowed_from for e in entries.values()
                                  if e.borrowed_from is not None).most_common()),
            illustrative=counts.get("illustrative", 0), n_parameters=len(entries)))
    return rows


def peak_hazards(catalogue: Catalogue, patient: Mapping[str, float] | None = None,
                 model: str = DEFAULT_MODEL, days: float = 364.0) -> dict[str, float]:
    """Peak cross-link hazard of every therapy at its usual regimen (a model with the output).

    Parameters
    ----------
    catalogue : Catalogue
        The therapies and their values.
    patient : mapping, optional
        Patient overrides (default: the catalogue's reference patient).
    model : str
        A model with the ``crosslink_hazard`` output.
    days : float
        Length of the run, from the first dose.
    """
    out = {}
    for key in catalogue.therapies:
        ds = simulate({"model": model, "therapy": key, "patient": dict(patient or {}),
                       "regimen": "usual", "times": {"start": 0, "stop": days, "step": 1}},
                      catalogue=catalogue)
        if int(ds["status"]) != 0:
            raise RuntimeError(f"integration failed for {key} at its usual regimen")
        out[key] = float(ds["crosslink_hazard"].max())
    return out
