"""The optimised dosing table: the dose finder over a weight × IgE grid, against the labels.

Each grid point is a patient; the dose finder's answer there
(:func:`igesweep.analysis.dose_finder.decide`) is compared with the regimen
of the label cell that holds the point:

- ``agree``: the label's regimen is the finder's answer;
- ``lower dose suffices``: the label's regimen reaches the asked share, and
  an option with less drug per 4 weeks does too;
- ``longer interval suffices``: the label's regimen reaches the asked share,
  and the same drug per 4 weeks given half as often does too;
- ``label falls short``: the label's regimen does not reach the asked share;
- ``not in label``: the label gives no regimen there (outside its table, or
  "do not dose");
- ``EU dose not retrieved``: the EU cell says q2w, whose Table 3 doses the
  dossier could not extract (§B2), or its row was cut off.

The US table is :data:`igesweep.analysis.dosing_table.US_LABEL_TABLE`. The EU
table (:data:`EU_Q4W_DOSES_MG`) is the EU SmPC's Table 2 (every 4 weeks) as
re-assembled in the project's literature dossier (``pkpd-literature.md`` §B2,
from flattened copies of the SmPC: http://www.120ty.net/bencandy.php?fid=131&id=27867
and https://info.5y1.org/churg-strauss-rash_1_1da986.html); its q2w Table 3
is unknown there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from igesweep.analysis.dose_finder import (
    Attainment,
    DoseAnswer,
    Option,
    decide,
    most_effective,
)
from igesweep.analysis.dosing_table import in_bin

#: EU table row edges, pre-treatment IgE (IU/mL); the first row includes 30.
EU_IGE_EDGES_IU_ML: tuple[float, ...] = (30.0, 100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 700.0)
#: EU table column edges, body weight (kg); every column excludes its lower edge.
EU_WEIGHT_EDGES_KG: tuple[float, ...] = (20.0, 25.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0,
                                         125.0, 150.0)
_Q2W = "q2w"
#: mg every 4 weeks; "q2w": see Table 3 (not retrieved); None: cut off in the source text.
EU_Q4W_DOSES_MG: tuple[tuple[float | str | None, ...], ...] = (
    (75, 75, 75, 150, 150, 150, 150, 150, 300, 300),                     # ≥30–100
    (150, 150, 150, 300, 300, 300, 300, 300, 450, 600),                  # >100–200
    (150, 150, 225, 300, 300, 450, 450, 450, 600, _Q2W),                 # >200–300
    (225, 225, 300, 450, 450, 450, 600, 600, _Q2W, _Q2W),                # >300–400
    (225, 300, 450, 450, 600, 600, _Q2W, _Q2W, _Q2W, _Q2W),              # >400–500
    (300, 300, 450, 600, 600, _Q2W, _Q2W, _Q2W, _Q2W, _Q2W),             # >500–600
    (300, 450, 600, _Q2W, None, None, None, None, None, None),           # >600–700
)

AGREE = "agree"
LOWER = "lower dose suffices"
LONGER = "longer interval suffices"
SHORT = "label falls short"
NOT_IN_LABEL = "not in label"
EU_UNKNOWN = "EU dose not retrieved"
#: Every verdict, in the order the report lists them.
VERDICTS = (AGREE, LOWER, LONGER, SHORT, NOT_IN_LABEL, EU_UNKNOWN)


def _bin(x: float, edges: Sequence[float], include_first: bool) -> int | None:
    first = edges[0] if include_first else math.nan
    return next((i for i in range(len(edges) - 1)
                 if in_bin(x, edges[i], edges[i + 1], first)), None)


def eu_regimen(ige_iu_ml: float, weight_kg: float) -> Option | str:
    """The EU Table 2 regimen of a patient.

    Returns
    -------
    Option or str
        The q4w option; :data:`EU_UNKNOWN` where the EU table says q2w (dose
        not retrieved) or its cell was cut off; :data:`NOT_IN_LABEL` outside
        the table.
    """
    i = _bin(ige_iu_ml, EU_IGE_EDGES_IU_ML, include_first=True)
    j = _bin(weight_kg, EU_WEIGHT_EDGES_KG, include_first=False)
    if i is None or j is None:
        return NOT_IN_LABEL
    dose = EU_Q4W_DOSES_MG[i][j]
    if not isinstance(dose, int | float):
        return EU_UNKNOWN
    return Option(float(dose), 28.0)


def verdict(answer: DoseAnswer, label: Attainment | None) -> str:
    """How a label regimen compares with the finder's answer (module docstring)."""
    if label is None:
        return NOT_IN_LABEL
    if label.probability < answer.attainment:
        return SHORT
    assert answer.recommended is not None  # the label's option itself qualifies
    if answer.recommended.option == label.option:
        return AGREE
    if answer.recommended.option.mg_per_4_weeks < label.option.mg_per_4_weeks:
        return LOWER
    return LONGER


