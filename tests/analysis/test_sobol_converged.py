"""The Sobol convergence verdict: the tolerance, the N it asks for, and a total index above 1."""

from __future__ import annotations

import pytest

from igesweep.analysis.sensitivity import SOBOL_TOLERANCE, sobol_converged


def test_narrow_intervals_are_converged_at_the_n_given():
    v = sobol_converged([0.5, 0.2], [0.01, SOBOL_TOLERANCE], 512)
    assert v["converged"] and v["n_needed"] == 512


def test_a_wide_interval_asks_for_the_power_of_two_that_would_narrow_it():
    # ±0.2 at N = 128 with tolerance ±0.05: width falls as 1/sqrt(N), so N = 128·16 = 2048.
    v = sobol_converged([0.5, 0.3], [0.2, 0.1], 128)
    assert not v["converged"]
    assert v["max_half_width"] == pytest.approx(0.2)
    assert v["n_needed"] == 2048
    # ±0.11: 128·4.84 = 620 -> 1024.
    assert sobol_converged([0.5], [0.11], 128)["n_needed"] == 1024


def test_a_total_index_above_one_beyond_its_interval_is_not_converged():
    v = sobol_converged([1.2, 0.1], [0.04, 0.01], 4096)
    assert not v["converged"] and v["total_above_one"]
    assert not sobol_converged([1.02, 0.1], [0.04, 0.01], 4096)["total_above_one"]
