"""igesweep-2 (model.md §M2): steady state, accuracy against its reference, and Lowe 2009.

The bands below are the issue's, stated before the model ran: steady-state
trough free IgE on every approved US label cell within 0.85-1.15 of Lowe
2009 as published, total IgE within 0.75-1.33; model.md §8 accuracy under
all three binding options against ``tests/reference_igesweep2.py``.
"""

import functools
import math
from pathlib import Path

import numpy as np
import pytest

from igesweep import load_catalogue, parse_scenario, simulate
from igesweep.analysis.dosing_table import approved_cells
from igesweep.models import get_model
from igesweep.resolve import resolve
from igesweep.scenario import load_yaml
from igesweep.solver.kernels import load_kernels
from igesweep.validation.published import (
    PUBLISHED_IGE_NG_ML_PER_IU_ML,
    lowe_2009,
    sc_regimen,
    simulate_published,
)
from tests import reference_igesweep2 as ref
from tests.test_accuracy import FLOOR, TOLERANCE

MODEL = "igesweep-2"
THERAPIES = ("omalizumab", "ligelizumab", "medi4212", "quilizumab", "xmab7195",
             "strategy_b_bivalent_anti_ige")  # SC therapies
#: IV therapies on the cells (§M2.9), given SC here (the reference doses SC): the scFv on
#: cell-bound IgE (monovalent), the micelles on FcεRI (multivalent, killing), CTLA4-Fcε.
CELL_THERAPIES = ("anti_ige_scfv", "anti_fceri_fab_micelles", "ctla4_fce")


def lane(therapy="omalizumab", binding="full", weight_kg=70.0, ige_iu_ml=300.0, doses=(),
         times=(0.0, 1.0), therapy_params=None):
    return resolve(parse_scenario({
        "model": MODEL, "therapy": therapy, "binding": binding,
        "patient": {"weight_kg": weight_kg, "ige_baseline_iu_ml": ige_iu_ml},
        "therapy_params": therapy_params or {},
        "regimen": {"doses": [[d, mg, "sc"] for d, mg in doses]}, "times": list(times)}),
        load_catalogue())


@pytest.mark.parametrize("binding", ["full", "qe", "qss"])
@pytest.mark.parametrize("ige_iu_ml", [30.0, 300.0, 1500.0])
def test_untreated_patient_stays_at_baseline(binding, ige_iu_ml):
    k = load_kernels(MODEL, binding)
    r = k.derive(lane(binding=binding, ige_iu_ml=ige_iu_ml).parameter_vector())
    y, dy = np.empty(k.N_STATES), np.empty(k.N_STATES)
    k.initial_state(r, y)
    k.rhs(y, r, dy)
    scale = np.where(y != 0, np.abs(y), 1.0)
    assert np.max(np.abs(dy) / scale) < 1e-12
    assert y[k.I_E] * 190.0 == pytest.approx(2.42 * ige_iu_ml, rel=1e-14)


@pytest.mark.parametrize(("ige_iu_ml", "half_life_d"), [(50, 1.24), (300, 2.56), (700, 3.61)])
def test_ige_half_life_follows_lowe_production_as_documented(ige_iu_ml, half_life_d):
    """model.md §M2.1 quotes these half-lives at 70 kg; the kernel's kE must give them."""
    k = load_kernels(MODEL, "full")
    r = k.derive(lane(ige_iu_ml=ige_iu_ml).parameter_vector())
    assert math.log(2) / r[k.K_ke] == pytest.approx(half_life_d, abs=0.005)


def _check_against_reference(therapy, binding, therapy_params=None, mg=300.0):
    days = np.arange(0.0, 113.0, 1.0)
    doses = sc_regimen(mg, 28.0, 112.0)
    ln = lane(therapy, binding, 80.0, 450.0, doses, days.tolist(), therapy_params)
    ds = simulate({"model": MODEL, "therapy": therapy, "binding": binding,
                   "patient": {"weight_kg": 80.0, "ige_baseline_iu_ml": 450.0},
                   "therapy_params": therapy_params or {},
                   "regimen": {"doses": [[d, mg, "sc"] for d, mg in doses]},
                   "times": days.tolist()})
    assert int(ds["status"]) == 0
    expected = ref.solve(ln.values, binding, doses, days)
    for name, r in expected.items():
        big = np.abs(r) > FLOOR * np.max(np.abs(r))
        err = np.max(np.abs(ds[name].values[big] - r[big]) / np.abs(r[big]), initial=0.0)
        assert err <= TOLERANCE, f"{name}: relative error {err:.2e}"


