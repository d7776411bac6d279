"""The stopwatch that charges a sweep's time to its phases."""

import time

from igesweep.sweep.timing import Stopwatch


def test_each_lap_charges_the_time_since_the_last_one_to_its_phase():
    watch = Stopwatch()
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 0.02:
        pass
    watch.lap("a")
    watch.lap("b")
    t1 = time.perf_counter()
    while time.perf_counter() - t1 < 0.01:
        pass
    watch.lap("a")
    assert watch.seconds["a"] >= 0.03
    assert 0 <= watch.seconds["b"] < 0.01
    assert set(watch.seconds) == {"a", "b"}
