"""Lockstep groups of lanes against the per-lane kernel and the scipy reference (model.md §8)."""

import dataclasses

import numpy as np
import pytest

from igesweep import parse_scenario
from igesweep.packing import pack_lanes
from igesweep.parameters import INDEX
from igesweep.resolve import resolve
from igesweep.scenario import load_yaml
from igesweep.solver import solve_batch
from igesweep.solver.batch import form_groups
from igesweep.solver.kernels import load_kernels
from igesweep.solver.status import STATUS_NON_FINITE, STATUS_OK
from tests.reference import MODEL, OUTPUT_NAMES, solve_reference
from tests.test_accuracy import CATALOGUE, EXAMPLES, TOLERANCE, section8_error

LANE_STRIDE = load_kernels(MODEL).LANE_STRIDE

#: The reference patient, then the corners of the sweep grid (IgE 30-1500 IU/mL, 20-150 kg).
PATIENTS = [
    {},
    {"ige_baseline_iu_ml": 30.0, "weight_kg": 20.0},
    {"ige_baseline_iu_ml": 1500.0, "weight_kg": 150.0},
    {"ige_baseline_iu_ml": 1500.0, "weight_kg": 20.0},
    {"ige_baseline_iu_ml": 30.0, "weight_kg": 150.0},
]
OMALIZUMAB = {
    "model": MODEL,
    "therapy": "omalizumab",
    "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 13},
    "times": {"start": 0, "stop": 364, "step": 7},
}


def lanes_of(scenario, patients=PATIENTS):
    """The scenario's lane with each patient's values."""
    lane = resolve(scenario, CATALOGUE)
    return [dataclasses.replace(lane, values={**lane.values, **p}) for p in patients]


def outputs(res, i):
    return {name: res.outputs[v, i] for v, name in enumerate(OUTPUT_NAMES)}


def solve_as_one_group(lanes, times):
    """Results of the lanes run as one lockstep group, and one lane at a time."""
    batch = pack_lanes(lanes, times)
    _, widths = form_groups(batch)
    assert widths.tolist() == [len(lanes)]
    return solve_batch(batch, parallel=False, grouped=True), solve_batch(batch, parallel=False)


@pytest.mark.parametrize("binding", ["full", "qe"])
def test_group_of_very_different_patients_matches_per_lane_and_reference(binding):
    scenario = parse_scenario({**OMALIZUMAB, "binding": binding})
    lanes = lanes_of(scenario)
    times = scenario.output_days()
    group, single = solve_as_one_group(lanes, times)
    assert (group.status == STATUS_OK).all()
    for i, lane in enumerate(lanes):
        ref = solve_reference(lane.values, lane.events, times, binding=binding)
        assert max(section8_error(outputs(group, i), ref).values()) <= TOLERANCE
        assert max(section8_error(outputs(group, i), outputs(single, i)).values()) <= TOLERANCE
    # the group steps together: as often as its hardest lane, or more
    assert (group.stats[:, 0] == group.stats[0, 0]).all()
    assert group.stats[0, 0] >= single.stats[:, 0].max()


def _every_scenario():
    examples = [pytest.param({**load_yaml(p), "model": MODEL}, id=p.stem) for p in EXAMPLES]
    therapies = [
        pytest.param({"model": MODEL, "therapy": t, "regimen": "usual", "binding": b,
                      "times": {"start": 0, "stop": 364, "step": 1}}, id=f"{t}-{b}")
        for t in sorted(CATALOGUE.therapies) for b in ("full", "qe")
    ]
    return examples + therapies


@pytest.mark.parametrize("data", _every_scenario())
def test_reference_patient_in_a_group_with_extreme_patients_matches_reference(data):
    scenario = parse_scenario(data)
    lanes = lanes_of(scenario)
    times = scenario.output_days()
    group, _ = solve_as_one_group(lanes, times)
    assert (group.status == STATUS_OK).all()
    ref = solve_reference(lanes[0].values, lanes[0].events, times, binding=scenario.binding)
    errors = section8_error(outputs(group, 0), ref)
    worst = max(errors, key=errors.get)
    assert errors[worst] <= TOLERANCE, f"{worst}: relative error {errors[worst]:.2e}"


def test_failing_lane_leaves_the_rest_of_its_group_alone():
    scenario = parse_scenario(OMALIZUMAB)
    lanes = lanes_of(scenario, [*PATIENTS[:2], {"weight_kg": float("nan")}, *PATIENTS[2:]])
    group, single = solve_as_one_group(lanes, scenario.output_days())
    assert group.status.tolist() == [STATUS_OK, STATUS_OK, STATUS_NON_FINITE, STATUS_OK,
                                     STATUS_OK, STATUS_OK]
    assert np.isnan(group.outputs[:, 2]).all()
    ok = group.status == STATUS_OK
    np.testing.assert_allclose(group.outputs[:, ok], single.outputs[:, ok], rtol=1e-4)


def test_groups_hold_only_lanes_with_the_same_schedule():
    q4w = parse_scenario(OMALIZUMAB)
    q2w = parse_scenario({**OMALIZUMAB, "regimen": {"route": "sc", "dose_mg": 150,
                                                     "interval_days": 14, "n_doses": 26}})
    patients = [{"ige_baseline_iu_ml": float(v)} for v in np.geomspace(30, 1500, LANE_STRIDE + 3)]
    lanes = [lane for pair in zip(lanes_of(q4w, patients), lanes_of(q2w, patients), strict=True)
             for lane in pair]
    batch = pack_lanes(lanes, q4w.output_days())
    groups, widths = form_groups(batch)
    members = [groups[g, :widths[g]] for g in range(len(widths))]
    assert sorted(np.concatenate(members).tolist()) == list(range(len(lanes)))
    assert widths.max() == LANE_STRIDE
    for m in members:
        assert len({i % 2 for i in m}) == 1  # one regimen per group
        ige = batch.params[m, INDEX["ige_baseline_iu_ml"]]
        assert (np.diff(ige) >= 0).all() or len(m) == 1
    res = solve_batch(batch, parallel=True, grouped=True)
    ref = solve_batch(batch, parallel=True)
    np.testing.assert_allclose(res.outputs, ref.outputs, rtol=1e-4)
