"""Atomic zarr writes: a store exists only once complete."""

import numpy as np
import pytest
import xarray as xr

from igesweep import InputError
from igesweep.store import write_dataset


def small():
    """A tiny result carrying igesweep's provenance attribute, as every result does."""
    return xr.Dataset({"x": ("time", np.arange(3.0), {"units": "1"})},
                      coords={"time": [0.0, 1.0, 2.0]}, attrs={"igesweep_version": "test"})


def test_write_then_refuse_then_overwrite(tmp_path):
    out = tmp_path / "a.zarr"
    write_dataset(small(), out)
    xr.testing.assert_identical(xr.open_zarr(out, consolidated=False).load(), small())
    with pytest.raises(InputError, match="--overwrite"):
        write_dataset(small() * 2, out)
    write_dataset(small() * 2, out, overwrite=True)
    np.testing.assert_array_equal(xr.open_zarr(out, consolidated=False)["x"], [0.0, 2.0, 4.0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zarr"]
    foreign = tmp_path / "foreign.zarr"
    small().drop_attrs().to_zarr(foreign, zarr_format=3, consolidated=False)
    with pytest.raises(InputError, match="not an igesweep store"):
        write_dataset(small(), foreign, overwrite=True)


def test_failed_write_leaves_nothing_behind(tmp_path):
    bad = small()
    bad["y"] = ("time", np.array([object(), object(), object()]))  # cannot be encoded
    out = tmp_path / "b.zarr"
    with pytest.raises(Exception):  # noqa: B017 (any encoding error will do)
        write_dataset(bad, out)
    assert list(tmp_path.iterdir()) == []


def test_failed_overwrite_keeps_the_old_store(tmp_path):
    out = tmp_path / "c.zarr"
    write_dataset(small(), out)
    bad = small()
    bad["y"] = ("time", np.array([object(), object(), object()]))
    with pytest.raises(Exception):  # noqa: B017
        write_dataset(bad, out, overwrite=True)
    xr.testing.assert_identical(xr.open_zarr(out, consolidated=False).load(), small())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.zarr"]
