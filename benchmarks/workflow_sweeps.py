"""The default workflow's sweep jobs run as before (``--workers N``: a local Dask
cluster for every study) and as now (``--cores N``: in the command's process up to
200,000 lanes), wall time of each ``igesweep sweep`` command.

The sweep files are the workflow's own: make them first with
``snakemake --cores all --until make_sweep``. Each study runs both ways in fresh
processes (``python -m igesweep.cli``, which runs what the workflow's ``igesweep``
command runs; ``--overwrite`` replaces the store of the run before),
the two interleaved round by round and their order alternated, after one untimed
round that fills the kernel cache. Studies over 200,000 lanes take the same path
(local Dask workers) both ways and are listed, not timed.

Run: ``python benchmarks/workflow_sweeps.py --rounds 3 --cores 2``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from igesweep.sweep.run import IN_PROCESS_MAX_LANES, load_plan

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "config" / "therapies.yaml"


def _wall(sweep: Path, out: Path, where: list[str]) -> float:
    """Seconds from start to exit of one ``igesweep sweep`` of ``sweep``."""
    args = [sys.executable, "-m", "igesweep.cli", "--catalogue", str(CATALOGUE), "sweep",
            str(sweep), "-o", str(out), "--overwrite", "--quiet", *where]
    t0 = time.perf_counter()
    subprocess.run(args, cwd=ROOT, check=True, env=os.environ)
    return time.perf_counter() - t0


def main() -> None:
    """Time every study's sweep both ways; print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.cores < 1 or args.rounds < 1:
        parser.error("--cores and --rounds must be at least 1")
    sweeps = sorted(args.results.glob("*/sweep.yaml"))
    if not sweeps:
        sys.exit(f"no {args.results}/*/sweep.yaml: run `snakemake --cores all --until "
                 "make_sweep` first")
    lanes = {s.parent.name: load_plan(s, CATALOGUE)[0].n_lanes for s in sweeps}
    timed = [s for s in sweeps if lanes[s.parent.name] <= IN_PROCESS_MAX_LANES]
    ways = {"--workers": ["--workers", str(args.cores)], "--cores": ["--cores", str(args.cores)]}
    walls: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds + 1):
            order = list(ways) if round_ % 2 else list(reversed(ways))
            for sweep in timed:
                for way in order:
                    seconds = _wall(sweep, Path(tmp) / "out.zarr", ways[way])
                    if round_:  # the first round fills the kernel cache
                        walls.setdefault((sweep.parent.name, way), []).append(seconds)
    print(f"\n{args.rounds} rounds, interleaved, {args.cores} cores; wall seconds of each "
          "command, median (min-max)\n")
    print("| study | lanes | `--workers` (before) | `--cores` (now) | now / before |")
    print("| --- | ---: | ---: | ---: | ---: |")
    totals = {way: 0.0 for way in ways}
    for sweep in sweeps:
        study = sweep.parent.name
        if sweep not in timed:
            print(f"| {study} | {lanes[study]:,} | Dask workers both ways: not timed | | |")
            continue
        cells = []
        for way in ways:
            t = walls[study, way]
            totals[way] += statistics.median(t)
            cells.append(f"{statistics.median(t):.2f} ({min(t):.2f}-{max(t):.2f})")
        ratio = statistics.median(walls[study, "--cores"]) / statistics.median(
            walls[study, "--workers"])
        print(f"| {study} | {lanes[study]:,} | {cells[0]} | {cells[1]} | {ratio:.2f} |")
    print(f"| **sum of medians** | | {totals['--workers']:.1f} | {totals['--cores']:.1f} | "
          f"{totals['--cores'] / totals['--workers']:.2f} |")


if __name__ == "__main__":
    main()
