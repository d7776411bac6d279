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

HAMILTON_2005 = "Hamilton RG et al., J Immunol Methods 2005 (12 asthmatics, real-world dosing)"
LIN_2004 = "Lin H et al., J Allergy Clin Immunol 2004;113:297 (nasal challenge study)"
ECKMAN_2010 = "Eckman JA et al., J Allergy Clin Immunol 2010;125:889"
SLAVIN_2009 = "Slavin RG et al., J Allergy Clin Immunol 2009;123:107 (INNOVATE)"
ZHU_TABLE_GOAL = "Zhu R et al., US vs EU dosing-table simulation (dossier B3)"
ARASI_2023 = "Arasi S et al., World Allergy Organ J 2023 (children, food allergy)"
CSU_LABEL = "Xolair label, chronic spontaneous urticaria (via druggenius)"
CMAB007_2012 = "CMAB007 phase I, mAbs 2012;4:110"
LABEL_ASTHMA = "Xolair US label (asthma), via druggenius"

TEST_OBSERVATIONS: tuple[Observation, ...] = (
    Observation(
        "tmax_sc", "Time to peak serum omalizumab after one SC dose", 7.5, 6.0, 8.0, "day",
        "Label 7-8 d; the biosimilar CMAB007 6-8 d.", LABEL_2003, "F", "test"),
    Observation(
        "half_life_asthma", "Elimination half-life of serum omalizumab (asthma)", 26.0, 19.5,
        32.5, "day", "±25 %: a population mean of non-compartmental estimates.",
        LABEL_ASTHMA, "F", "test"),
    Observation(
        "half_life_csu", "Elimination half-life of serum omalizumab (chronic spontaneous "
        "urticaria)", 24.0, 18.0, 30.0, "day", "±25 %, as for asthma.", CSU_LABEL, "F", "test"),
    Observation(
        "label_cl_over_f", "Apparent clearance CL/F of omalizumab (asthma; 2.4 ± 1.1 mL/kg/day)",
        2.4, 1.3, 3.5, "mL/kg/day", "Mean ± SD.", LABEL_ASTHMA, "F", "test"),
    Observation(
        "half_life_total_hayashi", "Terminal half-life of total omalizumab after one SC dose "
        "(75-375 mg, Japanese atopic volunteers, mean IgE 811 ng/mL)", 18.2, 13.65, 22.75, "day",
        "±25 %: non-compartmental estimate.", HAYASHI_2007 + ", p. 558", "F", "test"),
    Observation(
        "ige_half_life_hayashi", "Half-life of free serum IgE (Hayashi 2007 model; the "
        "catalogue takes Lowe 2009's 1.68 d)", 2.4, 1.8, 3.0, "day",
        "±25 %: a second population model's typical value.", HAYASHI_2007, "F", "input"),
    Observation(
        "onset_one_hour", "Free IgE falls within 1 h of the first dose (fall at 1 h)", 0.10, 0.10,
        1.0, "1", "A fall of at least 10 % counts as measurable.", LABEL_2003, "F", "test"),
    Observation(
        "innovate_below_50", "Free IgE below 50 ng/mL soon after starting dosing-table "
        "treatment (share of table cells below 50 ng/mL on every day 7-168)", 1.0, 0.9, 1.0,
        "1", "'Rapidly below 50 ng/mL' for the cohort: at least 90 % of cells.", SLAVIN_2009, "F",
        "test"),
    Observation(
        "table_goal_25", "Mean free IgE on dosing-table treatment (design goal of the tables; "
        "mean over cells of the weeks 12-24 average)", 25.0, 0.0, 30.0, "ng/mL",
        "'≈25 ng/mL or less': up to 20 % above.", ZHU_TABLE_GOAL, "F", "test"),
    Observation(
        "hamilton_one_month", "Free-IgE decrease 1 month into treatment (real-world: -49 % to "
        "-97 %; median over table cells)", 0.73, 0.49, 0.97, "1",
        "The published range of 12 patients.", HAMILTON_2005, "F", "test"),
    Observation(
        "hamilton_three_months", "Free-IgE decrease 3 months into treatment (real-world: -45 % "
        "to -98 %; median over table cells)", 0.72, 0.45, 0.98, "1",
        "The published range of 12 patients.", HAMILTON_2005, "F", "test"),
    Observation(
        "molar_ratio_90", "Omalizumab:IgE molar ratio needed for a >90 % fall of free IgE "
        "(reference patient, equilibrium)", 6.3, 2.0, 20.0, "1",
        "The published range 2-20 (value: its geometric middle).", HAMILTON_2005, "F", "test"),
    Observation(
        "total_ige_after_stopping", "Total IgE stays above pre-treatment for up to 1 year after "
        "stopping (days from the last dose until total IgE is within 5 % of baseline)", 365.0,
        90.0, 365.0, "day", "'Up to 1 year': raised for months, back within the year.",
        "Xolair label (drugs.com dosing page)", "F", "test"),
    Observation(
        "accumulation_csu", "Accumulation of serum omalizumab, trough day 336 / day 112, 300 mg "
        "q4w (CSU)", 1.25, 1.1, 1.4, "1", "The published range 1.1-1.4.", CSU_LABEL, "F", "test"),
    Observation(
        "steady_state_third_dose", "Serum omalizumab at steady state after the 3rd q4w dose "
        "(trough before dose 4 / trough at week 48)", 1.0, 0.9, 1.1, "1",
        "Steady state taken as within 10 %.", CMAB007_2012, "F", "test"),
    Observation(
        "fceri_day_14_lin", "Basophil FcεRI decrease by day 14 (median -73 %, maximum reached "
        "within 14 d)", 0.73, 0.63, 0.83, "1", "±10 points around a median.", LIN_2004, "F",
        "test"),
    Observation(
        "fceri_day_10_eckman", "Basophil FcεRI decrease by day 10 (>80 % in 8 of 11)", 0.80, 0.80,
        1.0, "1", "'>80 % in 8 of 11': the median exceeds 80 %.", ECKMAN_2010, "F", "test"),
    Observation(
        "basophil_response_3_months", "Fall of the basophil response to D. farinae after 3 "
        "months of anti-IgE", 0.90, 0.80, 0.97, "1",
        "A response at one allergen dose on a bell-shaped curve: -80 % to -97 %.",
        MACGLASHAN_1997, "F", "test"),
    Observation(
        "histamine_release_eckman", "Fall of allergen-induced basophil histamine release midway "
        "through 3.5 months of omalizumab", 0.74, 0.64, 0.84, "1",
        "±10 points around one study's value.", ECKMAN_2010, "F", "test"),
    Observation(
        "fceri_upregulation_ec50", "Serum IgE at which FcεRI expression is half-way up "
        "(in vitro up-regulation EC50)", 230.0, 115.0, 460.0, "ng/mL",
        "A factor 2: one in vitro system.", MACGLASHAN_1998, "F", "test"),
    Observation(
        "ige_per_basophil_range", "Fold range of IgE per basophil (6,000-600,000) across serum "
        "IgE 2.6-5,500 ng/mL", 100.0, 30.0, 300.0, "fold",
        "A factor 3: ends of a scatter (r = 0.95).", MALVEAUX_1978, "F", "test"),
    Observation(
        "immunoadsorption_children", "Fold fall of total IgE after 2-4 sessions (children; here "
        "3 daily sessions)", 10.9, 5.45, 21.8, "fold",
        "A factor 2: session spacing not reported.", ARASI_2023, "F", "test"),
    Observation(
        "immunoadsorption_per_session", "Mean fall of total IgE per session from 3,948 kU/L "
        "(children; here 3 daily sessions)", 1959.0, 1306.0, 2939.0, "IU/mL",
        "A factor 1.5: a mean over sessions of unreported spacing.", ARASI_2023, "F", "test"),
)

