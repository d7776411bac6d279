"""The US omalizumab dosing table (≥12 years, asthma) and how well its cells reach target.

Source: Xolair (omalizumab) US prescribing information, dosing table for
patients aged 12 years and older with asthma, as reproduced in the project's
literature dossier (``pkpd-literature.md`` §B1) from the copies at
https://dermatology.cdlib.org/content/qt0mc9c9tw/tables.htm and
http://www.drugs.com/dosage/xolair.html. Doses are mg per subcutaneous
administration, every 4 weeks (28 days) or every 2 weeks (14 days); cells
marked "do not dose" lie outside the approved use. The label gives at most
150 mg per injection site, so a 375-mg dose is three injections; this module
deals in doses only.

Rows are pre-treatment serum IgE (IU/mL): ≥30–100, >100–200, ..., >600–700;
columns are body weight (kg): 30–60, >60–70, >70–90, >90–150. The first row
and the first column include their lower bound (30 IU/mL, 30 kg); every cell
includes its upper bound.

The analysis: :func:`label_design` draws virtual patients uniformly inside each
approved cell (the rows of a sweep file's ``design:`` section); the sweep runs
them on a grid of every label dose and interval (:data:`LABEL_DOSES_MG` ×
:data:`LABEL_INTERVALS_DAYS`); :func:`trough_at_label_regimen` picks each
patient's steady-state trough at the regimen of its own cell; and
:func:`evaluate_label_table` tabulates, per cell, the share of patients whose
trough free IgE is below the targets of dossier §B3 (50 ng/mL, the threshold
usually quoted; 25 ng/mL, the stated design goal of the tables).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

#: Pre-treatment IgE bin edges of the table rows (IU/mL).
IGE_EDGES_IU_ML: tuple[float, ...] = (30.0, 100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 700.0)
#: Body-weight bin edges of the table columns (kg).
WEIGHT_EDGES_KG: tuple[float, ...] = (30.0, 60.0, 70.0, 90.0, 150.0)

_Q4W = 28.0
_Q2W = 14.0
# (dose_mg, interval_days) per cell, rows = IgE bins, columns = weight bins; None = do not dose.
_DOSES: tuple[tuple[tuple[float, float] | None, ...], ...] = (
    ((150.0, _Q4W), (150.0, _Q4W), (150.0, _Q4W), (300.0, _Q4W)),  # ≥30–100
    ((300.0, _Q4W), (300.0, _Q4W), (300.0, _Q4W), (225.0, _Q2W)),  # >100–200
    ((300.0, _Q4W), (225.0, _Q2W), (225.0, _Q2W), (300.0, _Q2W)),  # >200–300
    ((225.0, _Q2W), (225.0, _Q2W), (300.0, _Q2W), None),           # >300–400
    ((300.0, _Q2W), (300.0, _Q2W), (375.0, _Q2W), None),           # >400–500
    ((300.0, _Q2W), (375.0, _Q2W), None, None),                    # >500–600
    ((375.0, _Q2W), None, None, None),                             # >600–700
)


@dataclass(frozen=True)
class Cell:
    """One cell of the dosing table.

    Attributes
    ----------
    ige_low_iu_ml, ige_high_iu_ml : float
        Pre-treatment serum IgE range (IU/mL); the upper bound is included,
        the lower bound only in the first row (30 IU/mL).
    weight_low_kg, weight_high_kg : float
        Body-weight range (kg); the upper bound is included, the lower bound
        only in the first column (30 kg).
    dose_mg : float or None
        Dose per administration (mg); None for "do not dose".
    interval_days : float or None
        Dosing interval (days): 28 (every 4 weeks) or 14 (every 2 weeks);
        None for "do not dose".
    """

    ige_low_iu_ml: float
    ige_high_iu_ml: float
    weight_low_kg: float
    weight_high_kg: float
    dose_mg: float | None
    interval_days: float | None

    @property
    def approved(self) -> bool:
        """Whether the label gives a dose for this cell."""
        return self.dose_mg is not None

    @property
    def centre_ige_iu_ml(self) -> float:
        """Middle of the cell's IgE range (IU/mL): the cell's typical patient."""
        return 0.5 * (self.ige_low_iu_ml + self.ige_high_iu_ml)

    @property
    def centre_weight_kg(self) -> float:
        """Middle of the cell's weight range (kg): the cell's typical patient."""
        return 0.5 * (self.weight_low_kg + self.weight_high_kg)

    @property
    def ige_label(self) -> str:
        """IgE range as the table writes it, e.g. ``">100–200"`` (IU/mL)."""
        sign = "≥" if self.ige_low_iu_ml == IGE_EDGES_IU_ML[0] else ">"
        return f"{sign}{self.ige_low_iu_ml:g}–{self.ige_high_iu_ml:g}"

    @property
    def weight_label(self) -> str:
        """Weight range as the table writes it, e.g. ``">70–90"`` (kg)."""
        sign = "" if self.weight_low_kg == WEIGHT_EDGES_KG[0] else ">"
        return f"{sign}{self.weight_low_kg:g}–{self.weight_high_kg:g}"

    @property
    def label(self) -> str:
        """The cell's ranges, e.g. ``">100–200 IU/mL, >70–90 kg"``."""
        return f"{self.ige_label} IU/mL, {self.weight_label} kg"

    @property
    def regimen_label(self) -> str:
        """The cell's regimen, e.g. ``"225 mg q2w"``, or ``"do not dose"``."""
        if self.dose_mg is None or self.interval_days is None:
            return "do not dose"
        return f"{self.dose_mg:g} mg q{self.interval_days / 7:g}w"

    def contains(self, ige_iu_ml: float, weight_kg: float) -> bool:
        """Whether a patient falls in this cell.

        Parameters
        ----------
        ige_iu_ml : float
            Pre-treatment serum IgE (IU/mL).
        weight_kg : float
            Body weight (kg).
        """
        return (in_bin(ige_iu_ml, self.ige_low_iu_ml, self.ige_high_iu_ml, IGE_EDGES_IU_ML[0])
                and in_bin(weight_kg, self.weight_low_kg, self.weight_high_kg,
                           WEIGHT_EDGES_KG[0]))


