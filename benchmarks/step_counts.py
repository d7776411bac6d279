"""Steps the per-lane kernel takes for one year of omalizumab, by tolerance and output step.

The reference patient on igesweep-2 (the default model), 300 mg SC q4w (13
doses), outputs every ``step`` days over a year; prints accepted and rejected
steps per lane for each relative tolerance. Shows where the kernel's work goes:
what a looser tolerance or fewer output stops would save.

Run: ``python benchmarks/step_counts.py``
"""

from __future__ import annotations

from igesweep import load_catalogue, parse_scenario
from igesweep.packing import pack_lanes
from igesweep.resolve import resolve
from igesweep.solver import solve_batch
from igesweep.solver.status import STAT_REJECTED, STAT_STEPS

RTOLS = (3e-6, 1e-5, 3e-5)
OUTPUT_STEPS_DAYS = (1, 7, 364)


def steps(rtol: float, output_step_days: float) -> tuple[int, int]:
    """Accepted and rejected steps of the reference patient's year."""
    scenario = parse_scenario({
        "model": "igesweep-2", "therapy": "omalizumab",
        "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 13},
        "times": {"start": 0, "stop": 364, "step": output_step_days}})
    batch = pack_lanes([resolve(scenario, load_catalogue())], scenario.output_days())
    result = solve_batch(batch, rtol=rtol, parallel=False)
    return int(result.stats[0, STAT_STEPS]), int(result.stats[0, STAT_REJECTED])


def main() -> None:
    print("| output every (days) | " + " | ".join(f"rtol {r:g}" for r in RTOLS) + " |")
    print("| ---: |" + " ---: |" * len(RTOLS))
    for every in OUTPUT_STEPS_DAYS:
        cells = []
        for rtol in RTOLS:
            accepted, rejected = steps(rtol, every)
            cells.append(f"{accepted} (+{rejected} rejected)")
        print(f"| {every} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
