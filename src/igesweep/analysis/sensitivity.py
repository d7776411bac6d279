"""Sensitivity of the summary metrics (model.md §7) to the model parameters.

Three analyses, each split into a design (parameter rows to simulate, e.g. as
the ``design:`` section of a sweep file, see :func:`design_columns`) and an
analysis of the metric computed for those rows:

- Sobol' indices (:func:`sobol_design`, :func:`analyze_sobol`,
  :func:`sobol_convergence`): first-order and total variance shares, through
  SALib's Saltelli sampling on a scrambled Sobol' sequence and its bootstrap
  confidence intervals.
- Morris elementary effects (:func:`morris_design`, :func:`analyze_morris`):
  a cheaper screening of many factors.
- Local elasticities (:func:`elasticity_design`, :func:`elasticities`):
  ``(∂Y/∂p)·(p/Y)`` at one point (e.g. the catalogue's typical values), by
  central differences.

Factors and their ranges
------------------------
A :class:`Factor` is a model parameter with a range. :func:`factors_from_catalogue`
takes every parameter with published inter-individual variability in the
catalogue (the patient block and the therapy's block, e.g. Lowe 2009 for
omalizumab) and gives it the range ``typical·exp(±width_sd·ω)``, ω² the
entry's ``omega2`` or ``ln(1 + cv²)``: ±2 ω holds about 95 % of the
log-normal population. User ranges (weight, baseline IgE, illustrative
receptor parameters) are added through ``extra``.

A factor's ``scale`` says in which space it is sampled: a ``log`` factor
uniformly in ``ln p`` (log-uniform over its range), a ``linear`` factor
uniformly in ``p``. The SALib problem of :func:`salib_problem` therefore
holds ``[ln low, ln high]`` for log factors, and :func:`to_parameter_values`
maps samples back. Two consequences for reading the indices: the factors are
sampled independently, so the catalogue's correlations (Lowe's shared
volume eta, for one) are not represented; and a log factor's values are
log-uniform over the range, not log-normal, so the indices describe the
ranges, not the population distribution.

Row layout and failed simulations
---------------------------------
SALib's Saltelli design without second-order indices comes in blocks of
``D + 2`` rows per base sample (D factors): the base row A, the D rows
A with column j taken from B, then B. The base samples are successive points
of one scrambled Sobol' sequence, so the first ``n·(D + 2)`` rows of a design
of ``N`` base samples are exactly the design of ``n`` base samples with the
same seed (:func:`sobol_convergence` relies on that). A row whose metric is
NaN (a failed lane, or ``time_to_target`` never reached) cannot be dropped
alone, since every estimator pairs rows of the same block: the whole block
is dropped. Likewise a Morris trajectory (``D + 1`` rows) with a NaN is
dropped whole. Dropping is unbiased only if failures do not depend on the
factors; the number dropped is reported.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from igesweep.catalogue import Catalogue
from igesweep.errors import unknown_name_message
from igesweep.models import DEFAULT_MODEL
from igesweep.parameters import parameter_table
from igesweep.sweep.population import omega2, therapy_variability_entries

Scale = Literal["log", "linear"]

#: An output whose spread is at most this fraction of its magnitude counts as constant.
CONSTANT_RTOL = 1e-12

#: Ratio high/low from which :func:`factors_from_catalogue` samples a user range in log space.
LOG_RATIO = 10.0


@dataclass(frozen=True)
class Factor:
    """A model parameter varied over a range.

    Attributes
    ----------
    name : str
        Parameter name of ``model``.
    low, high : float
        Range, in the parameter's unit (``low < high``).
    scale : {"log", "linear"}
        Sampling space: uniform in ``ln p`` (needs ``low > 0``) or in ``p``.
    source : str
        Where the range comes from.
    model : str
        The model the parameter belongs to (:func:`igesweep.models.get_model`).
    """

    name: str
    low: float
    high: float
    scale: Scale
    source: str
    model: str = DEFAULT_MODEL

    def __post_init__(self) -> None:
        names = parameter_table(self.model).names
        if self.name not in names:
            raise ValueError(unknown_name_message(f"parameter of {self.model}", self.name, names))
        if self.scale not in ("log", "linear"):
            raise ValueError(f"{self.name}: scale must be 'log' or 'linear', got {self.scale!r}")
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"{self.name}: needs finite low < high, got "
                             f"[{self.low!r}, {self.high!r}]")
        if self.scale == "log" and self.low <= 0:
            raise ValueError(f"{self.name}: a log-scale factor needs low > 0, got {self.low!r}")

    @property
    def unit(self) -> str:
        """Unit of the parameter (and of ``low``, ``high``)."""
        return parameter_table(self.model).by_name[self.name].unit

    @property
    def bounds(self) -> tuple[float, float]:
        """Bounds in the sampling space: ``(ln low, ln high)`` or ``(low, high)``."""
        if self.scale == "log":
            return math.log(self.low), math.log(self.high)
        return self.low, self.high


def typical_values(catalogue: Catalogue, therapy: str,
                   model: str = DEFAULT_MODEL) -> dict[str, float]:
    """Every parameter's catalogue value in ``model``: patient defaults and the therapy's.

    Parameters
    ----------
    catalogue : Catalogue
        The therapy catalogue.
    therapy : str
        Therapy key.
    model : str
        Model name.

    Returns
    -------
    dict of str to float
        Values by parameter name, each in the unit of the model's parameter table.
    """
    if therapy not in catalogue.therapies:
        raise ValueError(unknown_name_message("therapy", therapy, list(catalogue.therapies)))
    return {**catalogue.patient_values(model), **catalogue.therapy_values(therapy, model)}


def factors_from_catalogue(catalogue: Catalogue, therapy: str, *, width_sd: float = 2.0,
                           extra: Mapping[str, tuple[float, float]] | None = None,
                           model: str = DEFAULT_MODEL) -> list[Factor]:
    """Factors with ranges from the catalogue's published variability, plus user ranges.

    Parameters
    ----------
    catalogue : Catalogue
        The therapy catalogue.
    therapy : str
        Therapy key; its ``variability`` block and the patient block's are used.
    width_sd : float
        Half-width of each range in log-scale standard deviations: the range is
        ``typical·exp(±width_sd·ω)`` with ω² the entry's ``omega2`` or
        ``ln(1 + cv²)``. A fraction parameter's upper end is capped at 1.
    extra : mapping of str to (low, high), optional
        User ranges by parameter name, in the parameter's unit. Each is a log
        factor when both bounds are > 0 and ``high/low >= 10`` (:data:`LOG_RATIO`,
        a range of a decade or more), else a linear factor. A user range
        replaces the catalogue-derived range of the same parameter.
    model : str
        Model whose parameters (and catalogue values and variability) are used.

    Returns
    -------
    list of Factor
        Catalogue factors in parameter order, then the new ``extra`` factors
        in the order given.

    Raises
    ------
    ValueError
        On an unknown therapy or parameter, ``width_sd <= 0``, a bad range, a
        user range that does not hold the parameter's catalogue value in
        ``model``, or a variable parameter whose typical value is not > 0.
    """
    if not (math.isfinite(width_sd) and width_sd > 0):
        raise ValueError(f"width_sd must be a positive number, got {width_sd!r}")
    typical = typical_values(catalogue, therapy, model)
    by_name = parameter_table(model).by_name
    factors: dict[str, Factor] = {}
    for name, entry in therapy_variability_entries(catalogue, therapy, model).items():
        value = typical[name]
        if not value > 0:
            raise ValueError(f"{name}: typical value {value!r} has no log-scale range")
        w2 = omega2(entry)
        half = width_sd * math.sqrt(w2)
        low, high = value * math.exp(-half), value * math.exp(half)
        spread = f"omega2 {w2:g}" if entry.omega2 is not None else f"cv {entry.cv:g}"
        note = ""
        if by_name[name].fraction and high > 1.0:
            high, note = 1.0, ", capped at 1"
        factors[name] = Factor(name, low, high, "log",
                               f"{entry.source}: typical {value:g} x exp(±{width_sd:g} omega), "
                               f"{spread}{note}", model)
    for name, (low, high) in (extra or {}).items():
        low, high = float(low), float(high)
        if name in typical and not low <= typical[name] <= high:
            raise ValueError(f"{name}: the range [{low:g}, {high:g}] does not hold its value "
                             f"{typical[name]:g} in model {model} (catalogue, {therapy})")
        scale: Scale = "log" if low > 0 and high > 0 and high / low >= LOG_RATIO else "linear"
        factors[name] = Factor(name, low, high, scale, f"user range [{low:g}, {high:g}]", model)
    return list(factors.values())


def _check_factors(factors: Sequence[Factor]) -> None:
    if not factors:
        raise ValueError("at least one factor is needed")
    names = [f.name for f in factors]
    if len(set(names)) != len(names):
        raise ValueError(f"factor names repeat: {names}")


def salib_problem(factors: Sequence[Factor]) -> dict[str, Any]:
    """The SALib problem of a list of factors.

    Parameters
    ----------
    factors : sequence of Factor
        The factors, with unique names.

    Returns
    -------
    dict
        ``num_vars``, ``names`` and ``bounds``; a log factor's bounds are
        ``[ln low, ln high]`` (see :attr:`Factor.bounds`).
    """
    _check_factors(factors)
    return {"num_vars": len(factors), "names": [f.name for f in factors],
            "bounds": [list(f.bounds) for f in factors]}


def _as_matrix(factors: Sequence[Factor], X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != len(factors):
        raise ValueError(f"expected an array of shape (rows, {len(factors)}), got {X.shape}")
    return X


def to_parameter_values(factors: Sequence[Factor], X: np.ndarray) -> np.ndarray:
    """Map samples of the SALib problem back to parameter values.

    Parameters
    ----------
    factors : sequence of Factor
        The factors of the problem.
    X : ndarray, shape (rows, n_factors)
        Samples in the sampling space (``ln p`` for log factors).

    Returns
    -------
    ndarray, shape (rows, n_factors)
        Parameter values, each in its unit, clipped to ``[low, high]`` (which
        only removes rounding of ``exp(ln p)``).
    """
    X = _as_matrix(factors, X)
    values = X.copy()
    for j, f in enumerate(factors):
        if f.scale == "log":
            values[:, j] = np.exp(X[:, j])
        values[:, j] = np.clip(values[:, j], f.low, f.high)
    return values


def _to_sampling_space(factors: Sequence[Factor], values: np.ndarray) -> np.ndarray:
    X = _as_matrix(factors, values).copy()
    for j, f in enumerate(factors):
        if f.scale == "log":
            X[:, j] = np.log(X[:, j])
    return X


def design_columns(names: Sequence[str], X: np.ndarray,
                   model: str = DEFAULT_MODEL) -> dict[str, list[float]]:
    """Design rows as a sweep file's ``design:`` section.

    Parameters
    ----------
    names : sequence of str
        Parameter name of each column (e.g. ``[f.name for f in factors]``).
    X : ndarray, shape (rows, len(names))
        Parameter values, each in its unit.
    model : str
        The model whose parameters the names are.

    Returns
    -------
    dict of str to list of float
        Columns keyed ``patient.<name>`` or ``therapy_params.<name>``.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != len(names):
        raise ValueError(f"expected an array of shape (rows, {len(names)}), got {X.shape}")
    table = parameter_table(model)
    columns = {}
    for j, name in enumerate(names):
        if name not in table.by_name:
            raise ValueError(unknown_name_message(f"parameter of {model}", name, table.names))
        section = table.section(name)
        columns[f"{section}.{name}"] = X[:, j].tolist()
    return columns


