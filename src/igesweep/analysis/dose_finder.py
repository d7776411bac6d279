"""The dose finder: the least label dose and longest interval that keeps free IgE below target.

For one patient (body weight, pre-treatment IgE), every option of the
omalizumab label (:data:`DOSES_MG` × :data:`INTERVALS_DAYS`: 75–600 mg in
75-mg steps, every 2 or 4 weeks) is given to the same virtual patients:
``n_subjects`` patients drawn from the therapy's published between-subject
variability around each of ``n_draws`` typical-value sets drawn from the
published standard errors (parameter uncertainty; docs/model.md §M2.6). A
patient attains the target when free IgE just before the dose at
:data:`STEADY_STATE_DAY` (the steady-state trough, the highest free IgE of
the dosing interval) is below it.

The attainment of an option is the share of all its virtual patients that
attain; its uncertainty is the spread of that share over the parameter draws
(5th–95th percentile) and the Monte Carlo standard error of the share. The
answer is the option of least drug per 4 weeks whose attainment reaches the
asked share, the longer interval first among options with as much drug; the
next qualifying options are its alternatives. docs/model.md §D1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from igesweep.analysis.dosing_table import Cell, label_cell
from igesweep.catalogue import Catalogue
from igesweep.errors import InputError
from igesweep.models import DEFAULT_MODEL
from igesweep.solver import STATUS_OK
from igesweep.sweep.compute import compute_in_memory
from igesweep.sweep.plan import build_plan
from igesweep.sweep.spec import parse_sweep

#: The therapy whose label the options and the table come from.
LABELLED_THERAPY = "omalizumab"
#: Doses of the label's options (mg per administration): 75–600 mg in 75-mg steps.
DOSES_MG: tuple[float, ...] = tuple(75.0 * k for k in range(1, 9))
#: Intervals of the label's options (days): every 2 and every 4 weeks.
INTERVALS_DAYS: tuple[float, ...] = (14.0, 28.0)
#: The label's largest amount per injection site (mg).
MAX_MG_PER_SITE = 150.0
#: Day of the steady-state trough: 36 weeks, a whole number of both intervals.
STEADY_STATE_DAY = 252.0
#: Free-IgE target (ng/mL) the label tables were designed to reach (dossier §B3).
DEFAULT_TARGET_NG_ML = 25.0
#: Share of virtual patients that must reach the target.
DEFAULT_ATTAINMENT = 0.9
#: Virtual patients per draw and parameter draws of an answer.
DEFAULT_SUBJECTS = 100
DEFAULT_DRAWS = 10
#: Alternatives listed after the answer.
N_ALTERNATIVES = 3


@dataclass(frozen=True)
class Option:
    """One dose and interval.

    Attributes
    ----------
    dose_mg : float
        Dose per administration (mg).
    interval_days : float
        Days between administrations.
    """

    dose_mg: float
    interval_days: float

    @property
    def mg_per_4_weeks(self) -> float:
        """Drug given per 28 days (mg)."""
        return self.dose_mg * 28.0 / self.interval_days

    @property
    def injections(self) -> int:
        """Injections per administration at no more than 150 mg per site."""
        return math.ceil(self.dose_mg / MAX_MG_PER_SITE)

    @property
    def label(self) -> str:
        """E.g. ``"300 mg q4w"``."""
        return f"{self.dose_mg:g} mg q{self.interval_days / 7:g}w"

    def sort_key(self) -> tuple[float, float]:
        """Least drug per 4 weeks first, then the longer interval."""
        return self.mg_per_4_weeks, -self.interval_days


@dataclass(frozen=True)
class Attainment:
    """How many virtual patients an option keeps below target.

    Attributes
    ----------
    option : Option
        The dose and interval.
    probability : float
        Share of all virtual patients whose steady-state trough is below target.
    draw_low, draw_high : float
        5th and 95th percentiles of the share over the parameter draws (the
        share itself when there is one draw).
    monte_carlo_se : float
        Standard error of ``probability`` from the finite number of patients.
        Every draw holds the same patients (common random numbers, so that the
        spread over draws is the parameters' alone), so the independent units
        are the patients: the error is that of the mean over patients of each
        patient's share over draws.
    median_trough_ng_ml : float
        Median steady-state trough free IgE (ng/mL).
    """

    option: Option
    probability: float
    draw_low: float
    draw_high: float
    monte_carlo_se: float
    median_trough_ng_ml: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {"regimen": self.option.label, "dose_mg": self.option.dose_mg,
                "interval_days": self.option.interval_days,
                "mg_per_4_weeks": self.option.mg_per_4_weeks,
                "injections": self.option.injections,
                "attainment": self.probability,
                "attainment_draw_p05": self.draw_low, "attainment_draw_p95": self.draw_high,
                "attainment_monte_carlo_se": self.monte_carlo_se,
                "median_trough_free_ige_ng_ml": self.median_trough_ng_ml}


@dataclass(frozen=True)
class DoseAnswer:
    """The dose finder's answer for one patient.

    Attributes
    ----------
    weight_kg, ige_iu_ml : float
        The patient.
    therapy, model : str
        Catalogue therapy and model simulated.
    target_ng_ml, attainment : float
        Free-IgE target and the share of virtual patients that must reach it.
    n_subjects, n_draws : int
        Virtual patients per parameter draw, and parameter draws.
    options : tuple of Attainment
        Every option, least drug per 4 weeks first.
    recommended : Attainment or None
        The answer; None when no option reaches ``attainment``.
    alternatives : tuple of Attainment
        The next qualifying options, in the same order.
    label_cell : Cell or None
        The patient's cell of the US label table (≥ 12 years); None outside it
        or for a therapy other than omalizumab.
    label : Attainment or None
        The attainment of the label cell's regimen; None without one.
    notes : tuple of str
        What the reader must know (outside the label, no parameter uncertainty).
    """

    weight_kg: float
    ige_iu_ml: float
    therapy: str
    model: str
    target_ng_ml: float
    attainment: float
    n_subjects: int
    n_draws: int
    options: tuple[Attainment, ...]
    recommended: Attainment | None
    alternatives: tuple[Attainment, ...]
    label_cell: Cell | None
    label: Attainment | None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        cell = self.label_cell
        return {
            "patient": {"weight_kg": self.weight_kg, "ige_baseline_iu_ml": self.ige_iu_ml},
            "therapy": self.therapy, "model": self.model,
            "target_free_ige_ng_ml": self.target_ng_ml, "required_attainment": self.attainment,
            "steady_state_day": STEADY_STATE_DAY,
            "virtual_patients": {"subjects_per_draw": self.n_subjects,
                                 "parameter_draws": self.n_draws},
            "recommended": None if self.recommended is None else self.recommended.to_dict(),
            "alternatives": [a.to_dict() for a in self.alternatives],
            "us_label": None if cell is None else {
                "cell": cell.label, "regimen": cell.regimen_label,
                "attainment": None if self.label is None else self.label.to_dict()},
            "options": [a.to_dict() for a in self.options],
            "notes": list(self.notes),
        }


def options() -> tuple[Option, ...]:
    """Every label option, least drug per 4 weeks first, then the longer interval."""
    return tuple(sorted((Option(d, i) for d in DOSES_MG for i in INTERVALS_DAYS),
                        key=Option.sort_key))


def dose_sweep(weight_kg: float, ige_iu_ml: float, *, therapy: str, model: str,
               target_ng_ml: float, n_subjects: int, n_draws: int, seed: int
               ) -> dict[str, Any]:
    """The sweep (as a sweep file's mapping) that the dose finder runs.

    Grid ``regimen.dose_mg`` × ``regimen.interval_days``; a population of
    ``n_subjects`` (seed ``seed``) and, when ``n_draws`` > 0, ``n_draws``
    parameter draws (seed ``seed + 1``). Doses from day 0 to
    :data:`STEADY_STATE_DAY`; metrics on the last 4 weeks, so that
    ``trough_free_ige`` is the free IgE just before the dose on that day.
    """
    data: dict[str, Any] = {
        "therapy": therapy, "model": model,
        "patient": {"weight_kg": weight_kg, "ige_baseline_iu_ml": ige_iu_ml},
        "regimen": {"route": "sc", "dose_mg": DOSES_MG[0], "interval_days": INTERVALS_DAYS[0],
                    "until_day": STEADY_STATE_DAY},
        "times": {"start": STEADY_STATE_DAY - 28.0, "stop": STEADY_STATE_DAY, "step": 28.0},
        "metrics": {"target_free_ige_ng_ml": target_ng_ml,
                    "window_days": [STEADY_STATE_DAY - 28.0, STEADY_STATE_DAY]},
        "grid": {"regimen.dose_mg": list(DOSES_MG), "regimen.interval_days": list(INTERVALS_DAYS)},
        "population": {"n": n_subjects, "seed": seed},
        "output": {"variables": ["free_ige"]},
    }
    if n_draws:
        data["uncertainty"] = {"n": n_draws, "seed": seed + 1}
    return data


def _check(weight_kg: float, ige_iu_ml: float, target_ng_ml: float, attainment: float,
           n_subjects: int, n_draws: int) -> None:
    problems = []
    for name, value in (("--weight-kg", weight_kg), ("--ige-iu-ml", ige_iu_ml),
                        ("--target-ng-ml", target_ng_ml)):
        if not (math.isfinite(value) and value > 0):
            problems.append((name, f"must be a finite number > 0, got {value!r}"))
    if not (0.0 < attainment < 1.0):
        problems.append(("--attainment",
                         f"must lie between 0 and 1 (exclusive), got {attainment!r}"))
    if n_subjects < 2:
        problems.append(("--subjects", f"must be >= 2 (the Monte Carlo error needs two), "
                         f"got {n_subjects!r}"))
    if n_draws < 0:
        problems.append(("--draws", f"must be >= 0, got {n_draws!r}"))
    if problems:
        raise InputError(problems)


def _published(catalogue: Catalogue, therapy: str, model: str) -> tuple[bool, bool]:
    """Whether ``therapy`` has its own published variability, and standard errors, in ``model``."""
    if therapy not in catalogue.therapies:
        raise InputError([("--therapy", f"unknown therapy {therapy!r}; the catalogue has: "
                           f"{', '.join(sorted(catalogue.therapies))}")])
    try:
        block = catalogue.therapy_block(therapy, model)
    except KeyError as err:
        raise InputError([("--model", str(err).strip('"'))]) from err
    return bool(block.variability), bool(block.uncertainty)


def _has_variability(catalogue: Catalogue, therapy: str, model: str) -> bool:
    try:
        return bool(catalogue.therapy_block(therapy, model).variability)
    except KeyError:
        return False


def most_effective(rows: tuple[Attainment, ...] | list[Attainment]) -> Attainment:
    """The option with the highest attainment; on ties, the lowest median trough."""
    return max(rows, key=lambda a: (a.probability, -a.median_trough_ng_ml))


def attainments(troughs: np.ndarray, target_ng_ml: float) -> tuple[float, float, float, float,
                                                                    float]:
    """Attainment statistics of one option.

    Parameters
    ----------
    troughs : ndarray, shape (n_draws, n_subjects)
        Steady-state trough free IgE (ng/mL) of each virtual patient.
    target_ng_ml : float
        Free-IgE target (ng/mL).

    Returns
    -------
    (probability, draw_low, draw_high, monte_carlo_se, median_trough)
        As :class:`Attainment`; ``troughs[k, i]`` is patient ``i`` under draw
        ``k``, the same patient in every draw.
    """
    below = troughs < target_ng_ml
    p = float(below.mean())
    per_draw = below.mean(axis=1)
    low, high = np.percentile(per_draw, [5.0, 95.0])
    per_subject = below.mean(axis=0)
    se = float(per_subject.std(ddof=1) / math.sqrt(per_subject.size))
    return p, float(low), float(high), se, float(np.median(troughs))


def simulate_troughs(weight_kg: float, ige_iu_ml: float, catalogue: Catalogue, *,
                     therapy: str = LABELLED_THERAPY, model: str = DEFAULT_MODEL,
                     n_subjects: int = DEFAULT_SUBJECTS, n_draws: int = DEFAULT_DRAWS,
                     seed: int = 1) -> np.ndarray:
    """Steady-state trough free IgE of every virtual patient under every label option.

    Parameters are those of :func:`find_dose` (``n_draws`` must be 0 for a
    therapy without published standard errors in ``model``).

    Returns
    -------
    ndarray, shape (len(DOSES_MG), len(INTERVALS_DAYS), max(n_draws, 1), n_subjects)
        ng/mL; the same patient ``[..., i]`` in every option and draw.

    Raises
    ------
    RuntimeError
        If the integrator fails on any virtual patient (no lane is skipped).
    """
    data = dose_sweep(weight_kg, ige_iu_ml, therapy=therapy, model=model,
                      target_ng_ml=DEFAULT_TARGET_NG_ML, n_subjects=n_subjects,
                      n_draws=n_draws, seed=seed)
    plan = build_plan(parse_sweep(data, "<dose finder>"), catalogue, "<dose finder>")
    result = compute_in_memory(plan, ("trough_free_ige", "status"))
    failed = int((result["status"] != STATUS_OK).sum())
    if failed:
        raise RuntimeError(f"the integrator failed on {failed} of {plan.n_lanes} virtual "
                           "patients; no answer is given from the rest")
    return result["trough_free_ige"].reshape(len(DOSES_MG), len(INTERVALS_DAYS), -1,
                                             n_subjects)


def find_dose(weight_kg: float, ige_iu_ml: float, catalogue: Catalogue, *,
              therapy: str = LABELLED_THERAPY, model: str = DEFAULT_MODEL,
              target_ng_ml: float = DEFAULT_TARGET_NG_ML,
              attainment: float = DEFAULT_ATTAINMENT, n_subjects: int = DEFAULT_SUBJECTS,
              n_draws: int = DEFAULT_DRAWS, seed: int = 1) -> DoseAnswer:
    """The least label dose and longest interval that keeps a patient's free IgE below target.

    Parameters
    ----------
    weight_kg : float
        Body weight (kg).
    ige_iu_ml : float
        Pre-treatment serum total IgE (IU/mL).
    catalogue : Catalogue
        Therapy catalogue.
    therapy : str
        Catalogue therapy; it needs its own published between-subject
        variability in ``model`` (the patient's alone would make every virtual
        patient's free IgE the same). The label table applies to omalizumab only.
    model : str
        Model to simulate.
    target_ng_ml : float
        Free-IgE target at the steady-state trough (ng/mL).
    attainment : float
        Share of virtual patients that must be below target, in (0, 1).
    n_subjects : int
        Virtual patients (>= 2), the same under every parameter draw.
    n_draws : int
        Parameter draws from the published standard errors; ignored (none
        drawn) when the therapy has none in ``model``.
    seed : int
        Seed of the draws; the same seed gives the same virtual patients.

    Returns
    -------
    DoseAnswer

    Raises
    ------
    InputError
        For an argument out of range (named by its command-line option), an
        unknown therapy, or a therapy without published variability.
    RuntimeError
        If the integrator fails on any virtual patient (no lane is skipped).
    """
    _check(weight_kg, ige_iu_ml, target_ng_ml, attainment, n_subjects, n_draws)
    variable, uncertain = _published(catalogue, therapy, model)
    if not variable:
        have = [t for t in sorted(catalogue.therapies) if _has_variability(catalogue, t, model)]
        raise InputError([("--therapy", f"{therapy} has no published between-subject "
                           f"variability in model {model}, so no share of patients can be "
                           f"predicted; allowed: {', '.join(have) or 'none'}")])
    draws = n_draws if uncertain else 0
    troughs = simulate_troughs(weight_kg, ige_iu_ml, catalogue, therapy=therapy, model=model,
                               n_subjects=n_subjects, n_draws=draws, seed=seed)
    notes = []
    if not uncertain:
        notes.append(f"{therapy} has no published standard errors in model {model}: the "
                     "interval is the Monte Carlo error only, without parameter uncertainty.")
    return decide(troughs, weight_kg, ige_iu_ml, therapy=therapy, model=model,
                  target_ng_ml=target_ng_ml, attainment=attainment, n_draws=draws, notes=notes)


def decide(troughs: np.ndarray, weight_kg: float, ige_iu_ml: float, *,
           therapy: str = LABELLED_THERAPY, model: str = DEFAULT_MODEL,
           target_ng_ml: float = DEFAULT_TARGET_NG_ML, attainment: float = DEFAULT_ATTAINMENT,
           n_draws: int, notes: list[str] | None = None) -> DoseAnswer:
    """The answer from the troughs of :func:`simulate_troughs`.

    Parameters
    ----------
    troughs : ndarray, shape (len(DOSES_MG), len(INTERVALS_DAYS), n_draws, n_subjects)
        Steady-state trough free IgE (ng/mL); ``n_draws`` is 1 without parameter draws.
    weight_kg, ige_iu_ml, therapy, model, target_ng_ml, attainment
        As :func:`find_dose`.
    n_draws : int
        Parameter draws simulated (0: none, the typical values only).
    notes : list of str, optional
        Notes to carry into the answer ahead of the finder's own.
    """
    notes = list(notes or [])
    rows = []
    for opt in options():
        i, j = DOSES_MG.index(opt.dose_mg), INTERVALS_DAYS.index(opt.interval_days)
        rows.append(Attainment(opt, *attainments(troughs[i, j], target_ng_ml)))
    qualifying = [a for a in rows if a.probability >= attainment]
    cell = label_cell(ige_iu_ml, weight_kg) if therapy == LABELLED_THERAPY else None
    label = None
    if therapy != LABELLED_THERAPY:
        notes.append(f"The options are omalizumab's label doses; {therapy} has no label "
                     "table to compare with.")
    elif cell is None:
        notes.append("Outside the US label table (IgE 30–700 IU/mL, weight 30–150 kg): "
                     "the label gives no regimen; the answer is the model's alone.")
    elif not cell.approved:
        notes.append(f"The US label says 'do not dose' for this cell ({cell.label}); "
                     "the answer is the model's alone.")
    else:
        label = next(a for a in rows if a.option == Option(cell.dose_mg, cell.interval_days))
    if not qualifying:
        best = most_effective(rows)
        notes.append(f"No label option keeps {attainment:.0%} of patients below "
                     f"{target_ng_ml:g} ng/mL; the best is {best.option.label} "
                     f"({best.probability:.0%}).")
    return DoseAnswer(
        weight_kg=weight_kg, ige_iu_ml=ige_iu_ml, therapy=therapy, model=model,
        target_ng_ml=target_ng_ml, attainment=attainment, n_subjects=troughs.shape[3],
        n_draws=n_draws, options=tuple(rows),
        recommended=qualifying[0] if qualifying else None,
        alternatives=tuple(qualifying[1:1 + N_ALTERNATIVES]), label_cell=cell, label=label,
        notes=tuple(notes))


def _share(a: Attainment, n_draws: int) -> str:
    spread = (f"90 % interval over {n_draws} parameter draws {a.draw_low:.2f}–{a.draw_high:.2f}; "
              if n_draws > 1 else "")
    return (f"attainment {a.probability:.2f} ({spread}Monte Carlo error ±{a.monte_carlo_se:.2f}; "
            f"median trough {a.median_trough_ng_ml:.3g} ng/mL)")


def _regimen(a: Attainment) -> str:
    o = a.option
    shots = "injection" if o.injections == 1 else "injections"
    return f"{o.label} ({o.injections} {shots}, {o.mg_per_4_weeks:g} mg per 4 weeks)"


def describe(answer: DoseAnswer) -> str:
    """The answer as the ``igesweep dose`` command prints it."""
    draws = (f"{answer.n_subjects} virtual patients, each under {answer.n_draws} parameter "
             f"draws: {answer.n_subjects * answer.n_draws:,} simulations per option"
             if answer.n_draws else f"{answer.n_subjects} virtual patients, no parameter draws")
    lines = [
        f"Patient: {answer.weight_kg:g} kg, pre-treatment IgE {answer.ige_iu_ml:g} IU/mL; "
        f"{answer.therapy} in model {answer.model}.",
        f"Goal: free IgE below {answer.target_ng_ml:g} ng/mL at the steady-state trough "
        f"(day {STEADY_STATE_DAY:g}) in at least {answer.attainment:.0%} of patients "
        f"({draws}).",
        "",
    ]
    if answer.recommended is not None:
        lines.append(f"Answer: {_regimen(answer.recommended)}")
        lines.append(f"        {_share(answer.recommended, answer.n_draws)}")
    else:
        lines.append("Answer: no label option reaches the goal.")
    cell = answer.label_cell
    if cell is not None and answer.label is not None:
        lines.append(f"US label ({cell.label}): {_regimen(answer.label)}")
        lines.append(f"        {_share(answer.label, answer.n_draws)}")
    if answer.alternatives:
        lines.append("Next options:")
        lines += [f"  {_regimen(a)}: attainment {a.probability:.2f}" for a in answer.alternatives]
    lines += [f"Note: {n}" for n in answer.notes]
    return "\n".join(lines)
