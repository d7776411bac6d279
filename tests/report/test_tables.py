"""The report's HTML tables: the verdict grid of the optimised dosing table."""

from __future__ import annotations

import html
import re

import numpy as np

from igesweep.analysis.dose_finder import DOSES_MG, INTERVALS_DAYS
from igesweep.analysis.optimised_table import optimised_table
from igesweep.report.tables import VERDICT_COLOURS, dose_grid_html, html_table


def _table():
    # Two points; an option keeps every patient below 25 ng/mL from 450 mg per 4 weeks.
    t = np.empty((2, len(DOSES_MG), len(INTERVALS_DAYS), 1, 4))
    for i, d in enumerate(DOSES_MG):
        for j, k in enumerate(INTERVALS_DAYS):
            t[:, i, j] = 10.0 if d * 28 / k >= 450 else 40.0
    return optimised_table(t, [65.0, 200.0], [250.0, 250.0], target_ng_ml=25.0,
                           attainment=0.9, n_draws=0)


def test_each_cell_shows_the_answer_the_label_and_the_verdict_colour():
    page = dose_grid_html(_table(), "us")
    cells = re.findall(r"<td[^>]*>.*?</td>", page)
    assert len(cells) == 2
    inside, outside = cells
    assert "<b>450 q4w</b> 1.00" in inside and "US 225 q2w 1.00" in inside
    assert VERDICT_COLOURS["longer interval suffices"] in inside
    assert "US: not in label" in outside and VERDICT_COLOURS["not in label"] in outside


def test_hovering_a_cell_gives_the_numbers_behind_it():
    page = dose_grid_html(_table(), "us")
    titles = [html.unescape(t) for t in re.findall(r'title="([^"]*)"', page)]
    assert titles[0].startswith("65 kg, 250 IU/mL: longer interval suffices")
    assert "answer 450 mg q4w: attainment 1.00 (draws 1.00–1.00, Monte Carlo ±0.00); " \
           "median trough 10 ng/mL" in titles[0]
    assert "US label 225 mg q2w: attainment 1.00" in titles[0]


def test_wide_tables_scroll_in_their_own_box():
    assert html_table(["a"], [[1.0]]).startswith('<div class="scroll"><table>')
    assert dose_grid_html(_table(), "eu").startswith('<div class="scroll">')
