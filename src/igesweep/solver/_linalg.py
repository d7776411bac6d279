"""Small dense LU factorisation with partial pivoting, for the Rosenbrock stages.

Written out rather than calling LAPACK because the matrices are 10 x 10 and
are factorised millions of times inside a compiled loop, where a call into
LAPACK (and its allocation) would cost more than the arithmetic.
"""

from __future__ import annotations

import math

import numpy as np

from igesweep._jit import jit


@jit
def lu_factor(a: np.ndarray, piv: np.ndarray) -> bool:
    """Factorise ``a`` in place as ``P a = L U`` (unit lower ``L``).

    Returns ``False`` (leaving ``a`` partly overwritten) when a pivot is zero
    or not finite; the caller treats that as a failed step.
    """
    n = a.shape[0]
    for k in range(n):
        p = k
        amax = abs(a[k, k])
        for i in range(k + 1, n):
            v = abs(a[i, k])
            if v > amax:
                amax = v
                p = i
        if amax == 0.0 or not math.isfinite(amax):
            return False
        piv[k] = p
        if p != k:
            for j in range(n):
                tmp = a[k, j]
                a[k, j] = a[p, j]
                a[p, j] = tmp
        inv = 1.0 / a[k, k]
        for i in range(k + 1, n):
            f = a[i, k] * inv
            a[i, k] = f
            if f != 0.0:
                for j in range(k + 1, n):
                    a[i, j] -= f * a[k, j]
    return True


@jit
def lu_solve(a: np.ndarray, piv: np.ndarray, b: np.ndarray) -> None:
    """Solve ``a x = b`` in place in ``b`` with the factors of :func:`lu_factor`."""
    n = a.shape[0]
    for k in range(n):
        p = piv[k]
        if p != k:
            tmp = b[k]
            b[k] = b[p]
            b[p] = tmp
    for i in range(n):
        s = b[i]
        for j in range(i):
            s -= a[i, j] * b[j]
        b[i] = s
    for i in range(n - 1, -1, -1):
        s = b[i]
        for j in range(i + 1, n):
            s -= a[i, j] * b[j]
        b[i] = s / a[i, i]
