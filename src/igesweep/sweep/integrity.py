"""Chunk checksums: each chunk's values as written, checked on resume and by ``igesweep verify``.

A flipped byte in a compressed chunk, a deleted chunk file (it then reads as
the fill value) or a chunk marked done that never reached the disk used to
read as plausible numbers. Every task records, before it marks its chunk done,
a digest per stored variable of exactly the values it wrote (NaNs in one
canonical form, so a chunk zarr skips as all-fill reads back alike).
Verifying reads each done chunk back and compares.

The digest is CRC-32 (:func:`zlib.crc32`, the checksum of zip and PNG), made
to find accidental damage: 1.5 ms per 8 MB chunk against 7-9 ms for the
64-bit BLAKE2b of stores written before it (BENCHMARKS.md). The store's
:data:`CHECKSUM_ALGORITHM` attribute names it; a store without the attribute
is verified with BLAKE2b-64, and chunks resumed into it are hashed that way.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import zarr

from igesweep.sweep.plan import chunk_region

#: The zarr group of a sweep store holding its bookkeeping (not part of the dataset
#: ``xarray.open_zarr`` gives): ``chunk_done`` and ``chunk_checksum``.
BOOKKEEPING = "bookkeeping"
#: Per chunk: 1 once its lanes are written.
CHUNK_DONE = f"{BOOKKEEPING}/chunk_done"
#: Per chunk and stored variable: the digest of the values written.
CHECKSUM = f"{BOOKKEEPING}/chunk_checksum"
#: Store attribute: the stored variables, in the order of ``CHECKSUM``'s columns.
CHECKSUM_VARIABLES = "checksum_variables"
#: Store attribute: the digest's algorithm, one of :data:`ALGORITHMS`.
CHECKSUM_ALGORITHM = "checksum_algorithm"
#: What new stores record.
ALGORITHM = "crc32"
#: The algorithm of a store written before :data:`CHECKSUM_ALGORITHM` was recorded.
LEGACY_ALGORITHM = "blake2b-64"


def _blake2b_64(buffer: memoryview) -> int:
    return int.from_bytes(hashlib.blake2b(buffer, digest_size=8).digest(), "little")


#: Digest functions by the name a store records.
ALGORITHMS = {ALGORITHM: zlib.crc32, LEGACY_ALGORITHM: _blake2b_64}


def store_algorithm(attrs: Mapping[str, object], path: str | Path) -> str:
    """The digest algorithm a store's attributes name (:data:`LEGACY_ALGORITHM` if none).

    Raises
    ------
    ValueError
        If the store names an algorithm this version does not know (a store
        written by a later igesweep); its values are not in question.
    """
    algorithm = str(attrs.get(CHECKSUM_ALGORITHM, LEGACY_ALGORITHM))
    if algorithm not in ALGORITHMS:
        raise ValueError(f"{path}: the store's chunk checksums are {algorithm!r}, which this "
                         f"igesweep cannot compute (it knows {', '.join(ALGORITHMS)}); use the "
                         "igesweep version that wrote the store")
    return algorithm


def digest(values: np.ndarray, dtype: np.dtype, algorithm: str = ALGORITHM) -> np.uint64:
    """Digest of the bytes of ``values`` as stored: ``dtype``, little-endian, NaNs canonical.

    ``algorithm`` is a key of :data:`ALGORITHMS`.
    """
    a = np.ascontiguousarray(values, dtype=np.dtype(dtype).newbyteorder("<"))
    if a.dtype.kind == "f" and np.isnan(a).any():
        a = np.where(np.isnan(a), np.array(np.nan, dtype=a.dtype), a).astype(a.dtype, copy=False)
    # the array's own bytes, not a copy
    return np.uint64(ALGORITHMS[algorithm](a.reshape(-1).view(np.uint8)))


def chunk_digests(names: list[str], values: Mapping[str, np.ndarray],
                  dtypes: Mapping[str, np.dtype], algorithm: str = ALGORITHM) -> np.ndarray:
    """Digests of one chunk's arrays, in ``names`` order, each with its stored dtype."""
    return np.array([digest(values[n], dtypes[n], algorithm) for n in names], dtype=np.uint64)


@dataclass
class Verification:
    """What :func:`verify_store` found.

    Attributes
    ----------
    n_done : int
        Chunks marked done (each read back and compared).
    n_chunks : int
        Chunks of the store.
    bad : dict of int to list of str
        Chunks marked done whose values differ from their digests, with the variables.
    complete : bool
        Whether the store is marked complete.
    """

    n_done: int
    n_chunks: int
    bad: dict[int, list[str]] = field(default_factory=dict)
    complete: bool = False

    @property
    def ok(self) -> bool:
        """No bad chunk, and a store marked complete has every chunk done."""
        return not self.bad and (not self.complete or self.n_done == self.n_chunks)


def verify_store(path: str | Path) -> Verification:
    """Read every chunk marked done back and compare it with its recorded digests.

    Raises
    ------
    ValueError
        If the store's bookkeeping (root metadata, ``chunk_done``, the digests)
        cannot be read: the store is damaged beyond a chunk.
    """
    try:
        group = zarr.open_group(str(path), mode="r", use_consolidated=False)
        attrs = dict(group.attrs)
        names = list(attrs[CHECKSUM_VARIABLES])
        lane_dims = list(attrs["lane_dims"])
        chunks = tuple(int(c) for c in attrs["chunk_shape"])
        done = group[CHUNK_DONE][:] == 1
        recorded = group[CHECKSUM][:]
    except (KeyError, ValueError, TypeError, OSError) as err:
        raise ValueError(f"{path}: the store's bookkeeping cannot be read ({err}); it is "
                         "damaged: run the sweep again with --overwrite") from None
    algorithm = store_algorithm(attrs, path)
    shape = tuple(group[names[0]].shape[:len(lane_dims)])
    result = Verification(n_done=int(done.sum()), n_chunks=int(done.size),
                          complete=attrs.get("igesweep_complete") == "true")
    for chunk in np.flatnonzero(done):
        region = chunk_region(int(chunk), shape, chunks)
        bad = []
        for j, name in enumerate(names):
            arr = group[name]
            try:
                values = arr[region + (slice(None),) * (arr.ndim - len(region))]
            except Exception:  # any decoding failure of a damaged chunk
                bad.append(name)
                continue
            if digest(values, arr.dtype, algorithm) != recorded[chunk, j]:
                bad.append(name)
        if bad:
            result.bad[int(chunk)] = bad
    return result
