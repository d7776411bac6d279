"""``--resume`` refuses inputs that changed since the store was begun (issue 11, item 2).

A store begun with one catalogue or design file and finished with another held
lanes computed both ways under one set of coordinates, with exit 0. The
interrupted run is the template a killed sweep leaves (``_prepare_store``: no
chunk done), the resume a real ``run_sweep``.
"""

import numpy as np
import pytest
import yaml

from igesweep import InputError, load_catalogue
from igesweep.sweep import open_sweep, run_sweep
from igesweep.sweep.run import _prepare_store, load_plan

SCENARIO = {"therapy": "omalizumab",
            "regimen": {"route": "sc", "dose_mg": 150, "interval_days": 28, "n_doses": 2},
            "times": {"start": 0, "stop": 56, "step": 7}}


def begin(sweep_path, out, catalogue=None):
    """What a sweep killed before its first chunk leaves: the template, nothing done."""
    plan, text = load_plan(sweep_path, catalogue)
    pending, target = _prepare_store(plan, text, out, resume=False, overwrite=False)
    assert target == out and pending.size == plan.n_chunks


def write_catalogue(tmp_path, name, edit):
    raw = yaml.safe_load(load_catalogue().path.read_text())
    edit(raw)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@pytest.fixture
def sweep_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({**SCENARIO, "model": "igesweep-1",
                                    "grid": {"patient.weight_kg": [50, 70]}}))
    return path


def _tenfold_affinity(raw):
    raw["therapies"]["omalizumab"]["parameters"]["kd_nm"]["value"] /= 10


def test_resume_with_a_changed_catalogue_value_is_refused(tmp_path, sweep_file):
    out = tmp_path / "s.zarr"
    begin(sweep_file, out)
    other = write_catalogue(tmp_path, "kd.yaml", _tenfold_affinity)
    with pytest.raises(InputError, match="resolved parameters") as err:
        run_sweep(sweep_file, out, catalogue=other, resume=True, quiet=True)
    assert "--overwrite" in str(err.value)
    # the inputs it was begun with finish it
    assert run_sweep(sweep_file, out, n_workers=1, resume=True, quiet=True).complete


def test_a_catalogue_edit_that_changes_no_value_does_not_block_resume(tmp_path, sweep_file):
    out = tmp_path / "s.zarr"
    begin(sweep_file, out)
    reworded = write_catalogue(tmp_path, "notes.yaml", lambda raw: raw["therapies"][
        "omalizumab"].update(label="omalizumab (reworded)"))
    assert run_sweep(sweep_file, out, catalogue=reworded, n_workers=1, resume=True,
                     quiet=True).complete


def test_resume_after_the_design_file_was_regenerated_is_refused(tmp_path):
    csv = tmp_path / "design.csv"
    csv.write_text("patient.weight_kg,patient.ige_baseline_iu_ml\n50,100\n70,300\n")
    sweep = tmp_path / "d.yaml"
    sweep.write_text(yaml.safe_dump({**SCENARIO, "design": {"csv": "design.csv"}}))
    out = tmp_path / "d.zarr"
    begin(sweep, out)
    csv.write_text("patient.weight_kg,patient.ige_baseline_iu_ml\n55,100\n70,300\n")
    with pytest.raises(InputError, match="design values"):
        run_sweep(sweep, out, resume=True, quiet=True)


def test_a_store_records_the_digests_and_a_full_run_matches_a_fresh_one(tmp_path, sweep_file):
    out = tmp_path / "s.zarr"
    begin(sweep_file, out)
    run_sweep(sweep_file, out, n_workers=1, resume=True, quiet=True)
    fresh = tmp_path / "fresh.zarr"
    run_sweep(sweep_file, fresh, n_workers=1, quiet=True)
    a, b = open_sweep(out), open_sweep(fresh)
    for key in ("sweep_sha256", "design_sha256", "parameters_sha256", "models_digest",
                "igesweep_version"):
        assert a.attrs[key] == b.attrs[key]
    np.testing.assert_array_equal(a["free_ige"].values, b["free_ige"].values)


def test_resume_with_overwrite_continues_the_same_inputs_and_replaces_other_ones(
        tmp_path, sweep_file):
    """What a workflow rerun needs: continue if the store can be, else start again whole."""
    out = tmp_path / "s.zarr"
    begin(sweep_file, out)
    other = write_catalogue(tmp_path, "kd.yaml", _tenfold_affinity)
    plan, text = load_plan(sweep_file, other)
    pending, target = _prepare_store(plan, text, out, resume=True, overwrite=True)
    assert target != out and target.name == ".s.zarr.staging" and pending.size == plan.n_chunks
    replaced = run_sweep(sweep_file, out, catalogue=other, resume=True, overwrite=True,
                         quiet=True)
    assert replaced.complete and replaced.path == out
    kd = open_sweep(out).attrs
    again = run_sweep(sweep_file, out, catalogue=other, resume=True, overwrite=True,
                      quiet=True)
    assert again.complete and again.n_chunks_run == 0   # same inputs: nothing to run
    assert open_sweep(out).attrs == kd


def test_resume_after_editing_only_the_cluster_section_or_comments_continues(tmp_path):
    """Where lanes run is not what they hold: a walltime raised after a stop may resume."""
    sweep = {**SCENARIO, "model": "igesweep-1", "grid": {"patient.weight_kg": [50, 70]},
             "cluster": {"kind": "slurm", "walltime": "01:00:00"}}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(sweep))
    out = tmp_path / "s.zarr"
    begin(path, out)
    path.write_text("# raised the walltime\n" + yaml.safe_dump(
        {**sweep, "cluster": {"kind": "slurm", "walltime": "04:00:00", "jobs": 4}}))
    assert run_sweep(path, out, n_workers=1, resume=True, quiet=True).complete
    path.write_text(yaml.safe_dump({**sweep, "grid": {"patient.weight_kg": [50, 71]}}))
    with pytest.raises(InputError, match="the sweep file"):
        run_sweep(path, out, n_workers=1, resume=True, quiet=True)
