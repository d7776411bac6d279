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
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np
import xarray as xr
import zarr
import zarr.api.asynchronous
from zarr.codecs import BloscCodec, ZstdCodec
from zarr.core.sync import sync

from igesweep.attributes import status_attrs
from igesweep.models import get_model
from igesweep.outputs import METRICS
from igesweep.parameters import parameter_table
from igesweep.store import consolidate
from igesweep.sweep.integrity import CHECKSUM, CHECKSUM_VARIABLES, CHUNK_DONE, chunk_digests
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


def template(plan: SweepPlan, attrs: dict[str, Any]) -> xr.Dataset:
    """The empty dataset (lazy arrays) with coordinates, attributes and encoding.

    Each variable is one lazy dask chunk, never computed (the store's chunks
    are its encoding): a dask chunk per store chunk made the template's graph
    grow with the lanes (4.7 GB and 324 s for 10^10 lanes in 200,000 chunks).
    """
    lane_dims = tuple(d.name for d in plan.dims)
    table = parameter_table(plan.sweep.model)
    shape = plan.shape
    chunks = plan.chunks
    n_t = len(plan.times)
    coords: dict[str, Any] = {"time": ("time", plan.times, {"units": "day", "long_name": "time"})}
    for d in plan.dims:
        values = d.values.astype(object) if d.values.dtype.kind in "UO" else d.values
        coords[d.name] = (d.name, values, {"units": d.unit, "long_name": d.key})
    design = plan.sweep.design
    if design is not None:
        for j, (key, name) in enumerate(zip(design.keys, design.names, strict=True)):
            coords[name] = ("sample", design.values[:, j],
                            {"units": table.by_name[name].unit, "long_name": key})
    ds = xr.Dataset(coords=coords)
    compressors = _compressors(plan)
    dtype = plan.sweep.output.dtype
    for v in get_model(plan.sweep.model).outputs:
        if v.name not in plan.sweep.variables:
            continue
        ds[v.name] = ((*lane_dims, "time"),
                      da.full((*shape, n_t), np.nan, dtype=dtype, chunks=-1),
                      {"units": v.unit, "long_name": v.long_name})
        ds[v.name].encoding = {"chunks": (*chunks, n_t), "compressors": compressors,
                               "_FillValue": np.nan}
    for m in METRICS:
        ds[m.name] = (lane_dims, da.full(shape, np.nan, chunks=-1),
                      {"units": m.unit, "long_name": m.long_name})
        ds[m.name].encoding = {"chunks": chunks, "compressors": compressors,
                               "_FillValue": np.nan}
    ds["status"] = (lane_dims, da.full(shape, NOT_RUN, dtype=np.int8, chunks=-1),
                    status_attrs(not_run=True))
    ds["status"].encoding = {"chunks": chunks, "compressors": compressors, "fill_value": NOT_RUN}
    ds["n_steps"] = (lane_dims, da.zeros(shape, dtype=np.int32, chunks=-1),
                     {"units": "1", "long_name": "accepted integrator steps"})
    ds["n_steps"].encoding = {"chunks": chunks, "compressors": compressors}
    for name in varying_parameters(plan):
        p = next(parameter_table(m).by_name[name] for m in plan.models
                 if name in parameter_table(m).by_name)
        ds[f"param_{name}"] = (lane_dims, da.full(shape, np.nan, chunks=-1),
                               {"units": p.unit, "long_name": f"{p.description} (per lane)"})
        ds[f"param_{name}"].encoding = {"chunks": chunks, "compressors": compressors,
                                        "_FillValue": np.nan}
    ds.attrs.update(attrs)
    ds.attrs[CHECKSUM_VARIABLES] = sorted(
        n for n, v in ds.data_vars.items() if v.dims[:len(lane_dims)] == lane_dims)
    ds.attrs.update({
        COMPLETE_ATTR: "false",
        "n_lanes": plan.n_lanes,
        "lane_dims": list(lane_dims),
        "chunk_shape": list(chunks),
        "n_chunks": plan.n_chunks,
    })
    return ds


def create_store(plan: SweepPlan, path: Path, attrs: dict[str, Any]) -> None:
    """Write the template: metadata and coordinates, no lane data."""
    ds = template(plan, attrs)
    ds.to_zarr(path, mode="w-", zarr_format=3, consolidated=False, compute=False)
    group = zarr.open_group(str(path), mode="r+", use_consolidated=False)
    n_checked = len(ds.attrs[CHECKSUM_VARIABLES])
    done = group.create_array(CHUNK_DONE, shape=(plan.n_chunks,), chunks=(1,), dtype="int8",
                              fill_value=0)
    done.attrs.update({"long_name": "1 once the chunk's lanes are written"})
    checksum = group.create_array(CHECKSUM, shape=(plan.n_chunks, n_checked),
                                  chunks=(1, n_checked), dtype="uint64", fill_value=0)
    checksum.attrs.update({"long_name": "BLAKE2b-64 digest of each stored variable's chunk "
                                        "as written, columns as checksum_variables"})


def chunks_done(path: Path) -> np.ndarray:
    """Boolean array: which chunks are complete."""
    return zarr.open_array(str(path / CHUNK_DONE), mode="r")[:] == 1


def store_attrs(path: Path) -> dict[str, Any]:
    """The store's global attributes."""
    return dict(zarr.open_group(str(path), mode="r", use_consolidated=False).attrs)


async def _write_arrays(path: Path, region: tuple[slice, ...],
                        arrays: dict[str, np.ndarray]) -> dict[str, np.dtype]:
    """Write every array's region at once (zarr's asynchronous API); return their dtypes.

    One after another, the ~20 arrays of a chunk cost ~2.4 ms each in zarr's
    per-call overhead, twice the time of encoding them (BENCHMARKS.md).
    """
    group = await zarr.api.asynchronous.open_group(str(path), mode="r+", use_consolidated=False)
    names = list(arrays)
    opened = await asyncio.gather(*(group.getitem(n) for n in names))
    await asyncio.gather(*(
        a.setitem(region + (slice(None),) * (a.ndim - len(region)), arrays[n])
        for a, n in zip(opened, names, strict=True)))
    return {n: a.dtype for a, n in zip(opened, names, strict=True)}


def write_chunk(path: Path, plan: SweepPlan, chunk: int, arrays: dict[str, np.ndarray],
                *, watch: Stopwatch | None = None) -> None:
    """Write one chunk's arrays into its region and their digests, then mark the chunk done.

    ``watch``, if given, is charged with the phases ``write`` and ``checksum``.
    """
    watch = watch or Stopwatch()
    region = plan.chunk_region(chunk)
    dtypes = sync(_write_arrays(path, region, arrays))
    watch.lap("write")
    group = zarr.open_group(str(path), mode="r+", use_consolidated=False)
    names = list(group.attrs[CHECKSUM_VARIABLES])
    group[CHECKSUM][chunk, :] = chunk_digests(names, arrays, dtypes)
    group[CHUNK_DONE][chunk] = 1
    watch.lap("checksum")


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


def is_complete(path: Path) -> bool:
    """Whether a sweep store is marked complete."""
    return store_attrs(path).get(COMPLETE_ATTR) == "true"


def failed_lanes(path: Path) -> int:
    """Number of lanes whose status is written and not ok."""
    status = zarr.open_array(str(path / "status"), mode="r")[...]
    return int(np.count_nonzero(status > 0))
