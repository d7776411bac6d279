"""Sparsity of the stage matrix ``fac*I - J`` and an elimination order without fill-in.

Rosenbrock stages solve ``(fac*I - J) x = b`` several times per step. The
matrix of a model has a fixed pattern (the union over binding options of the
Jacobian's structural nonzeros, plus the diagonal), so its LU factorisation
can be planned once, symbolically, and written out as straight-line code:
:func:`plan_elimination` picks the pivots on the diagonal greedily (fewest
new entries first, then the Markowitz count, then the fewest couplings; no
numerical pivoting), and records every
multiplier, every entry of ``U`` and every update. For the models here the
order found creates no fill-in at all, which :attr:`EliminationPlan.fill`
reports.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EliminationPlan:
    """Straight-line LU factorisation of a sparse matrix with diagonal pivots.

    Attributes
    ----------
    order : tuple of int
        Pivot rows/columns in elimination order.
    steps : tuple of (int, tuple of int, tuple of int)
        Per pivot ``k``: ``(k, rows i with a multiplier l[i, k], columns j with
        an entry u[k, j])``, rows and columns among those not yet eliminated.
    fill : tuple of (int, int)
        Entries that are structurally zero in the matrix but become nonzero
        during elimination (empty for a fill-free order).
    """

    order: tuple[int, ...]
    steps: tuple[tuple[int, tuple[int, ...], tuple[int, ...]], ...]
    fill: tuple[tuple[int, int], ...]

    def factor_entries(self) -> tuple[tuple[str, int, int], ...]:
        """Slots of the stored factor: ``("inv", k, k)``, ``("l", i, k)``, ``("u", k, j)``.

        ``inv`` is the reciprocal pivot, ``l`` a multiplier of the forward
        substitution, ``u`` an entry of U divided by its row's pivot.
        """
        out: list[tuple[str, int, int]] = []
        for k, rows, cols in self.steps:
            out.append(("inv", k, k))
            out += [("l", i, k) for i in rows]
            out += [("u", k, j) for j in cols]
        return tuple(out)


def plan_elimination(pattern: set[tuple[int, int]], n: int) -> EliminationPlan:
    """Choose diagonal pivots (least fill, then Markowitz count) and plan the factorisation.

    Parameters
    ----------
    pattern : set of (int, int)
        Structurally nonzero entries ``(row, column)`` of the matrix; the
        diagonal is added.
    n : int
        Matrix size.

    Returns
    -------
    EliminationPlan
        Ties are broken by the Markowitz count, then by the number of
        entries in the pivot's row and column of the original matrix (so that
        weakly coupled states go first and the strongly coupled core is
        factored last, as a small dense block), then by index, so the plan is
        deterministic.
    """
    nz = set(pattern) | {(i, i) for i in range(n)}
    degree = [sum((i, j) in nz for j in range(n)) + sum((j, i) in nz for j in range(n))
              for i in range(n)]
    remaining = list(range(n))
    steps = []
    fill: list[tuple[int, int]] = []
    while remaining:
        best = None
        for k in remaining:
            rows = [i for i in remaining if i != k and (i, k) in nz]
            cols = [j for j in remaining if j != k and (k, j) in nz]
            new = sum((i, j) not in nz for i in rows for j in cols)
            key = (new, len(rows) * len(cols), degree[k], k)
            if best is None or key < best[0]:
                best = (key, k, rows, cols)
        _, k, rows, cols = best
        for i in rows:
            for j in cols:
                if (i, j) not in nz:
                    nz.add((i, j))
                    fill.append((i, j))
        steps.append((k, tuple(rows), tuple(cols)))
        remaining.remove(k)
    return EliminationPlan(order=tuple(s[0] for s in steps), steps=tuple(steps), fill=tuple(fill))
