"""The dose finder against closed forms, a brute-force sweep run as a user would, and the label."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from igesweep import load_catalogue, simulate
from igesweep.analysis.dose_finder import (
    DEFAULT_ATTAINMENT,
    DEFAULT_DRAWS,
    DEFAULT_SUBJECTS,
    DEFAULT_TARGET_NG_ML,
    STEADY_STATE_DAY,
    Option,
    attainments,
    describe,
    find_dose,
    options,
    simulate_troughs,
)
from igesweep.errors import InputError
from igesweep.sweep import open_sweep
from tests.processes import igesweep


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_options_are_the_labels_16_least_drug_first_longer_interval_on_ties():
    opts = options()
    assert len(opts) == 16
    assert {o.dose_mg for o in opts} == {75.0 * k for k in range(1, 9)}
    assert {o.interval_days for o in opts} == {14.0, 28.0}
    keys = [(o.mg_per_4_weeks, -o.interval_days) for o in opts]
    assert keys == sorted(keys)
    # 300 mg q4w and 150 mg q2w give the same 300 mg per 4 weeks: the q4w one comes first.
    assert opts.index(Option(300.0, 28.0)) + 1 == opts.index(Option(150.0, 14.0))


@pytest.mark.parametrize(("dose", "injections"), [(75, 1), (150, 1), (225, 2), (300, 2),
                                                  (375, 3), (450, 3), (525, 4), (600, 4)])
def test_injections_hold_at_most_150_mg_each(dose, injections):
    assert Option(float(dose), 28.0).injections == injections


def test_attainment_statistics_by_hand():
    # 2 draws x 4 patients; the target 10 separates below (True) from not.
    troughs = np.array([[1.0, 5.0, 20.0, 30.0],
                        [1.0, 15.0, 20.0, 9.0]])
    p, low, high, se, median = attainments(troughs, 10.0)
    assert p == 4 / 8
    # Per draw 2 of 4 and 2 of 4: the draws agree.
    assert low == high == 0.5
    # Per patient (over draws) 1, 0.5, 0, 0.5: the patients are the independent units.
    per_patient = np.array([1.0, 0.5, 0.0, 0.5])
    assert se == pytest.approx(per_patient.std(ddof=1) / 2.0)
    assert median == pytest.approx(12.0)


def test_cli_defaults_are_the_modules():
    from igesweep.cli import _parser

    args = _parser().parse_args(["dose", "--weight-kg", "70", "--ige-iu-ml", "300"])
    assert (args.subjects, args.draws) == (DEFAULT_SUBJECTS, DEFAULT_DRAWS)
    assert (args.target_ng_ml, args.attainment) == (DEFAULT_TARGET_NG_ML, DEFAULT_ATTAINMENT)


@pytest.fixture(scope="module")
def answer_in_label(catalogue):
    return find_dose(70.0, 300.0, catalogue, n_subjects=40, n_draws=5)


def test_the_answer_is_the_least_drug_that_reaches_the_asked_share(answer_in_label):
    a = answer_in_label
    assert a.recommended is not None
    assert a.recommended.probability >= a.attainment
    before = a.options[:a.options.index(a.recommended)]
    assert before and all(o.probability < a.attainment for o in before)
    for alt in a.alternatives:
        assert alt.probability >= a.attainment
        assert alt.option.sort_key() > a.recommended.option.sort_key()


def test_more_drug_never_leaves_a_patient_higher(answer_in_label):
    # Same virtual patients in every option (common random numbers): at one interval the
    # share below target cannot fall as the dose rises, and the median trough must fall.
    for interval in (14.0, 28.0):
        rows = sorted((o for o in answer_in_label.options if o.option.interval_days == interval),
                      key=lambda o: o.option.dose_mg)
        shares = [r.probability for r in rows]
        medians = [r.median_trough_ng_ml for r in rows]
        assert shares == sorted(shares)
        assert all(b < a for a, b in itertools.pairwise(medians))


def test_the_label_cell_and_its_regimen_are_reported(answer_in_label):
    a = answer_in_label
    assert a.label_cell is not None and a.label_cell.regimen_label == "225 mg q2w"
    assert a.label is not None and a.label.option == Option(225.0, 14.0)
    text = describe(a)
    assert "US label (>200–300 IU/mL, >60–70 kg): 225 mg q2w" in text
    assert f"Answer: {a.recommended.option.label}" in text


def test_outside_the_label_it_says_so_and_still_answers(catalogue):
    a = find_dose(40.0, 1000.0, catalogue, n_subjects=20, n_draws=2)
    assert a.label_cell is None and a.label is None
    assert any("Outside the US label table" in n for n in a.notes)
    assert len(a.options) == 16 and all(np.isfinite(o.probability) for o in a.options)
    assert a.recommended is not None or any("No label option" in n for n in a.notes)


def test_a_do_not_dose_cell_is_named(catalogue):
    a = find_dose(120.0, 500.0, catalogue, n_subjects=10, n_draws=2)
    assert a.label_cell is not None and not a.label_cell.approved
    assert any("do not dose" in n for n in a.notes)


@pytest.mark.parametrize(("kwargs", "option"), [
    ({"weight_kg": 0.0}, "--weight-kg"), ({"ige_iu_ml": float("nan")}, "--ige-iu-ml"),
    ({"attainment": 1.0}, "--attainment"), ({"target_ng_ml": -1.0}, "--target-ng-ml"),
    ({"n_subjects": 1}, "--subjects"), ({"therapy": "omalizumabb"}, "--therapy"),
    ({"therapy": "ligelizumab"}, "--therapy"), ({"model": "nope"}, "--model"),
])
def test_bad_arguments_name_the_option(catalogue, kwargs, option):
    args = {"weight_kg": 70.0, "ige_iu_ml": 300.0, **kwargs}
    with pytest.raises(InputError) as err:
        find_dose(args.pop("weight_kg"), args.pop("ige_iu_ml"), catalogue, **args)
    assert err.value.problems[0][0] == option


def test_the_steady_state_trough_is_reached_by_its_day():
    """The slowest case (light, high IgE, largest dose) doubled in length moves < 1 %."""
    def trough(until):
        ds = simulate({"therapy": "omalizumab",
                       "patient": {"weight_kg": 20, "ige_baseline_iu_ml": 1500},
                       "regimen": {"route": "sc", "dose_mg": 600, "interval_days": 28,
                                   "until_day": until},
                       "times": {"start": until - 28, "stop": until, "step": 28},
                       "metrics": {"window_days": [until - 28, until]}})
        return float(ds["trough_free_ige"])
    assert trough(2 * STEADY_STATE_DAY) == pytest.approx(trough(STEADY_STATE_DAY), rel=0.01)


_BRUTE_FORCE = """\
therapy: omalizumab
model: igesweep-2
patient: {{weight_kg: {weight}, ige_baseline_iu_ml: {ige}}}
regimen: {{route: sc, dose_mg: 75, interval_days: 14, until_day: 252}}
times: {{start: 0, stop: 252, step: 7}}
metrics: {{target_free_ige_ng_ml: 25, window_days: [245, 252]}}
grid:
  regimen.dose_mg: [75, 150, 225, 300, 375, 450, 525, 600]
  regimen.interval_days: [14, 28]
