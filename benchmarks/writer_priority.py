"""The writer thread at nice 19 against equal priority: a sweep in the command's process.

``run_sweep`` of one year of omalizumab 300 mg SC q4w, weekly output, ten
trajectories (``sweep_profile.py``'s sweep, lockstep) in a fresh process per
run; ``plain`` replaces :func:`igesweep.sweep.run._yield_to_the_kernel` with a
function that does nothing, so the writer thread keeps the caller's priority.
The two alternate within each round and lead in turn, so that a shared
machine's drift falls on both alike; each round's ratio is nice over plain.

Run: ``python benchmarks/writer_priority.py --lanes 100000 --rounds 8``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from sweep_profile import sweep_file

CHILD = r"""
import os, sys
import igesweep.sweep.run as run_module
if sys.argv[3] == "plain":
    run_module._yield_to_the_kernel = lambda: None
summary = run_module.run_sweep(sys.argv[1], sys.argv[2], quiet=True)
assert summary.complete
times = os.times()
print(times.user + times.system)
"""


def main() -> None:
    """Run the rounds; print each run and the ratios as markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        sweep = Path(tmp) / "sweep.yaml"
        sweep.write_text(yaml.safe_dump(sweep_file(args.lanes, True)))
        out = Path(tmp) / "out.zarr"
        for round_ in range(args.rounds + 1):  # round 0 loads the kernels, untimed
            order = ("plain", "nice") if round_ % 2 else ("nice", "plain")
            walls = {}
            for mode in order:
                shutil.rmtree(out, ignore_errors=True)
                t0 = time.perf_counter()
                done = subprocess.run([sys.executable, "-c", CHILD, str(sweep), str(out), mode],
                                      capture_output=True, text=True, check=True)
                walls[mode] = (time.perf_counter() - t0, float(done.stdout.split()[-1]))
            if round_:
                rows.append({"round": round_, "first": order[0], **{
                    f"{m}_{k}": v for m, (w, c) in walls.items()
                    for k, v in (("wall_s", w), ("cpu_s", c))}})
    print(f"\n{args.lanes:,} lanes lockstep, in the command's process; seconds\n")
    print("| round | first | plain wall | nice wall | nice / plain | plain CPU | nice CPU |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['round']} | {r['first']} | {r['plain_wall_s']:.2f} | {r['nice_wall_s']:.2f} "
              f"| {r['nice_wall_s'] / r['plain_wall_s']:.3f} | {r['plain_cpu_s']:.1f} "
              f"| {r['nice_cpu_s']:.1f} |")
    ratios = [r["nice_wall_s"] / r["plain_wall_s"] for r in rows]
    print(f"\nmedian nice / plain {statistics.median(ratios):.3f}; nice faster in "
          f"{sum(x < 1 for x in ratios)} of {len(ratios)} rounds; total walls "
          f"{sum(r['plain_wall_s'] for r in rows):.1f} s plain, "
          f"{sum(r['nice_wall_s'] for r in rows):.1f} s nice")
    print(json.dumps(rows), file=sys.stderr)


if __name__ == "__main__":
    main()
