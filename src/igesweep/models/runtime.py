"""Compiled twins of :mod:`igesweep.models.functions`, called by generated kernel code.

Written as selects rather than early returns so that lane loops over them
vectorise. The functions that raise to a power take a last argument
``vector``, a constant at each call site of the generated code: ``True`` in
the lockstep group functions, whose lane loops vectorise only with
:func:`igesweep.models.power.power` (the C library's ``pow`` is one call a
lane), ``False`` in the per-lane functions, where the C library's ``pow`` is
faster (BENCHMARKS.md). Once inlined, the branch not taken is removed.
"""

from __future__ import annotations

import math

from igesweep._jit import jit_inline
from igesweep.models.power import power


@jit_inline
def emax(kmax: float, ec50: float, x: float) -> float:
    """``kmax*x/(ec50 + x)``; 0 when ``kmax == 0``."""
    v = kmax * x / (ec50 + x)
    return 0.0 if kmax == 0.0 else v


@jit_inline
def emax_slope(kmax: float, ec50: float, x: float) -> float:
    """``kmax*ec50/(ec50 + x)**2``; 0 when ``kmax == 0``."""
    v = kmax * ec50 / ((ec50 + x) * (ec50 + x))
    return 0.0 if kmax == 0.0 else v


@jit_inline
def qe_sqrt(a: float, b: float, kd: float) -> float:
    """``sqrt((a + b + kd)**2 - 4ab)`` as ``sqrt((a - b)**2 + kd*(2(a + b) + kd))``."""
    disc = (a - b) * (a - b) + kd * (2.0 * (a + b) + kd)
    return math.sqrt(max(disc, 0.0))


@jit_inline
def qe_complex(a: float, b: float, kd: float, kon: float) -> float:
    """Complex at quasi-equilibrium, ``2ab/(a + b + kd + sqrt(...))``; 0 if ``kon == 0``.

    The root never exceeds ``min(a, b)``; rounding can put the quotient one ulp
    above, which would make a free species ``a - C`` negative, so it is held there.
    """
    den = a + b + kd + qe_sqrt(a, b, kd)
    c = min(2.0 * a * b / den, a, b)
    return 0.0 if (kon == 0.0 or not den > 0.0) else c


@jit_inline
def qe_slope(free_other: float, sq: float, kon: float) -> float:
    """``free_other/sq``, the derivative of the QE complex in one total; 0 if ``kon == 0``."""
    v = free_other / sq
    return 0.0 if kon == 0.0 else v


@jit_inline
def _power(x: float, a: float, vector: bool) -> float:
    """``x**a`` for ``x >= 0``: :func:`power` in lockstep groups, the C library's per lane."""
    return power(x, a) if vector else x ** a


@jit_inline
def qe_ratio_k(a: float, b: float, k0: float, alpha: float, vector: bool) -> float:
    """``k0*(a/b)**alpha`` with ``a`` taken as ``max(a, 0)``; 0 where ``a <= 0``."""
    x = max(a, 0.0)
    return k0 * _power(x / b, alpha, vector) if x > 0.0 else 0.0


@jit_inline
def qe_ratio_complex(a: float, b: float, k0: float, alpha: float, vector: bool) -> float:
    """Complex of ``(a - C)(b - C) = C*k0*(a/b)**alpha`` (0 where ``a <= 0``)."""
    return qe_complex(max(a, 0.0), b, qe_ratio_k(a, b, k0, alpha, vector), 1.0)


@jit_inline
def qe_ratio_slope_a(a: float, b: float, c: float, k0: float, alpha: float,
                     vector: bool) -> float:
    """``dC/da`` of :func:`qe_ratio_complex`, finite as ``a -> 0`` (where ``C/a -> 1``)."""
    x = max(a, 0.0)
    k = qe_ratio_k(a, b, k0, alpha, vector)
    c_over_a = c / x if x > 0.0 else 1.0
    return ((b - c) - alpha * k * c_over_a) / qe_sqrt(x, b, k)


@jit_inline
def qe_ratio_slope_b(a: float, b: float, c: float, k0: float, alpha: float,
                     vector: bool) -> float:
    """``dC/db`` of :func:`qe_ratio_complex`."""
    x = max(a, 0.0)
    k = qe_ratio_k(a, b, k0, alpha, vector)
    return ((x - c) + alpha * k * c / b) / qe_sqrt(x, b, k)


@jit_inline
def ratio_power(x: float, y: float, alpha: float, vector: bool) -> float:
    """``(x/y)**alpha`` for ``x > 0``; else 0, or 1 when ``alpha == 0``."""
    at_zero = 1.0 if alpha == 0.0 else 0.0
    return _power(max(x, 0.0) / y, alpha, vector) if x > 0.0 else at_zero


@jit_inline
def ratio_dissociation(c: float, x: float, y: float, alpha: float, vector: bool) -> float:
    """``c*(x/y)**alpha`` (see :func:`ratio_power`)."""
    return c * ratio_power(x, y, alpha, vector)


@jit_inline
def ratio_dissociation_dx(c: float, x: float, y: float, alpha: float, vector: bool) -> float:
    """``alpha*(c/x)*(x/y)**alpha``; 0 where ``x <= 0``."""
    v = alpha * (c / max(x, 1e-300)) * ratio_power(x, y, alpha, vector)
    return v if x > 0.0 else 0.0


@jit_inline
def _bound_k(a: float, b: float, k0: float, alpha: float, k_add: float, vector: bool) -> float:
    return k0 * ratio_power(a, b, alpha, vector) + k_add


@jit_inline
def qe_bound(a: float, b: float, k0: float, alpha: float, k_add: float, kon: float,
             vector: bool) -> float:
    """Complex of ``(a - C)(b - C) = C*(k0*(a/b)**alpha + k_add)``; 0 if ``kon == 0`` or no drug."""
    x = max(a, 0.0)
    return qe_complex(x, b, _bound_k(a, b, k0, alpha, k_add, vector), kon)


@jit_inline
def qe_bound_slope_a(a: float, b: float, c: float, k0: float, alpha: float, k_add: float,
                     kon: float, vector: bool) -> float:
    """``dC/da`` of :func:`qe_bound`, finite as ``a -> 0``; 0 if ``kon == 0``."""
    x = max(a, 0.0)
    k = _bound_k(a, b, k0, alpha, k_add, vector)
    c_over_a = c / max(x, 1e-300) if x > 0.0 else 1.0
    v = ((b - c) - alpha * (k - k_add) * c_over_a) / qe_sqrt(x, b, k)
    return 0.0 if kon == 0.0 else v


@jit_inline
def qe_bound_slope_b(a: float, b: float, c: float, k0: float, alpha: float, k_add: float,
                     kon: float, vector: bool) -> float:
    """``dC/db`` of :func:`qe_bound`; 0 if ``kon == 0``."""
    x = max(a, 0.0)
    k = _bound_k(a, b, k0, alpha, k_add, vector)
    v = ((x - c) + alpha * (k - k_add) * c / b) / qe_sqrt(x, b, k)
    return 0.0 if kon == 0.0 else v
