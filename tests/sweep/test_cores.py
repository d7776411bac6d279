"""Numba's threads held to the cores a sweep is given."""

import numba
import pytest

from igesweep.sweep.cores import numba_threads

needs_two_threads = pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2,
                                       reason="Numba has one thread here")


@needs_two_threads
@pytest.mark.parametrize("wanted", [1, 10_000])
def test_numba_threads_are_held_to_the_number_asked_then_given_back(wanted):
    numba.set_num_threads(2)
    with numba_threads(wanted) as n:
        assert n == (1 if wanted == 1 else numba.config.NUMBA_NUM_THREADS)
        assert numba.get_num_threads() == n
    assert numba.get_num_threads() == 2
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)


@needs_two_threads
def test_numba_threads_are_given_back_when_the_run_raises():
    before = numba.get_num_threads()
    assert before >= 2
    with pytest.raises(RuntimeError), numba_threads(1):
        assert numba.get_num_threads() == 1
        raise RuntimeError("a failed chunk")
    assert numba.get_num_threads() == before


@needs_two_threads
def test_no_number_keeps_the_threads_set_before():
    numba.set_num_threads(1)
    try:
        with numba_threads(None) as n:
            assert n == numba.get_num_threads() == 1
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
