"""RODAS4, the stiffly accurate, L-stable Rosenbrock method of order 4(3).

Coefficients are those of Hairer & Wanner's ``rodas.f`` (METH = 1; *Solving
Ordinary Differential Equations II*, 2nd ed., Springer 1996, §VI.4) in the
transformed form that needs one factorisation of ``I/(h*gamma) - J`` per
step. The model is autonomous between events, so the ``df/dt`` terms vanish.
The embedded third-order solution gives the error estimate: ``err = k6``.

One step, with stage vectors ``k1 .. k5`` and ``fac = 1/(h*GAMMA)``::

    solve (fac*I - J) k1 = f(y)
    solve (fac*I - J) ks = f(y + sum_j Asj kj) + sum_j Csj kj / h   (s = 2..5)
    ytmp = y + A51 k1 + A52 k2 + A53 k3 + A54 k4 + k5
    solve (fac*I - J) err = f(ytmp) + sum_j C6j kj / h
    y_new = ytmp + err

The step is written out in :func:`igesweep.solver.lane.integrate_lane`, the
function that owns the work arrays, rather than in a function of its own: a
compiled function that takes arrays and calls other compiled functions
updates the (atomic) reference count of every array on each call, which cost
about a third of the step time.
"""

from __future__ import annotations

import math

import numpy as np

from igesweep._jit import jit

GAMMA = 0.25
A21 = 1.544
A31 = 0.9466785280815826
A32 = 0.2557011698983284
A41 = 3.314825187068521
A42 = 2.896124015972201
A43 = 0.9986419139977817
A51 = 1.221224509226641
A52 = 6.019134481288629
A53 = 12.53708332932087
A54 = -0.6878860361058950
C21 = -5.6688
C31 = -2.430093356833875
C32 = -0.2063599157091915
C41 = -0.1073529058151375
C42 = -9.594562251023355
C43 = -20.47028614809616
C51 = 7.496443313967647
C52 = -10.24680431464352
C53 = -33.99990352819905
C54 = 11.70890893206160
C61 = 8.083246795921522
C62 = -7.981132988064893
C63 = -31.52159432874371
C64 = 16.31930543123136
C65 = -6.058818238834054

#: Order of the error estimate + 1, used by the step-size controller.
ERROR_EXPONENT = 0.25


@jit
def error_power(x: float) -> float:
    """``x**ERROR_EXPONENT`` for ``x >= 0``, as two square roots (a fraction of the cost of pow)."""
    return math.sqrt(math.sqrt(x))


@jit
def error_norm(
    y: np.ndarray, y_new: np.ndarray, y_err: np.ndarray, atol: np.ndarray, rtol: float
) -> float:
    """Root-mean-square error scaled by ``atol_i + rtol * max(|y_i|, |y_new_i|)``.

    Returns ``inf`` when the estimate is not finite.
    """
    n = y.shape[0]
    s = 0.0
    for i in range(n):
        sk = atol[i] + rtol * max(abs(y[i]), abs(y_new[i]))
        e = y_err[i] / sk
        s += e * e
    err = math.sqrt(s / n)
    if not math.isfinite(err):
        return math.inf
    return err
