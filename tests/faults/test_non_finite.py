"""A lane with a NaN or infinite output is never status ok (issue 11, item 4).

Inputs the schema accepts can overflow an output while the state stays
finite: a baseline IgE of 1e-300 IU/mL (no receptor ever IgE-bound, so the
threshold fold divides by zero) or a cross-linking exponent of 1000 (the fold
overflows). Such lanes used to be stored with status 0 and escaped
``--strict``.
"""

import numpy as np
import pytest
import yaml

from igesweep import simulate
from igesweep.solver.status import STATUS_MEANINGS, STATUS_NON_FINITE_OUTPUT
from igesweep.sweep import open_sweep, run_sweep

SCENARIO = {"therapy": "omalizumab", "regimen": "usual",
            "times": {"start": 0, "stop": 364, "step": 28}}
HOSTILE = [{"ige_baseline_iu_ml": 1e-300}, {"crosslink_exponent": 1000.0}]


@pytest.mark.parametrize("patient", HOSTILE, ids=["ige-1e-300", "crosslink-1000"])
def test_simulate_reports_the_non_finite_output(patient):
    ds = simulate({**SCENARIO, "patient": patient})
    assert not np.isfinite(ds["threshold_fold"].values).all()
    assert int(ds["status"]) == STATUS_NON_FINITE_OUTPUT
    assert STATUS_MEANINGS[STATUS_NON_FINITE_OUTPUT] in ds["status"].attrs["flag_meanings"]


def test_sweep_counts_non_finite_lanes_as_failed(tmp_path):
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump({**SCENARIO, "grid": {
        "patient.crosslink_exponent": [0.8, 1000.0]}}, sort_keys=False))
    summary = run_sweep(path, tmp_path / "h.zarr", n_workers=1, quiet=True)
    assert summary.complete and summary.n_failed == 1
    ds = open_sweep(tmp_path / "h.zarr")
    assert ds["status"].values.tolist() == [0, STATUS_NON_FINITE_OUTPUT]
