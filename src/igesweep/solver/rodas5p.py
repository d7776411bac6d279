"""Rodas5P, the stiffly accurate, L-stable Rosenbrock method of order 5(4).

Coefficients are Steinebach's (*Construction of Rosenbrock–Wanner method
Rodas5P and numerical benchmarks within the Julia Differential Equations
package*, BIT Numer. Math. 63, 27, 2023), in the transformed form of Hairer &
Wanner's ``rodas.f`` (one factorisation of ``I/(h*gamma) - J`` per step), as
tabulated in OrdinaryDiffEq.jl's ``Rodas5PTableau``. The model is autonomous
between events, so the ``df/dt`` terms vanish. The embedded fourth-order
solution gives the error estimate: ``err = k8``.

One step, with stage vectors ``k1 .. k8`` and ``fac = 1/(h*GAMMA)``::

    solve (fac*I - J) k1 = f(y)
    solve (fac*I - J) ks = f(y + sum_j Asj kj) + sum_j Csj kj / h   (s = 2..6)
    u7 = y + A61 k1 + ... + A65 k5 + k6
    solve (fac*I - J) k7 = f(u7) + sum_j C7j kj / h
    u8 = u7 + k7                                  (the embedded solution)
    solve (fac*I - J) k8 = f(u8) + sum_j C8j kj / h
    y_new = u8 + k8

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

GAMMA = 0.21193756319429014
A21 = 3.0
A31 = 2.849394379747939
A32 = 0.45842242204463923
A41 = -6.954028509809101
A42 = 2.489845061869568
A43 = -10.358996098473584
A51 = 2.8029986275628964
A52 = 0.5072464736228206
A53 = -0.3988312541770524
A54 = -0.04721187230404641
A61 = -7.502846399306121
A62 = 2.561846144803919
A63 = -11.627539656261098
A64 = -0.18268767659942256
A65 = 0.030198172008377946
C21 = -14.155112264123755
C31 = -17.97296035885952
C32 = -2.859693295451294
C41 = 147.12150275711716
C42 = -1.41221402718213
C43 = 71.68940251302358
C51 = 165.43517024871676
C52 = -0.4592823456491126
C53 = 42.90938336958603
C54 = -5.961986721573306
C61 = 24.854864614690072
C62 = -3.0009227002832186
C63 = 47.4931110020768
C64 = 5.5814197821558125
C65 = -0.6610691825249471
C71 = 30.91273214028599
C72 = -3.1208243349937974
C73 = 77.79954646070892
C74 = 34.28646028294783
C75 = -19.097331116725623
C76 = -28.087943162872662
C81 = 37.80277123390563
C82 = -3.2571969029072276
C83 = 112.26918849496327
C84 = 66.9347231244047
C85 = -40.06618937091002
C86 = -54.66780262877968
C87 = -9.48861652309627

#: 1 / (order of the error estimate + 1), used by the step-size controller.
ERROR_EXPONENT = 0.2


@jit
def error_power(x: float) -> float:
    """``x**ERROR_EXPONENT`` for ``x >= 0``."""
    return x**ERROR_EXPONENT


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
