"""One writer per output path (issue 11, item 2c-d): a second run refuses, a dead one frees it.

Two runs writing one store at once used to crash both or mix their chunks. The
lock is held by this test process; the writers are real ``igesweep``
subprocesses.
"""

import signal
import sys

import pytest
import yaml

from igesweep import InputError
from igesweep.store import lock_path, output_lock
from tests import processes
from tests.processes import igesweep as cli

SCENARIO = {"therapy": "omalizumab",
            "regimen": {"route": "sc", "dose_mg": 150, "interval_days": 28, "n_doses": 2},
            "times": {"start": 0, "stop": 56, "step": 7}}


@pytest.mark.parametrize("command", ["simulate", "sweep"])
def test_a_second_writer_of_the_same_output_refuses(tmp_path, command):
    data = SCENARIO if command == "simulate" else {**SCENARIO,
                                                   "grid": {"patient.weight_kg": [50, 70]}}
    source = tmp_path / "in.yaml"
    source.write_text(yaml.safe_dump(data))
    out = tmp_path / "out.zarr"
    with output_lock(out):
        busy = cli(command, source, "-o", out, "--overwrite")
    assert busy.returncode == 2, busy.stderr
    assert "another igesweep run is writing" in busy.stderr and "process" in busy.stderr
    assert not out.exists()
    free = cli(command, source, "-o", out)
    assert free.returncode == 0, free.stderr


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    out = tmp_path / "out.zarr"
    code = ("import os, signal, sys\n"
            "from igesweep.store import output_lock\n"
            "held = output_lock(sys.argv[1])\n"
            "held.__enter__()\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n")
    proc = processes.run([sys.executable, "-c", code, str(out)], timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert "process" in lock_path(out).read_text()   # left by the killed holder, not held
    with output_lock(out) as lock:
        assert lock == lock_path(out)
    assert not lock_path(out).exists()   # a run that ends normally removes it


def test_the_lock_is_exclusive_within_one_process_too(tmp_path):
    out = tmp_path / "out.zarr"
    with output_lock(out), pytest.raises(InputError, match="another igesweep run"), \
            output_lock(out):
        pass
