"""The catalogue's omalizumab stays within stated bands of Lowe 2009 on the US label regimens.

Ratios are igesweep / Lowe 2009 at the steady-state trough (mean of the
pre-dose values at the ends of weeks 16, 20 and 24), for typical patients on
their label regimen. The bands are set from the full comparison grid
(weights 40, 60, 80, 100, 125 kg × baseline IgE 50, 150, 300, 500, 700 IU/mL,
20 dosed patients; :func:`igesweep.validation.compare_label_regimens`) and
from the spread between the two published models, Hayashi 2007 / Lowe 2009,
over the same grid. A small corner grid is tested here: the grid's extremes
hold the extreme ratios.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from igesweep import load_catalogue
from igesweep.validation import (
    compare_label_regimens,
    patient_courses,
    summarise_courses,
)
from igesweep.validation.comparison import TROUGH_RATIO_BANDS

# Total drug over the whole course (days 1-168): measured at most 9 % from Lowe.
TOTAL_DRUG_MAX_REL_DIFF = 0.15
# The natural band: Hayashi 2007 against Lowe 2009 on the same grid (measured, rounded out).
HAYASHI_TROUGH_RATIO_BANDS = {
    "free_ige_ng_ml": (0.65, 1.2),
    "total_ige_ng_ml": (0.8, 1.7),
    "total_drug_ug_ml": (0.9, 1.2),
}
BANDS = {quantity: (low, high) for quantity, (low, high, _) in TROUGH_RATIO_BANDS.items()}

WEIGHTS_KG = (40.0, 60.0, 125.0)
IGE_IU_ML = (50.0, 300.0, 700.0)


@pytest.fixture(scope="module")
def table():
    return compare_label_regimens(WEIGHTS_KG, IGE_IU_ML, with_steps=True)


def _values(table, model: str, quantity: str, summary: str) -> np.ndarray:
    rows = table[(table["model"] == model) & (table["quantity"] == quantity)
                 & (table["summary"] == summary)]
    return rows["value"].to_numpy()


def test_table_is_tidy_and_skips_do_not_dose(table) -> None:
    patients = table[["weight_kg", "ige_baseline_iu_ml"]].drop_duplicates()
    assert len(patients) == 8                      # 125 kg at 700 IU/mL: do not dose
    assert not ((patients["weight_kg"] == 125.0)
                & (patients["ige_baseline_iu_ml"] == 700.0)).any()
    key = ["weight_kg", "ige_baseline_iu_ml", "model", "quantity", "summary"]
    assert not table.duplicated(key).any()
    assert len(table) == 8 * 11 * 3 * 3            # patients × models × quantities × summaries
    row = table[(table["weight_kg"] == 60.0) & (table["ige_baseline_iu_ml"] == 700.0)].iloc[0]
    assert (row["dose_mg"], row["interval_days"]) == (375.0, 14.0)


@pytest.mark.parametrize("model", ["igesweep_full", "igesweep_qe"])
@pytest.mark.parametrize("quantity", list(BANDS))
def test_omalizumab_entry_within_bands_of_lowe(table, model: str, quantity: str) -> None:
    low, high = BANDS[quantity]
    ratios = _values(table, model, quantity, "trough_ratio")
    assert ratios.size == 8
    assert ((ratios >= low) & (ratios <= high)).all(), ratios


@pytest.mark.parametrize("model", ["igesweep_full", "igesweep_qe"])
def test_total_drug_follows_lowe_over_time(table, model: str) -> None:
    assert _values(table, model, "total_drug_ug_ml", "max_rel_diff").max() \
        <= TOTAL_DRUG_MAX_REL_DIFF


@pytest.mark.parametrize("quantity", list(BANDS))
def test_published_models_differ_within_their_natural_band(table, quantity: str) -> None:
    low, high = HAYASHI_TROUGH_RATIO_BANDS[quantity]
    ratios = _values(table, "hayashi_2007", quantity, "trough_ratio")
    assert ((ratios >= low) & (ratios <= high)).all(), ratios
    assert np.ptp(ratios) > 0.05                   # two distinct models, not one


def test_bands_catch_a_mistuned_entry() -> None:
    cat = load_catalogue()
    entry = cat.therapies["omalizumab"]
    kd = entry.parameters["kd_nm"]
    mistuned = entry.model_copy(update={"parameters": {
        **entry.parameters, "kd_nm": kd.model_copy(update={"value": 3.0 * kd.value})}})
    cat = replace(cat, therapies={**cat.therapies, "omalizumab": mistuned})
    summary = summarise_courses(patient_courses(60.0, 700.0, 375.0, 14.0, catalogue=cat))
    ratio = summary[(summary["model"] == "igesweep_qe")
                    & (summary["quantity"] == "free_ige_ng_ml")
                    & (summary["summary"] == "trough_ratio")]["value"].item()
    assert ratio > BANDS["free_ige_ng_ml"][1]


def test_full_and_qe_binding_agree(table) -> None:
    for quantity in BANDS:
        full = _values(table, "igesweep_full", quantity, "trough")
        qe = _values(table, "igesweep_qe", quantity, "trough")
        assert full == pytest.approx(qe, rel=0.01)


def test_steps_from_lowe_end_at_the_catalogue_entry(table) -> None:
    # The last step is igesweep's QE model written in the published form: the chain of
    # steps accounts for the whole igesweep-vs-Lowe difference.
    for quantity in BANDS:
        assert _values(table, "step_units", quantity, "trough") == pytest.approx(
            _values(table, "igesweep_qe", quantity, "trough"), rel=1e-6)


def test_one_volume_changes_only_the_complex_concentration(table) -> None:
    before, after = "step_kd_no_ige_covariate", "step_one_volume"
    assert _values(table, after, "free_ige_ng_ml", "trough") == pytest.approx(
        _values(table, before, "free_ige_ng_ml", "trough"), rel=1e-6)
    # Lowe's complex sits in V_C < V_X: one shared volume lowers total IgE by up to V_C/V_X.
    drop = (_values(table, after, "total_ige_ng_ml", "trough")
            / _values(table, before, "total_ige_ng_ml", "trough"))
    assert ((drop > 0.55) & (drop < 0.85)).all(), drop


def test_ige_turnover_dominates_the_free_ige_difference(table) -> None:
    order = ["lowe_2009", "step_kd_ratio_fixed", "step_kd_no_ige_covariate",
             "step_one_volume", "step_catalogue_drug", "step_ige_turnover", "step_units"]
    troughs = np.array([_values(table, m, "free_ige_ng_ml", "trough") for m in order])
    step_effect = np.abs(np.log(troughs[1:] / troughs[:-1]))
    ige = table.drop_duplicates(["weight_kg", "ige_baseline_iu_ml"])["ige_baseline_iu_ml"]
    alpha, turnover = order.index("step_kd_ratio_fixed") - 1, order.index("step_ige_turnover") - 1
    largest = step_effect.argmax(axis=0)
    # Everywhere the largest single effect is IgE turnover or the ratio-dependent Kd ...
    assert np.isin(largest, [alpha, turnover]).all(), largest
    # ... and at the high-IgE edge it is IgE turnover.
    assert (largest[ige.to_numpy() == 700.0] == turnover).all()
    ratios = _values(table, "igesweep_qe", "free_ige_ng_ml", "trough_ratio")
    assert (ratios[ige.to_numpy() == 50.0] < 0.7).all()
    assert (ratios[ige.to_numpy() == 700.0] > 1.2).all()
    assert math.isclose(float(np.median(step_effect[0])), abs(math.log(0.7)), rel_tol=0.2)
