"""Parameter uncertainty: typical-value sets drawn from published standard errors.

Between-subject variability (:mod:`.population`) says how patients differ
around the typical values; uncertainty says how well the typical values
themselves are known. With ``uncertainty: {n, seed}`` in a sweep file, draw
``k`` of the ``draw`` dimension replaces each typical value ``theta`` that
has a published standard error ``se`` (the catalogue's ``uncertainty:``
entries of the therapy in the model) by ``theta + se * z[k]``: the asymptotic
normal distribution of a maximum-likelihood estimate, without covariances
(the papers publish none). Populations are then drawn around each set, so a
population sweep with uncertainty reports prediction intervals.

``z`` of a parameter depends only on the seed, its name and the draw, so
the same draw moves a parameter shared by several therapies or models alike
(common random numbers) whatever the chunk layout.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from igesweep.catalogue import Catalogue
from igesweep.parameters import parameter_table


def draw_normals(seed: int, name: str, n: int) -> np.ndarray:
    """The ``n`` standard-normal numbers of parameter ``name`` for ``seed``."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())]).standard_normal(n)


@dataclass(frozen=True)
class TherapyUncertainty:
    """The drawn shifts of one therapy's typical values in one model.

    Attributes
    ----------
    names : tuple of str
        Parameters with a standard error, in the model's parameter order.
    columns : ndarray of int
        Their columns in the model's parameter vector.
    shifts : ndarray, shape (n_draws, len(names))
        ``se * z`` per draw, to add to the typical values.
    """

    names: tuple[str, ...]
    columns: np.ndarray
    shifts: np.ndarray


def therapy_uncertainty(catalogue: Catalogue, therapy: str, model: str, n: int,
                        seed: int) -> TherapyUncertainty:
    """Shifts of ``therapy``'s typical values in ``model`` for ``n`` draws of ``seed``."""
    table = parameter_table(model)
    entries = catalogue.therapy_block(therapy, model).uncertainty
    names = tuple(name for name in table.names if name in entries)
    shifts = np.empty((n, len(names)))
    for j, name in enumerate(names):
        shifts[:, j] = entries[name].se * draw_normals(seed, name, n)
    return TherapyUncertainty(names, np.array([table.index[x] for x in names], dtype=np.int64),
                              shifts)