def _option(a: Attainment | None) -> dict[str, Any] | None:
    return None if a is None else {"regimen": a.option.label,
                                   "mg_per_4_weeks": a.option.mg_per_4_weeks,
                                   "attainment": a.probability,
                                   "attainment_draw_p05": a.draw_low,
                                   "attainment_draw_p95": a.draw_high,
                                   "attainment_monte_carlo_se": a.monte_carlo_se,
                                   "median_trough_ng_ml": a.median_trough_ng_ml}


def grid_point(answer: DoseAnswer) -> dict[str, Any]:
    """One grid point's row: the answer, and both labels with their verdicts."""
    by_option = {a.option: a for a in answer.options}
    eu = eu_regimen(answer.ige_iu_ml, answer.weight_kg)
    eu_att = by_option[eu] if isinstance(eu, Option) else None
    best = most_effective(answer.options)
    return {
        "weight_kg": answer.weight_kg, "ige_baseline_iu_ml": answer.ige_iu_ml,
        "recommended": _option(answer.recommended), "best": _option(best),
        "us": _option(answer.label),
        "us_verdict": verdict(answer, answer.label),
        "eu": _option(eu_att),
        "eu_verdict": verdict(answer, eu_att) if isinstance(eu, Option) else eu,
    }


def optimised_table(troughs: np.ndarray, weights_kg: Sequence[float],
                    iges_iu_ml: Sequence[float], *, target_ng_ml: float, attainment: float,
                    n_draws: int) -> dict[str, Any]:
    """The dose finder at every grid point, compared with the US and EU tables.

    Parameters
    ----------
    troughs : ndarray, shape (n_points, n_doses, n_intervals, n_draws, n_subjects)
        Steady-state trough free IgE (ng/mL) as :func:`~igesweep.analysis.
        dose_finder.simulate_troughs` gives per point.
    weights_kg, iges_iu_ml : sequence of float, length n_points
        The grid points' patients.
    target_ng_ml, attainment : float
        Free-IgE target and the share of patients that must reach it.
    n_draws : int
        Parameter draws simulated (0: none).

    Returns
    -------
    dict
        ``points`` (one :func:`grid_point` row each, in input order),
        ``weights_kg`` and ``ige_baseline_iu_ml`` (the sorted distinct values),
        ``target_free_ige_ng_ml``, ``attainment``, ``counts`` (per label, the
        number of points per verdict).
    """
    points = [grid_point(decide(troughs[k], float(w), float(e), target_ng_ml=target_ng_ml,
                                attainment=attainment, n_draws=n_draws))
              for k, (w, e) in enumerate(zip(weights_kg, iges_iu_ml, strict=True))]
    counts = {label: {v: sum(p[f"{label}_verdict"] == v for p in points) for v in VERDICTS}
              for label in ("us", "eu")}
    return {"points": points, "weights_kg": sorted({float(w) for w in weights_kg}),
            "ige_baseline_iu_ml": sorted({float(e) for e in iges_iu_ml}),
            "target_free_ige_ng_ml": target_ng_ml, "attainment": attainment,
            "n_draws": n_draws, "n_subjects": int(troughs.shape[-1]), "counts": counts}


def key_findings(table: dict[str, Any]) -> list[str]:
    """Sentences with numbers, generated from :func:`optimised_table`'s result."""
    target, share = table["target_free_ige_ng_ml"], table["attainment"]
    out = []
    for label, name in (("us", "US (≥ 12 years)"), ("eu", "EU")):
        c = table["counts"][label]
        shares = [p[label]["attainment"] for p in table["points"] if p[label] is not None]
        if not shares:
            continue
        medians = [p[label]["median_trough_ng_ml"] for p in table["points"]
                   if p[label] is not None]
        reached = c[AGREE] + c[LOWER] + c[LONGER]
        out.append(f"At the {len(shares)} grid points inside the {name} table, the label's "
                   f"regimen keeps free IgE below {target:g} ng/mL at the steady-state trough "
                   f"in a median {np.median(shares):.0%} of virtual patients (range "
                   f"{min(shares):.0%}–{max(shares):.0%}); it reaches {share:.0%} at "
                   f"{reached} of them"
                   + (f"; at {c[LOWER]} of those a smaller dose would do, at {c[LONGER]} the "
                      "same dose half as often." if reached else ".")
                   + f" Its median patient's trough is below {target:g} ng/mL at "
                     f"{sum(m < target for m in medians)} of the {len(medians)} (the tables "
                     "were designed for a mean free IgE of about 25 ng/mL).")
    points = table["points"]
    none = [p for p in points if p["recommended"] is None]
    if none:
        worst = max(none, key=lambda p: (p["ige_baseline_iu_ml"], p["weight_kg"]))
        out.append(f"No label option (up to 600 mg every 2 weeks) keeps {share:.0%} of virtual "
                   f"patients below {target:g} ng/mL at "
                   f"{len(none)} of {len(points)} grid points, e.g. "
                   f"{worst['weight_kg']:g} kg with {worst['ige_baseline_iu_ml']:g} IU/mL "
                   f"(best {worst['best']['regimen']}: "
                   f"{worst['best']['attainment']:.0%}).")
    return out