@pytest.mark.parametrize("binding", ["full", "qe", "qss"])
@pytest.mark.parametrize("therapy", THERAPIES)
def test_matches_the_independent_reference_to_section_8(therapy, binding):
    _check_against_reference(therapy, binding)


@pytest.mark.parametrize("therapy", CELL_THERAPIES)
def test_drugs_on_the_cells_match_the_independent_reference(therapy):
    _check_against_reference(therapy, "full", {"bioavailability": 1.0, "ka": 1.0}, mg=20.0)


def test_the_reference_checks_every_output():
    days = np.array([0.0, 1.0])
    expected = ref.solve(lane().values, "full", [(0.0, 300.0)], days)
    assert set(expected) == set(get_model(MODEL).output_names)


@functools.cache
def label_cell_ratios():
    """Per approved US label cell: trough free and total IgE / Lowe 2009, and the highest
    free IgE (ng/mL) from day 7 on."""
    days = np.arange(0.0, 169.0)
    rows = []
    for cell in approved_cells():
        ige = (cell.ige_low_iu_ml + cell.ige_high_iu_ml) / 2
        weight = (cell.weight_low_kg + cell.weight_high_kg) / 2
        doses = sc_regimen(cell.dose_mg, cell.interval_days, 168.0)
        lowe = simulate_published(lowe_2009(weight, ige * PUBLISHED_IGE_NG_ML_PER_IU_ML), doses,
                                  days)
        ds = simulate({"model": MODEL, "therapy": "omalizumab",
                       "patient": {"weight_kg": weight, "ige_baseline_iu_ml": ige},
                       "regimen": {"doses": [[d, mg, "sc"] for d, mg in doses]},
                       "times": days.tolist(), "solver": {"rtol": 1e-8}})
        troughs = sorted({d for d, _ in doses if 112.0 <= d} | {168.0})
        free = ds["free_ige"].sel(time=troughs).values.mean()
        total = ds["total_ige"].sel(time=troughs).values.mean() * PUBLISHED_IGE_NG_ML_PER_IU_ML
        rows.append((cell.label, free / lowe["free_ige_ng_ml"].loc[troughs].mean(),
                     total / lowe["total_ige_ng_ml"].loc[troughs].mean(),
                     float(ds["free_ige"].sel(time=slice(7.0, None)).max())))
    return tuple(rows)


def test_label_cell_troughs_are_within_the_bands_of_lowe_2009():
    rows = label_cell_ratios()
    assert len(rows) == len(approved_cells()) > 15
    for label, free, total, _ in rows:
        assert 0.85 <= free <= 1.15, f"{label}: free IgE trough {free:.3f} x Lowe 2009"
        assert 0.75 <= total <= 1.33, f"{label}: total IgE trough {total:.3f} x Lowe 2009"


def test_free_ige_is_below_50_ng_ml_from_day_7_on_every_label_cell():
    """INNOVATE (Slavin et al., JACI 2009;123:107): on dosing-table treatment free IgE fell
    rapidly below 50 ng/mL (20.8 IU/mL) and stayed there."""
    for label, _, _, highest in label_cell_ratios():
        assert highest < 50.0, f"{label}: free IgE reaches {highest:.1f} ng/mL after day 7"


def terminal_half_life_d(days, total_drug, start=42.0, stop=84.0):
    """ln 2 over the log-linear slope of total drug between ``start`` and ``stop``."""
    window = (days >= start) & (days <= stop)
    slope = np.polyfit(days[window], np.log(total_drug[window]), 1)[0]
    return math.log(2) / -slope


def single_dose_half_lives(weight_kg, ige_ng_ml):
    """Terminal total-drug half-life (days) of igesweep-2 and of Lowe 2009, 150 mg SC once."""
    days = np.arange(0.0, 85.0)
    lowe = simulate_published(lowe_2009(weight_kg, ige_ng_ml), [(0.0, 150.0)], days)
    ds = simulate({"model": MODEL, "therapy": "omalizumab",
                   "patient": {"weight_kg": weight_kg,
                               "ige_baseline_iu_ml": ige_ng_ml / PUBLISHED_IGE_NG_ML_PER_IU_ML},
                   "regimen": {"doses": [[0.0, 150.0, "sc"]]}, "times": days.tolist()})
    return (terminal_half_life_d(days, ds["total_drug"].values),
            terminal_half_life_d(days, lowe["total_drug_ug_ml"].to_numpy()))


