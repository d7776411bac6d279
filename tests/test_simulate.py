"""``igesweep.simulate``: the dataset's structure, units, metrics and provenance."""

from pathlib import Path

import numpy as np
import pytest
import yaml

from igesweep import load_catalogue, simulate
from igesweep.models import DEFAULT_MODEL, get_model
from igesweep.outputs import METRIC_NAMES
from igesweep.parameters import parameter_table

OUTPUT_NAMES = get_model(DEFAULT_MODEL).output_names
EXAMPLES = Path(__file__).parents[1] / "config" / "examples"


def test_dataset_has_every_output_and_metric_with_units():
    ds = simulate(EXAMPLES / "omalizumab_q4w.yaml")
    assert list(ds["time"].values[:3]) == [0.0, 1.0, 2.0]
    assert ds["time"].attrs["units"] == "day"
    for name in OUTPUT_NAMES:
        assert ds[name].dims == ("time",)
        assert ds[name].attrs["units"] and ds[name].attrs["long_name"]
    for name in METRIC_NAMES:
        assert ds[name].dims == ()
        assert ds[name].attrs["units"]
    for name in parameter_table(DEFAULT_MODEL).names:
        assert isinstance(ds.attrs[name], float)
    assert ds.attrs["solver"] == "rodas5p" and ds.attrs["igesweep_version"]
    assert ds.sizes["event"] == 13


def test_dose_at_day_zero_shows_in_the_day_zero_output():
    ds = simulate({"therapy": "omalizumab", "times": [0, 1],
                   "regimen": {"doses": [[0, 300, "iv"]]}})
    v = ds.attrs["v_l"] * (ds.attrs["weight_kg"] / 70) ** ds.attrs["v_wt_exp"]
    assert float(ds["free_drug"][0]) == pytest.approx(300 / v, rel=1e-12)  # µg/mL = mg/L


def test_fully_specified_scenario_does_not_depend_on_catalogue_numbers(tmp_path):
    path = EXAMPLES / "fully_specified.yaml"
    data = yaml.safe_load(path.read_text())
    named = {*data["patient"], *data["therapy_params"]}
    assert named == set(parameter_table(data["model"]).names)
    raw = yaml.safe_load(load_catalogue().path.read_text())
    own = raw["models"]["igesweep-2"]
    for block in (raw["patient"]["parameters"], own["patient"]):
        for entry in block.values():
            entry["value"] = entry["value"] * 1.5 + 0.01 if entry["unit"] != "1" else entry[
                "value"]
    for block in (raw["therapies"]["omalizumab"]["parameters"],
                  own["therapies"]["omalizumab"]["parameters"]):
        for entry in block.values():
            if entry["value"] > 0 and entry["unit"] != "1":
                entry["value"] *= 1.7
    other = tmp_path / "catalogue.yaml"
    other.write_text(yaml.safe_dump(raw))
    a = simulate(path)
    b = simulate(path, catalogue=other)
    for name in OUTPUT_NAMES:
        np.testing.assert_array_equal(a[name].values, b[name].values)


def test_metrics_window_and_target_follow_the_scenario():
    ds = simulate(EXAMPLES / "omalizumab_label_cell.yaml")
    assert ds.attrs["metric_target_free_ige_ng_ml"] == 25.0
    free = ds["free_ige"].sel(time=slice(308, 364)).values
    assert float(ds["nadir_free_ige"]) == free.min()
    assert float(ds["fraction_below_target"]) == pytest.approx(np.mean(free < 25.0))
    # the last dose in the window is on day 364: its trough is free IgE just before it
    assert float(ds["trough_free_ige"]) == pytest.approx(free[-1], rel=1e-12)
