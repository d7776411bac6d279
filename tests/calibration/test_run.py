"""Calibrations as a whole: the catalogue holds the fits, and stale values show."""

import dataclasses

import pytest

from igesweep.calibration import calibration_residuals, catalogue_drift, run_calibrations
from igesweep.catalogue import load_catalogue


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_catalogue_holds_every_fit(catalogue):
    results = run_calibrations(catalogue)
    drift = catalogue_drift(catalogue, results)
    assert len(drift) == 6
    for d in drift:
        assert d.evidence == "calibrated", d
        assert abs(d.relative) < 1e-5, d
    fitted = {(r.observation.key, r.condition): r.simulated for res in results
              for r in res.residuals}
    current = {(r.observation.key, r.condition): r.simulated
               for r in calibration_residuals(catalogue)}
    assert fitted.keys() == current.keys()
    for key, value in current.items():
        assert value == pytest.approx(fitted[key], rel=1e-4), key


def test_residuals_follow_the_catalogue_not_the_fit(catalogue):
    """A stale catalogue value shows in the validation residuals."""
    block = catalogue.therapies["quilizumab"]
    entry = block.parameters["bcell_kill_max"]
    halved = entry.model_copy(update={"value": 0.5 * entry.value})
    stale_block = block.model_copy(
        update={"parameters": {**block.parameters, "bcell_kill_max": halved}})
    stale = dataclasses.replace(catalogue, therapies={**catalogue.therapies,
                                                      "quilizumab": stale_block})
    (residual,) = [r for r in calibration_residuals(stale)
                   if r.observation.key == "quilizumab_total_ige_week_36"]
    assert residual.simulated > 0.7
    assert not residual.agrees
