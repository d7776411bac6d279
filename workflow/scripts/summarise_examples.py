"""Collect the summary metrics of simulated example scenarios into one CSV table."""

from pathlib import Path

import xarray as xr

from igesweep.outputs import METRICS


def summarise(stores: list[str], out: str) -> None:
    """Write one row per store: scenario name, therapy, binding, status and metrics with units."""
    header = ["scenario", "therapy", "binding", "status"] + [
        f"{m.name} [{m.unit}]" for m in METRICS
    ]
    rows = [",".join(header)]
    for store in stores:
        ds = xr.open_zarr(store, consolidated=False)
        values = [f"{float(ds[m.name]):.6g}" for m in METRICS]
        name = Path(store).name.removesuffix(".zarr")
        status = str(int(ds["status"]))
        rows.append(",".join([name, ds.attrs["therapy"], ds.attrs["binding"], status, *values]))
    Path(out).write_text("\n".join(rows) + "\n")


summarise(list(snakemake.input), snakemake.output[0])  # noqa: F821 (set by Snakemake)
