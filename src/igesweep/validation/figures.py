"""Figure of igesweep's omalizumab against the published population models."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from igesweep.validation.comparison import QUANTITIES, trough_ratio_grid

#: Quantity column -> axis label.
QUANTITY_LABELS: dict[str, str] = {
    "free_ige_ng_ml": "free IgE (ng/mL)",
    "total_ige_ng_ml": "total IgE (ng/mL)",
    "total_drug_ug_ml": "total omalizumab (µg/mL)",
}
#: Model -> (legend label, line style) of the time courses.
MODEL_STYLES: dict[str, tuple[str, dict[str, object]]] = {
    "lowe_2009": ("Lowe 2009 (published)", {"color": "black", "lw": 2.0}),
    "hayashi_2007": ("Hayashi 2007 (published)", {"color": "0.55", "lw": 1.5, "ls": "--"}),
    "igesweep2_full": ("igesweep-2", {"color": "tab:green", "lw": 2.5}),
    "igesweep_full": ("igesweep-1, binding: full", {"color": "tab:blue", "lw": 2.0}),
    "igesweep_qe": ("igesweep-1, binding: qe", {"color": "tab:orange", "lw": 1.2, "ls": ":"}),
}


def plot_published_comparison(courses: Mapping[str, Mapping[str, pd.DataFrame]],
                              table: pd.DataFrame, *,
                              model: str = "igesweep_qe") -> Figure:
    """Time courses for a few typical patients and the trough-ratio map over the label grid.

    Parameters
    ----------
    courses : mapping of str to mapping of str to pandas.DataFrame
        Per patient label (a row of panels), per model, a course as returned by
        :func:`igesweep.validation.comparison.patient_courses`. Models without
        a style in :data:`MODEL_STYLES` are not drawn.
    table : pandas.DataFrame
        Output of :func:`igesweep.validation.comparison.compare_label_regimens`.
    model : str
        Model whose trough ratio to Lowe 2009 is mapped in the bottom row.

    Returns
    -------
    matplotlib.figure.Figure
        One row per patient (free IgE, total IgE, total drug over time) and a
        bottom row of heat-maps of ``model``/Lowe 2009 at the steady-state
        trough across baseline IgE × weight (blank: the label does not dose).
    """
    n_rows = len(courses) + 1
    fig, axes = plt.subplots(n_rows, len(QUANTITIES), figsize=(15, 3.2 * n_rows),
                             constrained_layout=True, squeeze=False)
    for row, (patient, by_model) in enumerate(courses.items()):
        for col, quantity in enumerate(QUANTITIES):
            ax = axes[row, col]
            for name, course in by_model.items():
                if name not in MODEL_STYLES:
                    continue
                label, style = MODEL_STYLES[name]
                ax.plot(course.index, course[quantity], label=label, **style)
            ax.set_yscale("log" if quantity == "free_ige_ng_ml" else "linear")
            ax.set_xlabel("time (day)")
            ax.set_ylabel(QUANTITY_LABELS[quantity])
            ax.set_title(patient, fontsize="medium")
    axes[0, 0].legend(fontsize="small")
    norm = matplotlib.colors.LogNorm(vmin=0.5, vmax=2.0)
    for col, quantity in enumerate(QUANTITIES):
        ax = axes[-1, col]
        grid = trough_ratio_grid(table, model, quantity)
        image = ax.imshow(grid.to_numpy(), origin="lower", cmap="RdBu_r", norm=norm,
                          aspect="auto")
        ax.set_xticks(np.arange(grid.shape[1]), [f"{w:g}" for w in grid.columns])
        ax.set_yticks(np.arange(grid.shape[0]), [f"{g:g}" for g in grid.index])
        for (i, j), value in np.ndenumerate(grid.to_numpy()):
            if np.isfinite(value):
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize="small")
        ax.set_xlabel("weight (kg)")
        ax.set_ylabel("baseline IgE (IU/mL)")
        ax.set_title(f"trough {QUANTITY_LABELS[quantity].split(' (')[0]}: "
                     f"{model} / Lowe 2009", fontsize="medium")
    bar = fig.colorbar(image, ax=axes[-1, :], label="trough ratio to Lowe 2009", shrink=0.8)
    bar.set_ticks([0.5, 0.7, 1.0, 1.4, 2.0], labels=["0.5", "0.7", "1", "1.4", "2"])
    bar.minorticks_off()
    fig.suptitle("Omalizumab on the US label regimens: igesweep vs the published "
                 "population models (typical patients)")
    return fig