#: Observations the model cannot speak to, with the reason.
NOT_ASSESSED: tuple[tuple[str, str, str], ...] = (
    ("Free IgE and skin tests back to baseline by day 378 after a low-dose phase",
     "Corren 2008", "The low-dose phase's doses per patient are not in the dossier."),
    ("Free-IgE recovery 1.3 d (3 mg) to 39 d (100 mg) after CGP 51901", "Corne 1997",
     "CGP 51901 is not in the catalogue (no PK beyond a half-life)."),
    ("Skin mast cells change more slowly than basophils (day 70, not day 7)", "Beck 2004",
     "igesweep-2 has mast cells (docs/model.md §M2.8) and they fall later than its basophils "
     "(tests/models/test_effector.py), but the size of the skin changes is not in what was "
     "read (the abstract), so there is no band to test against."),
    ("Apparent volume V/F of omalizumab 78 ± 32 mL/kg", "Xolair US label",
     "Removed: a parameter of the label's analysis compared with a parameter of another "
     "structural model (Lowe 2009's V/F, 133 mL/kg, shared by drug and IgE), and the number "
     "was recalled, not read in the label."),
    ("Mean decrease of free IgE > 96 % at steady state on the recommended doses",
     "Xolair US label", "Removed until read in the label: the number was recalled."),
    ("Ligelizumab suppresses free IgE longer than omalizumab", "Arm 2014",
     "Removed until read in the paper: the result was recalled (only the design was read)."),
    ("Total IgE about -70 % at week 52 on dupilumab (asthma)", "QUEST (Castro 2018)",
     "Removed until read in the paper: the number was recalled."),
    ("Dendritic-cell FcεRI -42 % to -54 % per 10-fold fall of IgE", "Prussin 2003",
     "Dendritic cells are not modelled."),
    ("Basophil intrinsic sensitivity ×6 to ×12 on omalizumab", "MacGlashan & Saini 2013",
     "No intrinsic-sensitivity state; absorbed into crosslink_exponent."),
    ("Free-IgE IC50 for FEV1 19.8 ng/mL (adults)", "Zhu 2023", "No lung-function output."),
    ("MEDI4212 lowers free IgE ~10× more than omalizumab ex vivo", "Cohen 2014",
     "The assay's concentrations are not in the dossier."),
    ("Dupilumab week-16 IgE in children (0.23-0.39 of placebo)", "Dupilumab AD abstract",
     "No age-dependent parameters."),
    ("Typical no-drug free IgE 317 (Lowe) and 427 ng/mL (Hayashi) vs reference IgE0",
     "Lowe 2009; Hayashi 2007",
     "Structural: igesweep starts every patient at the exact steady state of its baseline."),
    ("Basophil response to anti-IgE -40 % (vs -90 % to allergen) after 3 months",
     "MacGlashan 1997",
     "One response per cell: anti-IgE cross-links every bound IgE, allergen only the specific "
     "share, and the model does not separate them."),
    ("Nasal allergen response 30 % -> 20.4 % (days 7-14) -> 12.2 % (days 35-42)", "Lin 2004",
     "An organ-level symptom score; effector_response is a cellular response."),
    ("Basophil 'effectivity' 95.8 % after 16 weeks", "Noga 2008",
     "The metric's definition is not in the dossier."),
    ("Basophil allergen sensitivity peaks ~4 months after stopping 6 years of omalizumab",
     "Nopp 2007", "No basophil-sensitivity (CD-sens) output; 6-year courses not modelled."),
    ("Food threshold up to 51.8-fold after IgE immunoadsorption", "Arasi 2023",
     "A maximum over patients; the challenge's timing relative to the sessions is not in the "
     "dossier."),
)

BY_KEY.update({o.key: o for o in TEST_OBSERVATIONS})
