"""``--overwrite`` replaces only igesweep stores, and the old one stays whole until the new is.

Issue 11, item 1: ``--overwrite`` used to delete any directory (a user's
folder of notes, the working directory), and a sweep deleted the old store
before the new one existed. Real subprocesses for the command line.
"""

import numpy as np
import pytest
import yaml

from igesweep import InputError
from igesweep.sweep import open_sweep, run_sweep
from igesweep.sweep.run import _prepare_store, load_plan, staging_path
from tests.processes import igesweep as cli

SCENARIO = {"therapy": "omalizumab",
            "regimen": {"route": "sc", "dose_mg": 150, "interval_days": 28, "n_doses": 2},
            "times": {"start": 0, "stop": 56, "step": 7}}


def write(tmp_path, data, name):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize("command", ["simulate", "sweep"])
def test_overwrite_refuses_a_directory_that_is_not_an_igesweep_store(tmp_path, command):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("x")
    data = SCENARIO if command == "simulate" else {
        **SCENARIO, "grid": {"patient.weight_kg": [50, 70]}}
    proc = cli(command, write(tmp_path, data, "in.yaml"), "-o", precious, "--overwrite")
    assert proc.returncode == 2, proc.stderr
    assert "not an igesweep store" in proc.stderr
    assert (precious / "notes.txt").read_text() == "x"


def test_overwritten_sweep_keeps_the_old_store_until_the_new_one_is_complete(tmp_path):
    out = tmp_path / "s.zarr"
    grid = {"patient.weight_kg": [50, 70]}
    first = write(tmp_path, {**SCENARIO, "grid": grid}, "a.yaml")
    assert run_sweep(first, out, n_workers=1, quiet=True).complete
    old = open_sweep(out)["free_ige"].values.copy()
    second = write(tmp_path, {**SCENARIO, "grid": grid,
                              "regimen": {**SCENARIO["regimen"], "dose_mg": 300}}, "b.yaml")
    plan, text = load_plan(second, None)
    # what an interrupted overwrite leaves: the new template beside the untouched old store
    pending, target = _prepare_store(plan, text, out, resume=False, overwrite=True)
    assert target == staging_path(out) and pending.size == plan.n_chunks
    np.testing.assert_array_equal(open_sweep(out)["free_ige"].values, old)
    summary = run_sweep(second, out, n_workers=1, resume=True, quiet=True)
    assert summary.complete and summary.path == out and not staging_path(out).exists()
    new = open_sweep(out)["free_ige"].values
    assert np.all(new[:, 2:] < old[:, 2:])  # the 300 mg store replaced the 150 mg one
    with pytest.raises(InputError, match="made with other inputs: the sweep file"):
        run_sweep(first, out, resume=True, quiet=True)


def test_resume_refuses_a_directory_that_is_not_an_igesweep_store(tmp_path):
    out = tmp_path / "o.zarr"
    out.mkdir()
    sweep = write(tmp_path, {**SCENARIO, "grid": {"patient.weight_kg": [50]}}, "s.yaml")
    with pytest.raises(InputError, match="not an igesweep store"):
        run_sweep(sweep, out, resume=True, quiet=True)