def in_bin(x: float, low: float, high: float, first: float) -> bool:
    """Whether ``x`` lies in the bin (low, high]; [low, high] when ``low`` is ``first``,
    the table's first edge (a label table includes its lowest value only there)."""
    return (low <= x if low == first else low < x) and x <= high


def _build_table() -> tuple[Cell, ...]:
    cells = []
    for i, row in enumerate(_DOSES):
        for j, regimen in enumerate(row):
            dose, interval = regimen if regimen is not None else (None, None)
            cells.append(Cell(IGE_EDGES_IU_ML[i], IGE_EDGES_IU_ML[i + 1],
                              WEIGHT_EDGES_KG[j], WEIGHT_EDGES_KG[j + 1], dose, interval))
    return tuple(cells)


#: The 28 cells of the table, row by row (IgE), each row from light to heavy.
US_LABEL_TABLE: tuple[Cell, ...] = _build_table()

#: Every dose of the table (mg), ascending.
LABEL_DOSES_MG: tuple[float, ...] = tuple(sorted({c.dose_mg for c in US_LABEL_TABLE
                                                 if c.dose_mg is not None}))
#: Every interval of the table (days), ascending.
LABEL_INTERVALS_DAYS: tuple[float, ...] = tuple(sorted({c.interval_days for c in US_LABEL_TABLE
                                                       if c.interval_days is not None}))


def approved_cells() -> tuple[Cell, ...]:
    """The cells with a dose, in table order (the cell indices used throughout this module)."""
    return tuple(c for c in US_LABEL_TABLE if c.approved)


def label_regimen(ige_iu_ml: float, weight_kg: float) -> tuple[float, float] | None:
    """The label regimen of a patient.

    Parameters
    ----------
    ige_iu_ml : float
        Pre-treatment serum IgE (IU/mL).
    weight_kg : float
        Body weight (kg).

    Returns
    -------
    (dose_mg, interval_days) or None
        Dose (mg) and interval (days) of the patient's cell; None if the patient
        lies outside the table (IgE outside 30–700 IU/mL or weight outside
        30–150 kg) or in a "do not dose" cell.

    Raises
    ------
    ValueError
        If either value is not a finite number.
    """
    if not (math.isfinite(ige_iu_ml) and math.isfinite(weight_kg)):
        raise ValueError(f"IgE and weight must be finite, got {ige_iu_ml!r}, {weight_kg!r}")
    cell = label_cell(ige_iu_ml, weight_kg)
    if cell is None or cell.dose_mg is None or cell.interval_days is None:
        return None
    return cell.dose_mg, cell.interval_days


def label_cell(ige_iu_ml: float, weight_kg: float) -> Cell | None:
    """The table's cell holding a patient ("do not dose" cells included); None outside it."""
    return next((c for c in US_LABEL_TABLE if c.contains(ige_iu_ml, weight_kg)), None)


