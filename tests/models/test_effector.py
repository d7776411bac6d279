"""igesweep-2's effector cells (model.md §M2.8-§M2.9): receptors from IgE, two populations,
drugs on cell-bound IgE and the cross-link hazard.

The claims checked here are stated in the specification before the model ran:
baseline IgE-bound receptors per basophil on Malveaux 1978's line (6,000 at
2.6 ng/mL to 600,000 at 5,500 ng/mL); the strategy-B entry trips the hazard
(>= 1) at its regimen while omalizumab, ligelizumab, the monovalent scFv and
the other approved therapies stay at exactly 0; the strategy-B verdict holds
for any triggering number from 100 to 5,000 pairs and any cross-linking
constant from 1e-5 to 1e-2 per receptor (the catalogue's notes say so).
"""

import math

import numpy as np
import pytest

from igesweep import load_catalogue, parse_scenario, simulate
from igesweep.resolve import resolve
from igesweep.solver.kernels import load_kernels

MODEL = "igesweep-2"
#: Malveaux 1978: IgE per basophil from 6,000 to 600,000 over serum IgE 2.6 to 5,500 ng/mL.
MALVEAUX_LOW = (2.6, 6_000.0)
MALVEAUX_HIGH = (5_500.0, 600_000.0)
#: One residual SD of Malveaux's scatter about the line, as a factor: r = 0.95 with log IgE
#: spread evenly over 3.3 decades (SD 0.96) gives 0.60*0.96*sqrt(1 - 0.95**2)/0.95 = 0.19
#: log10 units.
MALVEAUX_SCATTER = 10 ** (0.6014 * 0.96 * math.sqrt(1 - 0.95**2) / 0.95)
#: Therapies approved for use, and the anti-IgE antibodies that cannot reach cell-bound IgE.
SAFE = ("omalizumab", "ligelizumab", "anti_ige_scfv", "dupilumab", "ige_immunoadsorption")
STRATEGY_B = "strategy_b_bivalent_anti_ige"


def _malveaux_line(ige_ng_ml: float) -> float:
    (x0, y0), (x1, y1) = MALVEAUX_LOW, MALVEAUX_HIGH
    return y0 * (ige_ng_ml / x0) ** (math.log(y1 / y0) / math.log(x1 / x0))


def _derived(ige_iu_ml: float) -> tuple[object, np.ndarray]:
    k = load_kernels(MODEL, "full")
    lane = resolve(parse_scenario({"model": MODEL, "therapy": "omalizumab",
                                   "patient": {"ige_baseline_iu_ml": ige_iu_ml},
                                   "times": [0.0]}), load_catalogue())
    return k, k.derive(lane.parameter_vector())


def _bound_per_basophil(ige_ng_ml: float) -> float:
    k, r = _derived(ige_ng_ml / 2.42)
    y = np.empty(k.N_STATES)
    k.initial_state(r, y)
    return float(y[k.I_RE_bas])


def test_catalogue_anchors_basophil_receptors_on_malveaux_line_at_365_ng_ml():
    assert _bound_per_basophil(365.0) == pytest.approx(_malveaux_line(365.0), rel=0.01)


@pytest.mark.parametrize("ige_ng_ml", [
    pytest.param(10.0, marks=pytest.mark.xfail(strict=True, reason=(
        "known disagreement: below ~15 ng/mL the basophils' occupancy (association at the "
        "rat cells' rate against dissociation, internalisation and renewal) falls under 65 %, "
        "so IgE per cell falls faster than Malveaux's line (0.64 of it at 10 ng/mL)"))),
    30.0, 100.0, 1000.0, 5000.0])
def test_ige_per_basophil_stays_within_malveaux_scatter(ige_ng_ml):
    ratio = _bound_per_basophil(ige_ng_ml) / _malveaux_line(ige_ng_ml)
    assert 1 / MALVEAUX_SCATTER <= ratio <= MALVEAUX_SCATTER


def test_receptors_do_not_saturate_with_ige():
    """Log-log slope of untreated receptors per cell between 30 and 1,500 IU/mL."""
    totals = []
    for ige in (30.0, 1500.0):
        k, r = _derived(ige)
        y = np.empty(k.N_STATES)
        k.initial_state(r, y)
        totals.append(sum(y[getattr(k, f"I_{x}_bas")] for x in ("R", "RE", "RX", "RD")))
    slope = math.log(totals[1] / totals[0]) / math.log(50.0)
    assert slope == pytest.approx(0.6014, abs=1e-9)


def _usual(therapy: str, **therapy_params: float):
    scenario = {"model": MODEL, "therapy": therapy, "regimen": "usual",
                "times": {"start": 0, "stop": 364, "step": 1}}
    if therapy_params:
        scenario["therapy_params"] = therapy_params
    ds = simulate(scenario)
    assert int(ds["status"]) == 0
    return ds


@pytest.mark.parametrize("therapy", SAFE)
def test_therapies_that_cannot_bridge_receptors_have_no_hazard(therapy):
    assert float(_usual(therapy)["crosslink_hazard"].max()) == 0.0


def test_strategy_b_predicts_degranulation_at_its_regimen():
    ds = _usual(STRATEGY_B)
    assert float(ds["crosslink_hazard"].max()) >= 1.0
    assert float(ds["mast_cell_crosslink_hazard"].max()) >= 1.0


@pytest.mark.parametrize("trigger", [100.0, 5_000.0])
@pytest.mark.parametrize("k_cell", [1e-5, 1e-2])
def test_strategy_b_verdict_does_not_hang_on_the_illustrative_constants(trigger, k_cell):
    patient = {"trigger_crosslinks_per_cell": trigger}
    block = load_catalogue().therapies[STRATEGY_B]
    ds = simulate({"model": MODEL, "therapy": STRATEGY_B, "patient": patient,
                   "therapy_params": {"surface_crosslink_k": k_cell},
                   "regimen": block.usual_regimen.model_dump(exclude_none=True),
                   "times": {"start": 0, "stop": 364, "step": 1}})
    assert float(ds["crosslink_hazard"].max()) >= 1.0


def test_a_monovalent_strategy_b_binds_cell_ige_but_bridges_nothing():
    ds = _usual(STRATEGY_B, valency=1.0)
    assert float(ds["crosslink_hazard"].max()) == 0.0
    bivalent = _usual(STRATEGY_B)
    # the drug on cell-bound IgE is the same; only the bridging (and its extra
    # internalisation) is gone, so fewer receptors are lost than with two arms
    assert float(ds["basophil_fceri_total"].min()) > float(bivalent["basophil_fceri_total"].min())


def test_basophils_fall_faster_than_mast_cells_on_omalizumab():
    """MacGlashan 1997 (basophils, half-time ~3 d) against Beck 2004 (skin mast cells, changes
    seen by day 70, not day 7): the basophils' fall is half done sooner."""
    ds = _usual("omalizumab")

    def half_day(name: str) -> float:
        x = ds[name].values
        half = 0.5 * (x[0] + x[:113].min())
        return float(ds["time"].values[np.argmax(x <= half)])

    assert half_day("basophil_fceri_total") < half_day("mast_cell_fceri_total")


def test_multivalent_anti_fceri_micelles_bridge_receptors_at_their_regimen():
    """Multivalent anti-FcεRIα particles cross-link receptors (§M2.9 table)."""
    assert float(_usual("anti_fceri_fab_micelles")["crosslink_hazard"].max()) > 1.0


def test_max_crosslink_hazard_metric_is_the_peak_of_the_output():
    ds = _usual(STRATEGY_B)
    assert float(ds["max_crosslink_hazard"]) == float(ds["crosslink_hazard"].max())
