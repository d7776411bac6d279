"""The US omalizumab dosing table: encoding, boundaries, design draws and evaluation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from igesweep.analysis.dosing_table import (
    LABEL_DOSES_MG,
    LABEL_INTERVALS_DAYS,
    US_LABEL_TABLE,
    approved_cells,
    evaluate_label_table,
    label_design,
    label_regimen,
    trough_at_label_regimen,
)

# Dossier pkpd-literature.md §B1, typed in as printed: mg per dose, q4w or q2w.
COLUMNS = ["30–60", ">60–70", ">70–90", ">90–150"]
DOSSIER_TABLE = {
    "≥30–100": ["150 q4w", "150 q4w", "150 q4w", "300 q4w"],
    ">100–200": ["300 q4w", "300 q4w", "300 q4w", "225 q2w"],
    ">200–300": ["300 q4w", "225 q2w", "225 q2w", "300 q2w"],
    ">300–400": ["225 q2w", "225 q2w", "300 q2w", "do not dose"],
    ">400–500": ["300 q2w", "300 q2w", "375 q2w", "do not dose"],
    ">500–600": ["300 q2w", "375 q2w", "do not dose", "do not dose"],
    ">600–700": ["375 q2w", "do not dose", "do not dose", "do not dose"],
}


def parse_entry(text: str) -> tuple[float, float] | None:
    """'225 q2w' -> (225, 14); 'do not dose' -> None."""
    if text == "do not dose":
        return None
    dose, every = text.split()
    return float(dose), {"q4w": 28.0, "q2w": 14.0}[every]


def parse_range(text: str) -> tuple[float, float]:
    low, high = text.lstrip("≥>").split("–")
    return float(low), float(high)


def per_4_weeks(cell) -> float:
    return cell.dose_mg * 28.0 / cell.interval_days


def test_the_28_cells_match_the_dossier_table_cell_by_cell():
    assert len(US_LABEL_TABLE) == 28
    by_labels = {(c.ige_label, c.weight_label): c for c in US_LABEL_TABLE}
    assert len(by_labels) == 28
    for row, entries in DOSSIER_TABLE.items():
        for column, entry in zip(COLUMNS, entries, strict=True):
            cell = by_labels[(row, column)]
            assert (cell.ige_low_iu_ml, cell.ige_high_iu_ml) == parse_range(row)
            assert (cell.weight_low_kg, cell.weight_high_kg) == parse_range(column)
            expected = parse_entry(entry)
            got = None if cell.dose_mg is None else (cell.dose_mg, cell.interval_days)
            assert got == expected, cell.label
            assert cell.approved == (expected is not None)
            assert cell.label == f"{row} IU/mL, {column} kg"


def test_approved_cells_are_the_dosed_ones_in_table_order():
    cells = approved_cells()
    assert len(cells) == sum(e != "do not dose" for r in DOSSIER_TABLE.values() for e in r) == 21
    assert all(c.approved for c in cells)
    assert [c for c in US_LABEL_TABLE if c.dose_mg is not None] == list(cells)
    assert LABEL_DOSES_MG == (150.0, 225.0, 300.0, 375.0)
    assert LABEL_INTERVALS_DAYS == (14.0, 28.0)


@pytest.mark.parametrize(("ige", "weight", "expected"), [
    (100.0, 65.0, (150.0, 28.0)),    # 100 is in ≥30–100
    (100.1, 65.0, (300.0, 28.0)),    # ... 100.1 in >100–200
    (250.0, 60.0, (300.0, 28.0)),    # 60 kg is in 30–60
    (250.0, 60.1, (225.0, 14.0)),    # ... 60.1 kg in >60–70
    (30.0, 30.0, (150.0, 28.0)),     # both lower bounds of the table are included
    (29.99, 50.0, None),
    (50.0, 29.99, None),
    (700.0, 45.0, (375.0, 14.0)),
    (700.01, 45.0, None),
    (150.0, 150.0, (225.0, 14.0)),
    (150.0, 150.01, None),
    (200.0, 90.0, (300.0, 28.0)),
    (200.0, 90.1, (225.0, 14.0)),
    (350.0, 100.0, None),            # do not dose
    (500.0, 90.0, (375.0, 14.0)),
    (500.1, 90.0, None),
])
def test_label_regimen_boundaries(ige, weight, expected):
    assert label_regimen(ige, weight) == expected


def test_every_point_of_the_table_lies_in_exactly_one_cell():
    ige_points = [30.0, 30.5, 99.9, 100.0, 100.1, 200.0, 300.0, 450.0, 600.0, 600.1, 700.0]
    weight_points = [30.0, 45.0, 60.0, 60.1, 70.0, 70.1, 90.0, 90.1, 120.0, 150.0]
    for ige in ige_points:
        for weight in weight_points:
            holders = [c.label for c in US_LABEL_TABLE if c.contains(ige, weight)]
            assert len(holders) == 1, (ige, weight, holders)
    upper = next(c for c in US_LABEL_TABLE if c.label == ">100–200 IU/mL, >60–70 kg")
    assert not upper.contains(100.0, 65.0) and not upper.contains(150.0, 60.0)
    assert upper.contains(200.0, 70.0)
    for ige, weight in ((29.9, 50.0), (701.0, 50.0), (50.0, 29.9), (50.0, 151.0)):
        assert not any(c.contains(ige, weight) for c in US_LABEL_TABLE)


def test_label_regimen_refuses_nan():
    with pytest.raises(ValueError, match="finite"):
        label_regimen(math.nan, 70.0)


def test_doses_respect_the_label_limits():
    for cell in approved_cells():
        assert cell.dose_mg <= 375.0
        assert cell.interval_days in (14.0, 28.0)
        assert per_4_weeks(cell) <= 750.0                     # at most 375 mg q2w
        assert cell.dose_mg % 75.0 == 0.0                     # 75- and 150-mg presentations
        assert math.ceil(cell.dose_mg / 150.0) <= 3           # ≤150 mg per injection


def test_dose_rule_of_dossier_b3_holds_at_the_lower_corners():
    """≥0.016 mg/kg per IU/mL per 4 weeks at each cell's lightest, lowest-IgE patient."""
    ratios = {c.label: per_4_weeks(c) / (c.weight_low_kg * c.ige_low_iu_ml)
              for c in approved_cells()}
    assert min(ratios.values()) >= 0.016
    # dossier §B3: "at lower bounds, 0.025–0.167"
    assert round(min(ratios.values()), 3) == 0.025
    assert round(max(ratios.values()), 3) == 0.167


