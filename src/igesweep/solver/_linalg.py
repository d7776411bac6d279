"""Structured solve of the Rosenbrock stage systems ``(I/(h*gamma) - J) x = b``.

The model's Jacobian has a fixed sparsity (:data:`JACOBIAN_PATTERN`, the same
for full and QE binding), so the stage matrix ``M = fac*I - J`` is reduced by
hand instead of by a dense LU:

* the depot ``A`` depends on itself only and is solved first;
* ``Dp``, ``C`` and ``B`` are *leaves* of the serum block: each couples only
  to itself and to ``D`` and ``E``, so eliminating them leaves a 2 x 2 Schur
  complement in ``(D, E)``, inverted explicitly;
* the receptors ``R``, ``RE``, ``RD`` depend on ``D`` and ``E`` but feed
  nothing back; ``RE`` and ``RD`` are leaves of ``R``, which leaves a scalar;
* the effector pool ``M`` is a scalar once ``D`` and ``E`` are known.

Every pivot but the Schur complements is ``fac - J_ii`` with ``J_ii <= 0`` for
the model, so no pivoting is needed. :func:`stage_factor` does this work once
per step; :func:`stage_solve` reuses it for each of the stages at about a
tenth of the cost of a dense 10 x 10 triangular solve.

The factor is kept in an ``(N_STATES, N_STATES)`` array at the positions of
the entries it derives from (``lu[i, i]`` holds the reciprocal pivot of state
``i``, ``lu[i, j]`` the multiplier of ``x_j`` in the equation of ``x_i``), and
the ``(D, E)`` block holds the inverse of the Schur complement.
"""

from __future__ import annotations

import math

import numpy as np

from igesweep._jit import jit, jit_inline
from igesweep.model import I_A, I_B, I_C, I_D, I_DP, I_E, I_M, I_R, I_RD, I_RE, N_STATES

_COUPLINGS = {
    I_A: (I_A,),
    I_D: (I_A, I_D, I_DP, I_E, I_C),
    I_DP: (I_D, I_DP, I_E),
    I_E: (I_D, I_E, I_C, I_B),
    I_C: (I_D, I_E, I_C),
    I_R: (I_D, I_E, I_R, I_RE, I_RD),
    I_RE: (I_D, I_E, I_R, I_RE),
    I_RD: (I_D, I_E, I_R, I_RD),
    I_B: (I_D, I_E, I_B),
    I_M: (I_D, I_E, I_M),
}

#: Entries of the model Jacobian that may be nonzero under either binding
#: option; :func:`stage_factor` and :func:`stage_solve` assume all others are 0.
JACOBIAN_PATTERN = np.zeros((N_STATES, N_STATES), dtype=np.bool_)
for _i, _cols in _COUPLINGS.items():
    JACOBIAN_PATTERN[_i, list(_cols)] = True
JACOBIAN_PATTERN.setflags(write=False)


