"""``x**a`` for ``x >= 0`` in plain arithmetic, so that lane loops calling it vectorise.

The generated kernels raise a ratio of totals to a power (Lowe 2009's
``Kd*(drug/IgE)**alpha``) in every right-hand side. As a call of the C
library's ``pow`` that was half of the lockstep kernel's time: LLVM widens
the lane loop but must call the scalar ``pow`` once per lane, as no vector
math library is reachable from Numba with the LLVM of llvmlite's wheels
(Intel SVML needs a patched LLVM; LLVM's ``-vector-library`` option is not
honoured by Numba's pipeline). :func:`power` computes ``exp(a*log(x))`` from
polynomials and bit manipulation instead, with selects rather than branches
(BENCHMARKS.md). Per lane, where nothing is vectorised, the C library's
``pow`` is faster, and the per-lane kernels keep it (the ``vector`` argument
of :mod:`igesweep.models.runtime`).

Accuracy, for finite ``a``: the relative error is within
``(|a*log(x)| + 4) * 2**-52`` of the C library's ``pow`` (tests/models/test_power.py),
~1e-15 for the ratios and exponents of the models, far below any integration
tolerance. Special values are those of C99 ``pow`` for ``x >= 0``:
``power(x, 0) == 1`` for every ``x`` (NaN too), ``power(0, a)`` is 0 for
``a > 0`` and inf for ``a < 0``, ``power(inf, a)`` is inf for ``a > 0`` and 0
for ``a < 0``, NaN stays NaN; overflow gives inf, underflow 0 or a subnormal.
``x < 0`` gives NaN (``pow`` agrees for every non-integer ``a``; the models
raise only ratios of amounts). Exponents are model parameters, always finite;
NaN or infinite ``a`` are outside the domain.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from igesweep._jit import jit_inline

#: ln 2 in two parts: the high part has trailing zero bits, so ``k*LN2_HI`` is exact
#: for every exponent ``k`` here (fdlibm's split).
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
INV_LN2 = 1.44269504088896338700e00
SQRT2 = 1.4142135623730951
#: 1.5 * 2**52: adding it rounds to an integer, which its low mantissa bits then hold
#: (``t*INV_LN2 + SHIFTER - SHIFTER`` must not be simplified: no fast-math, igesweep._jit).
SHIFTER = 6755399441055744.0
#: 2**54, to bring a subnormal into the normal range before reading its exponent.
TWO54 = 18014398509481984.0
SMALLEST_NORMAL = 2.2250738585072014e-308
#: Beyond this ``|a*log(x)|`` the result is inf or 0 whatever the digits (exp(800) overflows,
#: exp(-800) underflows), so the argument is clamped there to keep the exponent in range.
T_CLAMP = 800.0
EXPONENT_MASK = 0x7FF
MANTISSA_MASK = 0x000FFFFFFFFFFFFF
ONE_BITS = 0x3FF0000000000000
BIAS = 1023


@intrinsic
def float_bits(typingctx: Any, x: types.Type) -> tuple[Any, Callable[..., Any]]:
    """The IEEE 754 bits of a float64, as an int64 (no conversion)."""
    def codegen(context: Any, builder: ir.IRBuilder, signature: Any, args: list) -> Any:
        return builder.bitcast(args[0], ir.IntType(64))
    return types.int64(types.float64), codegen


@intrinsic
def bits_float(typingctx: Any, i: types.Type) -> tuple[Any, Callable[..., Any]]:
    """The float64 whose IEEE 754 bits are the int64 ``i``."""
    def codegen(context: Any, builder: ir.IRBuilder, signature: Any, args: list) -> Any:
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


@jit_inline
def _log(x: float) -> float:
    """Natural logarithm of a finite ``x > 0`` (normal or subnormal)."""
    small = x < SMALLEST_NORMAL
    xn = x * TWO54 if small else x
    bits = float_bits(xn)
    e = ((bits >> 52) & EXPONENT_MASK) - BIAS - (54 if small else 0)
    m = bits_float((bits & MANTISSA_MASK) | ONE_BITS)        # in [1, 2)
    high = m > SQRT2
    m = m * 0.5 if high else m                                # in [sqrt(1/2), sqrt(2)]
    k = float(e + (1 if high else 0))
    # log(m) = 2*atanh(s), s = (m - 1)/(m + 1), |s| <= 0.1716: the series to s**21
    s = (m - 1.0) / (m + 1.0)
    z = s * s
    q = 1.0 / 21.0
    q = q * z + 1.0 / 19.0
    q = q * z + 1.0 / 17.0
    q = q * z + 1.0 / 15.0
    q = q * z + 1.0 / 13.0
    q = q * z + 1.0 / 11.0
    q = q * z + 1.0 / 9.0
    q = q * z + 1.0 / 7.0
    q = q * z + 1.0 / 5.0
    q = q * z + 1.0 / 3.0
    return k * LN2_HI + (k * LN2_LO + (2.0 * s + 2.0 * s * (z * q)))


@jit_inline
def _exp(t: float) -> float:
    """``e**t``: inf above ~709.78, subnormal or 0 below ~-708.4 (``t`` clamped to ±800)."""
    t = min(max(t, -T_CLAMP), T_CLAMP)
    shifted = t * INV_LN2 + SHIFTER
    k = shifted - SHIFTER                                     # nearest integer to t/ln 2
    ki = float_bits(shifted) - float_bits(SHIFTER)
    f = (t - k * LN2_HI) - k * LN2_LO                         # |f| <= ln(2)/2
    p = 1.0 / 6227020800.0                                    # 1/13!: Taylor to f**13
    p = p * f + 1.0 / 479001600.0
    p = p * f + 1.0 / 39916800.0
    p = p * f + 1.0 / 3628800.0
    p = p * f + 1.0 / 362880.0
    p = p * f + 1.0 / 40320.0
    p = p * f + 1.0 / 5040.0
    p = p * f + 1.0 / 720.0
    p = p * f + 1.0 / 120.0
    p = p * f + 1.0 / 24.0
    p = p * f + 1.0 / 6.0
    p = p * f + 0.5
    p = p * f + 1.0
    p = p * f + 1.0
    # 2**k in two factors, each a normal number for |k| <= 1155
    k1 = ki >> 1
    k2 = ki - k1
    return p * bits_float((k1 + BIAS) << 52) * bits_float((k2 + BIAS) << 52)


@jit_inline
def power(x: float, a: float) -> float:
    """``x**a`` as C99 ``pow`` gives it for ``x >= 0`` and finite ``a`` (module docstring)."""
    finite = x > 0.0 and x < math.inf
    v = _exp(a * _log(x if finite else 1.0))
    edge = (0.0 if a > 0.0 else math.inf) if x == 0.0 else (math.inf if a > 0.0 else 0.0)
    v = v if finite else edge
    v = v if x == x else x
    v = math.nan if x < 0.0 else v
    return 1.0 if a == 0.0 else v
