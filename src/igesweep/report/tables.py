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
        red (0) to green (1); -> ``"pass"``: boolean cells show pass (green) or
        fail (red).
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
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _attainment_colour(share: float) -> str:
    """Red (0) through yellow to green (1)."""
    share = min(max(share, 0.0), 1.0)
    red = int(255 * min(1.0, 2 * (1 - share)))
    green = int(200 * min(1.0, 2 * share))
    return f"rgb({red},{green},90)"
