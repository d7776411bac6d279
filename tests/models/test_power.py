"""``power``: ``x**a`` in plain arithmetic, against the C library's ``pow`` (``math.pow``)."""

import math
import re

import numba
import numpy as np
import pytest

from igesweep._jit import _OPTIONS
from igesweep.models.power import power

ULP = 2.0 ** -52


@numba.njit(**{**_OPTIONS, "cache": False})  # compiled here, so its LLVM IR can be read
def powers(x: np.ndarray, a: np.ndarray, out: np.ndarray) -> None:
    """``power`` over arrays: a lane loop like the lockstep kernel's (the kernels' options)."""
    for i in range(x.size):
        out[i] = power(x[i], a[i])


def _power(x: np.ndarray, a: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    powers(x, a, out)
    return out


def test_relative_error_grows_only_with_the_exponent_of_the_result():
    """Relative error within ``(|a*ln x| + 4) * 2**-52`` of ``math.pow`` over x in 1e-300..1e300
    and a in -2..2, wherever the result is a normal number."""
    rng = np.random.default_rng(7)
    x = 10.0 ** rng.uniform(-300, 300, 400_000)
    a = rng.uniform(-2.0, 2.0, x.size)
    ref = np.array([math.pow(u, v) if -700 < v * math.log(u) < 700 else np.nan
                    for u, v in zip(x, a, strict=True)])
    ok = np.isfinite(ref) & (ref > 1e-300)
    got = _power(x, a)[ok]
    bound = (np.abs(a[ok] * np.log(x[ok])) + 4.0) * ULP
    assert np.all(np.abs(got / ref[ok] - 1.0) <= bound)


def test_within_a_few_ulp_on_the_models_ratios_and_exponents():
    """Totals' ratios 1e-6..1e6 raised to |a| <= 0.5 (Lowe 2009's alpha is 0.09): within
    ``8 * 2**-52`` relative."""
    rng = np.random.default_rng(8)
    x = 10.0 ** rng.uniform(-6, 6, 200_000)
    a = rng.uniform(-0.5, 0.5, x.size)
    ref = np.array([math.pow(u, v) for u, v in zip(x, a, strict=True)])
    assert np.max(np.abs(_power(x, a) / ref - 1.0)) <= 8 * ULP


@pytest.mark.parametrize(("x", "a", "expected"), [
    (0.0, 0.5, 0.0), (0.0, -0.5, math.inf), (0.0, 0.0, 1.0),
    (math.inf, 0.5, math.inf), (math.inf, -0.5, 0.0), (math.inf, 0.0, 1.0),
    (math.nan, 0.0, 1.0), (1.0, 0.3, 1.0), (1.0, -7.0, 1.0), (3.0, 0.0, 1.0),
    (1e300, 2.0, math.inf), (1e-300, 2.0, 0.0), (2.0, -1075.5, 0.0),
    (2.0, -1074.0, 5e-324), (5e-324, 1.0, 5e-324), (4.0, 0.5, 2.0), (0.25, -0.5, 2.0),
])
def test_special_values_as_c99_pow(x, a, expected):
    """As C's ``pow`` (``math.pow`` raises for some of these instead)."""
    assert _power(np.array([x]), np.array([a]))[0] == expected


def test_nan_stays_nan_and_a_negative_base_gives_nan():
    got = _power(np.array([math.nan, -2.0, -0.0 - 1e-300]), np.array([0.3, 0.5, 0.09]))
    assert np.isnan(got).all()


@pytest.mark.parametrize(("x", "a"), [(5e-324, 0.5), (1e-310, 0.9), (1e-300, 1.03),
                                      (2.0, 1023.9)])
def test_subnormal_arguments_and_results_near_the_range_ends(x, a):
    """Subnormal x is normalised before its exponent is read; results near the ends of the
    range keep the bound of the first test."""
    got = _power(np.array([x]), np.array([a]))[0]
    assert got == pytest.approx(math.pow(x, a), rel=(abs(a * math.log(x)) + 4) * ULP)


def test_a_lane_loop_over_it_is_vectorised():
    """The reason it exists: LLVM widens the loop (the C library's pow is one call a lane)."""
    _power(np.ones(8), np.ones(8))   # compiled here, whichever test ran first
    ir = powers.inspect_llvm(powers.signatures[0])
    assert re.search(r"<\d+ x double>", ir)
    assert "@llvm.pow" not in ir and "@pow" not in ir
