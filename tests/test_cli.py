"""The ``igesweep`` command line, run as a real subprocess."""

import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr
import yaml

from tests import processes
from tests.processes import igesweep

EXAMPLE = Path(__file__).parents[1] / "config" / "examples" / "omalizumab_q4w.yaml"


def run(*args, cwd=None):
    return igesweep(*args, cwd=cwd, timeout=300)


def test_simulate_writes_a_complete_store(tmp_path):
    out = tmp_path / "om.zarr"
    proc = run("simulate", EXAMPLE, "-o", out)
    assert proc.returncode == 0, proc.stderr
    ds = xr.open_zarr(out, consolidated=False)
    assert ds.sizes["time"] == 365
    assert ds["free_ige"].attrs["units"] == "ng/mL"
    assert int(ds["status"]) == 0
    assert ds.attrs["therapy"] == "omalizumab"
    assert ds.attrs["scenario_yaml"] == EXAMPLE.read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_doses_after_the_last_output_day_are_reported(tmp_path):
    """13 doses every 28 days with output to day 100: 9 act on no output (issue 11, item 7)."""
    scenario = tmp_path / "short.yaml"
    scenario.write_text("therapy: omalizumab\n"
                        "regimen: {route: sc, dose_mg: 300, interval_days: 28, n_doses: 13}\n"
                        "times: {start: 0, stop: 100, step: 1}\n")
    proc = run("simulate", scenario, "-o", tmp_path / "s.zarr")
    assert proc.returncode == 0, proc.stderr
    assert "9 of 13 events fall after the last output day (100)" in proc.stderr
    quiet = run("simulate", EXAMPLE, "-o", tmp_path / "q.zarr")
    assert quiet.returncode == 0 and "fall after" not in quiet.stderr


def test_existing_output_is_kept_without_overwrite(tmp_path):
    out = tmp_path / "om.zarr"
    out.mkdir()
    (out / "marker").write_text("keep me")
    proc = run("simulate", EXAMPLE, "-o", out)
    assert proc.returncode == 2
    assert "--overwrite" in proc.stderr
    assert (out / "marker").read_text() == "keep me"
    proc = run("simulate", EXAMPLE, "-o", out, "--overwrite")  # not an igesweep store
    assert proc.returncode == 2 and "not an igesweep store" in proc.stderr
    assert (out / "marker").read_text() == "keep me"
    store = tmp_path / "store.zarr"
    assert run("simulate", EXAMPLE, "-o", store).returncode == 0
    proc = run("simulate", EXAMPLE, "-o", store, "--overwrite")
    assert proc.returncode == 0, proc.stderr
    assert xr.open_zarr(store, consolidated=False).sizes["time"] == 365


