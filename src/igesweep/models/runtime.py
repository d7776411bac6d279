"""Compiled twins of :mod:`igesweep.models.functions`, called by generated kernel code.

Written as selects rather than early returns so that lane loops over them
vectorise; powers are taken with :func:`igesweep.models.power.power`, which
vectorises too (the C library's ``pow`` does not).
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
def qe_ratio_k(a: float, b: float, k0: float, alpha: float) -> float:
    """``k0*(a/b)**alpha`` with ``a`` taken as ``max(a, 0)``; 0 where ``a <= 0``."""
    x = max(a, 0.0)
    return k0 * power(x / b, alpha) if x > 0.0 else 0.0


@jit_inline
def qe_ratio_complex(a: float, b: float, k0: float, alpha: float) -> float:
    """Complex of ``(a - C)(b - C) = C*k0*(a/b)**alpha`` (0 where ``a <= 0``)."""
    return qe_complex(max(a, 0.0), b, qe_ratio_k(a, b, k0, alpha), 1.0)


@jit_inline
def qe_ratio_slope_a(a: float, b: float, c: float, k0: float, alpha: float) -> float:
    """``dC/da`` of :func:`qe_ratio_complex`, finite as ``a -> 0`` (where ``C/a -> 1``)."""
    x = max(a, 0.0)
    k = qe_ratio_k(a, b, k0, alpha)
    c_over_a = c / x if x > 0.0 else 1.0
    return ((b - c) - alpha * k * c_over_a) / qe_sqrt(x, b, k)


@jit_inline
def qe_ratio_slope_b(a: float, b: float, c: float, k0: float, alpha: float) -> float:
    """``dC/db`` of :func:`qe_ratio_complex`."""
    x = max(a, 0.0)
    k = qe_ratio_k(a, b, k0, alpha)
    return ((x - c) + alpha * k * c / b) / qe_sqrt(x, b, k)


@jit_inline
def ratio_power(x: float, y: float, alpha: float) -> float:
    """``(x/y)**alpha`` for ``x > 0``; else 0, or 1 when ``alpha == 0``."""
    at_zero = 1.0 if alpha == 0.0 else 0.0
    return power(max(x, 0.0) / y, alpha) if x > 0.0 else at_zero


@jit_inline
def ratio_dissociation(c: float, x: float, y: float, alpha: float) -> float:
    """``c*(x/y)**alpha`` (see :func:`ratio_power`)."""
    return c * ratio_power(x, y, alpha)


@jit_inline
def ratio_dissociation_dx(c: float, x: float, y: float, alpha: float) -> float:
    """``alpha*(c/x)*(x/y)**alpha``; 0 where ``x <= 0``."""
    v = alpha * (c / max(x, 1e-300)) * ratio_power(x, y, alpha)
    return v if x > 0.0 else 0.0


@jit_inline
def _bound_k(a: float, b: float, k0: float, alpha: float, k_add: float) -> float:
    return k0 * ratio_power(a, b, alpha) + k_add


@jit_inline
def qe_bound(a: float, b: float, k0: float, alpha: float, k_add: float, kon: float) -> float:
    """Complex of ``(a - C)(b - C) = C*(k0*(a/b)**alpha + k_add)``; 0 if ``kon == 0`` or no drug."""
    x = max(a, 0.0)
    return qe_complex(x, b, _bound_k(a, b, k0, alpha, k_add), kon)


@jit_inline
def qe_bound_slope_a(a: float, b: float, c: float, k0: float, alpha: float, k_add: float,
                     kon: float) -> float:
    """``dC/da`` of :func:`qe_bound`, finite as ``a -> 0``; 0 if ``kon == 0``."""
    x = max(a, 0.0)
    k = _bound_k(a, b, k0, alpha, k_add)
    c_over_a = c / max(x, 1e-300) if x > 0.0 else 1.0
    v = ((b - c) - alpha * (k - k_add) * c_over_a) / qe_sqrt(x, b, k)
    return 0.0 if kon == 0.0 else v


@jit_inline
def qe_bound_slope_b(a: float, b: float, c: float, k0: float, alpha: float, k_add: float,
                     kon: float) -> float:
    """``dC/db`` of :func:`qe_bound`; 0 if ``kon == 0``."""
    x = max(a, 0.0)
    k = _bound_k(a, b, k0, alpha, k_add)
    v = ((x - c) + alpha * (k - k_add) * c / b) / qe_sqrt(x, b, k)
    return 0.0 if kon == 0.0 else v
