"""Cold and warm start of every model's kernels: generation, compilation, cache load.

For each registered model, two fresh processes in turn run one lane through
``solve_batch`` with the per-lane kernel and with lockstep groups (which
compiles every kernel function a sweep uses), against an empty Numba cache
directory (cold: code generation, SymPy, LLVM) and then against the cache the
first one filled (warm: what every later process pays). Prints wall seconds
of each, best of ``--repeats``.

Run: ``python benchmarks/compile_times.py [--repeats R]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

CHILD = r"""
import sys, time
t0 = time.perf_counter()
import numpy as np
from igesweep import load_catalogue, parse_scenario
from igesweep.packing import pack_lanes
from igesweep.resolve import resolve
from igesweep.solver import solve_batch
t_import = time.perf_counter() - t0
model = sys.argv[1]
scen = parse_scenario({"model": model, "therapy": "omalizumab",
                       "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28,
                                   "n_doses": 2}, "times": [0.0, 28.0, 56.0]})
batch = pack_lanes([resolve(scen, load_catalogue())] * 2, scen.output_days())
t1 = time.perf_counter()
solve_batch(batch, parallel=False)
solve_batch(batch, parallel=False, grouped=True)
print(f"{t_import:.3f} {time.perf_counter() - t1:.3f}")
"""


def run(model: str, cache: str) -> tuple[float, float, float]:
    """Import seconds, first-solve seconds and total wall seconds of one fresh process."""
    import time

    env = {**os.environ, "NUMBA_CACHE_DIR": cache}
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, model], env=env, check=True,
                         capture_output=True, text=True)
    total = time.perf_counter() - t0
    t_import, t_solve = (float(v) for v in out.stdout.split())
    return t_import, t_solve, total


def main() -> None:
    """Print cold and warm start per model."""
    from igesweep.models import model_names

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    print("| model | cold: import / first solve / process (s) | warm: import / first solve / "
          "process (s) |")
    print("| --- | ---: | ---: |")
    for model in model_names():
        cold, warm = [], []
        for _ in range(args.repeats):
            with tempfile.TemporaryDirectory() as cache:
                cold.append(run(model, cache))
                warm.append(run(model, cache))
        c = min(cold, key=lambda r: r[2])
        w = min(warm, key=lambda r: r[2])
        print(f"| {model} | {c[0]:.2f} / {c[1]:.1f} / {c[2]:.1f} | "
              f"{w[0]:.2f} / {w[1]:.2f} / {w[2]:.1f} |")


if __name__ == "__main__":
    main()
