"""Studies as plug-ins: found by name, built from the shipped configuration, in report order."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from igesweep import load_catalogue
from igesweep.studies import available, get_study, in_report_order
from igesweep.sweep.plan import build_plan
from igesweep.sweep.spec import parse_sweep

ROOT = Path(__file__).parents[2]
CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
SCHEMA = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())


def test_every_module_declares_the_study_of_its_name():
    names = available()
    assert "optimised_dosing_table" in names and "base" not in names
    for name in names:
        assert get_study(name).name == name


def test_an_unknown_study_names_the_allowed_ones():
    with pytest.raises(KeyError, match=r"studies.sobbol: no such study; allowed: .*sobol"):
        get_study("sobbol")


def test_the_schema_and_the_modules_know_the_same_studies():
    assert set(SCHEMA["properties"]["studies"]["properties"]) == set(available())
    assert "required" not in SCHEMA["properties"]["studies"]


def test_the_answers_come_first_in_the_report():
    order = [s.name for s in in_report_order(list(CONFIG["studies"]))]
    assert order[0] == "optimised_dosing_table"
    assert order.index("therapy_reference") < order.index("sobol")


@pytest.mark.parametrize("name", sorted(CONFIG["studies"]))
def test_each_shipped_study_builds_a_sweep_the_planner_accepts(name):
    shared = {k: CONFIG[k] for k in ("reference_patient", "target_free_ige_ng_ml")}
    catalogue = load_catalogue()
    sweep, info = get_study(name).build(CONFIG["studies"][name], shared, catalogue)
    plan = build_plan(parse_sweep(sweep, name), catalogue, name)
    assert plan.n_lanes >= 1
    assert isinstance(info, dict)


def test_the_affinity_sentence_names_a_non_monotone_dose():
    from igesweep.studies.affinity_map import monotonicity

    aff = {"dims": ["kd_nm", "dose_mg"], "dose_mg": [75.0, 300.0],
           "trough_free_ige_ng_ml": [[1.0, 0.1], [3.0, 0.5], [2.0, 0.9]]}
    assert "not monotone in Kd at 75 mg" in monotonicity(aff)
    aff["trough_free_ige_ng_ml"][2][0] = 4.0
    assert monotonicity(aff).startswith("Trough free IgE rises with Kd at every dose")


def test_a_metric_that_cannot_be_computed_is_named_with_the_reason():
    from igesweep.studies.common import omitted_metrics

    text = omitted_metrics({"trough_free_ige": {"ST": [0.1]},
                            "time_to_target": {"error": "too few finite samples"}})
    assert text == ("<p>Omitted (cannot be computed): time to target (day): too few finite "
                    "samples.</p>")
    assert omitted_metrics({"trough_free_ige": {"ST": [0.1]}}) == ""
