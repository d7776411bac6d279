"""End-to-end sweep throughput and peak memory: ``igesweep sweep`` into zarr.

One year of omalizumab 300 mg SC q4w (13 doses) with weekly output (53 times)
over a grid of baseline IgE x weight sized to the requested number of lanes.
For each size the sweep runs as a real ``igesweep sweep`` subprocess (local
Dask cluster), while this script samples the resident memory of the whole
process tree (client, scheduler, workers) every 0.2 s.

Run: ``python benchmarks/sweep_scaling.py --lanes 10000 100000 [--workers N]``
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import yaml


def sweep_file(n_lanes: int, lockstep: bool = False) -> dict:
    """A baseline IgE x weight grid with about ``n_lanes`` lanes."""
    n_ige = max(1, int(math.sqrt(n_lanes)))
    n_weight = max(1, round(n_lanes / n_ige))
    return {
        "therapy": "omalizumab",
        "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 13},
        "times": {"start": 0, "stop": 364, "step": 7},
        "grid": {
            "patient.ige_baseline_iu_ml": {"geomspace": [30, 1500, n_ige]},
            "patient.weight_kg": {"linspace": [20, 150, n_weight]},
        },
        "output": {"max_store_gb": 100},
        "solver": {"lockstep": lockstep},
    }


def tree_rss(proc: psutil.Process) -> int:
    """Resident bytes of a process and all its descendants."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run(n_lanes: int, workers: int | None, workdir: Path, lockstep: bool = False) -> dict:
    """Run one sweep; return lanes, seconds, lanes/s and peak memory."""
    path = workdir / f"sweep_{n_lanes}.yaml"
    data = sweep_file(n_lanes, lockstep)
    path.write_text(yaml.safe_dump(data))
    out = workdir / f"sweep_{n_lanes}.zarr"
    cmd = [sys.executable, "-m", "igesweep.cli", "sweep", str(path), "-o", str(out), "--quiet"]
    if workers:
        cmd += ["--workers", str(workers)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(ps))
        time.sleep(0.2)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"sweep of {n_lanes} lanes failed with exit code {proc.returncode}")
    grid = data["grid"]
    lanes = grid["patient.ige_baseline_iu_ml"]["geomspace"][2] * \
        grid["patient.weight_kg"]["linspace"][2]
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    shutil.rmtree(out)
    return {"lanes": lanes, "seconds": seconds, "lanes_per_s": lanes / seconds,
            "peak_gb": peak / 1e9, "store_gb": size / 1e9}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--lockstep", choices=["off", "on", "both"], default="off",
                        help="solver.lockstep of the sweep file (both: one run of each, "
                             "interleaved per lane count)")
    args = parser.parse_args()
    modes = {"off": [False], "on": [True], "both": [False, True]}[args.lockstep]
    print("| lanes | lockstep | wall time (s) | lanes/s | peak memory, all processes (GB) "
          "| store (GB) |")
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.lanes:
            for lockstep in modes:
                r = run(n, args.workers, Path(tmp), lockstep)
                print(f"| {r['lanes']:,} | {'on' if lockstep else 'off'} | {r['seconds']:.1f} | "
                      f"{r['lanes_per_s']:,.0f} | {r['peak_gb']:.2f} | {r['store_gb']:.3f} |",
                      flush=True)


if __name__ == "__main__":
    main()