def test_dose_rule_at_the_upper_corners_fails_in_exactly_the_cells_the_dossier_names():
    """Dossier §B3: ≥0.0167 everywhere except three cells (0.0150, 0.0133, 0.0161)."""
    ratios = {c.label: per_4_weeks(c) / (c.weight_high_kg * c.ige_high_iu_ml)
              for c in approved_cells()}
    low = {label: round(r, 4) for label, r in ratios.items() if r < 0.0166}
    assert low == {">100–200 IU/mL, >90–150 kg": 0.0150,
                   ">200–300 IU/mL, >90–150 kg": 0.0133,
                   ">300–400 IU/mL, >60–70 kg": 0.0161}


def test_dose_grows_with_ige_and_weight_and_do_not_dose_is_a_staircase():
    grid = {(c.ige_low_iu_ml, c.weight_low_kg): c for c in US_LABEL_TABLE}
    ige_lows = sorted({k[0] for k in grid})
    weight_lows = sorted({k[1] for k in grid})
    for i, ige in enumerate(ige_lows):
        for j, weight in enumerate(weight_lows):
            cell = grid[(ige, weight)]
            for nxt in ([grid[(ige_lows[i + 1], weight)]] if i + 1 < len(ige_lows) else []) + (
                    [grid[(ige, weight_lows[j + 1])]] if j + 1 < len(weight_lows) else []):
                if not cell.approved:
                    assert not nxt.approved, nxt.label
                elif nxt.approved:
                    assert per_4_weeks(nxt) >= per_4_weeks(cell), nxt.label


def test_design_draws_lie_inside_their_cells_and_are_reproducible():
    design, cell_of_row = label_design(50, seed=7)
    cells = approved_cells()
    ige = np.array(design["patient.ige_baseline_iu_ml"])
    weight = np.array(design["patient.weight_kg"])
    assert list(design) == ["patient.ige_baseline_iu_ml", "patient.weight_kg"]
    assert ige.shape == weight.shape == cell_of_row.shape == (50 * len(cells),)
    assert cell_of_row.dtype.kind == "i"
    np.testing.assert_array_equal(cell_of_row, np.repeat(np.arange(len(cells)), 50))
    for i, k in enumerate(cell_of_row):
        cell = cells[k]
        assert cell.contains(ige[i], weight[i])
        assert label_regimen(ige[i], weight[i]) == (cell.dose_mg, cell.interval_days)
    again, again_cells = label_design(50, seed=7)
    assert again == design
    np.testing.assert_array_equal(again_cells, cell_of_row)
    other, _ = label_design(50, seed=8)
    assert other["patient.weight_kg"] != design["patient.weight_kg"]
    assert all(isinstance(v, float) for v in design["patient.weight_kg"])