@jit
def stage_factor(jac: np.ndarray, fac: float, lu: np.ndarray) -> bool:
    """Reduce ``fac*I - jac`` to the factor used by :func:`stage_solve`.

    Parameters
    ----------
    jac : ndarray, shape (N_STATES, N_STATES)
        Jacobian with the sparsity of :data:`JACOBIAN_PATTERN`.
    fac : float
        ``1/(h*gamma)``.
    lu : ndarray, shape (N_STATES, N_STATES)
        Receives the factor. Entries outside the pattern are left untouched.

    Returns
    -------
    bool
        ``False`` when a pivot is zero or not finite (the factor is then
        meaningless); the caller treats that as a failed step.
    """
    # depot
    p_a = fac - jac[I_A, I_A]
    # leaves of the serum block: x_l = (b_l + J_lD x_D + J_lE x_E) / p_l
    p_dp = fac - jac[I_DP, I_DP]
    p_c = fac - jac[I_C, I_C]
    p_b = fac - jac[I_B, I_B]
    i_dp = 1.0 / p_dp
    i_c = 1.0 / p_c
    i_b = 1.0 / p_b
    g_dp_d = jac[I_DP, I_D] * i_dp
    g_dp_e = jac[I_DP, I_E] * i_dp
    g_c_d = jac[I_C, I_D] * i_c
    g_c_e = jac[I_C, I_E] * i_c
    g_b_d = jac[I_B, I_D] * i_b
    g_b_e = jac[I_B, I_E] * i_b
    j_d_dp = jac[I_D, I_DP]
    j_d_c = jac[I_D, I_C]
    j_e_c = jac[I_E, I_C]
    j_e_b = jac[I_E, I_B]
    # Schur complement in (D, E)
    s_dd = fac - jac[I_D, I_D] - j_d_dp * g_dp_d - j_d_c * g_c_d
    s_de = -jac[I_D, I_E] - j_d_dp * g_dp_e - j_d_c * g_c_e
    s_ed = -jac[I_E, I_D] - j_e_c * g_c_d - j_e_b * g_b_d
    s_ee = fac - jac[I_E, I_E] - j_e_c * g_c_e - j_e_b * g_b_e
    det = s_dd * s_ee - s_de * s_ed
    i_det = 1.0 / det
    # receptors: RE and RD are leaves of R
    p_re = fac - jac[I_RE, I_RE]
    p_rd = fac - jac[I_RD, I_RD]
    i_re = 1.0 / p_re
    i_rd = 1.0 / p_rd
    g_re_r = jac[I_RE, I_R] * i_re
    g_rd_r = jac[I_RD, I_R] * i_rd
    j_r_re = jac[I_R, I_RE]
    j_r_rd = jac[I_R, I_RD]
    p_r = fac - jac[I_R, I_R] - j_r_re * g_re_r - j_r_rd * g_rd_r
    p_m = fac - jac[I_M, I_M]
    i_a = 1.0 / p_a
    i_r = 1.0 / p_r
    i_m = 1.0 / p_m
    # one test catches any zero (reciprocal inf), infinite or NaN pivot; the
    # factor is written in any case so that the function has a single exit
    # (an early return would make Numba keep reference counting of the arrays)
    check = (p_a + p_dp + p_c + p_b + det + p_re + p_rd + p_r + p_m
             + i_a + i_dp + i_c + i_b + i_det + i_re + i_rd + i_r + i_m)

    lu[I_A, I_A] = i_a
    lu[I_D, I_A] = jac[I_D, I_A]
    lu[I_DP, I_DP] = i_dp
    lu[I_DP, I_D] = g_dp_d
    lu[I_DP, I_E] = g_dp_e
    lu[I_C, I_C] = i_c
    lu[I_C, I_D] = g_c_d
    lu[I_C, I_E] = g_c_e
    lu[I_B, I_B] = i_b
    lu[I_B, I_D] = g_b_d
    lu[I_B, I_E] = g_b_e
    lu[I_D, I_DP] = j_d_dp
    lu[I_D, I_C] = j_d_c
    lu[I_E, I_C] = j_e_c
    lu[I_E, I_B] = j_e_b
    lu[I_D, I_D] = s_ee * i_det
    lu[I_D, I_E] = -s_de * i_det
    lu[I_E, I_D] = -s_ed * i_det
    lu[I_E, I_E] = s_dd * i_det

    lu[I_RE, I_RE] = i_re
    lu[I_RE, I_D] = jac[I_RE, I_D] * i_re
    lu[I_RE, I_E] = jac[I_RE, I_E] * i_re
    lu[I_RE, I_R] = g_re_r
    lu[I_RD, I_RD] = i_rd
    lu[I_RD, I_D] = jac[I_RD, I_D] * i_rd
    lu[I_RD, I_E] = jac[I_RD, I_E] * i_rd
    lu[I_RD, I_R] = g_rd_r
    lu[I_R, I_R] = i_r
    lu[I_R, I_D] = jac[I_R, I_D]
    lu[I_R, I_E] = jac[I_R, I_E]
    lu[I_R, I_RE] = j_r_re
    lu[I_R, I_RD] = j_r_rd

    lu[I_M, I_M] = i_m
    lu[I_M, I_D] = jac[I_M, I_D] * i_m
    lu[I_M, I_E] = jac[I_M, I_E] * i_m
    return math.isfinite(check)


@jit_inline
def stage_solve(lu: np.ndarray, b: np.ndarray) -> None:
    """Solve ``(fac*I - J) x = b`` in place in ``b`` with the factor of :func:`stage_factor`."""
    x_a = b[I_A] * lu[I_A, I_A]
    # leaves of the serum block before D and E are known
    t_dp = b[I_DP] * lu[I_DP, I_DP]
    t_c = b[I_C] * lu[I_C, I_C]
    t_b = b[I_B] * lu[I_B, I_B]
    r_d = b[I_D] + lu[I_D, I_A] * x_a + lu[I_D, I_DP] * t_dp + lu[I_D, I_C] * t_c
    r_e = b[I_E] + lu[I_E, I_C] * t_c + lu[I_E, I_B] * t_b
    x_d = lu[I_D, I_D] * r_d + lu[I_D, I_E] * r_e
    x_e = lu[I_E, I_D] * r_d + lu[I_E, I_E] * r_e
    x_dp = t_dp + lu[I_DP, I_D] * x_d + lu[I_DP, I_E] * x_e
    x_c = t_c + lu[I_C, I_D] * x_d + lu[I_C, I_E] * x_e
    x_b = t_b + lu[I_B, I_D] * x_d + lu[I_B, I_E] * x_e
    # receptors
    t_re = b[I_RE] * lu[I_RE, I_RE] + lu[I_RE, I_D] * x_d + lu[I_RE, I_E] * x_e
    t_rd = b[I_RD] * lu[I_RD, I_RD] + lu[I_RD, I_D] * x_d + lu[I_RD, I_E] * x_e
    x_r = (
        b[I_R] + lu[I_R, I_D] * x_d + lu[I_R, I_E] * x_e
        + lu[I_R, I_RE] * t_re + lu[I_R, I_RD] * t_rd
    ) * lu[I_R, I_R]
    x_re = t_re + lu[I_RE, I_R] * x_r
    x_rd = t_rd + lu[I_RD, I_R] * x_r
    x_m = b[I_M] * lu[I_M, I_M] + lu[I_M, I_D] * x_d + lu[I_M, I_E] * x_e
    b[I_A] = x_a
    b[I_D] = x_d
    b[I_DP] = x_dp
    b[I_E] = x_e
    b[I_C] = x_c
    b[I_R] = x_r
    b[I_RE] = x_re
    b[I_RD] = x_rd
    b[I_B] = x_b
    b[I_M] = x_m