@pytest.mark.parametrize(("change", "path", "fragment"), [
    ({"therapy": "omalizumb"}, "therapy:", "did you mean 'omalizumab'"),
    ({"therapy_params": {"kdnm": 1}}, "therapy_params.kdnm:", "did you mean 'kd_nm'"),
    ({"regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28}}, "regimen:",
     "n_doses or until_day"),
    ({"regimen": {"route": "oral", "dose_mg": 300, "interval_days": 28, "n_doses": 2}},
     "regimen.route:", "'sc' or 'iv'"),
    ({"times": [0, 2, 1]}, "times:", "strictly increasing"),
    ({"patient": {"weight_kg": -70}}, "patient.weight_kg:", "greater than 0"),
    ({"patient": {"weight_kg": "heavy"}}, "patient.weight_kg:", "must be a number"),
])
def test_bad_scenario_exits_2_with_the_yaml_path_and_writes_nothing(tmp_path, change, path,
                                                                    fragment):
    scenario = {**yaml.safe_load(EXAMPLE.read_text()), **change}
    src = tmp_path / "bad.yaml"
    src.write_text(yaml.safe_dump(scenario))
    out = tmp_path / "bad.zarr"
    proc = run("simulate", src, "-o", out)
    assert proc.returncode == 2
    assert path in proc.stderr and fragment in proc.stderr, proc.stderr
    assert list(tmp_path.iterdir()) == [src]


def test_unreadable_and_non_yaml_files_exit_2(tmp_path):
    assert run("simulate", tmp_path / "missing.yaml", "-o", tmp_path / "o.zarr").returncode == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("therapy: [unclosed")
    proc = run("simulate", bad, "-o", tmp_path / "o.zarr")
    assert proc.returncode == 2 and "not valid YAML" in proc.stderr


def test_failed_integration_exits_1_and_says_so(tmp_path):
    scenario = {**yaml.safe_load(EXAMPLE.read_text()), "solver": {"max_steps": 10}}
    src = tmp_path / "s.yaml"
    src.write_text(yaml.safe_dump(scenario))
    proc = run("simulate", src, "-o", tmp_path / "o.zarr")
    assert proc.returncode == 1
    assert "too_many_steps" in proc.stderr


def test_therapies_lists_every_catalogue_entry():
    proc = run("therapies")
    assert proc.returncode == 0
    for name in ("omalizumab", "ligelizumab", "ige_immunoadsorption", "dupilumab"):
        assert name in proc.stdout
    assert "population-pk" in proc.stdout


def test_calibrate_writes_fits_back_into_a_catalogue(tmp_path):
    shipped = Path(__file__).parents[1] / "config" / "therapies.yaml"
    text = shipped.read_text()
    data = yaml.safe_load(text)
    fitted = data["patient"]["parameters"]["crosslink_exponent"]["value"]
    line = next(x for x in text.splitlines() if x.strip().startswith("crosslink_exponent:"))
    stale = '    crosslink_exponent: {value: 0.5, unit: "1", source: "s", evidence: illustrative}'
    catalogue = tmp_path / "therapies.yaml"
    catalogue.write_text(text.replace(line, stale))
    out = tmp_path / "calibration.json"
    # the top-level patient block holds igesweep-1's values
    proc = run("--catalogue", catalogue, "calibrate", "--model", "igesweep-1", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert "patient.crosslink_exponent = 0.5 (illustrative)" in proc.stdout
    report = yaml.safe_load(out.read_text())
    assert {c["name"] for c in report["calibrations"]} >= {"fceri_loss", "crosslink_exponent"}
    proc = run("--catalogue", catalogue, "calibrate", "--model", "igesweep-1", "--write")
    assert proc.returncode == 0, proc.stderr
    entry = yaml.safe_load(catalogue.read_text())["patient"]["parameters"]["crosslink_exponent"]
    assert entry["evidence"] == "calibrated"
    assert entry["value"] == pytest.approx(fitted, rel=1e-5)


def python_prints(code: str) -> str:
    """What a fresh interpreter prints for ``code``."""
    done = processes.run([sys.executable, "-c", code], timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_command_line_starts_without_the_numerical_stack():
    """``igesweep --help`` must not import NumPy, xarray, Numba or SymPy (issue 15)."""
    assert python_prints(
        "import sys, igesweep.cli; "
        "print(sorted(m for m in ('numpy', 'xarray', 'numba', 'sympy', 'dask') "
        "if m in sys.modules))") == "[]"
    assert run("--help").returncode == 0


def test_the_public_simulate_is_the_function_even_after_its_module_is_imported():
    assert python_prints(
        "import igesweep.simulate as m; from igesweep.simulate import read_scenario; "
        "import igesweep; from igesweep import simulate; "
        "print(callable(simulate), igesweep.simulate is simulate)") == "True True"


def test_the_console_command_holds_the_collector_off_only_while_starting():
    """``run`` (the console command) turns the garbage collector back on once the command's
    modules are imported, freezing them, and freezes the heap again before exit; ``main``
    called from Python leaves the collector as its caller set it, on or off (issue 15)."""
    command = python_prints(
        "import atexit, gc, sys; from igesweep import cli; seen = []; "
        "start = cli._start_collecting; "
        "cli._start_collecting = lambda: (start(), seen.append(gc.get_freeze_count())); "
        "atexit.register(lambda: print(gc.isenabled(), seen[0] > 0, "
        "gc.get_freeze_count() > seen[0])); "
        "sys.argv = ['igesweep', 'therapies']; cli.run()").splitlines()[-1]
    assert command == "True True True"
    for caller_sets in ("gc.enable()", "gc.disable()"):
        library = python_prints(
            f"import gc; {caller_sets}; from igesweep.cli import main; "
            "code = main(['therapies']); "
            "print(code, gc.isenabled(), gc.get_freeze_count())").splitlines()[-1]
        assert library == f"0 {caller_sets == 'gc.enable()'} 0"


@pytest.mark.parametrize("args, says", [
    (["--cores", "0"], "argument --cores: expected a whole number of at least 1, not '0'"),
    (["--workers", "-2"], "argument --workers: expected a whole number of at least 1, not '-2'"),
    (["--cores", "two"], "argument --cores: expected a whole number of at least 1, not 'two'"),
    (["--cores", "1", "--workers", "1"], "argument --workers: not allowed with argument --cores"),
])
def test_sweep_refuses_a_bad_count_of_cores_or_workers(tmp_path, args, says):
    proc = run("sweep", EXAMPLE, "-o", tmp_path / "s.zarr", *args)
    assert proc.returncode == 2 and says in proc.stderr
    assert not (tmp_path / "s.zarr").exists()


def test_sweep_on_the_cores_given(tmp_path):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(yaml.safe_dump({
        "therapy": "omalizumab", "times": {"start": 0, "stop": 28, "step": 28},
        "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 1},
        "grid": {"patient.weight_kg": [40, 80]}}))
    proc = run("sweep", sweep, "-o", tmp_path / "s.zarr", "--cores", "1")
    assert proc.returncode == 0, proc.stderr
    assert "running in this process (2 lanes; " in proc.stderr
    assert "or with --workers), kernel on 1 thread\n" in proc.stderr


def test_verify_names_a_missing_store_and_a_store_of_simulate(tmp_path):
    missing = run("verify", tmp_path / "none.zarr")
    assert missing.returncode == 2 and "none.zarr does not exist" in missing.stderr
    store = tmp_path / "one.zarr"
    assert run("simulate", EXAMPLE, "-o", store).returncode == 0
    proc = run("verify", store)
    assert proc.returncode == 2, proc.stderr
    assert "was written by `igesweep simulate`, not by a sweep" in proc.stderr


def test_a_reader_that_goes_away_ends_the_command_without_a_traceback():
    with subprocess.Popen(processes.igesweep_command("therapies"), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:
        proc.stdout.close()   # as `| head` does once it has its lines
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141 and "Traceback" not in err, err
