"""Calibrations as a whole: the catalogue holds the fits, and stale values show."""

import dataclasses

import pytest

from igesweep.calibration import calibration_residuals, catalogue_drift, run_calibrations
from igesweep.catalogue import load_catalogue
from igesweep.models import IGESWEEP_MODELS


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.mark.parametrize("model", IGESWEEP_MODELS)
def test_catalogue_holds_every_fit(catalogue, model):
    results = run_calibrations(catalogue, model)
    drift = catalogue_drift(catalogue, results)
    assert len(drift) == 6
    for d in drift:
        assert d.evidence == "calibrated", d
        assert abs(d.relative) < 1e-5, d
    fitted = {(r.observation.key, r.condition): r.simulated for res in results
              for r in res.residuals}
    current = {(r.observation.key, r.condition): r.simulated
               for r in calibration_residuals(catalogue, model)}
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
    (residual,) = [r for r in calibration_residuals(stale, "igesweep-1")
                   if r.observation.key == "quilizumab_total_ige_week_36"]
    assert residual.simulated > 0.7
    assert not residual.agrees


def test_a_model_without_calibrated_values_is_refused(catalogue):
    with pytest.raises(ValueError, match="igesweep-2, igesweep-1"):
        run_calibrations(catalogue, "lowe2009")


def test_the_therapy_fits_of_igesweep_2_are_its_own(catalogue):
    """Every igesweep-2 fit names igesweep-2's block: its receptor module differs (§M2.8)."""
    drift = catalogue_drift(catalogue, run_calibrations(catalogue, "igesweep-2"))
    labels = {d.label for d in drift}
    assert "models.igesweep-2.patient.crosslink_exponent" in labels
    assert "models.igesweep-2.patient.fceri_kint_free" in labels
    assert "models.igesweep-2.therapies.quilizumab.bcell_kill_max" in labels
    assert "models.igesweep-2.therapies.ige_immunoadsorption.apheresis_ige_removal" in labels
