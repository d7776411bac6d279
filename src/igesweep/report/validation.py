"""The report's validation section: calibrations, observations and what is left out."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from igesweep.report.tables import html_table


def _range(row: Mapping[str, Any]) -> str:
    high = "∞" if row["high"] >= 1e8 else f"{row['high']:.3g}"
    return f"{row['low']:.3g}–{high}"


def _observation_rows(rows: list[Mapping[str, Any]]) -> list[list[Any]]:
    return [[r["claim"], r["condition"], f"{r['published']:.3g}", _range(r), r["unit"],
             float(r["simulated"]), bool(r["agrees"]), f"{r['source']} [{r['provenance']}]"]
            for r in rows]


OBSERVATION_COLUMNS = ["observation", "simulated condition", "published", "band", "unit",
                       "simulated", "agrees", "source [provenance]"]


def calibration_html(calibration: Mapping[str, Any]) -> str:
    """One block per calibration: fitted values, objective, residuals, weakness; then drift."""
    parts = []
    for c in calibration["calibrations"]:
        fitted = ", ".join(f"<code>{html.escape(f['block'])}.{html.escape(f['name'])}</code> = "
                           f"{f['value']:.4g} {html.escape(f['unit'])}" for f in c["fitted"])
        parts.append(
            f"<h3>{html.escape(c['name'])}</h3><p>Fitted: {fitted}.<br>"
            f"Objective: {html.escape(c['objective'])}<br>Method: {html.escape(c['method'])}"
            f"<br>Weakness: {html.escape(c['weakness'])}</p>")
        parts.append(html_table(OBSERVATION_COLUMNS, _observation_rows(
            [{**r, "provenance": "F"} for r in c["residuals"]]), colour={"agrees": "pass"}))
    stale = [d for d in calibration["drift"]
             if abs(d["relative"]) > 1e-5 or d["evidence"] != "calibrated"]
    if stale:
        listed = "; ".join(f"{d['block']}.{d['name']}: catalogue {d['catalogue_value']:.4g} "
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
    n_pass = sum(bool(r["agrees"]) for r in tests)
    return "".join([
        "<h3>Observations that test the model</h3>",
        f"<p>{n_pass} of {len(tests)} agree within their bands. None of these numbers was used "
        "to set a catalogue value (those are the calibration rows further down). Each band and "
        "its reason is in <code>igesweep.literature</code>; provenance tags as in the "
        "literature dossier (F found in a source, D derived, M-H/M-M recalled).</p>",
        html_table(OBSERVATION_COLUMNS, _observation_rows(tests), colour={"agrees": "pass"}),
        "<h3>Calibrations</h3><p>Observations used to fit catalogue values "
        "(<code>evidence: calibrated</code>), with the objective, the fit and its weakness. "
        "Reproduce with <code>igesweep calibrate</code>; <code>--write</code> writes the fits "
        "into the catalogue.</p>",
        calibration_html(calibration),
        "<h3>Observations the model cannot speak to</h3>",
        html_table(["observation", "source", "reason"],
                   [[r["claim"], r["source"], r["reason"]] for r in observations["not_assessed"]]),
    ])
