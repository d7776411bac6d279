"""Validation of the therapy catalogue against published data and population models.

:mod:`igesweep.validation.table`
    Every published observation the model can speak to (``igesweep.literature``)
    next to the simulated value, with its band and pass/fail.
:mod:`igesweep.validation.published`
    The Hayashi 2007 and Lowe 2009 omalizumab–IgE quasi-equilibrium models as
    written in the papers (separate complex volume, ratio-dependent Kd).
:mod:`igesweep.validation.steps`
    Step by step from Lowe 2009 to the catalogue's omalizumab entry, to
    attribute their differences to each structural choice.
:mod:`igesweep.validation.comparison`
    The catalogue's omalizumab against both published models on the US label
    regimens, for typical patients across weight and baseline IgE.
:mod:`igesweep.validation.figures`
    The comparison as a figure.
"""

from igesweep.validation.comparison import (
    compare_label_regimens,
    compare_patients,
    label_cell_patients,
    label_regimen_courses,
    patient_courses,
    summarise_courses,
    trough_ratio_grid,
)
from igesweep.validation.figures import plot_published_comparison
from igesweep.validation.published import (
    PublishedParameters,
    hayashi_2007,
    ige_iu_ml_to_published_ng_ml,
    lowe_2009,
    sc_regimen,
    simulate_published,
)
from igesweep.validation.steps import STEP_NAMES, lowe_to_catalogue_steps
from igesweep.validation.table import not_assessed_table, validation_table

__all__ = [
    "STEP_NAMES",
    "PublishedParameters",
    "compare_label_regimens",
    "compare_patients",
    "hayashi_2007",
    "ige_iu_ml_to_published_ng_ml",
    "label_cell_patients",
    "label_regimen_courses",
    "lowe_2009",
    "lowe_to_catalogue_steps",
    "not_assessed_table",
    "patient_courses",
    "plot_published_comparison",
    "sc_regimen",
    "simulate_published",
    "summarise_courses",
    "trough_ratio_grid",
    "validation_table",
]