@pytest.mark.xfail(strict=True, reason=(
    "Issue 12's target for Hayashi's reference patient (61 kg, 811 ng/mL) conflicts with its "
    "item 1 (an untreated patient stays at baseline): Lowe's untreated total IgE for this "
    "patient falls from 811 to 379 ng/mL (its R/CL_E) within a week, so Lowe's terminal "
    "phase is that of a 379 ng/mL patient, with less IgE to clear drug as complex: 10.0 d "
    "here against 13.0 d. At 379 ng/mL both models are at steady state and agree (next test)."))
def test_single_dose_terminal_half_life_is_within_20_percent_of_lowe():
    """Hayashi 2007's reference patient (61 kg, 811 ng/mL), 150 mg SC once (issue 12)."""
    ours, theirs = single_dose_half_lives(61.0, 811.0)
    assert ours == pytest.approx(theirs, rel=0.2), (ours, theirs)


def test_single_dose_terminal_half_life_matches_lowe_where_lowe_is_at_steady_state():
    """The same at 379 ng/mL, Lowe's own untreated steady state (R/CL_E) at 61 kg and 811
    ng/mL: both models then start where they stay without drug; the issue's 20 % band."""
    ours, theirs = single_dose_half_lives(61.0, 379.0)
    assert ours == pytest.approx(theirs, rel=0.2), (ours, theirs)


def test_qss_departs_from_qe_for_a_picomolar_binder_and_follows_full_binding():
    """For MEDI4212 (1.95 pM) koff is comparable with complex elimination: QE is not the
    limit of the full model, QSS is (Gibiansky 2008)."""
    days = np.arange(0.0, 57.0, 7.0)
    doses = [(0.0, 300.0)]
    runs = {b: simulate({"model": MODEL, "therapy": "medi4212", "binding": b,
                         "regimen": {"doses": [[0.0, 300.0, "sc"]]}, "times": days.tolist()})
            for b in ("full", "qe", "qss")}
    assert all(int(ds["status"]) == 0 for ds in runs.values())
    full = runs["full"]["free_ige"].values[1:]
    err_qss = np.max(np.abs(runs["qss"]["free_ige"].values[1:] / full - 1))
    err_qe = np.max(np.abs(runs["qe"]["free_ige"].values[1:] / full - 1))
    assert err_qss < err_qe / 10, (err_qss, err_qe, doses)


@pytest.mark.parametrize(("z", "low_d", "high_d"), [(-1.645, 8.0, 14.0), (0.0, 5.0, 9.0),
                                                     (1.645, 3.0, 6.0)])
def test_tmax_of_the_catalogue_ka_variability_stays_near_the_label(z, low_d, high_d):
    """ka at the 5th, 50th and 95th percentile of the catalogue's variability (Hayashi's CV
    39.9 %) gives total-drug Tmax within the bands of model.md §M2.5 (label: 7-8 days on
    average), 150 mg once, reference patient."""
    block = load_catalogue().therapy_block("omalizumab", MODEL)
    omega2 = math.log(1.0 + block.variability["ka"].cv ** 2)
    ka = block.parameters["ka"].value * math.exp(z * math.sqrt(omega2))
    days = np.arange(0.0, 40.0, 0.1)
    ds = simulate({"model": MODEL, "therapy": "omalizumab", "therapy_params": {"ka": ka},
                   "regimen": {"doses": [[0.0, 150.0, "sc"]]}, "times": days.tolist()})
    tmax = float(days[int(np.argmax(ds["total_drug"].values))])
    assert low_d <= tmax <= high_d, tmax


EXAMPLES = Path(__file__).parents[2] / "config" / "examples"


@pytest.mark.parametrize("path", sorted(p for p in EXAMPLES.glob("*.yaml")
                                        if load_yaml(p).get("model") == MODEL),
                         ids=lambda p: p.stem)
def test_example_naming_igesweep_2_matches_the_reference(path):
    """The examples written for igesweep-2 (SC doses only) against its reference, model.md §8."""
    scenario = parse_scenario(load_yaml(path), str(path))
    ln = resolve(scenario, load_catalogue(), str(path))
    assert {kind for _, kind, _ in ln.events} == {"sc"}
    days = scenario.output_days()
    ds = simulate(scenario)
    expected = ref.solve(ln.values, scenario.binding, [(d, mg) for d, _, mg in ln.events], days)
    for name, r in expected.items():
        big = np.abs(r) > FLOOR * np.max(np.abs(r))
        err = np.max(np.abs(ds[name].values[big] - r[big]) / np.abs(r[big]), initial=0.0)
        assert err <= TOLERANCE, f"{name}: relative error {err:.2e}"
