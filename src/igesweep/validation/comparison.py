"""igesweep's omalizumab against the published population models on the US label regimens.

For typical patients on a grid of weight × baseline IgE inside the US dosing
table (:mod:`igesweep.analysis.dosing_table`; "do not dose" cells are
skipped), each patient's label regimen is simulated with Lowe 2009 (the
reference), Hayashi 2007 (the other published model: the spread between the
two is the natural band), igesweep's catalogue entry with ``binding: full``
and ``binding: qe``, and optionally every step of
:mod:`igesweep.validation.steps`. Quantities are compared in the units the
assays report, each model with its own conversions: free and total IgE in
ng/mL, total drug (free + complex) in µg/mL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from igesweep.analysis.dosing_table import approved_cells, label_regimen
from igesweep.catalogue import Catalogue, load_catalogue
from igesweep.models.igesweep2 import IGE_NG_ML_PER_IU_ML_2
from igesweep.simulate import simulate
from igesweep.units import IGE_NG_ML_PER_IU_ML, drug_nm_to_ug_ml
from igesweep.validation.published import (
    hayashi_2007,
    ige_iu_ml_to_published_ng_ml,
    sc_regimen,
    simulate_published,
)
from igesweep.validation.steps import STEP_NAMES, lowe_to_catalogue_steps

#: Compared quantities: column of a course frame and its unit.
QUANTITIES: dict[str, str] = {
    "free_ige_ng_ml": "ng/mL",
    "total_ige_ng_ml": "ng/mL",
    "total_drug_ug_ml": "µg/mL",
}
#: The reference model of every ratio.
REFERENCE_MODEL = "lowe_2009"
#: ng/mL of IgE per IU/mL in each igesweep model (model.md §2 and §M2).
NG_ML_PER_IU_ML: dict[str, float] = {"igesweep-1": IGE_NG_ML_PER_IU_ML,
                                     "igesweep-2": IGE_NG_ML_PER_IU_ML_2}
#: igesweep-2's steady-state trough / Lowe 2009, stated before the model ran, with the reason.
IGESWEEP2_TROUGH_BANDS: dict[str, tuple[float, float, str]] = {
    "free_ige_ng_ml": (0.85, 1.15, (
        "the target of issue 12 for every approved label cell: igesweep-2 takes Lowe's IgE "
        "production, Kd covariates and complex volume, so only its structure (a steady "
        "untreated state, FcεRI, full binding) may differ from Lowe's")),
    "total_ige_ng_ml": (0.75, 1.33, (
        "issue 12's target: total IgE carries the complex, whose volume and clearance are "
        "Lowe's")),
    "total_drug_ug_ml": (0.85, 1.15, (
        "the drug PK is Lowe's (as in igesweep-1); the IgE-bound share follows IgE")),
}
#: Stated bands of the catalogue entry's steady-state trough / Lowe 2009 on the label grid
#: (measured on the 5 x 5 default grid, rounded outward), with the reason.
TROUGH_RATIO_BANDS: dict[str, tuple[float, float, str]] = {
    "free_ige_ng_ml": (0.5, 1.5, (
        "measured 0.54 (50 IU/mL) to 1.40 (700 IU/mL); Hayashi/Lowe spans 0.70-1.10. The entry "
        "leaves the inter-model spread at the table's IgE edges because its IgE production is "
        "tied to the baseline (untreated steady state = baseline, fixed half-life), whereas "
        "Lowe's production scales as IgE0^0.594 and its R/CL_E is not the baseline.")),
    "total_ige_ng_ml": (0.45, 1.65, (
        "measured 0.49-1.47; Hayashi/Lowe spans 0.87-1.61. The single volume alone puts the "
        "entry at 0.58-0.80 of Lowe; IgE turnover then moves it as for free IgE.")),
    "total_drug_ug_ml": (0.85, 1.15, (
        "measured 0.91-1.03; Hayashi/Lowe spans 0.98-1.13. The drug PK is Lowe's; the "
        "remaining shortfall is more IgE to clear drug with.")),
}
#: Default weights (kg) and baseline IgE (IU/mL) of the comparison grid.
DEFAULT_WEIGHTS_KG: tuple[float, ...] = (40.0, 60.0, 80.0, 100.0, 125.0)
DEFAULT_IGE_IU_ML: tuple[float, ...] = (50.0, 150.0, 300.0, 500.0, 700.0)
#: Default horizon (days): 24 weeks.
DEFAULT_STOP_DAY = 168.0
#: Default trough days: ends of weeks 16, 20 and 24, a dose day of every
#: label interval (q2w and q4w).
DEFAULT_TROUGH_DAYS: tuple[float, ...] = (112.0, 140.0, 168.0)
#: igesweep integrator tolerance for the comparison (far below the differences studied).
IGESWEEP_RTOL = 1e-8


def igesweep_course(weight_kg: float, ige_baseline_iu_ml: float,
                    doses: Sequence[tuple[float, float]], days: np.ndarray, binding: str,
                    catalogue: Catalogue, model: str = "igesweep-1") -> pd.DataFrame:
    """The catalogue's omalizumab in an igesweep model for one patient, as a published course.

    Parameters
    ----------
    weight_kg : float
        Body weight (kg).
    ige_baseline_iu_ml : float
        Pre-treatment total serum IgE (IU/mL).
    doses : sequence of (day, mg)
        SC doses.
    days : ndarray
        Output days, ascending from 0, unit step.
    binding : {"full", "qe", "qss"}
        Binding option of model.md §5/§5b (``qss``: §M2).
    catalogue : Catalogue
        Therapy catalogue.
    model : {"igesweep-1", "igesweep-2"}
        The model; its total IgE (IU/mL) is converted to ng/mL with the
        model's own factor (:data:`NG_ML_PER_IU_ML`).

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (day); columns ``free_ige_ng_ml``, ``total_ige_ng_ml``
        (the model's IU/mL x its ng/mL per IU/mL), ``free_drug_ug_ml``, ``total_drug_ug_ml``
        (free drug + complex x mw_kda/1000) and ``complex_nm``.

    Raises
    ------
    RuntimeError
        If the integrator reports a failure.
    """
    scenario: dict[str, Any] = {
        "model": model,
        "therapy": "omalizumab",
        "patient": {"weight_kg": float(weight_kg),
                    "ige_baseline_iu_ml": float(ige_baseline_iu_ml)},
        "regimen": {"doses": [[float(d), float(mg), "sc"] for d, mg in doses]},
        "times": [float(t) for t in days],
        "binding": binding,
        "solver": {"rtol": IGESWEEP_RTOL},
    }
    ds = simulate(scenario, catalogue=catalogue)
    if int(ds["status"]) != 0:
        raise RuntimeError(f"igesweep failed for {weight_kg} kg, {ige_baseline_iu_ml} IU/mL")
    mw_kda = float(ds.attrs["mw_kda"])
    free_drug = ds["free_drug"].values
    complex_nm = ds["complex"].values
    return pd.DataFrame({
        "free_ige_ng_ml": ds["free_ige"].values,
        "total_ige_ng_ml": ds["total_ige"].values * NG_ML_PER_IU_ML[model],
        "free_drug_ug_ml": free_drug,
        "total_drug_ug_ml": free_drug + drug_nm_to_ug_ml(complex_nm, mw_kda),
        "complex_nm": complex_nm,
    }, index=pd.Index(np.asarray(days, dtype=np.float64), name="time"))


def patient_courses(weight_kg: float, ige_baseline_iu_ml: float, dose_mg: float,
                    interval_days: float, *, stop_day: float = DEFAULT_STOP_DAY,
                    with_steps: bool = False,
                    catalogue: Catalogue | None = None) -> dict[str, pd.DataFrame]:
    """Time courses of one typical patient on one SC regimen, per model.

    Parameters
    ----------
    weight_kg : float
        Body weight (kg).
    ige_baseline_iu_ml : float
        Pre-treatment total serum IgE (IU/mL); the published models receive
        it as ng/mL with their own 2.42 ng/mL per IU.
    dose_mg, interval_days : float
        Regimen: doses from day 0 every ``interval_days`` before ``stop_day``.
    stop_day : float
        Last output day (daily output from day 0).
    with_steps : bool
        Also simulate the intermediate steps of
        :mod:`igesweep.validation.steps` (``step_<name>``).
    catalogue : Catalogue or None
        Therapy catalogue; None loads the shipped one.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``lowe_2009``, ``hayashi_2007``, ``igesweep_full``, ``igesweep_qe``
        (igesweep-1), ``igesweep2_full`` (and the steps), each a frame as returned by
        :func:`~igesweep.validation.published.simulate_published`.
    """
    cat = catalogue if catalogue is not None else load_catalogue()
    days = np.arange(0.0, stop_day + 0.5)
    doses = sc_regimen(dose_mg, interval_days, stop_day)
    steps = lowe_to_catalogue_steps(weight_kg, ige_baseline_iu_ml, cat)
    courses = {
        REFERENCE_MODEL: simulate_published(steps[REFERENCE_MODEL], doses, days),
        "hayashi_2007": simulate_published(
            hayashi_2007(weight_kg, ige_iu_ml_to_published_ng_ml(ige_baseline_iu_ml)),
            doses, days),
    }
    for binding in ("full", "qe"):
        courses[f"igesweep_{binding}"] = igesweep_course(weight_kg, ige_baseline_iu_ml, doses,
                                                         days, binding, cat)
    courses["igesweep2_full"] = igesweep_course(weight_kg, ige_baseline_iu_ml, doses, days,
                                                "full", cat, model="igesweep-2")
    if with_steps:
        for name in STEP_NAMES[1:]:
            courses[f"step_{name}"] = simulate_published(steps[name], doses, days)
    return courses


def label_regimen_courses(patients: Sequence[tuple[float, float]], *,
                          stop_day: float = DEFAULT_STOP_DAY,
                          catalogue: Catalogue | None = None
                          ) -> dict[str, dict[str, pd.DataFrame]]:
    """Time courses of a few typical patients, each on its label regimen.

    Parameters
    ----------
    patients : sequence of (weight_kg, ige_baseline_iu_ml)
        Typical patients inside approved cells of the US table.
    stop_day : float
        Horizon (days).
    catalogue : Catalogue or None
        Therapy catalogue; None loads the shipped one.

    Returns
    -------
    dict of str to dict of str to pandas.DataFrame
        Keyed by a label such as ``"80 kg, 300 IU/mL: 300 mg q2w"``; values as
        from :func:`patient_courses`.

    Raises
    ------
    ValueError
        If a patient is outside the approved cells.
    """
    cat = catalogue if catalogue is not None else load_catalogue()
    out = {}
    for weight, ige in patients:
        regimen = label_regimen(ige, weight)
        if regimen is None:
            raise ValueError(f"{weight} kg, {ige} IU/mL: the label gives no dose")
        dose_mg, interval_days = regimen
        label = f"{weight:g} kg, {ige:g} IU/mL: {dose_mg:g} mg q{interval_days / 7:g}w"
        out[label] = patient_courses(weight, ige, dose_mg, interval_days, stop_day=stop_day,
                                     catalogue=cat)
    return out


def summarise_courses(courses: Mapping[str, pd.DataFrame],
                      trough_days: Sequence[float] = DEFAULT_TROUGH_DAYS) -> pd.DataFrame:
    """Trough and distance of every model from the reference, per quantity.

    Parameters
    ----------
    courses : mapping of str to pandas.DataFrame
        Per model, a course on common days (as from :func:`patient_courses`);
        must hold :data:`REFERENCE_MODEL`.
    trough_days : sequence of float
        Dose days whose (pre-dose) values make the steady-state trough.

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``quantity``, ``unit``, ``summary``, ``value``, with
        summaries ``trough`` (mean of the model's values on ``trough_days``),
        ``trough_ratio`` (trough / reference trough) and ``max_rel_diff``
        (largest |model/reference - 1| over days >= 1).
    """
    reference = courses[REFERENCE_MODEL]
    later = reference.index >= 1.0
    rows = []
    for model, course in courses.items():
        for quantity, unit in QUANTITIES.items():
            trough = float(course.loc[list(trough_days), quantity].mean())
            ref_trough = float(reference.loc[list(trough_days), quantity].mean())
            ratio = course[quantity].to_numpy()[later] / reference[quantity].to_numpy()[later]
            for summary, value in (("trough", trough), ("trough_ratio", trough / ref_trough),
                                   ("max_rel_diff", float(np.max(np.abs(ratio - 1.0))))):
                rows.append({"model": model, "quantity": quantity, "unit": unit,
                             "summary": summary, "value": value})
    return pd.DataFrame(rows)


def label_cell_patients() -> list[tuple[float, float]]:
    """``(weight kg, baseline IgE IU/mL)`` at the centre of every approved US label cell."""
    return [(c.centre_weight_kg, c.centre_ige_iu_ml) for c in approved_cells()]


def compare_label_regimens(weights_kg: Sequence[float] = DEFAULT_WEIGHTS_KG,
                           ige_baselines_iu_ml: Sequence[float] = DEFAULT_IGE_IU_ML,
                           **options: Any) -> pd.DataFrame:
    """:func:`compare_patients` on every weight paired with every baseline IgE."""
    return compare_patients([(w, ige) for ige in ige_baselines_iu_ml for w in weights_kg],
                            **options)


def compare_patients(patients: Sequence[tuple[float, float]], *,
                     stop_day: float = DEFAULT_STOP_DAY,
                     trough_days: Sequence[float] = DEFAULT_TROUGH_DAYS,
                     with_steps: bool = False,
                     catalogue: Catalogue | None = None) -> pd.DataFrame:
    """Compare igesweep's omalizumab with the published models on the label regimens.

    Parameters
    ----------
    patients : sequence of (float, float)
        Body weight (kg) and pre-treatment total IgE (IU/mL) of each typical
        patient (e.g. :func:`label_cell_patients`).
    stop_day : float
        Horizon (days).
    trough_days : sequence of float
        Days of the steady-state troughs (dose days of every label interval).
    with_steps : bool
        Also report the steps of :mod:`igesweep.validation.steps`.
    catalogue : Catalogue or None
        Therapy catalogue; None loads the shipped one.

    Returns
    -------
    pandas.DataFrame
        Tidy: one row per patient × model × quantity × summary, with columns
        ``weight_kg``, ``ige_baseline_iu_ml``, ``dose_mg``, ``interval_days``
        and those of :func:`summarise_courses`. Patients in "do not dose"
        cells or outside the table are skipped.
    """
    cat = catalogue if catalogue is not None else load_catalogue()
    frames = []
    for weight, ige in patients:
        regimen = label_regimen(ige, weight)
        if regimen is None:
            continue
        dose_mg, interval_days = regimen
        courses = patient_courses(weight, ige, dose_mg, interval_days, stop_day=stop_day,
                                  with_steps=with_steps, catalogue=cat)
        summary = summarise_courses(courses, trough_days)
        summary.insert(0, "interval_days", interval_days)
        summary.insert(0, "dose_mg", dose_mg)
        summary.insert(0, "ige_baseline_iu_ml", float(ige))
        summary.insert(0, "weight_kg", float(weight))
        frames.append(summary)
    return pd.concat(frames, ignore_index=True)


def trough_ratio_grid(table: pd.DataFrame, model: str, quantity: str) -> pd.DataFrame:
    """Trough ratio of one model to Lowe 2009 as a baseline-IgE × weight grid.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`compare_label_regimens`.
    model : str
        A model of the table (e.g. ``"igesweep_qe"``).
    quantity : str
        A key of :data:`QUANTITIES`.

    Returns
    -------
    pandas.DataFrame
        Index ``ige_baseline_iu_ml``, columns ``weight_kg``; NaN where the
        label does not dose.
    """
    rows = table[(table["model"] == model) & (table["quantity"] == quantity)
                 & (table["summary"] == "trough_ratio")]
    return rows.pivot(index="ige_baseline_iu_ml", columns="weight_kg", values="value")