def test_design_is_uniform_over_each_cell():
    design, cell_of_row = label_design(4000, seed=3)
    ige = np.array(design["patient.ige_baseline_iu_ml"])
    weight = np.array(design["patient.weight_kg"])
    for k, cell in enumerate(approved_cells()):
        rows = cell_of_row == k
        for x, low, high in ((ige[rows], cell.ige_low_iu_ml, cell.ige_high_iu_ml),
                             (weight[rows], cell.weight_low_kg, cell.weight_high_kg)):
            u = (x - low) / (high - low)
            # uniform on (0, 1]: mean 1/2, variance 1/12 (standard error of the mean 0.0046)
            assert abs(u.mean() - 0.5) < 0.02
            assert abs(u.var() - 1 / 12) < 0.01
        assert abs(np.corrcoef(ige[rows], weight[rows])[0, 1]) < 0.06


def test_design_is_a_valid_sweep_design():
    from igesweep.sweep.spec import parse_sweep

    design, _ = label_design(2, seed=1)
    sweep = parse_sweep({
        "therapy": "omalizumab",
        "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "until_day": 364},
        "times": {"start": 0, "stop": 364, "step": 7},
        "design": design,
        "grid": {"regimen.dose_mg": list(LABEL_DOSES_MG),
                 "regimen.interval_days": list(LABEL_INTERVALS_DAYS)},
    })
    assert sweep.design is not None
    assert sweep.design.values.shape == (2 * len(approved_cells()), 2)


def test_label_design_refuses_zero_patients():
    with pytest.raises(ValueError, match="n_per_cell"):
        label_design(0, seed=1)


def test_evaluate_on_hand_made_troughs():
    cell_of_row = np.array([0, 0, 0, 0, 3, 3, 20])
    trough = np.array([10.0, 30.0, 60.0, np.nan, 49.9, 50.0, 24.0])
    table = evaluate_label_table(trough, cell_of_row)
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == [
        "ige_range_iu_ml", "weight_range_kg", "dose_mg", "interval_days", "n", "n_failed",
        "median_trough_ng_ml", "share_below_50", "share_below_25"]
    assert len(table) == 21 and table.index.name == "cell"
    first = table.loc[0]
    assert (first["ige_range_iu_ml"], first["weight_range_kg"]) == ("≥30–100", "30–60")
    assert (first["dose_mg"], first["interval_days"]) == (150.0, 28.0)
    assert (first["n"], first["n_failed"]) == (4, 1)
    assert first["median_trough_ng_ml"] == 30.0          # median of 10, 30, 60
    assert first["share_below_50"] == 2 / 4              # NaN counts as not below
    assert first["share_below_25"] == 1 / 4
    fourth = table.loc[3]                                # ≥30–100 IU/mL, >90–150 kg: 300 q4w
    assert (fourth["dose_mg"], fourth["interval_days"]) == (300.0, 28.0)
    assert fourth["median_trough_ng_ml"] == pytest.approx(49.95)
    assert fourth["share_below_50"] == 0.5               # 50.0 is not below 50
    assert fourth["share_below_25"] == 0.0
    last = table.loc[20]                                 # >600–700 IU/mL, 30–60 kg: 375 q2w
    assert (last["ige_range_iu_ml"], last["dose_mg"], last["interval_days"]) == (
        ">600–700", 375.0, 14.0)
    assert (last["share_below_50"], last["share_below_25"]) == (1.0, 1.0)
    empty = table.loc[1]
    assert empty["n"] == 0 and math.isnan(empty["median_trough_ng_ml"])
    assert math.isnan(empty["share_below_50"])


def test_evaluate_names_columns_after_the_targets_and_handles_an_all_failed_cell():
    table = evaluate_label_table(np.array([np.nan, np.nan, 5.0]), np.array([2, 2, 5]),
                                 targets=(20.0, 12.5))
    assert [c for c in table.columns if c.startswith("share")] == [
        "share_below_20", "share_below_12.5"]
    assert table.loc[2, "n_failed"] == 2 and math.isnan(table.loc[2, "median_trough_ng_ml"])
    assert table.loc[2, "share_below_20"] == 0.0
    assert table.loc[5, "share_below_12.5"] == 1.0


