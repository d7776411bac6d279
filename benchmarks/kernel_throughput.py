"""Throughput of the compiled kernel on one year of omalizumab 300 mg SC q4w.

Thirteen SC doses, daily output (365 times), the catalogue's omalizumab and
reference patient. Prints lanes/s for the serial and the parallel driver,
lanes/s per core, steps per lane, for full and QE binding.

Run: ``python benchmarks/kernel_throughput.py [--lanes N] [--repeats R]``
"""

from __future__ import annotations

import argparse
import os
import time

import numba
import numpy as np

from igesweep import load_catalogue, parse_scenario
from igesweep.packing import pack_lanes
from igesweep.resolve import resolve
from igesweep.solver import solve_batch

SCENARIO = {
    "therapy": "omalizumab",
    "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 13},
    "times": {"start": 0, "stop": 364, "step": 1},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    catalogue = load_catalogue()
    cores = numba.get_num_threads()
    print(f"lanes={args.lanes} numba threads={cores} cpus={os.cpu_count()}")
    print(f"{'binding':8} {'driver':9} {'lanes/s':>10} {'lanes/s/core':>13} {'steps/lane':>11}")
    for binding in ("full", "qe"):
        scen = parse_scenario({**SCENARIO, "binding": binding})
        lane = resolve(scen, catalogue)
        batch = pack_lanes([lane] * args.lanes, scen.output_days())
        t0 = time.perf_counter()
        solve_batch(pack_lanes([lane], scen.output_days()), parallel=True)
        solve_batch(pack_lanes([lane], scen.output_days()), parallel=False)
        compile_s = time.perf_counter() - t0
        for parallel in (False, True):
            best = np.inf
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                res = solve_batch(batch, parallel=parallel)
                best = min(best, time.perf_counter() - t0)
            assert (res.status == 0).all()
            rate = args.lanes / best
            per_core = rate / (cores if parallel else 1)
            print(f"{binding:8} {'parallel' if parallel else 'serial':9} {rate:10.0f} "
                  f"{per_core:13.0f} {res.stats[:, 0].mean():11.0f}")
        print(f"  (first call incl. compile or cache load: {compile_s:.2f} s)")


if __name__ == "__main__":
    main()