def label_design(n_per_cell: int, seed: int) -> tuple[dict[str, list[float]], np.ndarray]:
    """Virtual patients spread uniformly over every approved cell.

    For each approved cell in turn, ``n_per_cell`` patients get an IgE and a
    weight drawn independently and uniformly over the cell's ranges, as
    ``high - (high - low) * u`` with ``u`` uniform on [0, 1), so that every
    draw lies in (low, high], the cell's own bounds.

    Parameters
    ----------
    n_per_cell : int
        Patients per approved cell (>= 1).
    seed : int
        Seed of the :func:`numpy.random.default_rng` generator; the same seed
        gives the same patients.

    Returns
    -------
    design : dict of str to list of float
        The columns ``patient.ige_baseline_iu_ml`` (IU/mL) and
        ``patient.weight_kg`` (kg), ready for a sweep file's ``design:``
        section; rows ordered cell by cell.
    cell_of_row : ndarray of int, shape (n_cells * n_per_cell,)
        Index into :func:`approved_cells` of each row.

    Raises
    ------
    ValueError
        If ``n_per_cell`` < 1.
    """
    if isinstance(n_per_cell, bool) or not isinstance(n_per_cell, int | np.integer) \
            or n_per_cell < 1:
        raise ValueError(f"n_per_cell must be a whole number >= 1, got {n_per_cell!r}")
    rng = np.random.default_rng(seed)
    cells = approved_cells()
    ige = np.empty((len(cells), n_per_cell))
    weight = np.empty((len(cells), n_per_cell))
    for k, cell in enumerate(cells):
        u = rng.random((2, n_per_cell))
        ige[k] = cell.ige_high_iu_ml - (cell.ige_high_iu_ml - cell.ige_low_iu_ml) * u[0]
        weight[k] = cell.weight_high_kg - (cell.weight_high_kg - cell.weight_low_kg) * u[1]
    design = {"patient.ige_baseline_iu_ml": ige.ravel().tolist(),
              "patient.weight_kg": weight.ravel().tolist()}
    return design, np.repeat(np.arange(len(cells), dtype=np.int64), n_per_cell)


def _check_cell_of_row(cell_of_row: np.ndarray, n_rows: int) -> np.ndarray:
    cells = np.asarray(cell_of_row)
    if cells.ndim != 1 or cells.size != n_rows:
        raise ValueError(f"cell_of_row must be 1-D with {n_rows} entries, got shape {cells.shape}")
    if cells.size and (cells.dtype.kind not in "iu" or cells.min() < 0
                       or cells.max() >= len(approved_cells())):
        raise ValueError(f"cell_of_row must hold indices 0..{len(approved_cells()) - 1} "
                         "into approved_cells()")
    return cells.astype(np.int64)


def _target_column(target: float) -> str:
    return f"share_below_{target:g}"


def evaluate_label_table(trough_ng_ml: np.ndarray, cell_of_row: np.ndarray,
                         targets: Sequence[float] = (50.0, 25.0)) -> pd.DataFrame:
    """Per approved cell: median trough free IgE and the share of patients below each target.

    Parameters
    ----------
    trough_ng_ml : ndarray, shape (n_rows,)
        Steady-state trough free IgE (ng/mL) of each row at its cell's regimen
        (see :func:`trough_at_label_regimen`); NaN for a failed simulation.
    cell_of_row : ndarray of int, shape (n_rows,)
        Index into :func:`approved_cells` of each row.
    targets : sequence of float
        Free-IgE targets (ng/mL); "below" is strictly below.

    Returns
    -------
    pandas.DataFrame
        One row per approved cell (index ``cell``, the index into
        :func:`approved_cells`), with columns ``ige_range_iu_ml`` and
        ``weight_range_kg`` (the table's range labels), ``dose_mg``,
        ``interval_days``, ``n`` (rows of the cell), ``n_failed`` (rows whose
        trough is NaN), ``median_trough_ng_ml`` (over the rows that did not
        fail; NaN if none) and ``share_below_<target>`` per target (e.g.
        ``share_below_50``): rows below target divided by ``n``, so a failed
        row counts as not below. A cell without rows has NaN median and shares.

    Raises
    ------
    ValueError
        If the arrays do not match, a cell index is out of range, or a target
        is not a positive finite number or repeats.
    """
    trough = np.asarray(trough_ng_ml, dtype=np.float64)
    if trough.ndim != 1:
        raise ValueError(f"trough_ng_ml must be 1-D, got shape {trough.shape}")
    cells = _check_cell_of_row(cell_of_row, trough.size)
    targets = tuple(float(t) for t in targets)
    if any(not (math.isfinite(t) and t > 0) for t in targets):
        raise ValueError(f"targets must be positive finite numbers, got {targets}")
    columns = [_target_column(t) for t in targets]
    if len(set(columns)) != len(columns):
        raise ValueError(f"targets repeat: {targets}")
    rows = []
    for k, cell in enumerate(approved_cells()):
        t = trough[cells == k]
        ok = np.isfinite(t)
        row: dict[str, object] = {
            "ige_range_iu_ml": cell.ige_label,
            "weight_range_kg": cell.weight_label,
            "dose_mg": cell.dose_mg,
            "interval_days": cell.interval_days,
            "n": int(t.size),
            "n_failed": int(t.size - ok.sum()),
            "median_trough_ng_ml": float(np.median(t[ok])) if ok.any() else math.nan,
        }
        for target, column in zip(targets, columns, strict=True):
            below = np.count_nonzero(t[ok] < target)
            row[column] = below / t.size if t.size else math.nan
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.index.name = "cell"
    return frame


