"""The fixed cost of a sweep: a 4-lane ``igesweep sweep`` in the command's process and on
two local Dask workers, and ``igesweep --help``, wall time.

Each source tree given (``--src``, default: this checkout's ``src``) runs the
same commands through ``python -m igesweep.cli`` (what the console command
runs) in a fresh process, the trees interleaved round by round so that a
shared machine's noise falls on all of them alike. One untimed round first
fills each tree's kernel cache.

Run: ``python benchmarks/sweep_start.py --rounds 7 --src /path/to/old/src src``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

#: Four lanes, twelve weeks of omalizumab: nothing but the fixed cost.
TINY = {
    "therapy": "omalizumab",
    "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 3},
    "times": {"start": 0, "stop": 84, "step": 7},
    "grid": {"patient.ige_baseline_iu_ml": [100, 300], "patient.weight_kg": [50, 80]},
}


def _wall(src: Path, args: list[str], cwd: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(src.resolve())}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "igesweep.cli", *args], cwd=cwd, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    """Time the commands for each tree; print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, nargs="+",
                        default=[Path(__file__).resolve().parents[1] / "src"])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sweep = ["sweep", "tiny.yaml", "-o", "out.zarr", "--quiet"]
    commands = {"sweep, 4 lanes": sweep,
                "sweep, 4 lanes, 2 Dask workers": [*sweep, "--workers", "2"],
                "--help": ["--help"]}
    times: dict[tuple[Path, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "tiny.yaml").write_text(yaml.safe_dump(TINY))
        for round_ in range(args.rounds + 1):
            for src in args.src:
                for name, cmd in commands.items():
                    shutil.rmtree(work / "out.zarr", ignore_errors=True)
                    seconds = _wall(src, cmd, work)
                    if round_:  # the first round fills the kernel caches
                        times.setdefault((src, name), []).append(seconds)
    print(f"\n{args.rounds} rounds, interleaved; wall seconds of the whole process\n")
    print("| source | command | median | min | max |")
    print("| --- | --- | ---: | ---: | ---: |")
    for (src, name), t in times.items():
        print(f"| {src} | {name} | {statistics.median(t):.2f} | {min(t):.2f} | {max(t):.2f} |")


if __name__ == "__main__":
    main()
