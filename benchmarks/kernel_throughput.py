"""Throughput of the compiled kernel on one year of omalizumab 300 mg SC q4w.

Thirteen SC doses, daily output (365 times), the catalogue's omalizumab and
reference patient. Prints lanes/s for the serial and the parallel driver,
lanes/s per core, steps per lane and µs per step attempt, for full and QE
binding; then the Numba compile time of the kernel with an empty cache
(cold) and the cache load time (warm), each measured in a fresh process.

Run: ``python benchmarks/kernel_throughput.py [--lanes N] [--repeats R] [--no-compile]
[--model NAME ...]`` (several ``--model`` run side by side in one process; the
compile measurement is of igesweep-1).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numba
import numpy as np

from igesweep import load_catalogue, parse_scenario
from igesweep.packing import pack_lanes
from igesweep.resolve import resolve
from igesweep.solver import solve_batch

SCENARIO = {
    "model": "igesweep-1",
    "therapy": "omalizumab",
    "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 13},
    "times": {"start": 0, "stop": 364, "step": 1},
}

# Run in a fresh process: import time, then the first serial and parallel
# calls (compile, or load from the cache), printed as two numbers.
_FIRST_CALL = f"""
import time
t0 = time.perf_counter()
from igesweep import load_catalogue, parse_scenario
from igesweep.packing import pack_lanes
from igesweep.resolve import resolve
from igesweep.solver import solve_batch
t1 = time.perf_counter()
scen = parse_scenario({SCENARIO!r})
one = pack_lanes([resolve(scen, load_catalogue())], scen.output_days())
solve_batch(one, parallel=False)
solve_batch(one, parallel=True)
print(t1 - t0, time.perf_counter() - t1)
"""


def first_call_seconds(cache_dir: str) -> tuple[float, float]:
    """Import time and first-call time of the kernel in a new process using ``cache_dir``."""
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    done = subprocess.run([sys.executable, "-c", _FIRST_CALL], env=env, check=True,
                          capture_output=True, text=True)
    imports, first = (float(v) for v in done.stdout.split())
    return imports, first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-compile", action="store_true",
                        help="skip the cold/warm compile measurement")
    parser.add_argument("--model", action="append", dest="models",
                        help="model(s) to measure side by side (default: igesweep-1)")
    args = parser.parse_args()
    catalogue = load_catalogue()
    cores = numba.get_num_threads()
    print(f"lanes={args.lanes} numba threads={cores} cpus={os.cpu_count()}")
    print(f"{'model':11} {'binding':8} {'driver':9} {'lanes/s':>10} {'lanes/s/core':>13} "
          f"{'steps/lane':>11} {'us/step':>8}")
    for model, binding in [(m, b) for m in args.models or [SCENARIO["model"]]
                           for b in ("full", "qe")]:
        scen = parse_scenario({**SCENARIO, "model": model, "binding": binding})
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
            # step attempts: accepted plus rejected, each one Rodas5P step's work
            attempts = res.stats[:, 0].sum() + res.stats[:, 1].sum()
            us_step = best * (cores if parallel else 1) / attempts * 1e6
            print(f"{model:11} {binding:8} {'parallel' if parallel else 'serial':9} {rate:10.0f} "
                  f"{per_core:13.0f} {res.stats[:, 0].mean():11.0f} {us_step:8.3f}")
        print(f"  (first call incl. compile or cache load: {compile_s:.2f} s)")
    if not args.no_compile:
        with tempfile.TemporaryDirectory(prefix="igesweep-numba-cache-") as cache_dir:
            cold_import, cold = first_call_seconds(cache_dir)
            warm_import, warm = first_call_seconds(cache_dir)
        print(f"Numba compile of the kernel (fresh process, serial + parallel driver): "
              f"cold (empty cache) {cold:.1f} s, warm (cache filled by the cold run) "
              f"{warm:.2f} s; import igesweep {cold_import:.1f} s / {warm_import:.1f} s")


if __name__ == "__main__":
    main()
