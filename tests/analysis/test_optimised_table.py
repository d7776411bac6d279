"""The optimised dosing table: the EU table as transcribed, verdicts and key findings by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from igesweep.analysis.dose_finder import DOSES_MG, INTERVALS_DAYS, Option, decide
from igesweep.analysis.optimised_table import (
    AGREE,
    EU_Q4W_DOSES_MG,
    EU_UNKNOWN,
    LONGER,
    LOWER,
    NOT_IN_LABEL,
    SHORT,
    eu_regimen,
    key_findings,
    optimised_table,
    verdict,
)


@pytest.mark.parametrize(("ige", "weight", "expected"), [
    (30.0, 25.0, Option(75.0, 28.0)),     # first row includes 30; >20–25 includes 25
    (65.0, 22.5, Option(75.0, 28.0)),
    (150.0, 137.5, Option(600.0, 28.0)),
    (250.0, 137.5, EU_UNKNOWN),           # q2w: Table 3 not retrieved
    (650.0, 55.0, EU_UNKNOWN),            # cut off in the source text
    (65.0, 20.0, NOT_IN_LABEL),           # >20–25 excludes 20
    (800.0, 70.0, NOT_IN_LABEL),
    (29.0, 70.0, NOT_IN_LABEL),
])
def test_eu_cells(ige, weight, expected):
    assert eu_regimen(ige, weight) == expected


def test_eu_doses_never_fall_with_weight_or_ige():
    """A transcription slip in the flattened SmPC text would likely break this."""
    rows = [[d for d in row if isinstance(d, int)] for row in EU_Q4W_DOSES_MG]
    assert all(r == sorted(r) for r in rows)
    for upper, lower in itertools.pairwise(EU_Q4W_DOSES_MG):
        for a, b in zip(upper, lower, strict=True):
            if isinstance(a, int) and isinstance(b, int):
                assert b >= a


def _troughs(enough_mg_per_4_weeks: float, n: int = 10) -> np.ndarray:
    """Every patient below 25 ng/mL exactly when the option gives enough drug per 4 weeks."""
    t = np.empty((len(DOSES_MG), len(INTERVALS_DAYS), 1, n))
    for i, d in enumerate(DOSES_MG):
        for j, k in enumerate(INTERVALS_DAYS):
            t[i, j] = 10.0 if d * 28 / k >= enough_mg_per_4_weeks else 40.0
    return t


@pytest.mark.parametrize(("enough", "weight", "ige", "expected", "answer"), [
    # US cell >200–300 IU/mL, >60–70 kg: 225 mg q2w (450 mg per 4 weeks).
    (450.0, 65.0, 250.0, LONGER, "450 mg q4w"),   # as much drug, half as often
    (300.0, 65.0, 250.0, LOWER, "300 mg q4w"),
    (600.0, 65.0, 250.0, SHORT, "600 mg q4w"),
    # US cell >100–200, 30–60 kg: 300 mg q4w.
    (300.0, 45.0, 150.0, AGREE, "300 mg q4w"),
    (450.0, 45.0, 150.0, SHORT, "450 mg q4w"),
    (300.0, 45.0, 900.0, NOT_IN_LABEL, "300 mg q4w"),
])
def test_verdicts_against_the_us_label(enough, weight, ige, expected, answer):
    a = decide(_troughs(enough), weight, ige, n_draws=0)
    assert a.recommended is not None and a.recommended.option.label == answer
    assert verdict(a, a.label) == expected


def test_table_counts_and_key_findings_by_hand():
    # Four points; every option from 450 mg per 4 weeks keeps everyone below target.
    weights, iges = [45.0, 65.0, 45.0, 200.0], [150.0, 250.0, 450.0, 150.0]
    troughs = np.stack([_troughs(450.0)] * 4)
    table = optimised_table(troughs, weights, iges, target_ng_ml=25.0, attainment=0.9,
                            n_draws=0)
    us = [p["us_verdict"] for p in table["points"]]
    # 300 q4w falls short; 225 q2w is 450/4 weeks (longer interval suffices); 300 q2w is 600
    # (450 q4w would do: lower); 200 kg is outside the table.
    assert us == [SHORT, LONGER, LOWER, NOT_IN_LABEL]
    assert table["counts"]["us"][SHORT] == 1 and table["counts"]["us"][LOWER] == 1
    findings = key_findings(table)
    assert findings[0] == (
        "At the 3 grid points inside the US (≥ 12 years) table, the label's regimen keeps "
        "free IgE below 25 ng/mL at the steady-state trough in a median 100% of virtual "
        "patients (range 0%–100%); it reaches 90% at 2 of them; at 1 of those a smaller "
        "dose would do, at 1 the same dose half as often. Its median patient's trough is "
        "below 25 ng/mL at 2 of the 3 (the tables were designed for a mean free IgE of about "
        "25 ng/mL).")


def test_a_point_no_option_reaches_is_named():
    troughs = np.full((1, len(DOSES_MG), len(INTERVALS_DAYS), 1, 4), 40.0)
    troughs[0, -1, 0, 0, :1] = 10.0   # 600 mg q2w: one of four below
    table = optimised_table(troughs, [70.0], [1400.0], target_ng_ml=25.0, attainment=0.9,
                            n_draws=0)
    assert table["points"][0]["recommended"] is None
    assert key_findings(table)[-1] == (
        "No label option (up to 600 mg every 2 weeks) keeps 90% of virtual patients below "
        "25 ng/mL at 1 of 1 grid points, e.g. 70 kg with 1400 IU/mL (best 600 mg q2w: 25%).")
