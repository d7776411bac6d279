"""Writing results to zarr stores without ever leaving a half-written store behind."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import xarray as xr

from igesweep.errors import InputError


def _temporary_sibling(path: Path, tag: str) -> Path:
    return path.with_name(f".{path.name}.{tag}-{os.getpid()}-{uuid.uuid4().hex[:8]}")


def check_output_path(path: str | Path, *, overwrite: bool) -> Path:
    """Refuse an existing output unless ``overwrite``; return the path.

    Raises
    ------
    InputError
        If the output exists and ``overwrite`` is false.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise InputError([("", f"output {path} exists; pass --overwrite to replace it")])
    return path


def write_dataset(ds: xr.Dataset, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a dataset as a zarr v3 store, atomically.

    The store is written under a temporary name next to ``path`` and renamed
    into place only once complete; an existing store is replaced only with
    ``overwrite=True``, and only after the new one is complete.

    Returns
    -------
    Path
        The written store.
    """
    path = check_output_path(path, overwrite=overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary_sibling(path, "tmp")
    try:
        ds.to_zarr(tmp, mode="w-", zarr_format=3, consolidated=False)
        if path.exists():
            old = _temporary_sibling(path, "old")
            path.rename(old)
            tmp.rename(path)
            shutil.rmtree(old)
        else:
            tmp.rename(path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return path
