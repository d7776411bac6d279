"""Generated kernels against the last hand-written ones, side by side in one run.

The hand-written kernels (``model.py``, ``solver/_linalg.py``, the written-out
group kernel) were replaced by code generated from the model declaration.
This script checks out the last commit that had them (``--baseline``, by
default 20ea536) into a temporary git worktree and times, in alternating
subprocesses (one thread each, warm Numba caches), the per-lane and the
lockstep kernel of both on the same lanes: one year of omalizumab 300 mg SC
q4w with weekly output, baseline IgE log-uniform in 30-1500 IU/mL, weight
uniform in 20-150 kg, both bindings. Prints lanes/s of each, the ratio
generated / hand-written (best of ``--repeats`` rounds), and the step
attempts of both (which must agree).

Run: ``python benchmarks/generated_vs_handwritten.py [--lanes N] [--repeats R] [--baseline REV]
[--candidate REV]`` (the candidate defaults to the working tree).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Run in a subprocess whose ``PYTHONPATH`` points at one version's ``src``.
CHILD = r"""
import dataclasses, json, sys, time
import numpy as np
from igesweep import load_catalogue, parse_scenario
from igesweep.packing import pack_lanes
from igesweep.parameters import INDEX
from igesweep.resolve import resolve
from igesweep.solver import solve_batch

n, binding = int(sys.argv[1]), sys.argv[2]
scen = parse_scenario({
    "model": "igesweep-1", "therapy": "omalizumab", "binding": binding,
    "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 13},
    "times": {"start": 0, "stop": 364, "step": 7},
})
batch = pack_lanes([resolve(scen, load_catalogue())] * n, scen.output_days())
rng = np.random.default_rng(0)
params = batch.params.copy()
params[:, INDEX["ige_baseline_iu_ml"]] = np.exp(rng.uniform(np.log(30), np.log(1500), n))
params[:, INDEX["weight_kg"]] = rng.uniform(20, 150, n)
batch = dataclasses.replace(batch, params=params)
result = {}
for grouped in (False, True):
    solve_batch(batch, parallel=False, grouped=grouped)  # compile or load the cache
    t0 = time.perf_counter()
    res = solve_batch(batch, parallel=False, grouped=grouped)
    seconds = time.perf_counter() - t0
    assert (res.status == 0).all()
    attempts = int(res.stats[:, 0].sum() + res.stats[:, 1].sum())
    result["lockstep" if grouped else "per_lane"] = {"seconds": seconds, "attempts": attempts}
print(json.dumps(result))
"""


def run_child(src: Path, lanes: int, binding: str, cache: Path) -> dict:
    """Timings of one version (``src``) in a fresh process, one thread."""
    env = {**os.environ, "PYTHONPATH": str(src), "NUMBA_NUM_THREADS": "1",
           "NUMBA_CACHE_DIR": str(cache)}
    out = subprocess.run([sys.executable, "-c", CHILD, str(lanes), binding], env=env,
                         capture_output=True, text=True, check=True, cwd=src.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Time both versions in alternating rounds and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", default="20ea536")
    parser.add_argument("--candidate", default=None,
                        help="git revision of the generated kernels (default: the working tree)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"hand-written": (Path(tmp) / "baseline", args.baseline),
                 "generated": (Path(tmp) / "candidate", args.candidate)}
        for tree, rev in trees.values():
            if rev is not None:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach",
                                str(tree), rev], check=True, capture_output=True)
        try:
            versions = {name: (tree if rev is not None else ROOT) / "src"
                        for name, (tree, rev) in trees.items()}
            best: dict[tuple[str, str, str], float] = {}
            attempts: dict[tuple[str, str, str], int] = {}
            for binding in ("full", "qe"):
                for _ in range(args.repeats):
                    for name, src in versions.items():
                        res = run_child(src, args.lanes, binding, Path(tmp) / f"cache-{name}")
                        for mode, r in res.items():
                            key = (binding, mode, name)
                            best[key] = min(best.get(key, float("inf")), r["seconds"])
                            attempts[key] = r["attempts"]
        finally:
            for tree, rev in trees.values():
                if rev is not None:
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                    str(tree)], check=False, capture_output=True)
    print(f"{args.lanes} lanes, one thread, best of {args.repeats} alternating rounds\n")
    print("| binding | kernel | hand-written lanes/s | generated lanes/s | ratio "
          "| step attempts hand-written / generated |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for binding in ("full", "qe"):
        for mode in ("per_lane", "lockstep"):
            hand = args.lanes / best[(binding, mode, "hand-written")]
            gen = args.lanes / best[(binding, mode, "generated")]
            a_h = attempts[(binding, mode, "hand-written")]
            a_g = attempts[(binding, mode, "generated")]
            print(f"| {binding} | {mode.replace('_', ' ')} | {hand:,.0f} | {gen:,.0f} "
                  f"| {gen / hand:.3f} | {a_h:,} / {a_g:,} |")


if __name__ == "__main__":
    main()
