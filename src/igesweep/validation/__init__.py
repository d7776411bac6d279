"""Validation of the therapy catalogue against published population models.

:mod:`igesweep.validation.published`
    The Hayashi 2007 and Lowe 2009 omalizumab–IgE quasi-equilibrium models as
    written in the papers (separate complex volume, ratio-dependent Kd).
"""

from igesweep.validation.published import (
    PublishedParameters,
    hayashi_2007,
    ige_iu_ml_to_published_ng_ml,
    lowe_2009,
    sc_regimen,
    simulate_published,
)

__all__ = [
    "PublishedParameters",
    "hayashi_2007",
    "ige_iu_ml_to_published_ng_ml",
    "lowe_2009",
    "sc_regimen",
    "simulate_published",
]
