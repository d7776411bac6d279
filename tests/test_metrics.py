"""Summary metrics against values worked out by hand."""

import numpy as np
import pytest

from igesweep import simulate
from igesweep.events import EVENT_APHERESIS, EVENT_SC
from igesweep.metrics import summary_metrics


def test_metrics_on_a_hand_made_trajectory():
    times = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    free = np.array([[100.0, 60.0, 40.0, 45.0, 70.0], [np.nan] * 5])
    fceri = np.array([[1e5, 9e4, 8e4, 7e4, 5e4]] * 2)
    thr = np.array([[1.0, 1.5, 2.5, 2.0, 1.8]] * 2)
    days = np.array([[0.0, 2.0, 3.0]] * 2)
    kinds = np.array([[EVENT_SC, EVENT_SC, EVENT_APHERESIS]] * 2)
    pre = np.array([[100.0, 41.0, 44.0]] * 2)
    m = summary_metrics(times, free, fceri, thr, np.array([1e5, 1e5]), days, kinds,
                        np.array([3, 3]), pre, target_free_ige_ng_ml=50.0)
    assert m["time_to_target"][0] == 2.0
    assert m["fraction_below_target"][0] == pytest.approx(2 / 5)
    assert m["trough_free_ige"][0] == 41.0  # last dose at day 2; apheresis is not a dose
    assert m["nadir_free_ige"][0] == 40.0
    assert m["fceri_reduction"][0] == pytest.approx(0.5)
    assert m["max_threshold_fold"][0] == 2.5
    assert all(np.isnan(v[1]) for v in m.values())


def test_window_restricts_every_metric_and_never_reached_is_nan():
    times = np.arange(6.0)
    free = np.array([[100.0, 40.0, 60.0, 70.0, 80.0, 90.0]])
    m = summary_metrics(times, free, np.full((1, 6), 1e5), np.ones((1, 6)), np.array([1e5]),
                        np.array([[1.0]]), np.array([[EVENT_SC]]), np.array([1]),
                        np.array([[99.0]]), window_days=(2.0, 5.0))
    assert np.isnan(m["time_to_target"][0])
    assert m["fraction_below_target"][0] == 0.0
    assert np.isnan(m["trough_free_ige"][0])  # the only dose (day 1) is before the window
    assert m["nadir_free_ige"][0] == 60.0
    with pytest.raises(ValueError, match="no output time"):
        summary_metrics(times, free, free, free, np.array([1.0]), np.zeros((1, 1)),
                        np.zeros((1, 1), dtype=int), np.array([0]), np.zeros((1, 1)),
                        window_days=(7.0, 8.0))


@pytest.mark.parametrize(("model", "readout"), [("igesweep-1", "fceri_total"),
                                                 ("igesweep-2", "basophil_fceri_total")])
def test_fceri_reduction_reads_the_model_receptor_output_against_its_untreated_value(
        model, readout):
    ds = simulate({"model": model, "therapy": "omalizumab",
                   "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28,
                               "n_doses": 3},
                   "times": {"start": 0, "stop": 84, "step": 1}})
    x = ds[readout].values
    assert float(ds["fceri_reduction"]) == pytest.approx(1.0 - x[-1] / x[0], rel=1e-12)
    assert float(ds["fceri_reduction"]) > 0.5