@pytest.mark.parametrize(("trough", "cells", "match"), [
    (np.ones(3), np.array([0, 1]), "entries"),
    (np.ones(2), np.array([0, 21]), "indices"),
    (np.ones(2), np.array([0.0, 1.0]), "indices"),
])
def test_evaluate_refuses_mismatched_input(trough, cells, match):
    with pytest.raises(ValueError, match=match):
        evaluate_label_table(trough, cells)


def fake_sweep(ige, weight, doses=LABEL_DOSES_MG, intervals=LABEL_INTERVALS_DAYS):
    """A dataset laid out like an opened label sweep; trough = 1000*sample + dose + interval/100."""
    n = len(ige)
    s = np.arange(n)[None, :, None]
    d = np.asarray(doses)[None, None, :]
    t = np.asarray(intervals)[:, None, None]
    values = 1000.0 * s + d + t / 100.0                  # dims (interval_days, sample, dose_mg)
    ds = xr.Dataset(
        {"trough_free_ige": (("interval_days", "sample", "dose_mg"), values)},
        coords={"sample": np.arange(n), "dose_mg": np.asarray(doses, dtype=np.int64),
                "interval_days": np.asarray(intervals, dtype=np.int64),
                "ige_baseline_iu_ml": ("sample", np.asarray(ige)),
                "weight_kg": ("sample", np.asarray(weight))})
    return ds.chunk({"sample": 5})


def test_trough_is_picked_at_each_samples_own_regimen():
    design, cell_of_row = label_design(3, seed=11)
    ds = fake_sweep(design["patient.ige_baseline_iu_ml"], design["patient.weight_kg"])
    picked = trough_at_label_regimen(ds, cell_of_row)
    cells = approved_cells()
    expected = [1000.0 * i + cells[k].dose_mg + cells[k].interval_days / 100.0
                for i, k in enumerate(cell_of_row)]
    np.testing.assert_array_equal(picked, expected)
    # e.g. sample 0 is in ≥30–100 IU/mL, 30–60 kg: 150 mg q4w
    assert picked[0] == 150.28
    assert picked[-1] == 1000.0 * (len(cell_of_row) - 1) + 375.14


def test_trough_picking_refuses_a_grid_without_the_cells_regimen():
    design, cell_of_row = label_design(1, seed=2)
    ds = fake_sweep(design["patient.ige_baseline_iu_ml"], design["patient.weight_kg"],
                    doses=(150.0, 300.0))
    with pytest.raises(ValueError, match=r"'dose_mg' grid lacks \[225.0, 375.0\]"):
        trough_at_label_regimen(ds, cell_of_row)


def test_trough_picking_refuses_cells_that_do_not_match_the_design():
    design, cell_of_row = label_design(1, seed=2)
    ds = fake_sweep(design["patient.ige_baseline_iu_ml"], design["patient.weight_kg"])
    with pytest.raises(ValueError, match=r"sample 0 .* is not in its cell 1"):
        trough_at_label_regimen(ds, np.roll(cell_of_row, -1))
    with pytest.raises(ValueError, match="entries"):
        trough_at_label_regimen(ds, cell_of_row[:-1])


def test_trough_picking_keeps_a_subject_dimension():
    design, cell_of_row = label_design(2, seed=5)
    ds = fake_sweep(design["patient.ige_baseline_iu_ml"], design["patient.weight_kg"])
    ds = ds.expand_dims(subject=3).copy()
    ds["trough_free_ige"] = ds["trough_free_ige"] + 0.001 * xr.DataArray(np.arange(3),
                                                                       dims="subject")
    picked = trough_at_label_regimen(ds, cell_of_row)
    assert picked.shape == (cell_of_row.size, 3)
    typical = trough_at_label_regimen(fake_sweep(design["patient.ige_baseline_iu_ml"],
                                                 design["patient.weight_kg"]), cell_of_row)
    np.testing.assert_allclose(picked, typical[:, None] + 0.001 * np.arange(3))


def test_trough_picking_refuses_other_extra_dimensions():
    design, cell_of_row = label_design(1, seed=2)
    ds = fake_sweep(design["patient.ige_baseline_iu_ml"], design["patient.weight_kg"])
    ds = ds.expand_dims(therapy=2)
    with pytest.raises(ValueError, match="dimensions"):
        trough_at_label_regimen(ds, cell_of_row)
