"""A fuzzer over scenario and sweep files (issue 11): any input is accepted or an InputError.

Hypothesis mutates the shipped examples and sweep files (replaces a value at
any depth by a hostile one, deletes a key, adds an unknown one) and runs the
whole input layer on the result: schema, catalogue resolution, events and
output days for a scenario; schema and planning (the grid, the population, the
store size) for a sweep. Anything but success or :class:`InputError` (which
the command line turns into exit 2 with the YAML path) is a defect; so is
taking longer than the deadline, the symptom of something built too large.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from igesweep import InputError, load_catalogue, parse_scenario
from igesweep.resolve import resolve
from igesweep.scenario import load_yaml
from igesweep.sweep import parse_sweep
from igesweep.sweep.plan import build_plan

CONFIG = Path(__file__).parents[2] / "config"
SCENARIOS = [load_yaml(p) for p in sorted((CONFIG / "examples").glob("*.yaml"))]
SWEEPS = [load_yaml(p) for p in sorted((CONFIG / "sweeps").glob("*.yaml"))]
CATALOGUE = load_catalogue()

HOSTILE = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.lists(st.one_of(st.integers(-5, 10**12), st.floats(), st.text(max_size=4)), max_size=4),
    st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.floats(), st.text(max_size=4)),
                    max_size=3),
    st.sampled_from([{"linspace": [1, 100, 10**12]}, {"range": [0, 1e15, 1]}, [], {},
                     "usual", "omalizumab", 1e-300, 1e300, -1, 0]),
)


def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def fresh(draw: st.DrawFn) -> Any:
    """A hostile value, copied: a shared list or mapping would let a later mutation make a cycle."""
    return copy.deepcopy(draw(HOSTILE))


@st.composite
def mutated(draw: st.DrawFn, bases: list[dict[str, Any]]) -> dict[str, Any]:
    doc = copy.deepcopy(draw(st.sampled_from(bases)))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "add" or not paths:
            doc[draw(st.sampled_from(["grid", "population", "design", "regimen", "times",
                                      "uncertainty", "output", "solver", "zzz"]))] = fresh(draw)
            continue
        path = draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = fresh(draw)
    return doc


#: Examples per test, the same ones every run; ``IGESWEEP_FUZZ_EXAMPLES`` sets a number of
#: random ones for a longer hunt.
FUZZ = settings(max_examples=int(os.environ.get("IGESWEEP_FUZZ_EXAMPLES", "150")),
                deadline=5000, derandomize="IGESWEEP_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(mutated(SCENARIOS))
def test_any_scenario_file_is_accepted_or_refused_with_its_yaml_path(doc):
    try:
        scenario = parse_scenario(doc, "fuzz.yaml")
        resolve(scenario, CATALOGUE, "fuzz.yaml")
        scenario.output_days()
    except InputError as err:
        assert err.problems and all(isinstance(p, str) and m for p, m in err.problems)


@FUZZ
@given(mutated(SWEEPS + [{**s, "population": {"n": 4, "seed": 1}} for s in SWEEPS]))
def test_any_sweep_file_is_accepted_or_refused_with_its_yaml_path(doc):
    try:
        plan = build_plan(parse_sweep(doc, "fuzz.yaml"), CATALOGUE, "fuzz.yaml")
        plan.stored_bytes()
    except InputError as err:
        assert err.problems and all(isinstance(p, str) and m for p, m in err.problems)


def test_a_null_grid_value_is_refused_where_the_fuzzer_found_it():
    """Found by the fuzzer: ``null`` in a grid list passed the schema (in a scenario it means
    'the default') and ended in a TypeError while planning."""
    doc = copy.deepcopy(SWEEPS[0])
    doc["grid"] = {"patient.ige_baseline_iu_ml": [None, 100]}
    try:
        parse_sweep(doc, "fuzz.yaml")
    except InputError as err:
        assert "grid.patient.ige_baseline_iu_ml[0]" in dict(err.problems)
    else:
        raise AssertionError("a null grid value was accepted")
