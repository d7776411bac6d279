"""Per-lane kernel against lockstep groups of 4, 8 and 16 lanes, side by side.

One year of omalizumab 300 mg SC q4w with weekly output, one thread, on
(a) identical lanes (reference patient) and (b) lanes drawn like the
``sweep_scaling.py`` grid: baseline IgE log-uniform in 30-1500 IU/mL, weight
uniform in 20-150 kg. Prints lanes/s per core, the ratio to the per-lane
kernel, total step attempts and the largest relative difference of the
outputs from the per-lane results; best of ``--repeats`` interleaved rounds.

Run: ``python benchmarks/lockstep_groups.py [--lanes N] [--repeats R]``
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np

from igesweep import load_catalogue, parse_scenario
from igesweep.packing import pack_lanes
from igesweep.parameters import INDEX
from igesweep.resolve import resolve
from igesweep.solver import LaneBatch, solve_batch
from igesweep.solver.batch import form_groups
from igesweep.solver.kernels import load_kernels
from igesweep.solver.status import N_STATS
from igesweep.tolerances import DEFAULT_ATOL, DEFAULT_RTOL

SCENARIO = {
    "model": "igesweep-1",
    "therapy": "omalizumab",
    "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 13},
    "times": {"start": 0, "stop": 364, "step": 7},
}


def make_batch(n: int, heterogeneous: bool, seed: int = 0) -> LaneBatch:
    """``n`` lanes of the scenario; patients drawn over the sweep grid if ``heterogeneous``."""
    scen = parse_scenario(SCENARIO)
    batch = pack_lanes([resolve(scen, load_catalogue())] * n, scen.output_days())
    params = batch.params.copy()
    if heterogeneous:
        rng = np.random.default_rng(seed)
        params[:, INDEX["ige_baseline_iu_ml"]] = np.exp(rng.uniform(np.log(30), np.log(1500), n))
        params[:, INDEX["weight_kg"]] = rng.uniform(20, 150, n)
    return dataclasses.replace(batch, params=params)


def solve_groups(batch: LaneBatch, width: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Outputs, statistics and seconds of the batch in groups of ``width`` lanes, serially."""
    groups, widths = form_groups(batch, width)
    n, n_t = batch.n_lanes, batch.times.shape[1]
    (binding,) = batch.bindings()
    kernels = load_kernels(batch.model, binding)
    out = np.empty((kernels.N_OUTPUTS, n, n_t))
    pre = np.empty(batch.event_day.shape)
    stats = np.zeros((n, N_STATS), dtype=np.int64)
    status = np.zeros(n, dtype=np.int64)
    t0 = time.perf_counter()
    kernels.run_groups_serial(groups, widths, batch.params, batch.event_day,
                              batch.event_kind, batch.event_mg, batch.n_events, batch.times,
                              DEFAULT_RTOL, DEFAULT_ATOL, 100_000, out, pre, stats, status)
    seconds = time.perf_counter() - t0
    assert (status == 0).all()
    return out, stats, seconds


def solve_per_lane(batch: LaneBatch) -> tuple[np.ndarray, np.ndarray, float]:
    """Outputs, statistics and seconds of the batch with the per-lane kernel, serially."""
    t0 = time.perf_counter()
    res = solve_batch(batch, parallel=False, grouped=False)
    seconds = time.perf_counter() - t0
    assert (res.status == 0).all()
    return res.outputs, res.stats, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    runs = {"per-lane": solve_per_lane, "W=4": lambda b: solve_groups(b, 4),
            "W=8": lambda b: solve_groups(b, 8), "W=16": lambda b: solve_groups(b, 16)}
    print(f"| lanes ({args.lanes:,}) | kernel | lanes/s per core | ratio | step attempts | "
          f"largest rel. difference |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for heterogeneous in (False, True):
        batch = make_batch(args.lanes, heterogeneous)
        small = dataclasses.replace(batch, params=batch.params[:8], binding=batch.binding[:8],
                                    event_day=batch.event_day[:8], event_kind=batch.event_kind[:8],
                                    event_mg=batch.event_mg[:8], n_events=batch.n_events[:8])
        for run in runs.values():
            run(small)  # compile or load from the cache
        best = dict.fromkeys(runs, np.inf)
        results = {}
        for _ in range(args.repeats):
            for name, run in runs.items():
                results[name] = run(batch)
                best[name] = min(best[name], results[name][2])
        ref_out = results["per-lane"][0]
        label = "heterogeneous" if heterogeneous else "identical"
        for name in runs:
            out, stats, _ = results[name]
            rate = args.lanes / best[name]
            ratio = best["per-lane"] / best[name]
            attempts = int(stats[:, 0].sum() + stats[:, 1].sum())
            big = np.abs(ref_out) > 1e-6 * np.abs(ref_out).max(axis=(1, 2), keepdims=True)
            diff = np.max(np.abs(out - ref_out)[big] / np.abs(ref_out)[big])
            print(f"| {label} | {name} | {rate:,.0f} | {ratio:.2f} | {attempts:,} | {diff:.1e} |")


if __name__ == "__main__":
    main()