def trough_at_label_regimen(ds: xr.Dataset, cell_of_row: np.ndarray, *,
                            variable: str = "trough_free_ige") -> np.ndarray:
    """Each sample's metric at the regimen of its own cell.

    Parameters
    ----------
    ds : xarray.Dataset
        An opened sweep (:func:`igesweep.sweep.open_sweep`) whose lane
        dimensions are ``sample`` (the rows of :func:`label_design`),
        ``dose_mg`` and ``interval_days``, in any order, and optionally
        ``subject`` (a virtual population with inter-individual variability),
        with coordinates holding every label dose and interval
        (:data:`LABEL_DOSES_MG`, :data:`LABEL_INTERVALS_DAYS`).
    cell_of_row : ndarray of int, shape (n_samples,)
        Index into :func:`approved_cells` of each sample, as returned by
        :func:`label_design`.
    variable : str
        Metric to pick; default the trough free IgE (ng/mL).

    Returns
    -------
    ndarray of float, shape (n_samples,) or (n_samples, n_subjects)
        ``variable`` of each sample (and subject) at its cell's dose and
        interval (NaN where the lane failed).

    Raises
    ------
    ValueError
        If the variable is missing or has other dimensions, the number of
        samples differs from ``cell_of_row``, a cell's dose or interval is not
        on the grid, or the dataset's ``ige_baseline_iu_ml``/``weight_kg``
        sample coordinates put a sample outside its cell (design and
        ``cell_of_row`` do not belong together).
    """
    if variable not in ds.data_vars:
        raise ValueError(f"the dataset has no variable '{variable}'")
    da = ds[variable]
    expected = {"sample", "dose_mg", "interval_days"}
    if set(da.dims) not in (expected, expected | {"subject"}):
        raise ValueError(f"'{variable}' must have dimensions {sorted(expected)} (and optionally "
                         f"'subject'), got {list(da.dims)}")
    cells = _check_cell_of_row(cell_of_row, da.sizes["sample"])
    table = approved_cells()
    _check_design_coordinates(ds, cells)
    doses = np.array([table[k].dose_mg for k in cells], dtype=np.float64)
    intervals = np.array([table[k].interval_days for k in cells], dtype=np.float64)
    indexers = {}
    for dim, wanted in (("dose_mg", doses), ("interval_days", intervals)):
        positions = ds.indexes[dim].get_indexer(wanted)
        if (positions < 0).any():
            missing = sorted({float(v) for v in wanted[positions < 0]})
            raise ValueError(f"the sweep's '{dim}' grid lacks {missing}; "
                             f"it holds {ds.indexes[dim].tolist()}")
        indexers[dim] = xr.DataArray(positions, dims="sample")
    picked = da.isel(indexers)
    return np.asarray(picked.transpose("sample", ...).values, dtype=np.float64)


def _check_design_coordinates(ds: xr.Dataset, cells: np.ndarray) -> None:
    names = ("ige_baseline_iu_ml", "weight_kg")
    if not all(n in ds.coords and ds[n].dims == ("sample",) for n in names):
        return
    values = {n: np.asarray(ds[n].values, dtype=np.float64) for n in names}
    table = approved_cells()
    inside = np.ones(cells.size, dtype=bool)
    for name, fields, first in (
            ("ige_baseline_iu_ml", ("ige_low_iu_ml", "ige_high_iu_ml"), IGE_EDGES_IU_ML[0]),
            ("weight_kg", ("weight_low_kg", "weight_high_kg"), WEIGHT_EDGES_KG[0])):
        low = np.array([getattr(c, fields[0]) for c in table])[cells]
        high = np.array([getattr(c, fields[1]) for c in table])[cells]
        x = values[name]
        inside &= np.where(low == first, low <= x, low < x) & (x <= high)
    if not inside.all():
        i = int(np.flatnonzero(~inside)[0])
        k = int(cells[i])
        raise ValueError(f"sample {i} (IgE {values['ige_baseline_iu_ml'][i]:g} IU/mL, "
                         f"{values['weight_kg'][i]:g} kg) is not in its cell {k} "
                         f"({table[k].label}); cell_of_row does not belong to this sweep's "
                         "design")
