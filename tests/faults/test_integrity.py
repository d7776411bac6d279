"""Chunk checksums (issue 11, item 3): damage on disk is found by ``igesweep verify`` and
repaired by ``--resume``.

Flipping bytes in a chunk used to give wrong values with no error, a deleted
chunk read as NaN in a store marked complete, and resume repaired nothing. The
damage here is done to the real files of a real store; the commands run as
subprocesses.
"""

import hashlib
import warnings
import zlib

import numpy as np
import pytest
import xarray as xr
import yaml
import zarr

from igesweep.sweep import open_sweep, run_sweep
from igesweep.sweep.integrity import digest, verify_store
from igesweep.sweep.plan import chunk_region
from igesweep.sweep.run import _prepare_store, load_plan
from tests.processes import igesweep as cli

SWEEP = {"therapy": "omalizumab",
         "regimen": {"route": "sc", "dose_mg": 150, "interval_days": 28, "n_doses": 2},
         "times": {"start": 0, "stop": 56, "step": 7},
         "grid": {"patient.weight_kg": [40, 60, 80, 100], "patient.ige_baseline_iu_ml": [100, 300]},
         "output": {"chunk_lanes": 2}}


@pytest.fixture
def store(tmp_path):
    sweep = tmp_path / "s.yaml"
    sweep.write_text(yaml.safe_dump(SWEEP))
    out = tmp_path / "s.zarr"
    summary = run_sweep(sweep, out, n_workers=1, quiet=True)
    assert summary.complete and summary.n_failed == 0
    return sweep, out, open_sweep(out)["free_ige"].values.copy()


def chunk_files(out, name):
    return sorted(p for p in (out / name / "c").rglob("*") if p.is_file())


def test_an_intact_store_verifies(store):
    _, out, _ = store
    proc = cli("verify", out)
    assert proc.returncode == 0, proc.stderr
    assert "4 of 4 chunks done (complete), 0 differ" in proc.stderr