population: {{n: {n}, seed: 1}}
uncertainty: {{n: {draws}, seed: 2}}
output: {{variables: [free_ige]}}
"""


@pytest.mark.parametrize(("weight", "ige"), [(70.0, 300.0), (45.0, 900.0)])
def test_the_answer_matches_a_brute_force_sweep(tmp_path, catalogue, weight, ige):
    """``igesweep sweep`` (Dask, zarr) over every option, then the least one by hand."""
    n, draws = 30, 4
    sweep = tmp_path / "brute.yaml"
    sweep.write_text(_BRUTE_FORCE.format(weight=weight, ige=ige, n=n, draws=draws))
    store = tmp_path / "brute.zarr"
    run = igesweep("sweep", sweep, "-o", store, "--workers", "2", "--quiet")
    assert run.returncode == 0, run.stderr
    with open_sweep(store) as ds:
        brute = ds["trough_free_ige"].values  # dose, interval, draw, subject
        assert (ds["status"].values == 0).all()
    troughs = simulate_troughs(weight, ige, catalogue, n_subjects=n, n_draws=draws)
    # Same virtual patients, same kernel: equal up to the solver's grouping of lanes.
    np.testing.assert_allclose(troughs, brute, rtol=1e-4)
    shares = (troughs < 25.0).mean(axis=(2, 3))
    doses, intervals = [75.0 * k for k in range(1, 9)], [14.0, 28.0]
    qualifying = sorted((d * 28 / i, -i, d, i) for a, d in enumerate(doses)
                        for b, i in enumerate(intervals) if shares[a, b] >= 0.9)
    answer = find_dose(weight, ige, catalogue, n_subjects=n, n_draws=draws)
    for o in answer.options:
        a, b = doses.index(o.option.dose_mg), intervals.index(o.option.interval_days)
        assert o.probability == shares[a, b]
    if qualifying:
        assert answer.recommended is not None
        assert answer.recommended.option == Option(qualifying[0][2], qualifying[0][3])
    else:
        assert answer.recommended is None


def test_cli_answers_as_json_and_refuses_bad_input(tmp_path):
    ok = igesweep("dose", "--weight-kg", "80", "--ige-iu-ml", "150", "--subjects", "20",
                  "--draws", "3", "--json")
    assert ok.returncode == 0, ok.stderr
    out = json.loads(ok.stdout)
    assert out["us_label"]["regimen"] == "300 mg q4w"
    assert len(out["options"]) == 16
    rec = out["recommended"]
    cheaper = [o for o in out["options"] if o["mg_per_4_weeks"] < rec["mg_per_4_weeks"]]
    assert rec["attainment"] >= 0.9 and all(o["attainment"] < 0.9 for o in cheaper)
    bad = igesweep("dose", "--weight-kg", "-1", "--ige-iu-ml", "150", "--attainment", "1.5",
                   timeout=120)
    assert bad.returncode == 2
    assert "--weight-kg" in bad.stderr and "--attainment" in bad.stderr
    assert bad.stdout == ""


def test_the_most_effective_option_breaks_ties_on_the_median_trough():
    from igesweep.analysis.dose_finder import Attainment, most_effective

    none = [Attainment(Option(75.0, 28.0), 0.0, 0.0, 0.0, 0.0, 900.0),
            Attainment(Option(600.0, 14.0), 0.0, 0.0, 0.0, 0.0, 80.0),
            Attainment(Option(300.0, 28.0), 0.0, 0.0, 0.0, 0.0, 400.0)]
    assert most_effective(none).option == Option(600.0, 14.0)
    none[0] = Attainment(Option(75.0, 28.0), 0.1, 0.0, 0.2, 0.05, 900.0)
    assert most_effective(none).option == Option(75.0, 28.0)
