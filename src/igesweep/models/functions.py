"""Special functions of model equations: SymPy side (with derivatives) and compiled side.

Each function is a SymPy ``Function`` whose derivatives are declared, so that
Jacobians come out exact, and a compiled twin of the same name in
:mod:`igesweep.models.runtime` that the generated code calls. They exist
where a plain expression would divide 0 by 0 (an Emax term of a therapy
without that effect) or lose digits to cancellation (the quasi-equilibrium
complex).
"""

from __future__ import annotations

import sympy as sp


class emax(sp.Function):
    """``kmax*x/(ec50 + x)``, and 0 when ``kmax == 0`` (whatever ``ec50``)."""

    nargs = 3

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        kmax, ec50, x = self.args
        if argindex == 3:
            return emax_slope(kmax, ec50, x)
        raise sp.ArgumentIndexError(self, argindex)


class emax_slope(sp.Function):
    """``d emax / d x = kmax*ec50/(ec50 + x)**2``, 0 when ``kmax == 0``."""

    nargs = 3


class qe_complex(sp.Function):
    """Complex at quasi-equilibrium from totals ``a``, ``b`` and ``kd``; 0 when ``kon == 0``.

    ``C = (S - sqrt(S**2 - 4ab))/2`` with ``S = a + b + kd``, evaluated as
    ``2ab/(S + sqrt(...))`` with the discriminant written without
    cancellation (model.md §5b).
    """

    nargs = 4

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        a, b, kd, kon = self.args
        sq = qe_sqrt(a, b, kd)
        if argindex == 1:
            return qe_slope(b - self, sq, kon)
        if argindex == 2:
            return qe_slope(a - self, sq, kon)
        raise sp.ArgumentIndexError(self, argindex)


class qe_sqrt(sp.Function):
    """``sqrt((a + b + kd)**2 - 4ab)``, written without cancellation."""

    nargs = 3


class qe_slope(sp.Function):
    """``free_other/sq``: derivative of the QE complex in one total; 0 when ``kon == 0``."""

    nargs = 3


class qe_ratio_complex(sp.Function):
    """Complex at quasi-equilibrium with a ratio-dependent constant (Hayashi 2007, Lowe 2009).

    ``C`` solves ``(a - C)*(b - C) = C*K`` with ``K = k0*(a/b)**alpha``, ``a``
    and ``b`` the totals of drug and target (``a < 0``, solver round-off, is
    taken as 0, where ``K = 0`` and ``C = 0``).
    """

    nargs = 4

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        a, b, k0, alpha = self.args
        if argindex == 1:
            return qe_ratio_slope_a(a, b, self, k0, alpha)
        if argindex == 2:
            return qe_ratio_slope_b(a, b, self, k0, alpha)
        raise sp.ArgumentIndexError(self, argindex)


class qe_ratio_slope_a(sp.Function):
    """``dC/da = ((b - C) - alpha*K*C/a)/sq``, with ``C/a -> 1`` as ``a -> 0``."""

    nargs = 5


class qe_ratio_slope_b(sp.Function):
    """``dC/db = ((a - C) + alpha*K*C/b)/sq``."""

    nargs = 5


class ratio_power(sp.Function):
    """``(x/y)**alpha`` for ``x > 0``; where ``x <= 0``, 0 (or 1 if ``alpha == 0``).

    The factor of a dissociation constant that depends on the molar ratio of
    drug to target totals (Lowe 2009: ``Kd = Kd0*(X_T/E_T)**alpha``).
    """

    nargs = 3


class ratio_dissociation(sp.Function):
    """``c*(x/y)**alpha`` (:class:`ratio_power`): dissociation flux per unit ``koff`` at ratio 1.

    ``c`` is the complex and ``x``, ``y`` the drug and target totals, so
    ``0 <= c <= x``; the derivative in ``x``, ``alpha*(c/x)*(x/y)**alpha``, is
    taken as 0 where ``x <= 0`` (where ``c`` is 0 too).
    """

    nargs = 4

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        c, x, y, alpha = self.args
        if argindex == 1:
            return ratio_power(x, y, alpha)
        if argindex == 2:
            return ratio_dissociation_dx(c, x, y, alpha)
        if argindex == 3:
            return -alpha * c * ratio_power(x, y, alpha) / y
        raise sp.ArgumentIndexError(self, argindex)


class ratio_dissociation_dx(sp.Function):
    """``alpha*(c/x)*(x/y)**alpha``, 0 where ``x <= 0``."""

    nargs = 4


class qe_bound(sp.Function):
    """Complex at quasi-equilibrium with constant ``K = k0*(a/b)**alpha + k_add``.

    ``C`` solves ``(a - C)*(b - C) = C*K`` for totals ``a`` (drug) and ``b``
    (target); 0 where ``kon == 0`` (no binding) or ``a <= 0``. With
    ``k_add = kelC/kon`` this is the quasi-steady-state complex of Gibiansky
    et al. 2008 (``K_SS = (koff + kelC)/kon``); with ``alpha = k_add = 0``, the
    plain QE complex (:class:`qe_complex`).
    """

    nargs = 6

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        a, b, k0, alpha, k_add, kon = self.args
        if argindex == 1:
            return qe_bound_slope_a(a, b, self, k0, alpha, k_add, kon)
        if argindex == 2:
            return qe_bound_slope_b(a, b, self, k0, alpha, k_add, kon)
        raise sp.ArgumentIndexError(self, argindex)


class qe_bound_slope_a(sp.Function):
    """``dC/da = ((b - C) - alpha*(K - k_add)*C/a)/sq``; ``C/a`` taken as 1 at ``a <= 0``."""

    nargs = 7


class qe_bound_slope_b(sp.Function):
    """``dC/db = ((a - C) + alpha*(K - k_add)*C/b)/sq``."""

    nargs = 7


#: Functions of :data:`RUNTIME_NAMES` that raise to a power: their compiled twins take one
#: more argument, ``vector`` (``True`` in lockstep group code; :mod:`igesweep.models.runtime`).
POWER_FUNCTIONS: frozenset[str] = frozenset({
    "qe_ratio_complex", "qe_ratio_slope_a", "qe_ratio_slope_b", "ratio_power",
    "ratio_dissociation", "ratio_dissociation_dx", "qe_bound", "qe_bound_slope_a",
    "qe_bound_slope_b"})

#: Names the generated code imports from :mod:`igesweep.models.runtime`.
RUNTIME_NAMES: tuple[str, ...] = (
    "emax", "emax_slope", "qe_complex", "qe_sqrt", "qe_slope", "qe_ratio_complex",
    "qe_ratio_slope_a", "qe_ratio_slope_b", "ratio_power", "ratio_dissociation",
    "ratio_dissociation_dx", "qe_bound", "qe_bound_slope_a", "qe_bound_slope_b")
