"""Writing fitted values into the catalogue text."""

import re

import pytest
import yaml

from igesweep.calibration.result import CalibrationResult, Fitted, Residual
from igesweep.calibration.writer import write_back
from igesweep.literature import BY_KEY

TEXT = """\
# a comment that must survive
patient:
  parameters:
    crosslink_exponent: {value: 0.8, unit: "1", source: "old", evidence: illustrative}
    bcell_turnover: {value: 0.01, unit: "1/day", source: "s", evidence: illustrative}
therapies:
  quilizumab:
    parameters:
      bcell_kill_max: {value: 0.0092, unit: "1/day", source: "s", evidence: illustrative}
  dupilumab:
    parameters:
      bcell_kill_max: {value: 0.05, unit: "1/day", source: "s", evidence: illustrative}
models:
  igesweep-2:
    extends: true
    therapies:
      quilizumab:
        note: "n"
        parameters:
          bcell_kill_max: {value: 0.0093, unit: "1/day", source: "s", evidence: calibrated}
"""


def _result(block, name, value, model="igesweep-1"):
    obs = BY_KEY["quilizumab_total_ige_week_36"]
    return CalibrationResult(name="x", objective="o.", method="m", weakness="w: \"quoted\"",
                             fitted=(Fitted(block, name, value, "1/day", model),),
                             residuals=(Residual(obs, 0.65, "day 252"),))


def test_only_the_fitted_entry_changes():
    new = write_back(TEXT, [_result("dupilumab", "bcell_kill_max", 0.0503528)])
    data = yaml.safe_load(new)
    entry = data["therapies"]["dupilumab"]["parameters"]["bcell_kill_max"]
    assert entry["value"] == pytest.approx(0.0503528)
    assert entry["evidence"] == "calibrated"
    assert "Harris" in entry["source"] and '"quoted"' in entry["note"]
    assert data["therapies"]["quilizumab"]["parameters"]["bcell_kill_max"]["value"] == 0.0092
    changed = [a for a, b in zip(TEXT.splitlines(), new.splitlines(), strict=True) if a != b]
    assert len(changed) == 1
    assert new.startswith("# a comment that must survive\n")


def test_patient_block_is_found():
    new = write_back(TEXT, [_result("patient", "crosslink_exponent", 0.83)])
    assert yaml.safe_load(new)["patient"]["parameters"]["crosslink_exponent"]["value"] == 0.83


def test_a_fit_of_another_model_goes_to_that_model_s_block():
    new = write_back(TEXT, [_result("quilizumab", "bcell_kill_max", 0.011, "igesweep-2")])
    data = yaml.safe_load(new)
    own = data["models"]["igesweep-2"]["therapies"]["quilizumab"]["parameters"]["bcell_kill_max"]
    assert own["value"] == pytest.approx(0.011)
    assert data["therapies"]["quilizumab"]["parameters"]["bcell_kill_max"]["value"] == 0.0092


def test_a_model_without_the_block_is_an_error():
    with pytest.raises(KeyError, match=re.escape("models.igesweep-2.therapies.dupilumab")):
        write_back(TEXT, [_result("dupilumab", "bcell_kill_max", 0.05, "igesweep-2")])


@pytest.mark.parametrize(("block", "name"), [("nope", "bcell_kill_max"),
                                             ("quilizumab", "kd_nm")])
def test_missing_entry_is_an_error(block, name):
    with pytest.raises(KeyError, match=block if block == "nope" else name):
        write_back(TEXT, [_result(block, name, 1.0)])
