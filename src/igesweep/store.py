"""Writing results to zarr stores without ever leaving a half-written store behind."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import zarr

from igesweep.errors import InputError

if TYPE_CHECKING:
    import xarray as xr

#: How messages about the output path name it (the command-line option).
OUTPUT_OPTION = "-o/--output"


def _temporary_sibling(path: Path, tag: str) -> Path:
    return path.with_name(f".{path.name}.{tag}-{os.getpid()}-{uuid.uuid4().hex[:8]}")


#: Output suffixes of other formats, refused so that ``-o x.nc`` does not write a zarr
#: directory named like a netCDF file.
NOT_ZARR_SUFFIXES = frozenset({".nc", ".nc4", ".netcdf", ".h5", ".hdf5", ".csv", ".json",
                               ".parquet", ".txt"})


def is_igesweep_store(path: str | Path) -> bool:
    """Whether ``path`` is a zarr store written by igesweep (its root metadata says so)."""
    meta = Path(path) / "zarr.json"
    try:
        attrs = json.loads(meta.read_text()).get("attributes", {})
    except (OSError, ValueError, AttributeError):
        return False
    return isinstance(attrs, dict) and "igesweep_version" in attrs


def check_output_suffix(path: str | Path) -> Path:
    """Refuse an output named like a file of another format (``x.nc``); return the path."""
    path = Path(path)
    if path.suffix.lower() in NOT_ZARR_SUFFIXES:
        raise InputError([(OUTPUT_OPTION,
                            f"output {path}: igesweep writes zarr stores (a directory), not "
                            f"{path.suffix} files; name the output e.g. "
                            f"{path.with_suffix('.zarr')}")])
    return path


def check_output_path(path: str | Path, *, overwrite: bool) -> Path:
    """Refuse an existing output unless ``overwrite`` and it is an igesweep store.

    Raises
    ------
    InputError
        If the output exists and ``overwrite`` is false, or exists and is not
        an igesweep store (``--overwrite`` never deletes anything else).
    """
    path = check_output_suffix(path)
    if path.exists() or path.is_symlink():
        if not overwrite:
            raise InputError([(OUTPUT_OPTION,
                                f"output {path} exists; pass --overwrite to replace it")])
        if not is_igesweep_store(path):
            raise InputError([(OUTPUT_OPTION,
                                f"output {path} exists and is not an igesweep store (no "
                                "igesweep metadata in its zarr.json); --overwrite only "
                                "replaces igesweep stores: choose another path")])
    return path


def consolidate(path: str | Path) -> None:
    """Write the store's consolidated metadata, so ``xarray.open_zarr`` reads one document.

    Without it every plain ``open_zarr`` warns and lists the store. Zarr-python warns
    that consolidated metadata is not yet in the zarr v3 specification; it is an
    optional copy (readers without it read the ordinary metadata), so that warning
    is silenced here.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
        zarr.consolidate_metadata(str(path))


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
        consolidate(tmp)
        swap_into_place(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return path


def swap_into_place(new: Path, path: Path) -> None:
    """Rename the complete store ``new`` to ``path``, removing the store there only after."""
    if path.exists():
        old = _temporary_sibling(path, "old")
        path.rename(old)
        new.rename(path)
        shutil.rmtree(old)
    else:
        new.rename(path)


def lock_path(output: Path) -> Path:
    """The lock file of an output path: ``.NAME.lock`` beside it."""
    return output.with_name(f".{output.name}.lock")


@contextmanager
def output_lock(output: str | Path) -> Iterator[Path]:
    """Hold an exclusive lock on an output path while a run writes it.

    An advisory ``flock`` on :func:`lock_path` (created with the parent
    directory if missing). The operating system releases it when the process
    ends, however it ends, so a killed run never leaves a stale lock; a run
    that ends normally removes the file. Removing it is safe because a taker
    checks, once it holds the lock, that the file it locked is still the one
    at the path (else it locked a file being removed, and tries again). The
    holder's process id and host are written into the file for the message a
    second writer gets.

    Raises
    ------
    InputError
        If another process holds the lock, or the lock cannot be created
        beside the output (a read-only directory, a file in the path).
    """
    output = Path(output)
    lock = lock_path(output)
    while True:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:  # read-only, not a directory, no space, no permission
            blocker = next((p for p in (output.parent, *output.parent.parents)
                            if p.exists() and not p.is_dir()), None)
            why = f"{blocker} is a file, not a directory" if blocker else err.strerror or err
            raise InputError([(OUTPUT_OPTION, f"cannot write in {output.parent}: {why}")]
                             ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise InputError([(OUTPUT_OPTION,
                                f"another igesweep run is writing {output} ({holder}); wait "
                                "for it to end or stop it, then run again")]) from None
        try:
            current = os.stat(lock).st_ino
        except FileNotFoundError:
            current = -1
        if current == os.fstat(fd).st_ino:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"process {os.getpid()} on {socket.gethostname()}".encode(), 0)
        yield lock
    finally:
        lock.unlink(missing_ok=True)
        os.close(fd)
