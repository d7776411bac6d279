"""HTML tables of the report."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any


def html_table(columns: list[str], rows: list[list[Any]],
               colour: Mapping[str, str] | None = None) -> str:
    """An HTML table; floats to 3 significant digits, text cells left-aligned.

    Parameters
    ----------
    columns : list of str
        Header cells.
    rows : list of list
        Body rows, one value per column (``None`` shows as a dash).
    colour : mapping, optional
        Column name -> ``"share"``: float cells of that column are shaded from
        orange (0) through white to blue (1); -> ``"pass"``: boolean cells show
        pass (blue) or fail (orange).
    """
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for c, v in zip(columns, row, strict=True):
            style = ""
            kind = (colour or {}).get(c)
            if kind == "share" and isinstance(v, float):
                style = f' style="background:{_attainment_colour(v)}"'
            if kind == "pass" and isinstance(v, bool):
                style = f' style="background:{_attainment_colour(float(v))}"'
                v = "pass" if v else "fail"
            text = "–" if v is None else (f"{v:.3g}" if isinstance(v, float) else str(v))
            cls = ' class="left"' if isinstance(v, str) else ""
            cells.append(f"<td{cls}{style}>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<div class="scroll"><table><tr>{head}</tr>{"".join(body)}</table></div>'


def _attainment_colour(share: float) -> str:
    """Orange (0) through white to blue (1): a colour-blind-safe diverging scale."""
    share = min(max(share, 0.0), 1.0)
    low, mid, high = (230, 159, 0), (255, 255, 255), (86, 180, 233)   # Okabe–Ito
    a, b, t = (low, mid, 2 * share) if share < 0.5 else (mid, high, 2 * share - 1)
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return f"rgb({r},{g},{bl})"


#: Colour-blind-safe tints (Okabe–Ito hues, lightened) of the label verdicts.
VERDICT_COLOURS = {
    "agree": "#cfe3f3",                 # blue
    "lower dose suffices": "#c9eadf",   # bluish green
    "longer interval suffices": "#e4f2d0",  # yellowish green
    "label falls short": "#f9dcae",     # orange
    "not in label": "#eeeeee",          # grey
    "EU dose not retrieved": "#ffffff",  # white
}


def _short(regimen: str) -> str:
    """``"300 mg q4w"`` -> ``"300 q4w"`` (the table's corner says mg)."""
    return regimen.replace(" mg", "")


def _detail(role: str, o: Mapping[str, Any]) -> str:
    """One option's numbers for a cell's hover text."""
    name = {"recommended": "answer", "best": "most effective option", "us": "US label",
            "eu": "EU label"}[role]
    return (f"{name} {o['regimen']}: attainment {o['attainment']:.2f} (draws "
            f"{o['attainment_draw_p05']:.2f}–{o['attainment_draw_p95']:.2f}, Monte Carlo "
            f"±{o['attainment_monte_carlo_se']:.2f}); median trough "
            f"{o['median_trough_ng_ml']:.3g} ng/mL")


def dose_grid_html(table: Mapping[str, Any], label: str) -> str:
    """The optimised dosing table against one label, a cell per grid point.

    Parameters
    ----------
    table : mapping
        :func:`igesweep.analysis.optimised_table.optimised_table`'s result.
    label : {"us", "eu"}
        Which label's regimen and verdict each cell shows and is shaded by.

    Returns
    -------
    str
        Rows = baseline IgE (IU/mL), columns = weight (kg). Each cell: the
        dose finder's answer and its attainment, then the label's regimen and
        its attainment; the background is the verdict (legend below the table);
        hovering shows each option's attainment interval and median trough.
    """
    points = {(p["ige_baseline_iu_ml"], p["weight_kg"]): p for p in table["points"]}
    name = {"us": "US", "eu": "EU"}[label]
    head = "".join(f"<th>{w:g} kg</th>" for w in table["weights_kg"])
    body = []
    for ige in table["ige_baseline_iu_ml"]:
        cells = [f"<th>{ige:g} IU/mL</th>"]
        for w in table["weights_kg"]:
            p = points.get((ige, w))
            if p is None:
                cells.append("<td>–</td>")
                continue
            rec, best = p["recommended"], p["best"]
            answer = (f"<b>{_short(rec['regimen'])}</b> {rec['attainment']:.2f}" if rec else
                      f"none ({_short(best['regimen'])} {best['attainment']:.2f})")
            lab = p[label]
            labelled = (f"{name} {_short(lab['regimen'])} {lab['attainment']:.2f}" if lab
                        else f"{name}: {p[f'{label}_verdict']}")
            colour = VERDICT_COLOURS[p[f"{label}_verdict"]]
            hover = "\n".join([f"{w:g} kg, {ige:g} IU/mL: {p[f'{label}_verdict']}",
                                *(_detail(k, p[k]) for k in ("recommended", "best", label)
                                  if p[k] is not None)])
            cells.append(f'<td class="left" style="background:{colour}" '
                         f'title="{html.escape(hover)}">{answer}<br>'
                         f'<small>{html.escape(labelled)}</small></td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    legend = " ".join(f'<span style="background:{c};padding:0 0.5em;border:1px solid #ccc">'
                      f"{html.escape(v)}</span>" for v, c in VERDICT_COLOURS.items()
                      if v != "EU dose not retrieved" or label == "eu")
    return (f'<div class="scroll"><table class="grid"><tr><th>mg</th>{head}</tr>'
            f"{''.join(body)}</table></div><p><small>{legend}</small></p>")
