"""SBML export: libRoadRunner runs the exported model and scenario to igesweep's values (§8)."""

import numpy as np
import pytest
import yaml

from igesweep import load_catalogue, parse_scenario, simulate
from igesweep.models import get_model
from igesweep.models.sbml import antimony_text, element_id, sbml_text
from igesweep.resolve import resolve
from tests.processes import igesweep
from tests.test_accuracy import FLOOR, TOLERANCE

roadrunner = pytest.importorskip("roadrunner")

PUBLISHED_REGIMEN = {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 4}
CASES = [
    ("lowe2009", "full", "omalizumab"),
    ("hayashi2007", "full", "omalizumab"),
    ("igesweep-1", "full", "omalizumab"),
    ("igesweep-1", "qe", "omalizumab"),
    ("igesweep-1", "full", "ige_immunoadsorption"),  # apheresis events
    ("igesweep-1", "qe", "quilizumab"),  # B-cell kill (Emax function)
    ("igesweep-1", "full", "anti_fceri_fab_micelles"),  # drug binding to FcεRI
    ("igesweep-2", "full", "omalizumab"),  # ratio-dependent dissociation, complex volume
    ("igesweep-2", "qss", "medi4212"),  # quasi-steady-state complex
]


def scenario_of(model, binding, therapy):
    regimen = PUBLISHED_REGIMEN if model != "igesweep-1" else "usual"
    return {"model": model, "therapy": therapy, "binding": binding, "regimen": regimen,
            "times": {"start": 0, "stop": 112, "step": 1}}


def run_sbml(text, days, names):
    rr = roadrunner.RoadRunner(text)
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-14
    rr.integrator.max_steps = 100_000
    res = rr.simulate(times=days, selections=["time", *(element_id(n) for n in names)])
    return {n: np.asarray(res[:, j + 1]) for j, n in enumerate(names)}


@pytest.mark.parametrize(("model", "binding", "therapy"), CASES,
                         ids=[f"{m}-{b}-{t}" for m, b, t in CASES])
def test_roadrunner_runs_the_export_to_igesweep_values(model, binding, therapy):
    sc = scenario_of(model, binding, therapy)
    lane = resolve(parse_scenario(sc), load_catalogue())
    ours = simulate(sc)
    names = list(get_model(model).output_names)
    theirs = run_sbml(sbml_text(get_model(model), binding, values=lane.values,
                                events=lane.events), ours["time"].values, names)
    for name in names:
        ref, got = theirs[name], ours[name].values
        big = np.abs(ref) > FLOOR * np.max(np.abs(ref))
        error = np.max(np.abs(got[big] - ref[big]) / np.abs(ref[big]), initial=0.0)
        assert error <= TOLERANCE, f"{name}: relative error {error:.2e}"


def test_events_of_one_day_keep_igesweeps_order():
    """Apheresis before a dose on the same day: the dose is not removed."""
    model = get_model("igesweep-1")
    values = resolve(parse_scenario(scenario_of("igesweep-1", "full", "ige_immunoadsorption")),
                     load_catalogue()).values
    values = {**values, "apheresis_ige_removal": 0.5}
    text = antimony_text(model, values=values, events=[(1.0, "apheresis", 0.0),
                                                       (1.0, "iv", 300.0)])
    assert text.index("apheresis") < text.index("iv 300")
    got = run_sbml(sbml_text(model, values=values, events=[(1.0, "apheresis", 0.0),
                                                           (1.0, "iv", 300.0)]),
                   np.array([0.0, 1.0]), ["free_drug"])
    assert got["free_drug"][1] == pytest.approx(300.0 * 1000 / values["mw_kda"]
                                                / values["v_l"] * values["mw_kda"] / 1000,
                                                rel=1e-9)


def test_unknown_event_kind_or_binding_is_refused():
    model = get_model("lowe2009")
    with pytest.raises(ValueError, match="no 'iv' events"):
        antimony_text(model, events=[(0.0, "iv", 100.0)])
    with pytest.raises(ValueError, match="offers binding"):
        antimony_text(model, "qe")


def test_cli_writes_sbml_that_roadrunner_loads(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario_of("lowe2009", "full", "omalizumab")))
    out = tmp_path / "lowe.xml"
    done = igesweep("models", "export", "lowe2009", "--sbml", out, "--scenario", path)
    assert done.returncode == 0, done.stderr
    assert "4 events" in done.stderr
    rr = roadrunner.RoadRunner(str(out))
    assert rr.model.getNumEvents() == 4
    wrong = igesweep("models", "export", "igesweep-1", "--sbml", out, "--scenario", path)
    assert wrong.returncode == 2 and "runs model 'lowe2009'" in wrong.stderr
