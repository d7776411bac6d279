"""What an ``igesweep dose`` answer costs: the command, the finder in-process, the bare kernel.

Run on an idle machine, warm Numba cache::

    python benchmarks/dose_finder.py --repeats 3

Prints, for the default answer (70 kg, 300 IU/mL; 16 options x 100 patients x
10 draws = 16,000 lanes to day 252): the wall time of the command in a fresh
process, of :func:`find_dose` in this process, and of the bare kernel on the
same lanes (``solve_batch`` on the plan's batches, no metrics, no planning), as
the best of ``--repeats`` and as ratios to the kernel.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time


def best_of(repeats: int, fn) -> float:
    """Smallest wall time of ``repeats`` calls (s)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    """Time the three and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from igesweep import load_catalogue
    from igesweep.analysis.dose_finder import dose_sweep, find_dose
    from igesweep.solver import solve_batch
    from igesweep.sweep.plan import build_plan
    from igesweep.sweep.spec import parse_sweep

    catalogue = load_catalogue()
    cmd = [sys.executable, "-m", "igesweep.cli", "dose", "--weight-kg", "70",
           "--ige-iu-ml", "300"]
    command = best_of(args.repeats, lambda: subprocess.run(cmd, check=True,
                                                           capture_output=True))
    finder = best_of(args.repeats, lambda: find_dose(70.0, 300.0, catalogue))
    plan = build_plan(parse_sweep(dose_sweep(70.0, 300.0, therapy="omalizumab",
                                             model="igesweep-2", target_ng_ml=25.0,
                                             n_subjects=100, n_draws=10, seed=1)),
                      catalogue)
    batches = [b for c in range(plan.n_chunks) for b, _ in plan.chunk_batches(c)[0]]
    scen = plan.sweep.scenario

    def kernel() -> None:
        for batch in batches:
            solve_batch(batch, rtol=scen.solver.rtol, atol=scen.solver.atol,
                        max_steps=scen.solver.max_steps, parallel=True,
                        grouped=scen.solver.lockstep)

    bare = best_of(args.repeats, kernel)
    print(f"{plan.n_lanes:,} lanes, best of {args.repeats}\n")
    print("| what | wall (s) | ratio to the bare kernel |")
    print("| --- | ---: | ---: |")
    for name, t in (("`igesweep dose` (fresh process)", command),
                    ("`find_dose` in-process", finder), ("bare kernel, same lanes", bare)):
        print(f"| {name} | {t:.2f} | {t / bare:.2f} |")


if __name__ == "__main__":
    main()
