"""Virtual populations: per-subject draws that do not depend on chunking.

Subject ``s`` takes its random numbers from block ``s // BLOCK`` of a stream
seeded by ``(seed, block)``, so any chunk can regenerate exactly the subjects
it needs, whatever the chunk layout, worker count or machine.

Each subject has one standard-normal number per model parameter (common
random numbers): a therapy's published inter-individual variability turns the
numbers of the parameters it describes into log-normal random effects
``eta = L z`` (``L`` the Cholesky factor of the therapy's covariance), and the
parameter becomes ``typical * exp(eta)``. User covariates take their own
normal and uniform numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numba
import numpy as np

from igesweep.catalogue import Catalogue, VariabilityEntry
from igesweep.models import DEFAULT_MODEL
from igesweep.parameters import INDEX, N_PARAMETERS, parameter_table
from igesweep.sweep.spec import Covariate, Population

#: Subjects per random-number block.
BLOCK = 1024


@numba.vectorize(cache=True)  # compiled (or loaded) on first use, not at import
def _normal_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def omega2(entry: VariabilityEntry) -> float:
    """Log-scale variance of a variability entry (``cv`` becomes ``ln(1 + cv**2)``)."""
    if entry.omega2 is not None:
        return entry.omega2
    assert entry.cv is not None
    return math.log1p(entry.cv**2)


@dataclass(frozen=True)
class TherapyVariability:
    """Cholesky factor of one therapy's random effects.

    Attributes
    ----------
    columns : ndarray of int
        Parameter columns that vary, in parameter order.
    cholesky : ndarray, shape (k, k)
        Lower Cholesky factor of their log-scale covariance.
    """

    columns: np.ndarray
    cholesky: np.ndarray


def therapy_variability_entries(catalogue: Catalogue, therapy: str,
                                model: str = DEFAULT_MODEL) -> dict[str, VariabilityEntry]:
    """The published variability of a therapy in ``model`` (patient block included).

    Returns
    -------
    dict of str to VariabilityEntry
        By parameter name, in ``model``'s parameter order: the patient block's,
        the model's own patient variability, and the therapy's, each replacing
        the one before for the same parameter.
    """
    table = parameter_table(model)
    block = catalogue.therapy_block(therapy, model)
    own = catalogue.models[model].patient_variability if model in catalogue.models else {}
    entries = {**catalogue.patient.variability, **own, **block.variability}
    return {n: entries[n] for n in table.names if n in entries}


def therapy_variability(catalogue: Catalogue, therapy: str,
                        model: str = DEFAULT_MODEL) -> TherapyVariability:
    """Covariance of a therapy's published variability in ``model`` (patient block included).

    Raises
    ------
    ValueError
        If the correlations do not make a positive-definite covariance.
    """
    table = parameter_table(model)
    block = catalogue.therapy_block(therapy, model)
    entries = therapy_variability_entries(catalogue, therapy, model)
    names = list(entries)
    k = len(names)
    sd = np.array([math.sqrt(omega2(entries[n])) for n in names])
    corr = np.eye(k)
    for c in block.correlations:
        i, j = names.index(c.between[0]), names.index(c.between[1])
        corr[i, j] = corr[j, i] = c.rho
    cov = corr * np.outer(sd, sd)
    chol = np.linalg.cholesky(cov) if k else np.zeros((0, 0))
    return TherapyVariability(columns=np.array([table.index[n] for n in names], dtype=np.int64),
                              cholesky=chol)


def _block_numbers(seed: int, block: int, n_cov: int, n_parameters: int
                   ) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(np.random.SeedSequence([seed, block]))
    z = rng.standard_normal((BLOCK, n_parameters))
    zc = rng.standard_normal((BLOCK, max(n_cov, 1)))
    uc = rng.random((BLOCK, max(n_cov, 1)))
    return z, zc, uc


def subject_numbers(seed: int, start: int, stop: int, n_cov: int,
                    n_parameters: int = N_PARAMETERS) -> tuple[np.ndarray, ...]:
    """Random numbers of subjects ``start .. stop - 1``.

    Returns
    -------
    (z, zc, uc) : tuple of ndarray
        Normals per parameter ``(n, n_parameters)`` (the model's parameter count), and a
        normal and a uniform
        per covariate ``(n, max(n_cov, 1))``.
    """
    parts: list[tuple[np.ndarray, ...]] = []
    for block in range(start // BLOCK, (stop - 1) // BLOCK + 1):
        lo = max(start, block * BLOCK) - block * BLOCK
        hi = min(stop, (block + 1) * BLOCK) - block * BLOCK
        nums = _block_numbers(seed, block, n_cov, n_parameters)
        parts.append(tuple(a[lo:hi] for a in nums))
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))


def covariate_values(cov: Covariate, z: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Draw a covariate from its standard normal ``z`` and uniform ``u`` numbers."""
    kind = cov.kind()
    if kind == "lognormal":
        sigma = math.sqrt(math.log1p(cov.lognormal.cv**2))  # type: ignore[union-attr]
        values = cov.lognormal.median * np.exp(sigma * z)  # type: ignore[union-attr]
    elif kind == "normal":
        values = cov.normal.mean + cov.normal.sd * z  # type: ignore[union-attr]
    elif kind == "uniform":
        lo, hi = cov.uniform  # type: ignore[misc]
        values = lo + (hi - lo) * u
    else:
        lo, hi = cov.loguniform  # type: ignore[misc]
        values = lo * (hi / lo) ** u
    if cov.bounds is not None:
        values = np.clip(values, *cov.bounds)
    return values


def apply_population(
    params: np.ndarray,
    therapy_index: np.ndarray,
    subject: np.ndarray,
    population: Population,
    variability: list[TherapyVariability],
    index: Mapping[str, int] = INDEX,
) -> None:
    """Draw each lane's subject into its parameter rows, in place.

    Parameters
    ----------
    params : ndarray, shape (n_lanes, n_parameters)
        Typical values; receive the subjects' values.
    therapy_index : ndarray of int, shape (n_lanes,)
        Index of each lane's therapy into ``variability``.
    subject : ndarray of int, shape (n_lanes,)
        Subject number of each lane.
    population : Population
        The population spec (seed, covariates, whether to apply variability).
    variability : list of TherapyVariability
        Per therapy.
    index : mapping of str to int
        Column of each parameter of the sweep's model.
    """
    start, stop = int(subject.min()), int(subject.max()) + 1
    covariates = sorted(population.covariates, key=index.__getitem__)
    z, zc, uc = subject_numbers(population.seed, start, stop, len(covariates), params.shape[1])
    rows = subject - start
    if population.variability:
        for t, var in enumerate(variability):
            lanes = np.flatnonzero(therapy_index == t)
            if lanes.size == 0 or var.columns.size == 0:
                continue
            eta = z[rows[lanes]][:, var.columns] @ var.cholesky.T
            params[np.ix_(lanes, var.columns)] *= np.exp(eta)
    for j, name in enumerate(covariates):
        values = covariate_values(population.covariates[name], zc[:, j], uc[:, j])
        params[:, index[name]] = values[rows]