# ---------------------------------------------------------------------------- Sobol'


def sobol_design(factors: Sequence[Factor], n: int, seed: int) -> np.ndarray:
    """Saltelli design for first-order and total Sobol' indices.

    Parameters
    ----------
    factors : sequence of Factor
        The factors (D of them).
    n : int
        Base samples N, a power of two (the balance of the Sobol' sequence).
    seed : int
        Seed of the scrambling.

    Returns
    -------
    ndarray, shape (N·(D + 2), D)
        Parameter values, each in its unit; blocks of D + 2 rows per base
        sample (see the module notes).

    Raises
    ------
    ValueError
        If ``n`` is not a power of two.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1 or n & (n - 1):
        raise ValueError(f"n must be a power of two, got {n!r}")
    problem = salib_problem(factors)
    X = sobol_sample.sample(problem, int(n), calc_second_order=False, scramble=True, seed=seed)
    return to_parameter_values(factors, X)


def _output_vector(Y: np.ndarray) -> np.ndarray:
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim != 1:
        raise ValueError(f"Y must be 1-D (one value per design row), got shape {Y.shape}")
    return Y


def _is_constant(Y: np.ndarray) -> bool:
    return bool(np.ptp(Y) <= CONSTANT_RTOL * np.max(np.abs(Y)))


def analyze_sobol(factors: Sequence[Factor], Y: np.ndarray, *, seed: int,
                  n_resamples: int = 200, conf_level: float = 0.95) -> dict[str, Any]:
    """First-order and total Sobol' indices of one output.

    Parameters
    ----------
    factors : sequence of Factor
        The factors of the design.
    Y : ndarray, shape (N·(D + 2),)
        The output for each row of :func:`sobol_design`, in design order.
    seed : int
        Seed of the bootstrap resampling.
    n_resamples : int
        Bootstrap resamples for the confidence intervals.
    conf_level : float
        Confidence level of the intervals.

    Returns
    -------
    dict
        ``names``; ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (arrays, one value
        per factor, dimensionless; a ``_conf`` is the half-width of the
        interval); ``n`` (base samples used), ``n_dropped`` (base-sample blocks
        dropped for a non-finite output) and ``constant`` (True when the output
        does not vary: every index and interval is then 0).

    Raises
    ------
    ValueError
        If ``Y`` is not a multiple of D + 2 long, or fewer than 2 base samples
        have a finite output in every row of their block.
    """
    _check_factors(factors)
    Y = _output_vector(Y)
    d = len(factors)
    if Y.size == 0 or Y.size % (d + 2):
        raise ValueError(f"Y has {Y.size} values; a Saltelli design of {d} factors has a "
                         f"multiple of {d + 2}")
    blocks = Y.reshape(-1, d + 2)
    complete = np.isfinite(blocks).all(axis=1)
    n = int(complete.sum())
    if n < 2:
        raise ValueError(f"only {n} of {blocks.shape[0]} base samples have a finite output in "
                         "every row; at least 2 are needed")
    kept = blocks[complete].ravel()
    result: dict[str, Any] = {"names": [f.name for f in factors], "n": n,
                              "n_dropped": int(blocks.shape[0] - n), "constant": False}
    if _is_constant(kept):
        zeros = np.zeros(d)
        result.update(S1=zeros, S1_conf=zeros.copy(), ST=zeros.copy(), ST_conf=zeros.copy(),
                      constant=True)
        return result
    with warnings.catch_warnings():
        # bootstrap resamples that happen to be constant are scored 0 by SALib, with a warning
        warnings.filterwarnings("ignore", message="Constant values encountered")
        si = sobol_analyze.analyze(salib_problem(factors), kept, calc_second_order=False,
                                   num_resamples=n_resamples, conf_level=conf_level, seed=seed)
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        result[key] = np.asarray(si[key], dtype=np.float64)
    return result


def sobol_convergence(factors: Sequence[Factor], Y: np.ndarray, *, seed: int,
                      fractions: Sequence[float] = (0.125, 0.25, 0.5, 1.0),
                      n_resamples: int = 200, conf_level: float = 0.95) -> pd.DataFrame:
    """Sobol' indices from growing prefixes of one design.

    The first ``n·(D + 2)`` rows of a design of N base samples are the design
    of ``n`` base samples with the same seed, so each prefix gives the indices
    a smaller sweep would have given.

    Parameters
    ----------
    factors : sequence of Factor
        The factors of the design.
    Y : ndarray, shape (N·(D + 2),)
        The output for each row of :func:`sobol_design`, in design order.
    seed : int
        Seed of the bootstrap resampling (the same for every prefix).
    fractions : sequence of float
        Shares of the N base samples to use; each ``fraction·N`` must be a
        whole number (for a power-of-two N, use powers of two).
    n_resamples, conf_level
        As for :func:`analyze_sobol`.

    Returns
    -------
    pandas.DataFrame
        Columns ``n`` (base samples of the prefix), ``factor``, ``S1``,
        ``S1_conf``, ``ST``, ``ST_conf``; one row per prefix and factor, in
        increasing ``n``. The rows of the full design are those of
        :func:`analyze_sobol` on all of ``Y``.

    Raises
    ------
    ValueError
        If a fraction is not in (0, 1] or does not give a whole number of base
        samples, or as :func:`analyze_sobol` for a prefix.
    """
    _check_factors(factors)
    Y = _output_vector(Y)
    d = len(factors)
    if Y.size == 0 or Y.size % (d + 2):
        raise ValueError(f"Y has {Y.size} values; a Saltelli design of {d} factors has a "
                         f"multiple of {d + 2}")
    total = Y.size // (d + 2)
    sizes = []
    for fraction in fractions:
        size = fraction * total
        if not (0 < fraction <= 1) or abs(size - round(size)) > 1e-9 * total:
            raise ValueError(f"fraction {fraction!r} of {total} base samples is not a whole "
                             "number of base samples in (0, N]")
        sizes.append(round(size))
    rows = []
    for size in sorted(set(sizes)):
        si = analyze_sobol(factors, Y[: size * (d + 2)], seed=seed, n_resamples=n_resamples,
                           conf_level=conf_level)
        for j, name in enumerate(si["names"]):
            rows.append({"n": size, "factor": name, "S1": si["S1"][j],
                         "S1_conf": si["S1_conf"][j], "ST": si["ST"][j],
                         "ST_conf": si["ST_conf"][j]})
    return pd.DataFrame(rows, columns=["n", "factor", "S1", "S1_conf", "ST", "ST_conf"])


# ---------------------------------------------------------------------------- Morris


#: Largest half-width of a total index's 95 % bootstrap interval counted as converged.
SOBOL_TOLERANCE = 0.05


def sobol_converged(st: Sequence[float | None], st_conf: Sequence[float | None],
                    n_base: int, tolerance: float = SOBOL_TOLERANCE) -> dict[str, Any]:
    """Whether the total indices of one metric have converged, and the N that would do.

    Parameters
    ----------
    st, st_conf : sequence of float or None
        Total indices and the half-widths of their 95 % bootstrap intervals.
    n_base : int
        Base samples N behind them.
    tolerance : float
        Largest half-width counted as converged.

    Returns
    -------
    dict
        ``converged`` (every half-width ≤ ``tolerance`` and no total index
        above 1 by more than its half-width), ``max_half_width``,
        ``n_needed``: the power of two at or above ``N·(max_half_width /
        tolerance)²`` (the bootstrap width falls as 1/√N), ``n_base``.
    """
    conf = np.array([np.nan if v is None else v for v in st_conf], dtype=float)
    total = np.array([np.nan if v is None else v for v in st], dtype=float)
    widest = float(np.nanmax(conf)) if np.isfinite(conf).any() else math.inf
    above_one = bool(np.any(total - conf > 1.0))
    converged = widest <= tolerance and not above_one
    needed = n_base if converged else n_base * (widest / tolerance) ** 2
    n_needed = 2 ** math.ceil(math.log2(max(needed, n_base))) if math.isfinite(needed) else None
    return {"converged": converged, "max_half_width": widest, "n_needed": n_needed,
            "n_base": n_base, "tolerance": tolerance, "total_above_one": above_one}


def _check_levels(levels: int) -> None:
    if isinstance(levels, bool) or not isinstance(levels, int | np.integer) \
            or levels < 2 or levels % 2:
        raise ValueError(f"levels must be an even number >= 2, got {levels!r}")


def morris_design(factors: Sequence[Factor], r: int, levels: int, seed: int) -> np.ndarray:
    """Morris trajectories.

    Parameters
    ----------
    factors : sequence of Factor
        The factors (D of them).
    r : int
        Number of trajectories (>= 2).
    levels : int
        Grid levels per factor (even, e.g. 4); the step is
        ``levels / (2·(levels − 1))`` of the range.
    seed : int
        Seed of the trajectories.

    Returns
    -------
    ndarray, shape (r·(D + 1), D)
        Parameter values, each in its unit; blocks of D + 1 rows per trajectory.
    """
    _check_levels(levels)
    if isinstance(r, bool) or not isinstance(r, int | np.integer) or r < 2:
        raise ValueError(f"r must be a whole number >= 2, got {r!r}")
    X = morris_sample.sample(salib_problem(factors), int(r), num_levels=int(levels), seed=seed)
    return to_parameter_values(factors, X)


def analyze_morris(factors: Sequence[Factor], X: np.ndarray, Y: np.ndarray, *, levels: int,
                   seed: int, n_resamples: int = 200, conf_level: float = 0.95
                   ) -> dict[str, Any]:
    """Morris screening measures of one output.

    An elementary effect is the change of the output over one step divided
    by the step as a fraction of the factor's range (in ``ln p`` for a log
    factor), so for ``Y = c·p`` over a linear range ``[a, b]`` every effect
    is ``c·(b − a)``: μ* is in the output's unit per full range.

    Parameters
    ----------
    factors : sequence of Factor
        The factors of the design.
    X : ndarray, shape (r·(D + 1), D)
        The design of :func:`morris_design` (parameter values).
    Y : ndarray, shape (r·(D + 1),)
        The output for each row.
    levels : int
        The ``levels`` of the design.
    seed : int
        Seed of the bootstrap resampling.
    n_resamples : int
        Bootstrap resamples for ``mu_star_conf``.
    conf_level : float
        Confidence level of ``mu_star_conf``.

    Returns
    -------
    dict
        ``names``; ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma`` (arrays,
        one value per factor, in the output's unit); ``n`` (trajectories used)
        and ``n_dropped`` (trajectories dropped for a non-finite output).

    Raises
    ------
    ValueError
        On mismatched shapes, or fewer than 2 complete trajectories.
    """
    _check_factors(factors)
    _check_levels(levels)
    Y = _output_vector(Y)
    X = _to_sampling_space(factors, X)
    d = len(factors)
    if X.shape[0] != Y.size or Y.size == 0 or Y.size % (d + 1):
        raise ValueError(f"X has {X.shape[0]} rows and Y {Y.size} values; a Morris design of "
                         f"{d} factors has the same multiple of {d + 1} for both")
    complete = np.isfinite(Y.reshape(-1, d + 1)).all(axis=1)
    n = int(complete.sum())
    if n < 2:
        raise ValueError(f"only {n} trajectories have a finite output in every row; "
                         "at least 2 are needed")
    rows = np.repeat(complete, d + 1)
    si = morris_analyze.analyze(salib_problem(factors), X[rows], Y[rows],
                                num_resamples=n_resamples, conf_level=conf_level,
                                num_levels=int(levels), seed=seed)
    result: dict[str, Any] = {"names": [f.name for f in factors], "n": n,
                              "n_dropped": int(complete.size - n)}
    for key in ("mu", "mu_star", "mu_star_conf", "sigma"):
        result[key] = np.asarray(si[key], dtype=np.float64)
    return result


# ---------------------------------------------------------------------------- elasticities


def _check_step(rel_step: float) -> None:
    if not (math.isfinite(rel_step) and 0 < rel_step < 1):
        raise ValueError(f"rel_step must be in (0, 1), got {rel_step!r}")


def elasticity_design(values: Mapping[str, float], names: Sequence[str],
                      rel_step: float = 0.01, model: str = DEFAULT_MODEL) -> np.ndarray:
    """Rows for central-difference elasticities.

    Parameters
    ----------
    values : mapping of str to float
        The point, by parameter name (e.g. :func:`typical_values`); only the
        ``names`` are read.
    names : sequence of str
        Parameters to perturb (the columns of the result).
    rel_step : float
        Relative step h; it should stay well above the solver's relative
        tolerance (1e-6 by default), so that the difference is not noise.
    model : str
        The model whose fraction parameters must stay in [0, 1].

    Returns
    -------
    ndarray, shape (1 + 2·len(names), len(names))
        Row 0 the point; then, for each name in turn, the point with that
        parameter times ``1 + h``, and times ``1 − h``.

    Raises
    ------
    ValueError
        If a name is missing or repeats, a value is zero or not finite, or a
        perturbed fraction parameter leaves [0, 1].
    """
    _check_step(rel_step)
    if len(set(names)) != len(names) or not names:
        raise ValueError(f"names must be distinct and not empty, got {list(names)}")
    by_name = parameter_table(model).by_name
    base = np.empty(len(names))
    for j, name in enumerate(names):
        if name not in values:
            raise ValueError(f"no value for '{name}'")
        base[j] = float(values[name])
        if not (math.isfinite(base[j]) and base[j] != 0):
            raise ValueError(f"{name}: a relative step needs a finite non-zero value, "
                             f"got {values[name]!r}")
        if name in by_name and by_name[name].fraction and not (
                0 <= base[j] * (1 - rel_step) and base[j] * (1 + rel_step) <= 1):
            raise ValueError(f"{name}: {base[j]:g} x (1 ± {rel_step:g}) leaves [0, 1]")
    rows = np.tile(base, (1 + 2 * len(names), 1))
    for j in range(len(names)):
        rows[1 + 2 * j, j] = base[j] * (1 + rel_step)
        rows[2 + 2 * j, j] = base[j] * (1 - rel_step)
    return rows


def elasticities(names: Sequence[str], Y: np.ndarray, rel_step: float = 0.01
                 ) -> dict[str, float]:
    """Normalised elasticities ``(∂Y/∂p)·(p/Y)`` by central differences.

    ``E_p = (Y(p·(1 + h)) − Y(p·(1 − h))) / (2·h·Y(p))``, with error of order
    h²: ``Y = a·p^k`` gives ``k + k(k − 1)(k − 2)·h²/6``.

    Parameters
    ----------
    names : sequence of str
        The names given to :func:`elasticity_design`.
    Y : ndarray, shape (1 + 2·len(names),)
        The output for each row of that design.
    rel_step : float
        The step h of the design.

    Returns
    -------
    dict of str to float
        Dimensionless elasticity per name; NaN where an output is not finite
        or the output at the point is 0.
    """
    _check_step(rel_step)
    Y = _output_vector(Y)
    if Y.size != 1 + 2 * len(names):
        raise ValueError(f"Y has {Y.size} values; the design of {len(names)} parameters has "
                         f"{1 + 2 * len(names)}")
    y0 = Y[0]
    result = {}
    for j, name in enumerate(names):
        up, down = Y[1 + 2 * j], Y[2 + 2 * j]
        ok = math.isfinite(y0) and y0 != 0 and math.isfinite(up) and math.isfinite(down)
        result[name] = (up - down) / (2 * rel_step * y0) if ok else math.nan
    return result
