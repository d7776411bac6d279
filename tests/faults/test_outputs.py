"""Output paths: other formats' names refused, a resume with nothing to resume says so.

Issue 11, item 7: ``-o x.nc`` wrote a zarr directory named ``x.nc``, and
``--resume`` with no store started afresh without a word.
"""

import io

import pytest
import yaml

from igesweep.sweep import run_sweep
from tests.processes import igesweep

SCENARIO = {"therapy": "omalizumab",
            "regimen": {"route": "sc", "dose_mg": 150, "interval_days": 28, "n_doses": 1},
            "times": {"start": 0, "stop": 28, "step": 7}}


@pytest.mark.parametrize("command", ["simulate", "sweep"])
def test_output_named_like_a_netcdf_file_is_refused(tmp_path, command):
    data = SCENARIO if command == "simulate" else {**SCENARIO, "grid": {
        "patient.weight_kg": [50, 70]}}
    source = tmp_path / "in.yaml"
    source.write_text(yaml.safe_dump(data))
    proc = igesweep(command, source, "-o", tmp_path / "x.nc")
    assert proc.returncode == 2, proc.stderr
    assert "x.zarr" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "x.nc").exists()


def test_resume_without_a_store_says_it_starts_a_new_one(tmp_path):
    source = tmp_path / "s.yaml"
    source.write_text(yaml.safe_dump({**SCENARIO, "grid": {"patient.weight_kg": [50, 70]}}))
    stream = io.StringIO()
    summary = run_sweep(source, tmp_path / "s.zarr", resume=True, n_workers=1, stream=stream)
    assert summary.complete
    assert "no store at" in stream.getvalue() and "starting a new one" in stream.getvalue()
    assert "resuming:" not in stream.getvalue()   # nothing was resumed
