"""The sweep's zarr store: template first, then whole chunks, then the completion mark.

Layout: lane dimensions (grid keys, then ``subject``), then ``time``. The
template (coordinates, attributes, encoding, empty arrays) is written before
any lane runs. Each task then writes whole chunks of its own region, their
checksums, and last its entry of ``bookkeeping/chunk_done`` (one zarr chunk
per sweep chunk), so no two tasks ever touch the same zarr chunk. The
bookkeeping is a zarr group of its own, outside the dataset a user opens. The
store's ``igesweep_complete`` attribute turns ``"true"`` only when every chunk
is done. The store's own code reads its metadata, never the consolidated copy
(written for readers when the store is complete), so damage to it is seen.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import zarr
import zarr.api.asynchronous
from zarr.codecs import BloscCodec, ZstdCodec
from zarr.core.sync import sync

from igesweep.attributes import status_attrs
from igesweep.models.card import get_card
from igesweep.outputs import METRICS
from igesweep.parameters import parameter_table
from igesweep.store import consolidate
from igesweep.sweep.integrity import (
    ALGORITHM,
    CHECKSUM,
    CHECKSUM_ALGORITHM,
    CHECKSUM_VARIABLES,
    CHUNK_DONE,
    chunk_digests,
    store_algorithm,
)
from igesweep.sweep.plan import SweepPlan
from igesweep.sweep.timing import Stopwatch

COMPLETE_ATTR = "igesweep_complete"
#: Status of a lane whose chunk has not run yet (the zarr fill value of ``status``).
NOT_RUN = -1


def varying_parameters(plan: SweepPlan) -> list[str]:
    """Parameters that differ between subjects or uncertainty draws (stored per lane)."""
    pop = plan.sweep.population
    names: set[str] = set()
    if plan.uncertainty is not None:
        names.update(n for per_model in plan.uncertainty for u in per_model for n in u.names)
    if pop is not None:
        names.update(pop.covariates)
    ordered: list[str] = []
    for model, variability in zip(plan.models, plan.variability, strict=True):
        table = parameter_table(model)
        if pop is not None and pop.variability:
            for var in variability:
                names.update(table.names[c] for c in var.columns)
        ordered += [n for n in table.names if n in names and n not in ordered]
    return ordered


def _compressors(plan: SweepPlan) -> list[Any] | None:
    out = plan.sweep.output
    if out.compression == "none":
        return None
    if out.compression == "lz4":
        return [BloscCodec(cname="lz4", clevel=min(out.compression_level, 9), shuffle="shuffle")]
    return [ZstdCodec(level=out.compression_level)]


#: ``_FillValue`` attribute of a float variable whose fill value is NaN, as xarray writes it
#: into zarr v3 metadata (base64 of the little-endian float64 NaN) and decodes on reading.
_NAN_FILL_ATTR = base64.b64encode(np.array(np.nan, "<f8").tobytes()).decode()


@dataclass(frozen=True)
class _Variable:
    """One array of the template: dimensions, dtype, attributes, chunks, fill value."""

    dims: tuple[str, ...]
    shape: tuple[int, ...]
    dtype: Any
    attrs: dict[str, Any]
    chunks: tuple[int, ...] | str
    fill: Any
    compressors: Any = "auto"
    values: np.ndarray | None = None


def _coordinates(plan: SweepPlan) -> dict[str, _Variable]:
    """``time``, the lane dimensions' values, and a design's columns along ``sample``.

    Chunked as zarr chooses (as xarray leaves it): a population of 10^6 subjects is
    not one 8 MB coordinate chunk.
    """
    table = parameter_table(plan.sweep.model)
    coords: dict[str, np.ndarray] = {"time": np.asarray(plan.times, dtype=np.float64)}
    attrs: dict[str, dict[str, Any]] = {"time": {"units": "day", "long_name": "time"}}
    dims: dict[str, str] = {"time": "time"}
    for d in plan.dims:
        coords[d.name] = d.values.astype(str) if d.values.dtype.kind in "UO" else d.values
        attrs[d.name] = {"units": d.unit, "long_name": d.key}
        dims[d.name] = d.name
    design = plan.sweep.design
    if design is not None:
        for j, (key, name) in enumerate(zip(design.keys, design.names, strict=True)):
            coords[name] = np.asarray(design.values[:, j])
            attrs[name] = {"units": table.by_name[name].unit, "long_name": key}
            dims[name] = "sample"
    out: dict[str, _Variable] = {}
    for name, values in coords.items():
        kind = values.dtype.kind
        fill: Any = "" if kind == "U" else (np.nan if kind == "f" else 0)
        out[name] = _Variable(
            dims=(dims[name],), shape=values.shape, dtype=str if kind == "U" else values.dtype,
            attrs={**attrs[name], **({"_FillValue": _NAN_FILL_ATTR} if kind == "f" else {})},
            chunks="auto", fill=fill, values=values)
    return out


def _data_variables(plan: SweepPlan) -> dict[str, _Variable]:
    """Trajectories, metrics, status, step counts and per-lane parameters, all unwritten."""
    lane_dims = tuple(d.name for d in plan.dims)
    shape, chunks, n_t = plan.shape, plan.chunks, len(plan.times)
    compressors = _compressors(plan)
    design = plan.sweep.design
    # xarray's name for coordinates that are not dimensions, on the variables they label
    labels = {"coordinates": " ".join(sorted(design.names))} if design is not None else {}
    nan = {"_FillValue": _NAN_FILL_ATTR}

    def lanes(dtype: Any, attrs: dict[str, Any], fill: Any) -> _Variable:
        return _Variable(lane_dims, shape, dtype, {**attrs, **labels}, chunks, fill, compressors)

    out: dict[str, _Variable] = {}
    for v in get_card(plan.sweep.model).outputs:
        if v.name in plan.sweep.variables:
            out[v.name] = _Variable(
                (*lane_dims, "time"), (*shape, n_t), plan.sweep.output.dtype,
                {"units": v.unit, "long_name": v.long_name, **labels, **nan}, (*chunks, n_t),
                np.nan, compressors)
    for m in METRICS:
        out[m.name] = lanes(np.float64, {"units": m.unit, "long_name": m.long_name, **nan},
                            np.nan)
    out["status"] = lanes(np.int8, status_attrs(not_run=True), NOT_RUN)
    out["n_steps"] = lanes(np.int32, {"units": "1", "long_name": "accepted integrator steps"}, 0)
    for name in varying_parameters(plan):
        p = next(parameter_table(m).by_name[name] for m in plan.models
                 if name in parameter_table(m).by_name)
        out[f"param_{name}"] = lanes(
            np.float64, {"units": p.unit, "long_name": f"{p.description} (per lane)", **nan},
            np.nan)
    return out


def _store_attributes(plan: SweepPlan, attrs: dict[str, Any],
                      variables: dict[str, _Variable]) -> dict[str, Any]:
    """The store's global attributes: ``attrs``, then the layout the code reads back.

    Every data variable is laid out on the lanes, so each is checksummed per chunk.
    """
    return {
        **attrs,
        CHECKSUM_VARIABLES: sorted(variables),
        CHECKSUM_ALGORITHM: ALGORITHM,
        COMPLETE_ATTR: "false",
        "n_lanes": plan.n_lanes,
        "lane_dims": [d.name for d in plan.dims],
        "chunk_shape": list(plan.chunks),
        "n_chunks": plan.n_chunks,
    }


def _json_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """Attributes as JSON holds them: NumPy arrays and scalars as lists and numbers."""
    return {k: v.tolist() if isinstance(v, np.ndarray | np.generic) else v
            for k, v in attrs.items()}


def create_store(plan: SweepPlan, path: Path, attrs: dict[str, Any]) -> None:
    """Write the template: metadata and coordinates, no lane data.

    Written with zarr directly, as xarray would encode the dataset (dimension
    names, ``_FillValue``, ``coordinates``; a test checks the metadata against
    xarray's own), without importing xarray, pandas and dask.array for it
    (0.6 s of a small sweep's start, BENCHMARKS.md). Only metadata is written
    for the lane arrays, so the time and memory do not grow with the lanes.
    """
    coords = _coordinates(plan)
    variables = _data_variables(plan)
    group = zarr.open_group(str(path), mode="w-", zarr_format=3)
    group.attrs.update(_json_attrs(_store_attributes(plan, attrs, variables)))
    for name, v in {**coords, **variables}.items():
        array = group.create_array(name, shape=v.shape, dtype=v.dtype, chunks=v.chunks,
                                   fill_value=v.fill, compressors=v.compressors,
                                   dimension_names=v.dims, attributes=_json_attrs(v.attrs))
        if v.values is not None:
            array[...] = v.values
    n_checked = len(variables)
    done = group.create_array(CHUNK_DONE, shape=(plan.n_chunks,), chunks=(1,), dtype="int8",
                              fill_value=0)
    done.attrs.update({"long_name": "1 once the chunk's lanes are written"})
    checksum = group.create_array(CHECKSUM, shape=(plan.n_chunks, n_checked),
                                  chunks=(1, n_checked), dtype="uint64", fill_value=0)
    checksum.attrs.update({"long_name": f"{ALGORITHM} digest of each stored variable's chunk "
                                        "as written, columns as checksum_variables"})


def chunks_done(path: Path) -> np.ndarray:
    """Boolean array: which chunks are complete."""
    return zarr.open_array(str(path / CHUNK_DONE), mode="r")[:] == 1


def store_attrs(path: Path) -> dict[str, Any]:
    """The store's global attributes."""
    return dict(zarr.open_group(str(path), mode="r", use_consolidated=False).attrs)


@dataclass(frozen=True)
class _OpenStore:
    """A store's lane arrays (in ``CHECKSUM_VARIABLES`` order) and bookkeeping, opened."""

    arrays: dict[str, Any]
    checksum: Any
    done: Any
    #: the store's digest algorithm (a store resumed keeps the one it was written with)
    algorithm: str


async def _open_store(path: Path) -> _OpenStore:
    group = await zarr.api.asynchronous.open_group(str(path), mode="r+", use_consolidated=False)
    names = list(group.attrs[CHECKSUM_VARIABLES])
    opened = await asyncio.gather(*(group.getitem(n) for n in [*names, CHECKSUM, CHUNK_DONE]))
    return _OpenStore(dict(zip(names, opened[:-2], strict=True)), opened[-2], opened[-1],
                      store_algorithm(group.attrs, path))


async def _write_opened(store: _OpenStore, region: tuple[slice, ...], chunk: int,
                        arrays: dict[str, np.ndarray], digests: np.ndarray) -> None:
    """Write every array's region at once (zarr's asynchronous API), then digests, then done.

    One after another, the ~20 arrays of a chunk cost ~2.4 ms each in zarr's
    per-call overhead, twice the time of encoding them (BENCHMARKS.md).
    """
    await asyncio.gather(*(
        a.setitem(region + (slice(None),) * (a.ndim - len(region)), arrays[name])
        for name, a in store.arrays.items()))
    await store.checksum.setitem((chunk, slice(None)), digests)
    await store.done.setitem(chunk, 1)


class ChunkWriter:
    """Writes whole chunks into one sweep store, whose arrays it opens once.

    Opening the ~20 arrays of a store (reading and parsing their metadata)
    took ~8 ms of the ~60 ms of processor time of writing a 3,800-lane chunk
    (BENCHMARKS.md): a run in one process keeps one writer for all its
    chunks, a Dask worker one per run (:func:`igesweep.sweep.compute.run_writer`).

    Parameters
    ----------
    path : Path
        The store, created by :func:`create_store`.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._store: _OpenStore | None = None

    def write(self, plan: SweepPlan, chunk: int, arrays: dict[str, np.ndarray],
              *, watch: Stopwatch | None = None) -> None:
        """Write one chunk's arrays into its region and their digests, then mark it done.

        ``arrays`` holds every lane array of the store (:func:`compute_chunk`'s).
        ``watch``, if given, is charged with the phases ``checksum`` (computing
        the digests) and ``write`` (opening the store the first time; the
        arrays, encoding included, then the digests and the done flag, in that
        order).

        Raises
        ------
        ValueError
            If ``arrays`` are not exactly the store's lane arrays, or the store's
            checksums are of an algorithm this version does not know.
        """
        watch = watch or Stopwatch()
        if self._store is None:
            self._store = sync(_open_store(self.path))
            watch.lap("write")
        store = self._store
        missing, extra = set(store.arrays) - set(arrays), set(arrays) - set(store.arrays)
        if missing or extra:
            raise ValueError(f"chunk {chunk}'s arrays differ from the store's: missing "
                             f"{sorted(missing)}, not in the store {sorted(extra)}")
        digests = chunk_digests(list(store.arrays), arrays,
                                {n: a.dtype for n, a in store.arrays.items()}, store.algorithm)
        watch.lap("checksum")
        sync(_write_opened(store, plan.chunk_region(chunk), chunk, arrays, digests))
        watch.lap("write")


def reset_chunks(path: Path, chunks: list[int]) -> None:
    """Mark chunks not done (their values failed verification) and the store incomplete."""
    group = zarr.open_group(str(path), mode="r+", use_consolidated=False)
    group.attrs[COMPLETE_ATTR] = "false"
    for chunk in chunks:
        group[CHUNK_DONE][chunk] = 0
    consolidate(path)


def mark_complete(path: Path) -> None:
    """Set the completion attribute (call only when every chunk is done) and consolidate."""
    group = zarr.open_group(str(path), mode="r+", use_consolidated=False)
    group.attrs[COMPLETE_ATTR] = "true"
    consolidate(path)


def is_sweep_store(path: Path) -> bool:
    """Whether an igesweep store was written by a sweep (not by ``igesweep simulate``)."""
    return COMPLETE_ATTR in store_attrs(path)


def is_complete(path: Path) -> bool:
    """Whether a sweep store is marked complete."""
    return store_attrs(path).get(COMPLETE_ATTR) == "true"


def failed_lanes(path: Path) -> int:
    """Number of lanes whose status is written and not ok."""
    status = zarr.open_array(str(path / "status"), mode="r")[...]
    return int(np.count_nonzero(status > 0))
