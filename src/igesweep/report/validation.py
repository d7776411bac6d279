"""The report's validation section: calibrations, observations and what is left out."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd

from igesweep.report.tables import html_table
from igesweep.validation.comparison import (
    IGESWEEP2_TROUGH_BANDS,
    QUANTITIES,
    REFERENCE_MODEL,
    TROUGH_RATIO_BANDS,
    trough_ratio_grid,
)
from igesweep.validation.steps import STEP_NAMES

COMPARED_MODELS = ("igesweep2_full", "igesweep_full", "igesweep_qe", "hayashi_2007")


def _bands(model: str) -> dict[str, tuple[float, float, str]]:
    """The stated trough-ratio bands of a compared igesweep course."""
    return IGESWEEP2_TROUGH_BANDS if model.startswith("igesweep2") else TROUGH_RATIO_BANDS


def _range(row: Mapping[str, Any]) -> str:
    high = "∞" if row["high"] >= 1e8 else f"{row['high']:.3g}"
    return f"{row['low']:.3g}–{high}"


def _observation_rows(rows: list[Mapping[str, Any]]) -> list[list[Any]]:
    return [[r["claim"], r["condition"], f"{r['published']:.3g}", _range(r), r["unit"],
             float(r["simulated"]), bool(r["agrees"]), f"{r['source']} [{r['provenance']}]",
             r.get("why_not", "")]
            for r in rows]


OBSERVATION_COLUMNS = ["observation", "simulated condition", "published", "band", "unit",
                       "simulated", "agrees", "source [provenance]", "why it disagrees"]


def calibration_html(calibration: Mapping[str, Any]) -> str:
    """One block per calibration: fitted values, objective, residuals, weakness; then drift."""
    parts = []
    for c in calibration["calibrations"]:
        fitted = ", ".join(f"<code>{html.escape(f['label'])}</code> = "
                           f"{f['value']:.4g} {html.escape(f['unit'])}" for f in c["fitted"])
        parts.append(
            f"<h3>{html.escape(c['name'])}</h3><p>Fitted: {fitted}.<br>"
            f"Objective: {html.escape(c['objective'])}<br>Method: {html.escape(c['method'])}"
            f"<br>Weakness: {html.escape(c['weakness'])}</p>")
        parts.append(html_table(OBSERVATION_COLUMNS[:-1], [row[:-1] for row in _observation_rows(
            c["residuals"])], colour={"agrees": "pass"}))
    stale = [d for d in calibration["drift"]
             if abs(d["relative"]) > 1e-5 or d["evidence"] != "calibrated"]
    if stale:
        listed = "; ".join(f"{d['label']}: catalogue {d['catalogue_value']:.4g} "
                           f"({d['evidence']}), fit {d['fitted_value']:.4g}" for d in stale)
        parts.append(f"<p><strong>The catalogue does not hold these fits</strong> (run "
                     f"<code>igesweep calibrate --write</code>): {html.escape(listed)}.</p>")
    else:
        parts.append("<p>The catalogue holds every fitted value (relative difference ≤ 1e-5, "
                     "evidence: calibrated).</p>")
    return "".join(parts)


def validation_section(calibration: Mapping[str, Any], observations: Mapping[str, Any]) -> str:
    """HTML of the validation section (after its heading).

    Parameters
    ----------
    calibration : mapping
        ``results/validation/calibration.json`` (``igesweep calibrate -o``).
    observations : mapping
        ``results/validation/observations.json`` (validation table and the
        observations not assessed).
    """
    rows = observations["rows"]
    tests = [r for r in rows if r["role"] == "test"]
    inputs = [r for r in rows if r["role"] == "input"]
    n_pass = sum(bool(r["agrees"]) for r in tests)
    model = html.escape(observations["model"])
    return "".join([
        "<h3>Observations that test the model</h3>",
        f"<p>Model <code>{model}</code> with the catalogue's values. "
        f"{n_pass} of {len(tests)} agree within their bands. None of these numbers was used "
        "to set a catalogue value (those are the calibration rows further down). Each band and "
        "its reason is in <code>igesweep.literature</code>; provenance tags as in the "
        "literature dossier (F found in a source, D derived, M-H/M-M recalled).</p>",
        html_table(OBSERVATION_COLUMNS, _observation_rows(tests), colour={"agrees": "pass"}),
        "<h3>Catalogue inputs against a second source</h3><p>Numbers the catalogue was built "
        "from, set against another publication's value for the same quantity.</p>",
        html_table(OBSERVATION_COLUMNS, _observation_rows(inputs), colour={"agrees": "pass"}),
        "<h3>Calibrations</h3><p>Observations used to fit catalogue values "
        "(<code>evidence: calibrated</code>), with the objective, the fit and its weakness. "
        f"Reproduce with <code>igesweep calibrate --model {model}</code>; <code>--write</code> "
        "writes the fits into the catalogue.</p>",
        calibration_html(calibration),
        "<h3>Observations the model cannot speak to</h3>",
        html_table(["observation", "source", "reason"],
                   [[r["claim"], r["source"], r["reason"]] for r in observations["not_assessed"]]),
    ])


def _grid_html(table: pd.DataFrame, model: str, quantity: str) -> str:
    grid = trough_ratio_grid(table, model, quantity)
    rows = [[f"{ige:g}", *("" if pd.isna(v) else f"{v:.2f}" for v in grid.loc[ige])]
            for ige in grid.index]
    return html_table([f"{model} {quantity}: IgE \\ kg", *(f"{w:g}" for w in grid.columns)],
                      rows)


def _band_text(quantity: str) -> str:
    low, high, _ = IGESWEEP2_TROUGH_BANDS[quantity]
    return f"{low:g}–{high:g}"


def _spread(values: pd.Series) -> str:
    return f"{values.min():.2f} – {values.median():.2f} – {values.max():.2f}"


def published_html(table: pd.DataFrame) -> str:
    """Trough ratios to Lowe 2009 with the stated bands, and the step-by-step attribution.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`igesweep.validation.compare_label_regimens` with ``with_steps=True``.
    """
    ratios = table[table.summary == "trough_ratio"]
    worst = table[table.summary == "max_rel_diff"]
    rows = []
    for model in COMPARED_MODELS:
        for quantity in QUANTITIES:
            sel = ratios[(ratios.model == model) & (ratios.quantity == quantity)].value
            low, high, _ = _bands(model)[quantity]
            inside = bool(sel.between(low, high).all()) if model != "hayashi_2007" else None
            rows.append([model, quantity, _spread(sel),
                         f"{low:g}–{high:g}" if model != "hayashi_2007" else "(natural band)",
                         inside, float(worst[(worst.model == model)
                                             & (worst.quantity == quantity)].value.max())])
    n_patients = len(ratios[["weight_kg", "ige_baseline_iu_ml"]].drop_duplicates())
    reasons = "".join(f"<li>{name}, <code>{q}</code>: {html.escape(r)}</li>"
                      for name, bands in (("igesweep-2", IGESWEEP2_TROUGH_BANDS),
                                          ("igesweep-1", TROUGH_RATIO_BANDS))
                      for q, (_, _, r) in bands.items())
    step_rows = []
    previous = REFERENCE_MODEL
    for name in STEP_NAMES[1:]:
        step = f"step_{name}"
        cells = [name]
        for quantity in QUANTITIES:
            now = ratios[(ratios.model == step) & (ratios.quantity == quantity)]
            before = ratios[(ratios.model == previous) & (ratios.quantity == quantity)]
            factor = now.value.to_numpy() / before.value.to_numpy()
            cells.append(f"{factor.min():.2f}–{factor.max():.2f}")
        step_rows.append(cells)
        previous = step
    return "".join([
        f"<p>{n_patients} typical patients, each on its US label cell's regimen; trough = "
        "mean pre-dose value at weeks 16, 20 and 24, as a ratio to Lowe 2009 (min – median – "
        "max over the patients); worst = largest |model/Lowe − 1| on any day from day 1. "
        "Hayashi 2007 against Lowe 2009 is the natural band between two published models.</p>",
        html_table(["model", "quantity", "trough ratio to Lowe", "stated band", "within",
                    "worst day"], rows, colour={"within": "pass"}),
        "<p>igesweep-2's bands were stated before it ran (the targets it was built to). "
        "igesweep-1's are the measured spread on the default grid, rounded outward, with the "
        "reason for that spread: they pin it against drift and say how far the single-volume "
        f"model is from Lowe; they are not limits set independently of it.</p><ul>{reasons}</ul>",
        "<p>Per patient (rows: baseline IgE, IU/mL; columns: weight, kg; blank: no patient "
        "there or the label does not dose), trough / Lowe 2009: igesweep-2's free IgE (stated "
        f"band {_band_text('free_ige_ng_ml')}) and total IgE (stated band "
        f"{_band_text('total_ige_ng_ml')}), and Hayashi 2007's free IgE (the natural band "
        "between two published models):</p>",
        _grid_html(table, "igesweep2_full", "free_ige_ng_ml"),
        _grid_html(table, "igesweep2_full", "total_ige_ng_ml"),
        _grid_html(table, "hayashi_2007", "free_ige_ng_ml"),
        "<p>Step by step from Lowe 2009 to the catalogue entry (factor each change applies to "
        "the trough, range over the patients; the last step reproduces igesweep's QE model):"
        "</p>",
        html_table(["step", *QUANTITIES], step_rows),
    ])
