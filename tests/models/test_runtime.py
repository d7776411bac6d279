"""Compiled special functions of model equations against their definitions."""

import numpy as np
import pytest

from igesweep.models.runtime import emax, emax_slope, qe_complex, qe_slope, qe_sqrt


@pytest.mark.parametrize(("dt", "et"), [(100.0, 3.8), (1e-3, 3.8), (3.8, 3.8), (1e4, 1e-6)])
def test_qe_complex_solves_the_equilibrium_without_cancellation(dt, et):
    kd = 2.676
    c = qe_complex(dt, et, kd, 86.4)
    d, e = dt - c, et - c
    assert d + c == pytest.approx(dt, rel=1e-14)
    assert d * e / c == pytest.approx(kd, rel=1e-9)
    assert e > 0 and d > 0


def test_qe_complex_never_exceeds_either_total():
    """A tiny drug total against much IgE: the quotient rounds one ulp above the drug total
    for these inputs (found by the igesweep-2 property test as free drug -3e-80)."""
    a, b, k = 3.0331220448974974e-77, 10.729562342913589, 4.5751318612837e-24
    assert qe_complex(a, b, k, 1.0) <= a
    rng = np.random.default_rng(0)
    for _ in range(20_000):
        a, b = 10 ** rng.uniform(-80, 2), 10 ** rng.uniform(-80, 2)
        k = 10 ** rng.uniform(-30, 1) * rng.uniform()
        assert qe_complex(a, b, k, 1.0) <= min(a, b)


def test_qe_complex_is_zero_without_binding():
    assert qe_complex(10.0, 3.0, 0.0, 0.0) == 0.0
    assert qe_slope(3.0, 0.0, 0.0) == 0.0


def test_qe_derivatives_match_finite_differences():
    kd, kon = 0.7, 86.4
    for a, b in [(5.0, 3.0), (0.1, 8.0), (40.0, 0.2)]:
        c = qe_complex(a, b, kd, kon)
        sq = qe_sqrt(a, b, kd)
        h = 1e-6 * a
        fd_a = (qe_complex(a + h, b, kd, kon) - qe_complex(a - h, b, kd, kon)) / (2 * h)
        assert qe_slope(b - c, sq, kon) == pytest.approx(fd_a, rel=1e-6)
        h = 1e-6 * b
        fd_b = (qe_complex(a, b + h, kd, kon) - qe_complex(a, b - h, kd, kon)) / (2 * h)
        assert qe_slope(a - c, sq, kon) == pytest.approx(fd_b, rel=1e-6)


def test_emax_and_its_slope():
    assert emax(0.0, 0.0, 0.0) == 0.0 and emax_slope(0.0, 0.0, 0.0) == 0.0
    x = np.linspace(0.1, 50.0, 7)
    for xi in x:
        assert emax(0.2, 5.0, xi) == pytest.approx(0.2 * xi / (5.0 + xi), rel=1e-15)
        h = 1e-6 * xi
        fd = (emax(0.2, 5.0, xi + h) - emax(0.2, 5.0, xi - h)) / (2 * h)
        assert emax_slope(0.2, 5.0, xi) == pytest.approx(fd, rel=1e-7)
