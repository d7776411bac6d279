"""Where the time of one kernel step goes: ns per call of each building block.

Times, in compiled loops, each function a Rodas5P step calls (right-hand side,
Jacobian, stage factorisation, stage solve, the controller's power) on the
state of the reference patient two days after a 300 mg SC omalizumab dose,
then prints the per-step budget (7 right-hand sides, 1 Jacobian, 1 factor,
8 solves, 1 power) against the measured time per step attempt of the whole
kernel on one year of omalizumab q4w with weekly output. The difference is
the stage arithmetic, error norm, controller and bookkeeping written out in
``integrate_lane``. One thread, best of ``--repeats``.

Run: ``python benchmarks/step_profile.py [--calls N] [--repeats R]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numba
import numpy as np

from igesweep import load_catalogue, parse_scenario
from igesweep.packing import pack_lanes
from igesweep.resolve import resolve
from igesweep.solver import solve_batch
from igesweep.solver.kernels import load_kernels
from igesweep.solver.rodas5p import error_power

# the compiled functions of igesweep-1 (module globals, so Numba calls them directly)
_K = load_kernels("igesweep-1", "full")
N_STATES, N_JAC, N_LU = _K.N_STATES, _K.N_JAC, _K.N_LU
derive, initial_state, jacobian, rhs = _K.derive, _K.initial_state, _K.jacobian, _K.rhs
stage_factor, stage_solve = _K.stage_factor, _K.stage_solve

SCENARIO = {
    "model": "igesweep-1",
    "therapy": "omalizumab",
    "regimen": {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 13},
    "times": {"start": 0, "stop": 364, "step": 7},
}
#: Calls of each building block per Rodas5P step attempt.
PER_STEP = {"rhs": 7, "jacobian": 1, "stage_factor": 1, "stage_solve": 8, "error_power": 1}
#: 1 / (h * gamma) used for the timed factorisations and solves (h of about 0.5 day).
FAC_PER_DAY = 10.0


@numba.njit
def _state_after_dose(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Derived rates and a treated state: baseline plus drug in depot and plasma."""
    r = derive(p)
    y = np.empty(N_STATES)
    initial_state(r, y)
    y[0] += 500.0
    y[1] += 1.0
    return r, y


@numba.njit
def time_rhs(p: np.ndarray, calls: int) -> float:
    """Checksum of ``calls`` right-hand sides (the state nudged each call)."""
    r, y = _state_after_dose(p)
    f = np.empty(N_STATES)
    total = 0.0
    for k in range(calls):
        y[0] = 500.0 + k * 1e-9
        rhs(y, r, f)
        total += f[1]
    return total


@numba.njit
def time_jacobian(p: np.ndarray, calls: int) -> float:
    """Checksum of ``calls`` Jacobians."""
    r, y = _state_after_dose(p)
    jac = np.empty(N_JAC)
    total = 0.0
    for k in range(calls):
        y[0] = 500.0 + k * 1e-9
        jacobian(y, r, jac)
        total += jac[2]
    return total


@numba.njit
def time_stage_factor(p: np.ndarray, calls: int) -> float:
    """Checksum of ``calls`` stage factorisations."""
    r, y = _state_after_dose(p)
    jac = np.empty(N_JAC)
    lu = np.empty(N_LU)
    jacobian(y, r, jac)
    total = 0.0
    for k in range(calls):
        stage_factor(jac, FAC_PER_DAY + k * 1e-9, lu)
        total += lu[1]
    return total


@numba.njit
def time_stage_solve(p: np.ndarray, calls: int) -> float:
    """Checksum of ``calls`` stage solves."""
    r, y = _state_after_dose(p)
    jac = np.empty(N_JAC)
    lu = np.empty(N_LU)
    jacobian(y, r, jac)
    stage_factor(jac, FAC_PER_DAY, lu)
    b = np.empty(N_STATES)
    total = 0.0
    for k in range(calls):
        for i in range(N_STATES):
            b[i] = 1.0 + k * 1e-9
        stage_solve(lu, b)
        total += b[1]
    return total


@numba.njit
def time_error_power(p: np.ndarray, calls: int) -> float:
    """Checksum of ``calls`` controller powers."""
    total = 0.0
    for k in range(calls):
        total += error_power(0.5 + k * 1e-9)
    return total


TIMED: dict[str, Callable[[np.ndarray, int], float]] = {
    "rhs": time_rhs,
    "jacobian": time_jacobian,
    "stage_factor": time_stage_factor,
    "stage_solve": time_stage_solve,
    "error_power": time_error_power,
}


def best_ns_per_call(func: Callable[[np.ndarray, int], float], p: np.ndarray, calls: int,
                     repeats: int) -> float:
    """Best time per call (ns) over ``repeats`` runs of ``calls`` calls."""
    func(p, 10)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        func(p, calls)
        best = min(best, time.perf_counter() - t0)
    return best / calls * 1e9


def kernel_ns_per_step(lanes: int, repeats: int) -> tuple[float, float]:
    """Measured ns per step attempt of the whole kernel, and step attempts per lane."""
    scen = parse_scenario(SCENARIO)
    batch = pack_lanes([resolve(scen, load_catalogue())] * lanes, scen.output_days())
    solve_batch(batch, parallel=False)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = solve_batch(batch, parallel=False)
        best = min(best, time.perf_counter() - t0)
    attempts = float(res.stats[:, 0].sum() + res.stats[:, 1].sum())
    return best / attempts * 1e9, attempts / lanes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--lanes", type=int, default=1000)
    args = parser.parse_args()
    scen = parse_scenario(SCENARIO)
    p = pack_lanes([resolve(scen, load_catalogue())], scen.output_days()).params[0]
    print("| block | ns/call | calls/step | ns/step |\n| --- | ---: | ---: | ---: |")
    budget = 0.0
    for name, func in TIMED.items():
        ns = best_ns_per_call(func, p, args.calls, args.repeats)
        budget += ns * PER_STEP[name]
        print(f"| `{name}` | {ns:.1f} | {PER_STEP[name]} | {ns * PER_STEP[name]:.0f} |")
    step_ns, steps = kernel_ns_per_step(args.lanes, args.repeats)
    print(f"| sum of the blocks | | | {budget:.0f} |")
    print(f"| whole kernel, per step attempt ({steps:.0f} per lane) | | | {step_ns:.0f} |")
    print(f"| rest: stage arithmetic, error norm, controller, outputs | | | "
          f"{step_ns - budget:.0f} |")


if __name__ == "__main__":
    main()
