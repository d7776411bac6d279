"""model.md §8: igesweep against the independent scipy reference (tests/reference.py).

For every example scenario and every catalogue therapy, under both binding
options, with default solver settings, every output must be within relative
error 1e-4 of the reference at every output time where the reference value
exceeds 1e-6 of that output's largest value in the run.
"""

from pathlib import Path

import numpy as np
import pytest

from igesweep import load_catalogue, parse_scenario, simulate
from igesweep.resolve import resolve
from igesweep.scenario import Scenario, load_yaml
from tests.reference import MODEL, OUTPUT_NAMES, solve_reference

#: The examples that name no model (igesweep-2's own are checked in tests/models).
EXAMPLES = sorted(p for p in (Path(__file__).parents[1] / "config" / "examples").glob("*.yaml")
                  if "model" not in load_yaml(p))
CATALOGUE = load_catalogue()
TOLERANCE = 1e-4
FLOOR = 1e-6


def section8_error(sim, ref) -> dict[str, float]:
    """Largest relative error per output under the §8 rule."""
    errors = {}
    for name in OUTPUT_NAMES:
        r = np.asarray(ref[name], dtype=float)
        s = np.asarray(sim[name], dtype=float)
        big = np.abs(r) > FLOOR * np.max(np.abs(r))
        errors[name] = float(np.max(np.abs(s[big] - r[big]) / np.abs(r[big]), initial=0.0))
    return errors


def compare(scenario: Scenario) -> dict[str, float]:
    lane = resolve(scenario, CATALOGUE)
    times = scenario.output_days()
    sim = simulate(scenario)
    assert int(sim["status"]) == 0
    ref = solve_reference(lane.values, lane.events, times, binding=scenario.binding)
    return section8_error({n: sim[n].values for n in OUTPUT_NAMES}, ref)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_scenario_matches_reference(path):
    errors = compare(parse_scenario({**load_yaml(path), "model": MODEL}, str(path)))
    worst = max(errors, key=errors.get)
    assert errors[worst] <= TOLERANCE, f"{worst}: relative error {errors[worst]:.2e}"


@pytest.mark.parametrize("binding", ["full", "qe"])
@pytest.mark.parametrize("therapy", sorted(CATALOGUE.therapies))
def test_every_therapy_at_its_usual_regimen_matches_reference(therapy, binding):
    scenario = parse_scenario({
        "model": MODEL, "therapy": therapy, "regimen": "usual", "binding": binding,
        "times": {"start": 0, "stop": 364, "step": 1},
    })
    errors = compare(scenario)
    worst = max(errors, key=errors.get)
    assert errors[worst] <= TOLERANCE, f"{worst}: relative error {errors[worst]:.2e}"


def test_rule_can_fail():
    """The comparison flags a perturbation just above the tolerance."""
    ref = {n: np.linspace(1.0, 2.0, 5) for n in OUTPUT_NAMES}
    sim = {n: v * (1 + 2 * TOLERANCE) for n, v in ref.items()}
    assert max(section8_error(sim, ref).values()) > TOLERANCE
