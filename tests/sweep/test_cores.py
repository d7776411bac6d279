"""Cores a sweep may use, and Numba's threads held to them."""

import os

import numba
import pytest

from igesweep.sweep.cores import available_cores, numba_threads


def test_available_cores_are_this_process_affinity():
    assert available_cores() == len(os.sched_getaffinity(0)) >= 1


@pytest.mark.parametrize("wanted", [1, 10_000])
def test_numba_threads_are_held_to_the_number_asked_then_given_back(wanted):
    before = numba.get_num_threads()
    with numba_threads(wanted) as n:
        assert n == min(wanted, numba.config.NUMBA_NUM_THREADS)
        assert numba.get_num_threads() == n
    assert numba.get_num_threads() == before


def test_numba_threads_are_given_back_when_the_run_raises():
    before = numba.get_num_threads()
    with pytest.raises(RuntimeError), numba_threads(1):
        raise RuntimeError("a failed chunk")
    assert numba.get_num_threads() == before


def test_no_number_keeps_numbas_threads():
    with numba_threads(None) as n:
        assert n == numba.get_num_threads()
