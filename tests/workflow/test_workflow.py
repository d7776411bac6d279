"""The Snakemake workflow, really run on a tiny configuration, and its report in a browser."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests import processes
from tests.workflow.workdir import TINY, TWO_STUDIES, tiny_config_with, workflow_copy

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def snakemake_command(*args: str, config: Path = TINY) -> list[str]:
    """Snakemake on ``config`` (the tiny configuration); ``args``: options and targets (before
    ``--configfile``, which takes every value after it)."""
    return [sys.executable, "-m", "snakemake", *args, "--cores", "2", "--configfile", str(config)]


def snakemake(workdir: Path, *args: str, config: Path = TINY) -> subprocess.CompletedProcess:
    """Run :func:`snakemake_command` in ``workdir`` to its end."""
    return processes.run(snakemake_command(*args, config=config), timeout=900, cwd=workdir)


@pytest.fixture(scope="module")
def workflow_run(tmp_path_factory):
    """A copy of the workflow run once on the tiny configuration."""
    work = workflow_copy(tmp_path_factory)
    proc = snakemake(work)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return work


@pytest.mark.xdist_group("workflow")
def test_workflow_produces_the_report_and_every_study(workflow_run):
    results = workflow_run / "results"
    assert (results / "report.html").stat().st_size > 50_000
    for study in ("therapy_reference", "therapy_population", "dosing_map", "affinity_map",
                  "dosing_table", "optimised_dosing_table", "sobol", "morris", "local"):
        assert (results / study / f"{study}.zarr" / "zarr.json").exists()
        assert (results / study / "analysis.json").exists()
    assert len(list((results / "figures").glob("*.png"))) >= 9


@pytest.mark.xdist_group("workflow")
def test_the_report_holds_only_the_configured_studies(workflow_run, tmp_path):
    """Studies are optional: a configuration without the answers or the maps still reports."""
    import yaml

    from igesweep.report.html import build_report

    config = yaml.safe_load(TINY.read_text())
    config["studies"] = {k: config["studies"][k] for k in ("therapy_reference", "sobol")}
    out = tmp_path / "report.html"
    build_report(workflow_run / "results", config, out, tmp_path / "figures")
    text = out.read_text()
    assert "Therapies compared" in text and "Sensitivity of the summary metrics" in text
    assert "Key findings" not in text and "Dosing map" not in text
    assert 'href="#therapies"' in text and 'href="#findings"' not in text


@pytest.mark.xdist_group("workflow")
def test_second_run_does_nothing(workflow_run):
    proc = snakemake(workflow_run, "--dry-run")
    assert proc.returncode == 0
    assert "Nothing to be done" in proc.stdout + proc.stderr


@pytest.mark.xdist_group("workflow")
def test_editing_one_study_reruns_only_that_study(workflow_run, tmp_path):
    edited = tmp_path / "edited.yaml"
    edited.write_text(TINY.read_text().replace("kd_nm: {geomspace: [0.01, 10, 3]}",
                                               "kd_nm: {geomspace: [0.01, 10, 4]}"))
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", str(edited),
           "--dry-run"]
    proc = processes.run(cmd, timeout=300, cwd=workflow_run)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout + proc.stderr
    studies = set(re.findall(r"wildcards: study=(\w+)", out))
    assert studies == {"affinity_map"}, out[-3000:]
    assert "rule report:" in out


def _chromium(tmp_path: Path, width: int):
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("IGESWEEP_REQUIRE_BROWSER"):
            pytest.fail("chromium and chromedriver are required (apt-get install chromium "
                        "chromium-driver)")
        pytest.skip("chromium/chromedriver not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
                 f"--window-size={width},2000"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


@pytest.mark.xdist_group("workflow")
@pytest.mark.parametrize("width", [800, 1400])
def test_report_renders_in_headless_chromium(workflow_run, tmp_path, width):
    driver = _chromium(tmp_path, width)
    try:
        driver.get((workflow_run / "results" / "report.html").as_uri())
        images = driver.execute_script(
            "return Array.from(document.images).map(i => [i.complete, i.naturalWidth]);")
        assert len(images) >= 9
        assert all(done and width > 100 for done, width in images), images
        headings = driver.execute_script(
            "return Array.from(document.querySelectorAll('h2')).map(h => h.textContent);")
        assert headings[0] == "Key findings", headings
        assert "Sensitivity of the summary metrics" in headings
        assert "Models compared" in headings
        findings = driver.execute_script(
            "return Array.from(document.querySelectorAll('ul.findings li'))"
            ".map(li => li.textContent);")
        assert findings and all(re.search(r"\d", f) for f in findings), findings
        cells = driver.execute_script(
            "return document.querySelectorAll('table.grid td').length;")
        assert cells == 2 * 2 * 2  # 2 weights x 2 IgE levels, against the US and EU tables
        # Nothing wider than the window: wide tables scroll inside their own box.
        page_width = driver.execute_script("return document.documentElement.scrollWidth;")
        assert page_width <= driver.execute_script("return window.innerWidth;")
        # Offline: every resource is inline (no request beyond the file itself).
        requests = driver.execute_script(
            "return performance.getEntriesByType('resource').map(r => r.name);")
        assert requests == [], requests
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == [], errors
        shot = tmp_path / "report.png"
        driver.save_screenshot(str(shot))
    finally:
        driver.quit()
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[0] > 500 and pixels.shape[1] > 500
    assert float(np.std(pixels[..., :3])) > 0.05, "the page renders blank"


def _stop_during_a_new_sweep_job(work: Path, config: Path, sig: signal.Signals) -> None:
    """Run the plain command and send ``sig`` to it (and its jobs) once a new sweep job runs."""
    sweep_log = work / "logs" / "run_sweep"
    before = set(sweep_log.iterdir()) if sweep_log.is_dir() else set()
    proc = subprocess.Popen(snakemake_command(config=config), cwd=work, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while not (sweep_log.is_dir() and set(sweep_log.iterdir()) - before):
            assert proc.poll() is None, "the workflow ended before a new sweep job started"
            assert time.monotonic() < deadline, "no new sweep job started within 10 minutes"
            time.sleep(0.2)   # polling a condition, not waiting for one
    finally:
        os.killpg(proc.pid, sig)   # as Ctrl-C in a terminal, or a killed session
        proc.wait(timeout=300)


@pytest.mark.xdist_group("workflow")
def test_an_interrupted_then_killed_workflow_completes_with_a_plain_rerun(tmp_path_factory):
    """Ctrl-C (SIGINT) while a sweep job runs, the plain command again, SIGKILL while its next
    sweep job runs, then the plain command once more (issue 11, item 8): the default profile
    is loaded, incomplete jobs are rerun, and no stale lock blocks the run. Two studies (sweep
    jobs run one at a time), so the second run starts a sweep job the first did not."""
    work = workflow_copy(tmp_path_factory)
    config = tiny_config_with(work, TWO_STUDIES)
    _stop_during_a_new_sweep_job(work, config, signal.SIGINT)
    _stop_during_a_new_sweep_job(work, config, signal.SIGKILL)
    again = snakemake(work, config=config)
    assert again.returncode == 0, again.stderr[-4000:]
    assert (work / "results" / "report.html").stat().st_size > 50_000


@pytest.mark.xdist_group("workflow")
def test_an_interrupted_sweep_is_resumed_by_the_workflow_not_restarted(tmp_path_factory):
    """A study's store left incomplete (a chunk not done, as after a kill) is continued by
    the next run: the sweep job resumes it rather than replacing it (issue 11, item 8)."""
    from igesweep.sweep import run_sweep
    from igesweep.sweep.store import chunks_done, reset_chunks

    work = workflow_copy(tmp_path_factory)
    study = work / "results" / "therapy_reference"
    made = snakemake(work, str(study.relative_to(work) / "sweep.yaml"))
    assert made.returncode == 0, made.stderr[-4000:]
    store = study / "therapy_reference.zarr"
    run_sweep(study / "sweep.yaml", store, catalogue=work / "config" / "therapies.yaml",
              quiet=True)
    reset_chunks(store, [0])
    n_chunks = chunks_done(store).size
    again = snakemake(work, str(study.relative_to(work) / "therapy_reference.zarr.complete"))
    assert again.returncode == 0, again.stderr[-4000:]
    log = (work / "logs" / "run_sweep" / "therapy_reference.log").read_text()
    assert f"resuming: 1 of {n_chunks} chunks to run" in log, log
    # on the job's cores (--cores 2 to Snakemake), in the job's process: no cluster started
    assert "running in this process (" in log and "dask dashboard" not in log, log
    assert chunks_done(store).all()
