"""Published observations the model is calibrated to or checked against.

Each :class:`Observation` carries the published number, the band within which a
simulated value counts as agreeing, the reason for that band, its source and the
dossier's provenance tag (F found in a source, D derived, M-H/M-M/M-L recalled
with high/medium/low confidence). ``role`` keeps the observations used to fit
catalogue values (``calibration``) apart from those that test the model
(``test``); ``input`` marks numbers the catalogue was built from, so agreement
there only checks the conversion.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["calibration", "test", "input"]

MACGLASHAN_1997 = ("MacGlashan DW Jr et al., J Immunol 1997;158:1438 (basophils, 3 months of IV "
                   "anti-IgE, free IgE ~1 % of baseline)")
MACGLASHAN_1998 = "MacGlashan DW Jr et al., Blood 1998;91:1633 (IgE up-regulates FcεRI in vitro)"
MALVEAUX_1978 = "Malveaux FJ et al., J Clin Invest 1978;62:176 (IgE per basophil vs serum IgE)"
BOULET_1997 = ("Boulet LP et al., Am J Respir Crit Care Med 1997;155:1835 (anti-IgE E25: "
               "allergen PC15 +2.3, +2.2, +2.7 doubling doses at days 27, 55, 77; free IgE -89 %)")
HARRIS_2016 = "Harris JM et al., Respir Res 2016;17:29 (quilizumab, 36 weeks)"
KASPERKIEWICZ_2018 = ("Kasperkiewicz M et al., Front Med 2018;5:27 (IgE-selective "
                      "immunoadsorption, 5 daily sessions per cycle)")
DUPILUMAB_AD = ("Dupilumab in atopic dermatitis, week-16 median total IgE vs placebo "
                "(researcher.life abstract 410, see dossier A5)")
LABEL_2003 = "Xolair US label 2003"
LOWE_2009 = "Lowe PJ et al., Br J Clin Pharmacol 2009;68:61-76"
HAYASHI_2007 = "Hayashi N et al., Br J Clin Pharmacol 2007;63:548-561"


@dataclass(frozen=True)
class Observation:
    """One published number and the band of agreement with it.

    Attributes
    ----------
    key : str
        Identifier used by calibrations, validation rows and tests.
    claim : str
        What was observed, in words (conditions included).
    value : float
        Published central value, in ``unit``.
    low, high : float
        Agreement band, in ``unit``; a simulated value in ``[low, high]`` agrees.
    unit : str
        Unit of ``value``, ``low`` and ``high``.
    band : str
        Why the band is what it is.
    source : str
        Citation.
    provenance : str
        Dossier tag: F, D, M-H, M-M or M-L.
    role : {"calibration", "test", "input"}
        Whether the number was fitted to, tests the model, or built the catalogue.
    """

    key: str
    claim: str
    value: float
    low: float
    high: float
    unit: str
    band: str
    source: str
    provenance: str
    role: Role

    def agrees(self, simulated: float) -> bool:
        """Whether ``simulated`` lies inside the agreement band."""
        return bool(self.low <= simulated <= self.high)


CALIBRATION_OBSERVATIONS: tuple[Observation, ...] = (
    Observation(
        "fceri_3_months", "Basophil FcεRI per cell after 3 months of anti-IgE, free IgE held near "
        "1 % of baseline (median of 15 subjects; baseline 220,000)", 8300, 6000, 11500, "1/cell",
        "Median of 15 subjects: ±0.33 on the log scale (about twice the 0.15 weight the fit "
        "gives it) covers the spread of a median and the cohort's unknown baseline IgE.",
        MACGLASHAN_1997, "F", "calibration"),
    Observation(
        "fceri_loss_half_life", "Half-time of the fall of basophil FcεRI once free IgE is "
        "suppressed (flow cytometry, 3 donors)", 3.0, 2.0, 4.5, "day",
        "Three donors: a factor 1.5 either way (the fit's weight is ±0.3 on the log scale).",
        MACGLASHAN_1997, "F", "calibration"),
    Observation(
        "threshold_fold_boulet", "Rise of the inhaled-allergen threshold (PC15) on anti-IgE, "
        "days 27, 55 and 77, free IgE -89 %: 2^2.2 to 2^2.7 (value: 2^2.4)", 5.278, 4.0, 7.0,
        "fold",
        "Published range 2^2.2 = 4.6 to 2^2.7 = 6.5, widened by ~10 % for the doubling-dose "
        "resolution of a PC15 test.", BOULET_1997, "F", "calibration"),
    Observation(
        "quilizumab_total_ige_week_36", "Total IgE on quilizumab monthly SC at week 36, relative "
        "to baseline (-30 to -40 %)", 0.65, 0.60, 0.70, "1",
        "The published range itself.", HARRIS_2016, "F", "calibration"),
    Observation(
        "immunoadsorption_cycle", "Total IgE right after a cycle of 5 daily IgE-selective "
        "immunoadsorption sessions, relative to before (-92 %)", 0.08, 0.06, 0.10, "1",
        "±25 % of the remaining fraction: the paper gives one mean.", KASPERKIEWICZ_2018, "F",
        "calibration"),
    Observation(
        "dupilumab_total_ige_week_16_adults", "Total IgE on dupilumab 300 mg q2w (600 mg "
        "loading) at week 16, relative to placebo, adults with atopic dermatitis (1,340 vs "
        "3,722 kU/L)", 0.360, 0.32, 0.40, "1",
        "±10 % of the ratio of two medians.", DUPILUMAB_AD, "F/D", "calibration"),
)

BY_KEY: dict[str, Observation] = {o.key: o for o in CALIBRATION_OBSERVATIONS}
