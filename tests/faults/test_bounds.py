"""Size-like inputs are bounded before anything of that size is built (issue 11, item 5).

``times.step: 1e-7`` asked for 27 GiB of output days, ``n_doses: 1e9`` and
``until_day: 2^31`` built dose lists of gigabytes, and grid generators or a
population of 10^12 ended in a MemoryError before the store-size check. Each
is now an input error naming its YAML path, found in well under a second.
"""

import time

import pytest
import yaml

from igesweep import InputError, parse_scenario
from igesweep.scenario import MAX_DOSES, MAX_OUTPUT_TIMES
from igesweep.sweep import parse_sweep
from igesweep.sweep.spec import MAX_GRID_VALUES
from tests.processes import igesweep

BASE = {"therapy": "omalizumab",
        "regimen": {"route": "sc", "dose_mg": 150, "interval_days": 28, "n_doses": 2},
        "times": {"start": 0, "stop": 56, "step": 7}}


def problems_of(parse, data):
    t0 = time.perf_counter()
    with pytest.raises(InputError) as err:
        parse(data)
    assert time.perf_counter() - t0 < 5.0   # refused before building anything large
    return dict(err.value.problems)


@pytest.mark.parametrize(("change", "path", "words"), [
    ({"times": {"start": 0, "stop": 364, "step": 1e-7}}, "times", "output times"),
    ({"regimen": {"route": "sc", "dose_mg": 150, "interval_days": 1e-7, "until_day": 364}},
     "regimen", "doses"),
    ({"regimen": {"route": "sc", "dose_mg": 150, "interval_days": 28, "n_doses": 10**9}},
     "regimen", "doses"),
    ({"regimen": {"route": "sc", "dose_mg": 150, "interval_days": 1, "until_day": 2.0**31}},
     "regimen", "doses"),
])
def test_a_scenario_asking_for_too_much_is_refused(change, path, words):
    found = problems_of(parse_scenario, {**BASE, **change})
    assert any(k.startswith(path) and words in v for k, v in found.items()), found


@pytest.mark.parametrize(("extra", "path"), [
    ({"grid": {"patient.weight_kg": {"range": [1, 1e12, 1]}}}, "grid.patient.weight_kg"),
    ({"grid": {"patient.weight_kg": {"linspace": [1, 100, 10**12]}}}, "grid.patient.weight_kg"),
    ({"grid": {"patient.weight_kg": [50, 70]}, "population": {"n": 10**12, "seed": 1}},
     "population.n"),
    ({"grid": {"patient.weight_kg": [50, 70]}, "uncertainty": {"n": 10**12, "seed": 1}},
     "uncertainty.n"),
])
def test_a_sweep_asking_for_too_much_is_refused(extra, path):
    found = problems_of(parse_sweep, {**BASE, **extra})
    assert path in found, found


def test_the_bounds_leave_room_for_real_studies():
    """Ten years of hourly output, weekly doses for a century, a million grid values."""
    parse_scenario({**BASE, "times": {"start": 0, "stop": 3650, "step": 1 / 24},
                    "regimen": {"route": "sc", "dose_mg": 150, "interval_days": 7,
                                "until_day": 36500}})
    assert MAX_OUTPUT_TIMES >= 3650 * 24 and MAX_DOSES >= 36500 // 7
    assert MAX_GRID_VALUES >= 10**6


def test_the_command_line_refuses_with_exit_2(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({**BASE, "times": {"start": 0, "stop": 364, "step": 1e-7}}))
    proc = igesweep("simulate", path, "-o", tmp_path / "o.zarr", timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "output times" in proc.stderr and str(path) in proc.stderr


def test_the_store_template_of_a_billion_lanes_takes_memory_flat_in_the_lanes(tmp_path):
    """--allow-large: the template held a dask task per store chunk (4.7 GB for 10^10 lanes)."""
    import tracemalloc

    from igesweep.sweep.run import _prepare_store, load_plan

    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump({
        **BASE, "times": {"start": 0, "stop": 56, "step": 28},
        "grid": {"patient.ige_baseline_iu_ml": {"geomspace": [30, 1500, 40_000]},
                 "patient.weight_kg": {"linspace": [40, 140, 25_000]}},
        "output": {"variables": ["free_ige"]}}))
    plan, text = load_plan(path)
    assert plan.n_lanes == 10**9 and plan.n_chunks > 10_000
    tracemalloc.start()
    try:
        pending, _ = _prepare_store(plan, text, tmp_path / "big.zarr", resume=False,
                                    overwrite=False)
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert pending.size == plan.n_chunks
    assert peak_bytes < 50e6, f"{peak_bytes / 1e6:.0f} MB to write the template"
