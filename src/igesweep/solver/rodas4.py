"""One step of RODAS4, the stiffly accurate, L-stable Rosenbrock method of order 4(3).

Coefficients are those of Hairer & Wanner's ``rodas.f`` (METH = 1; *Solving
Ordinary Differential Equations II*, 2nd ed., Springer 1996, §VI.4) in the
transformed form that needs one factorisation of ``I/(h*gamma) - J`` per
step. The model is autonomous between events, so the ``df/dt`` terms vanish.
The embedded third-order solution gives the error estimate: ``err = k6``.
"""

from __future__ import annotations

import math

import numpy as np

from igesweep._jit import jit
from igesweep.model import N_STATES, rhs
from igesweep.solver._linalg import stage_factor, stage_solve

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
def rodas4_step(
    y: np.ndarray,
    f0: np.ndarray,
    jac: np.ndarray,
    r: np.ndarray,
    binding: int,
    h: float,
    lu: np.ndarray,
    k: np.ndarray,
    ytmp: np.ndarray,
    ftmp: np.ndarray,
    y_new: np.ndarray,
    y_err: np.ndarray,
) -> bool:
    """Attempt one RODAS4 step of size ``h`` from ``y``.

    Parameters
    ----------
    y, f0 : ndarray, shape (N_STATES,)
        State and its derivative at the start of the step.
    jac : ndarray, shape (N_STATES, N_STATES)
        Jacobian at ``y``.
    r : ndarray
        Derived rates of the lane (:func:`igesweep.model.derive`).
    binding : int
        ``BINDING_FULL`` or ``BINDING_QE``.
    h : float
        Step size, days.
    lu, k, ytmp, ftmp : ndarray
        Work space: ``(n, n)`` (the stage factor of
        :func:`igesweep.solver._linalg.stage_factor`), ``(5, n)``, ``(n,)``, ``(n,)``.
    y_new, y_err : ndarray, shape (N_STATES,)
        Receive the fourth-order solution and the error estimate.

    Returns
    -------
    bool
        ``False`` when the stage matrix is singular or not finite.
    """
    n = N_STATES
    if not stage_factor(jac, 1.0 / (h * GAMMA), lu):
        return False
    inv_h = 1.0 / h
    k1 = k[0]
    k2 = k[1]
    k3 = k[2]
    k4 = k[3]
    k5 = k[4]
    for i in range(n):
        k1[i] = f0[i]
    stage_solve(lu, k1)

    for i in range(n):
        ytmp[i] = y[i] + A21 * k1[i]
    rhs(ytmp, r, binding, ftmp)
    for i in range(n):
        k2[i] = ftmp[i] + C21 * k1[i] * inv_h
    stage_solve(lu, k2)

    for i in range(n):
        ytmp[i] = y[i] + A31 * k1[i] + A32 * k2[i]
    rhs(ytmp, r, binding, ftmp)
    for i in range(n):
        k3[i] = ftmp[i] + (C31 * k1[i] + C32 * k2[i]) * inv_h
    stage_solve(lu, k3)

    for i in range(n):
        ytmp[i] = y[i] + A41 * k1[i] + A42 * k2[i] + A43 * k3[i]
    rhs(ytmp, r, binding, ftmp)
    for i in range(n):
        k4[i] = ftmp[i] + (C41 * k1[i] + C42 * k2[i] + C43 * k3[i]) * inv_h
    stage_solve(lu, k4)

    for i in range(n):
        ytmp[i] = y[i] + A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]
    rhs(ytmp, r, binding, ftmp)
    for i in range(n):
        k5[i] = ftmp[i] + (C51 * k1[i] + C52 * k2[i] + C53 * k3[i] + C54 * k4[i]) * inv_h
    stage_solve(lu, k5)

    # embedded solution, then the last stage gives solution and error
    for i in range(n):
        ytmp[i] += k5[i]
    rhs(ytmp, r, binding, ftmp)
    for i in range(n):
        y_err[i] = ftmp[i] + (
            C61 * k1[i] + C62 * k2[i] + C63 * k3[i] + C64 * k4[i] + C65 * k5[i]
        ) * inv_h
    stage_solve(lu, y_err)
    for i in range(n):
        y_new[i] = ytmp[i] + y_err[i]
    return True


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
