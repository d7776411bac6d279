"""Runs stopped before their end: a clear message, the chunks kept, --resume finishes.

A failed write (here a file-size limit, which fails a write as a full disk
does, without privileges), Ctrl-C, and an output the system will not create
used to end in a traceback with no word on what was kept or how to continue
(issue 11, item 6).
"""

import os
import resource
import signal
import subprocess
import time
from pathlib import Path

import pytest
import xarray as xr
import yaml

from igesweep.sweep import open_sweep, run_sweep
from igesweep.sweep.store import chunks_done
from tests.processes import igesweep, igesweep_command

SWEEP = {
    "therapy": "omalizumab",
    "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 6},
    "times": {"start": 0, "stop": 168, "step": 1},
    "grid": {"patient.ige_baseline_iu_ml": {"geomspace": [30, 1500, 20]},
             "patient.weight_kg": {"linspace": [40, 140, 20]}},
    "output": {"chunk_lanes": 100, "compression": "none"},
}
#: Each chunk file of a trajectory holds 100 lanes x 169 days x 4 bytes = 67.6 kB.
FILE_LIMIT_BYTES = 32_000


def _sweep_file(tmp_path: Path, chunk_lanes: int = 100) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump({**SWEEP, "output": {**SWEEP["output"],
                                                        "chunk_lanes": chunk_lanes}}))
    return path


def _done(path: Path) -> int:
    try:
        return int(chunks_done(path).sum())
    except FileNotFoundError:   # not yet created; any other failure is the test's to report
        return 0


def _same_values(a: Path, b: Path) -> None:
    da, db = open_sweep(a).load(), open_sweep(b).load()
    for var in da.data_vars:
        xr.testing.assert_identical(da[var], db[var])


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT_BYTES, FILE_LIMIT_BYTES))


@pytest.mark.parametrize("where", ["in this process", "on dask workers"])
def test_a_failed_write_stops_with_the_kept_chunks_and_resume_finishes(tmp_path, where):
    path = _sweep_file(tmp_path)
    out = tmp_path / "out.zarr"
    workers = ["--workers", "2"] if where == "on dask workers" else []
    proc = igesweep("sweep", path, "-o", out, *workers, timeout=300,
                    preexec_fn=_limit_file_size)
    assert proc.returncode == 4, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "igesweep: stopped: writing" in proc.stderr and "File too large" in proc.stderr
    assert f"kept in {out}" in proc.stderr and "--resume" in proc.stderr
    assert 0 <= _done(out) < 4
    with pytest.raises(ValueError, match="not complete"):
        open_sweep(out)
    resumed = igesweep("sweep", path, "-o", out, "--resume", "--quiet", timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    fresh = run_sweep(path, tmp_path / "fresh.zarr", quiet=True)
    _same_values(out, fresh.path)


@pytest.mark.parametrize("where", ["in this process", "on dask workers"])
def test_ctrl_c_stops_with_exit_130_and_resume_finishes(tmp_path, where):
    """Ctrl-C in a terminal signals the whole process group: the command and any workers.

    In the command's process the signal lands while a chunk computes and the
    previous one may be being written by the writer thread.
    """
    path = _sweep_file(tmp_path, chunk_lanes=2)
    out = tmp_path / "out.zarr"
    workers = ["--workers", "2"] if where == "on dask workers" else []
    proc = subprocess.Popen(igesweep_command("sweep", path, "-o", out, *workers),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 240
    while _done(out) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)   # polling a condition, not waiting for one
    assert proc.poll() is None, f"the sweep ended before 3 chunks were seen done: {_done(out)}"
    seen = _done(out)
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, f"SIGINT sent after {seen} of 200 chunks; {stderr}"
    said = [line for line in stderr.splitlines()
            if not line.startswith(("sweep:", "chunks:", "store:", "dask dashboard:", "lanes ",
                                    "running in this process"))]
    assert len(said) == 1, stderr   # one line: no traceback, no worker or scheduler chatter
    assert said[0].startswith("igesweep: stopped: interrupted") and "--resume" in said[0]
    done = _done(out)
    assert 0 < done < 200, f"the interrupt landed after {done} of 200 chunks"
    summary = run_sweep(path, out, resume=True, quiet=True)
    assert summary.complete and summary.n_chunks_run == 200 - done
    fresh = run_sweep(path, tmp_path / "fresh.zarr", quiet=True)
    _same_values(out, fresh.path)


def test_an_output_under_a_file_is_an_error_naming_the_option(tmp_path):
    path = _sweep_file(tmp_path)
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x")
    proc = igesweep("sweep", path, "-o", blocker / "out.zarr", timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "-o/--output" in proc.stderr and f"{blocker} is a file, not a directory" in proc.stderr
    assert blocker.read_text() == "x"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_directory_is_an_error_naming_the_option(tmp_path):
    path = _sweep_file(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        proc = igesweep("sweep", path, "-o", locked / "out.zarr", timeout=120)
    finally:
        locked.chmod(0o755)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "-o/--output" in proc.stderr and "Permission denied" in proc.stderr