def test_flipped_bytes_are_found_and_resume_rewrites_the_chunk(store):
    sweep, out, before = store
    victim = chunk_files(out, "free_ige")[1]
    data = bytearray(victim.read_bytes())
    for k in range(len(data) // 2, len(data) // 2 + 5):
        data[k] ^= 0xFF
    victim.write_bytes(bytes(data))
    proc = cli("verify", out)
    assert proc.returncode == 3, proc.stderr
    assert "1 differ" in proc.stderr and "free_ige" in proc.stderr and "--resume" in proc.stderr
    resumed = cli("sweep", sweep, "-o", out, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "1 chunks differ from their checksums" in resumed.stderr
    assert cli("verify", out).returncode == 0
    np.testing.assert_array_equal(open_sweep(out)["free_ige"].values, before)


def test_a_deleted_chunk_of_a_complete_store_is_found(store):
    sweep, out, before = store
    chunk_files(out, "status")[0].unlink()
    result = verify_store(out)
    assert list(result.bad) == [0] and result.bad[0] == ["status"] and not result.ok
    assert run_sweep(sweep, out, n_workers=1, resume=True, quiet=True).complete
    assert verify_store(out).ok
    np.testing.assert_array_equal(open_sweep(out)["free_ige"].values, before)


def test_a_store_marked_complete_with_a_chunk_not_done_is_not_ok(store):
    _, out, _ = store
    zarr.open_group(str(out), mode="r+")["bookkeeping/chunk_done"][2] = 0
    proc = cli("verify", out)
    assert proc.returncode == 3 and "marked complete with chunks not done" in proc.stderr


def test_damaged_bookkeeping_is_an_error_not_a_traceback(store):
    sweep, out, _ = store
    meta = out / "bookkeeping" / "chunk_checksum" / "zarr.json"
    meta.write_text("{not json")
    proc = cli("verify", out)
    assert proc.returncode == 3 and "Traceback" not in proc.stderr
    assert "damaged" in proc.stderr and "--overwrite" in proc.stderr
    resumed = cli("sweep", sweep, "-o", out, "--resume")
    assert resumed.returncode == 2 and "Traceback" not in resumed.stderr


def test_the_digest_sees_one_changed_value_and_every_nan_alike():
    a = np.linspace(0.0, 1.0, 50, dtype=np.float32)
    b = a.copy()
    b[17] = np.nextafter(b[17], np.float32(2.0))
    assert digest(a, np.float32) != digest(b, np.float32)
    nan = np.full(4, np.nan)
    negative = -nan   # a NaN with the sign bit set, as 0/0 gives on x86
    assert nan.tobytes() != negative.tobytes()
    assert digest(nan, np.float64) == digest(negative, np.float64)


def test_the_store_lists_the_variables_it_checks(store):
    _, out, _ = store
    names = zarr.open_group(str(out), mode="r").attrs["checksum_variables"]
    assert {"free_ige", "status", "n_steps", "trough_free_ige"} <= set(names)


def test_a_complete_store_opens_without_warnings_and_with_native_attributes(store):
    """Store hygiene (issue 11, item 10): consolidated metadata, lists and numbers as such."""
    _, out, _ = store
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = xr.open_zarr(out)
    assert ds.attrs["igesweep_complete"] == "true"
    assert ds.attrs["lane_dims"] == ["ige_baseline_iu_ml", "weight_kg"]   # keys as dumped
    assert isinstance(ds.attrs["solver_rtol"], float) and isinstance(ds.attrs["n_lanes"], int)
    assert "chunk_done" not in ds.variables and "chunk" not in ds.dims


def test_a_repaired_store_is_consolidated_as_it_is(store):
    """The consolidated copy follows the store: incomplete while a damaged chunk reruns."""
    sweep, out, _ = store
    chunk_files(out, "status")[0].unlink()
    plan, text = load_plan(sweep, None)
    _prepare_store(plan, text, out, resume=True, overwrite=False)
    assert xr.open_zarr(out, consolidated=True).attrs["igesweep_complete"] == "false"
    assert run_sweep(sweep, out, n_workers=1, resume=True, quiet=True).complete
    assert xr.open_zarr(out, consolidated=True).attrs["igesweep_complete"] == "true"


def test_the_digest_is_crc32_of_the_stored_bytes_little_endian_and_the_store_says_so(store):
    a = np.array([[1.5, np.nan, -2.0], [0.0, 3.25, -np.nan]])
    canonical = np.array([[1.5, np.nan, -2.0], [0.0, 3.25, np.nan]], dtype="<f4")
    assert digest(a, np.float32) == zlib.crc32(canonical.tobytes())
    assert digest(a.astype(">f8"), np.dtype(">f8")) == zlib.crc32(canonical.astype("<f8").tobytes())
    assert digest(np.zeros((0, 3)), np.float64) == zlib.crc32(b"")
    _, out, _ = store
    assert zarr.open_group(str(out), mode="r").attrs["checksum_algorithm"] == "crc32"


def test_a_store_checked_with_blake2b_before_the_algorithm_was_recorded_still_verifies(store):
    """Stores written earlier record BLAKE2b-64 digests and no algorithm: verified as such,
    and a resume rewrites a damaged chunk's digests with the store's own algorithm."""
    sweep, out, before = store
    group = zarr.open_group(str(out), mode="r+", use_consolidated=False)
    names = list(group.attrs["checksum_variables"])
    recorded = group["bookkeeping/chunk_checksum"]
    chunks = tuple(group.attrs["chunk_shape"])
    shape = group[names[0]].shape[:len(chunks)]
    for chunk in range(recorded.shape[0]):
        row = []
        for name in names:
            values = group[name][chunk_region(chunk, shape, chunks)]
            stored = np.ascontiguousarray(values, dtype=group[name].dtype)
            if stored.dtype.kind == "f":
                stored = np.where(np.isnan(stored), np.array(np.nan, stored.dtype), stored)
            row.append(int.from_bytes(hashlib.blake2b(stored.tobytes(), digest_size=8).digest(),
                                      "little"))
        recorded[chunk, :] = np.array(row, dtype=np.uint64)
    del group.attrs["checksum_algorithm"]
    proc = cli("verify", out)
    assert proc.returncode == 0, proc.stderr
    victim = chunk_files(out, "free_ige")[0]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    proc = cli("verify", out)
    assert proc.returncode == 3 and "free_ige" in proc.stderr, proc.stderr
    resumed = cli("sweep", sweep, "-o", out, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert cli("verify", out).returncode == 0
    assert "checksum_algorithm" not in zarr.open_group(str(out), mode="r").attrs
    np.testing.assert_array_equal(open_sweep(out)["free_ige"].values, before)


def test_a_store_with_an_unknown_checksum_algorithm_is_not_called_damaged(store):
    _, out, _ = store
    zarr.open_group(str(out), mode="r+", use_consolidated=False).attrs[
        "checksum_algorithm"] = "xxh3-64"
    with pytest.raises(ValueError, match="'xxh3-64', which this igesweep cannot compute") as err:
        verify_store(out)
    assert "damaged" not in str(err.value) and "--overwrite" not in str(err.value)
