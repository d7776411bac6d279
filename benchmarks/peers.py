"""igesweep's kernel against SciPy and libRoadRunner, at matched accuracy.

One year of omalizumab 300 mg SC q4w (13 doses), daily output (365 times),
the catalogue's reference patient, full binding (and the same with
``binding: qe`` for igesweep); by default the same again for ligelizumab.
Every method integrates the same lane, built by igesweep's own scenario
resolution from the catalogue.

* Reference: ``tests.reference.solve_reference`` (SciPy Radau, rtol 1e-10,
  restarted at every event; model.md §8).
* igesweep: the compiled Rodas5P kernel, serial driver, many identical lanes.
* SciPy: ``solve_ivp`` with LSODA, BDF and Radau, analytic Jacobian,
  restarted at each dose, ``t_eval`` at the output days.
* libRoadRunner: the model written in Antimony, doses as SBML events,
  CVODE; reset and parameters set for every lane, as in a patient sweep.
* diffrax: Kvaerno5 (JAX, float64, PID controller), vmapped over the lanes,
  one jitted solve per interval between doses.
* numbalsoda: LSODA (C, finite-difference Jacobian) called from a Numba
  loop over the lane's segments between doses, on igesweep's generated
  right-hand side, in states scaled by their natural scales (numbalsoda takes
  one scalar absolute tolerance; scaling gives it the per-state tolerance the
  other methods have).

Accuracy is the largest relative error against the reference of free IgE and
of total FcεRI per cell at every output time where the reference exceeds
1e-6 of its largest value (model.md §8); QE lanes are compared with the QE
reference. Each method's tolerance is scanned (rtol 1e-3 ... 1e-10 in half
decades, absolute tolerance ``1e-6 * rtol`` of each state's natural scale);
throughput is compared at the loosest
tolerance whose error is at most 1e-5 on both outputs, and for igesweep also
at its defaults. Every method runs in one thread; the timed runs are
interleaved across methods and the median CPU time of this process is
reported (wall time too), so that other work on a shared machine weighs on
all methods alike.

Writes ``benchmarks/results/peers.md`` (tables), ``peers.json`` (all numbers)
and ``peers.png`` (throughput against error).

Run from the repository root with the ``bench`` extra installed
(``pip install -e '.[bench]'``):
``python benchmarks/peers.py [--lanes N] [--scipy-lanes N] [--rr-lanes N] [--repeats R]``
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import itertools
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from igesweep import __version__, load_catalogue, parse_scenario
from igesweep.outputs import OUTPUT_NAMES
from igesweep.packing import pack_lanes
from igesweep.resolve import Lane, resolve
from igesweep.solver import solve_batch
from igesweep.tolerances import DEFAULT_ATOL, DEFAULT_RTOL

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

#: Largest relative error at which methods are compared.
TARGET = 1e-5
#: model.md §8: compare only values above this fraction of the output's maximum.
FLOOR = 1e-6
#: Absolute tolerance per unit of relative tolerance, in units of each state's
#: natural scale.
ATOL_PER_RTOL = 1e-6
#: Relative tolerances scanned, loosest first: 1e-3 ... 1e-10 in half decades.
SCAN_RTOLS = tuple(10.0 ** (-k / 2) for k in range(6, 21))
#: CPU seconds aimed at by the quick timing of one scanned tolerance.
SCAN_BUDGET_S = 0.2

COMPARED = ("free_ige", "fceri_total")
IGE_MW_KDA = 190.0
_FREE_IGE = OUTPUT_NAMES.index("free_ige")
_FCERI_TOTAL = OUTPUT_NAMES.index("fceri_total")

REGIMEN = {"route": "sc", "dose_mg": 300, "interval_days": 28, "n_doses": 13}
TIMES = {"start": 0, "stop": 364, "step": 1}


def reference_module():
    """The independent SciPy reference of the test suite (``tests/reference.py``).

    Returns
    -------
    module
        ``tests.reference``, imported with the repository root on ``sys.path``.
    """
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module("tests.reference")


# ---------------------------------------------------------------------------
# Scenario, reference and error measure
# ---------------------------------------------------------------------------


@dataclass
class Case:
    """One therapy's scenario: lanes per binding, output days, reference outputs.

    Attributes
    ----------
    therapy : str
        Catalogue key.
    times : ndarray, shape (n_times,)
        Output days.
    lanes : dict of str to Lane
        The resolved lane per binding (``full``, ``qe``).
    reference : dict of str to dict
        Reference outputs per binding (free IgE in ng/mL, FcεRI per cell).
    reference_seconds : dict of str to float
        Wall time of each reference solve.
    """

    therapy: str
    times: np.ndarray
    lanes: dict[str, Lane]
    reference: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    reference_seconds: dict[str, float] = field(default_factory=dict)


def build_case(therapy: str, catalogue) -> Case:
    """Resolve the benchmark scenario for one therapy and solve its reference.

    Parameters
    ----------
    therapy : str
        Catalogue key.
    catalogue : Catalogue
        The therapy catalogue.

    Returns
    -------
    Case
        Lanes for full and QE binding with their reference outputs.
    """
    ref = reference_module()
    lanes, times = {}, None
    for binding in ("full", "qe"):
        scenario = parse_scenario(
            {"model": "igesweep-1", "therapy": therapy, "regimen": REGIMEN, "times": TIMES,
             "binding": binding}
        )
        lanes[binding] = resolve(scenario, catalogue)
        times = scenario.output_days()
    case = Case(therapy=therapy, times=times, lanes=lanes)
    for binding, lane in lanes.items():
        t0 = time.perf_counter()
        out = ref.solve_reference(lane.values, lane.events, times, binding=binding, rtol=1e-10)
        case.reference_seconds[binding] = time.perf_counter() - t0
        case.reference[binding] = {name: np.asarray(out[name]) for name in COMPARED}
    return case


def relative_error(sim: np.ndarray, ref: np.ndarray) -> float:
    """Largest relative error where the reference exceeds ``FLOOR`` of its maximum.

    Parameters
    ----------
    sim, ref : ndarray, shape (n_times,)
        One output of a method and of the reference.

    Returns
    -------
    float
        ``max |sim - ref| / |ref|`` over the compared times (``inf`` if ``sim``
        is not finite there).
    """
    big = np.abs(ref) > FLOOR * np.max(np.abs(ref))
    err = np.abs(sim[big] - ref[big]) / np.abs(ref[big])
    return float(np.max(err, initial=0.0)) if np.all(np.isfinite(err)) else float("inf")


# ---------------------------------------------------------------------------
# Methods
# ---------------------------------------------------------------------------


@dataclass
class Work:
    """Work per lane a method reports (``None`` where it reports nothing).

    Attributes
    ----------
    steps : float or None
        Accepted integration steps.
    rhs : float or None
        Right-hand-side evaluations.
    jacobians : float or None
        Jacobian evaluations.
    approximate : bool
        ``True`` when ``steps`` comes from a separate run whose step sequence
        may differ from the timed run's (libRoadRunner's variable-step mode).
    """

    steps: float | None = None
    rhs: float | None = None
    jacobians: float | None = None
    approximate: bool = False


class Method:
    """A way to integrate the benchmark lane.

    Subclasses implement :meth:`solve` (outputs of one lane), :meth:`run_lanes`
    (the timed loop) and :meth:`work`.

    Attributes
    ----------
    name : str
        Label in tables and plots.
    binding : str
        ``full`` or ``qe``; errors are measured against the reference of the
        same binding.
    """

    name = ""
    binding = "full"

    def __init__(self, case: Case):
        self.case = case
        self.lane = case.lanes[self.binding]

    def solve(self, rtol: float) -> tuple[np.ndarray, np.ndarray]:
        """Free IgE (ng/mL) and FcεRI per cell at the output days for one lane."""
        raise NotImplementedError

    def run_lanes(self, rtol: float, n_lanes: int) -> None:
        """Integrate ``n_lanes`` lanes as a user sweeping patients would."""
        raise NotImplementedError

    def work(self, rtol: float) -> Work:
        """Work per lane at ``rtol``."""
        return Work()

    def errors(self, rtol: float) -> tuple[float, float]:
        """Relative errors of free IgE and FcεRI per cell against the reference."""
        free_ige, fceri = self.solve(rtol)
        ref = self.case.reference[self.binding]
        return relative_error(free_ige, ref["free_ige"]), relative_error(fceri, ref["fceri_total"])

    def time_lanes(self, rtol: float, n_lanes: int) -> tuple[float, float]:
        """CPU time and wall time per lane (ms) of one call of :meth:`run_lanes`.

        CPU time is this process's, so it counts only the one thread that
        integrates and not the time other processes hold the core.
        """
        c0, w0 = time.process_time(), time.perf_counter()
        self.run_lanes(rtol, n_lanes)
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        return cpu / n_lanes * 1e3, wall / n_lanes * 1e3


class IgesweepKernel(Method):
    """igesweep's compiled Rodas5P kernel, serial driver (one thread).

    ``grouped=True`` runs the lanes in lockstep groups, as sweeps do by
    default; the lanes here are identical, which flatters lockstep (see
    ``lockstep_groups.py`` for patient grids).
    """

    def __init__(self, case: Case, binding: str, grouped: bool = False):
        self.binding = binding
        self.grouped = grouped
        self.name = f"igesweep{' lockstep' if grouped else ''} ({binding})"
        super().__init__(case)
        self._batches: dict[int, object] = {}
        self.run_lanes(DEFAULT_RTOL, 1)  # compile or load the cache outside any timing

    @staticmethod
    def atol(rtol: float) -> float:
        """Absolute tolerance paired with ``rtol`` (igesweep's own at its default rtol)."""
        return DEFAULT_ATOL if rtol == DEFAULT_RTOL else ATOL_PER_RTOL * rtol

    def _batch(self, n_lanes: int):
        if n_lanes not in self._batches:
            self._batches[n_lanes] = pack_lanes([self.lane] * n_lanes, self.case.times)
        return self._batches[n_lanes]

    def _solve_batch(self, rtol: float, n_lanes: int):
        res = solve_batch(self._batch(n_lanes), rtol=rtol, atol=self.atol(rtol), parallel=False,
                          grouped=self.grouped)
        if np.any(res.status != 0):
            raise RuntimeError(f"{self.name}: lanes failed at rtol {rtol:g}")
        return res

    def solve(self, rtol):
        res = self._solve_batch(rtol, 1)
        return res.outputs[_FREE_IGE, 0], res.outputs[_FCERI_TOTAL, 0]

    def run_lanes(self, rtol, n_lanes):
        self._solve_batch(rtol, n_lanes)

    def work(self, rtol):
        accepted, rejected, jacobians = (float(v) for v in self._solve_batch(rtol, 1).stats[0])
        # Rodas5P: seven right-hand sides per attempted step, one more after each
        # accepted step and one at the start of each interval between stops.
        stops = np.union1d(self.case.times, [day for day, _, _ in self.lane.events])
        rhs = 7 * (accepted + rejected) + accepted + (stops.size - 1)
        return Work(steps=accepted, rhs=rhs, jacobians=jacobians)


class ScipyIVP(Method):
    """``scipy.integrate.solve_ivp``, restarted at each event, analytic Jacobian.

    Each lane derives its rate constants, then integrates from event to event
    with ``t_eval`` at the output days inside the segment, applying the
    events of model.md §6 between segments.
    """

    def __init__(self, case: Case, method: str):
        self.method = method
        self.name = f"scipy {method}"
        super().__init__(case)
        self.ref = reference_module()
        from scipy.integrate import solve_ivp

        self._solve_ivp = solve_ivp

    def _integrate(self, rtol: float, dense: bool):
        """One lane; ``dense=False`` records every internal step instead of the output days."""
        ref, lane, times = self.ref, self.lane, self.case.times
        d = ref.derive(lane.values)
        doses = [mg * 1000.0 / d.mw_kda for _, kind, mg in lane.events if kind != "apheresis"]
        atol = rtol * ATOL_PER_RTOL * ref.state_scales(d, max(doses, default=0.0))
        y = ref.initial_state(d)
        starts = sorted({float(times[0])} | {day for day, _, _ in lane.events})
        states = np.empty((y.size, times.size))
        nfev = njev = steps = 0
        for k, start in enumerate(starts):
            for day, kind, mg in lane.events:
                if day == start:
                    y = _apply_event(y, kind, mg, d)
            last = k == len(starts) - 1
            stop = float(times[-1]) if last else starts[k + 1]
            inside = (times >= start) & ((times <= stop) if last else (times < stop))
            t_eval = times[inside] if last else np.append(times[inside], stop)
            sol = self._solve_ivp(
                ref.rhs_full, (start, stop), y, method=self.method,
                t_eval=t_eval if dense else None, rtol=rtol, atol=atol,
                jac=ref.jac_full, args=(d,),
            )
            if not sol.success:
                raise RuntimeError(f"{self.name} failed on [{start}, {stop}]: {sol.message}")
            if dense:
                states[:, inside] = sol.y[:, : int(inside.sum())]
            nfev, njev, steps = nfev + sol.nfev, njev + sol.njev, steps + sol.t.size - 1
            y = sol.y[:, -1].copy()
        return states, Work(steps=float(steps), rhs=float(nfev), jacobians=float(njev))

    def solve(self, rtol):
        states, _ = self._integrate(rtol, dense=True)
        return IGE_MW_KDA * states[3], states[5] + states[6] + states[7]

    def run_lanes(self, rtol, n_lanes):
        for _ in range(n_lanes):
            self._integrate(rtol, dense=True)

    def work(self, rtol):
        _, counted = self._integrate(rtol, dense=False)
        _, timed = self._integrate(rtol, dense=True)
        return Work(steps=counted.steps, rhs=timed.rhs, jacobians=timed.jacobians)


def _apply_event(y: np.ndarray, kind: str, mg: float, d) -> np.ndarray:
    """Apply one event of model.md §6 to a copy of a full-binding state."""
    y = y.copy()
    if kind == "sc":
        y[0] += mg * 1000.0 / d.mw_kda
    elif kind == "iv":
        y[1] += mg * 1000.0 / d.mw_kda / d.V
    else:
        y[3] *= 1.0 - d.apheresis_removal
        y[4] *= 1.0 - d.apheresis_removal
    return y


#: The full model (model.md §4-§5) in Antimony: parameters by their catalogue
#: names, derived quantities as assignment rules (so that a lane only sets the
#: 31 parameters), states as rate rules.
ANTIMONY_MODEL = """
model anti_ige
{parameters}
  w := weight_kg/70
  V := v_l*w^v_wt_exp
  Vp := vp_l*w^v_wt_exp
  kel := cl_l_day*w^cl_wt_exp/V
  k12 := q_l_day*w^cl_wt_exp/V
  k21 := piecewise(q_l_day*w^cl_wt_exp/Vp, Vp > 0, 0)
  kelC := complex_cl_l_day*w^cl_wt_exp/V
  koff := kon*kd_nm
  kE := ln(2)/ige_half_life_d
  E0 := 2.4/190*ige_baseline_iu_ml
  koffR := fceri_kon*fceri_kd_nm
  koffRD := fceri_drug_kon*fceri_drug_kd_nm
  R0 := fceri_baseline_per_cell*(koffR + fceri_kint_bound)/(koffR + fceri_kint_bound + fceri_kon*E0)
  RE0 := fceri_baseline_per_cell - R0
  ksynR := fceri_kint_free*R0 + fceri_kint_bound*RE0
  bind := kon*D*E - koff*C
  killB := piecewise(bcell_kill_max*D/(bcell_kill_ec50_nm + D), bcell_kill_max > 0, 0)
  killM := piecewise(effector_kill_max*D/(effector_kill_ec50_nm + D), effector_kill_max > 0, 0)

  A' = -ka*A
  D' = bioavailability*ka*A/V - kel*D - k12*(D - Dp) - bind
  Dp' = k21*(D - Dp)
  E' = kE*E0*(ige_llpc_fraction + (1 - ige_llpc_fraction)*B) - kE*E - bind
  C' = bind - kelC*C
  R' = ksynR - fceri_kint_free*R - fceri_kon*E*R + koffR*RE - fceri_drug_kon*D*R + koffRD*RD
  RE' = fceri_kon*E*R - koffR*RE - fceri_kint_bound*RE
  RD' = fceri_drug_kon*D*R - koffRD*RD - fceri_kint_bound*RD
  B' = bcell_turnover*(1 - B) - killB*B
  M' = effector_turnover*(1 - M) - killM*M

  A = 0; D = 0; Dp = 0; C = 0; RD = 0; B = 1; M = 1
  E = E0; R = R0; RE = RE0
{events}
end
"""


def antimony_text(lane: Lane) -> str:
    """Antimony source of the full model with the lane's parameters and events.

    Parameters
    ----------
    lane : Lane
        A full-binding lane.

    Returns
    -------
    str
        The model ``anti_ige``; every event is an SBML event whose trigger is
        false at t0, so that a dose at day 0 fires at the start.
    """
    ref = reference_module()
    params = "\n".join(f"  {name} = {lane.values[name]!r}" for name in ref.PARAMETER_NAMES)
    events = []
    for k, (day, kind, mg) in enumerate(lane.events):
        if kind == "sc":
            action = f"A = A + {mg!r}*1000/mw_kda"
        elif kind == "iv":
            action = f"D = D + {mg!r}*1000/mw_kda/V"
        else:
            action = "E = E*(1 - apheresis_ige_removal), C = C*(1 - apheresis_ige_removal)"
        events.append(f"  dose{k}: at (time >= {day!r}), t0=false: {action}")
    return ANTIMONY_MODEL.format(parameters=params, events="\n".join(events))


class RoadRunnerCVODE(Method):
    """libRoadRunner (LLVM-compiled SBML, CVODE BDF), doses as SBML events.

    The model is compiled once per regimen; every lane is then
    ``resetAll()``, the 31 parameters set, ``reset()`` (which re-evaluates the
    initial state from them) and ``simulate(times=...)``.
    """

    name = "libRoadRunner CVODE"

    def __init__(self, case: Case):
        super().__init__(case)
        import antimony
        import roadrunner

        self.ref = reference_module()
        antimony.clearPreviousLoads()
        if antimony.loadAntimonyString(antimony_text(self.lane)) < 0:
            raise RuntimeError(antimony.getLastError())
        t0 = time.perf_counter()
        self.rr = roadrunner.RoadRunner(antimony.getSBMLString("anti_ige"))
        self.load_seconds = time.perf_counter() - t0
        self.rr.timeCourseSelections = ["E", "R", "RE", "RD"]
        self.names = list(self.ref.PARAMETER_NAMES)
        self.values = [float(self.lane.values[n]) for n in self.names]
        d = self.ref.derive(self.lane.values)
        doses = [mg * 1000.0 / d.mw_kda for _, kind, mg in self.lane.events if kind != "apheresis"]
        self.scales = dict(zip(
            self.ref.STATE_NAMES, self.ref.state_scales(d, max(doses, default=0.0)), strict=True
        ))

    def _set_tolerances(self, rtol: float) -> None:
        integrator = self.rr.integrator
        integrator.variable_step_size = False
        integrator.relative_tolerance = rtol
        for state, scale in self.scales.items():
            integrator.setIndividualTolerance(state, rtol * ATOL_PER_RTOL * float(scale))

    def _lane(self):
        rr = self.rr
        rr.resetAll()
        rr.setValues(self.names, self.values)
        rr.reset()
        return rr.simulate(times=self.case.times)

    def solve(self, rtol):
        self._set_tolerances(rtol)
        res = np.asarray(self._lane())
        return IGE_MW_KDA * res[:, 0], res[:, 1] + res[:, 2] + res[:, 3]

    def run_lanes(self, rtol, n_lanes):
        self._set_tolerances(rtol)
        for _ in range(n_lanes):
            self._lane()

    def work(self, rtol):
        # CVODE's counters are not exposed; a variable-step run returns one row
        # per internal step (plus the rows of the event times).
        self._set_tolerances(rtol)
        rr = self.rr
        rr.integrator.variable_step_size = True
        rr.resetAll()
        rr.setValues(self.names, self.values)
        rr.reset()
        rows = np.asarray(rr.simulate(float(self.case.times[0]), float(self.case.times[-1])))
        self.rr.integrator.variable_step_size = False
        return Work(steps=float(rows.shape[0] - 1), approximate=True)


def numbalsoda_lane_function(kernels, lsoda, lsoda_sig):
    """A compiled function integrating one lane with numbalsoda's LSODA.

    The right-hand side is igesweep's generated one (a C callback through
    ``numba.cfunc``), in states divided by their natural scales; the scratch
    vectors live in the ``data`` array handed to LSODA, so the callback
    allocates nothing.
    """
    import numba
    from numba import carray

    n, nr = kernels.N_STATES, kernels.N_RATES
    rhs, derive, initial_state = kernels.rhs, kernels.derive, kernels.initial_state
    apply_event, outputs_from_state = kernels.apply_event, kernels.outputs_from_state
    absolute_tolerance, largest_dose = kernels.absolute_tolerance, kernels.largest_dose
    n_out = kernels.N_OUTPUTS

    @numba.cfunc(lsoda_sig, error_model="numpy", fastmath={"contract"})
    def scaled_rhs(t, z, dz, data):
        d = carray(data, (nr + 3 * n,))
        zz = carray(z, (n,))
        out = carray(dz, (n,))
        y = d[nr + n:nr + 2 * n]
        dy = d[nr + 2 * n:nr + 3 * n]
        for i in range(n):
            y[i] = zz[i] * d[nr + i]
        rhs(y, d[:nr], dy)
        for i in range(n):
            out[i] = dy[i] / d[nr + i]

    funcptr = scaled_rhs.address

    @numba.njit
    def lane(p, ev_t, ev_kind, ev_mg, n_ev, times, rtol, atol, out):
        r = derive(p)
        data = np.zeros(nr + 3 * n)
        data[:nr] = r
        scale = np.empty(n)
        absolute_tolerance(r, largest_dose(r, ev_kind, ev_mg, n_ev), 1.0, scale)
        data[nr:nr + n] = scale
        y = np.empty(n)
        initial_state(r, y)
        o = np.empty(n_out)
        n_t = times.shape[0]
        t = times[0]
        ie = 0
        io = 0
        ok = True
        while True:
            while ie < n_ev and ev_t[ie] <= t:
                apply_event(y, r, ev_kind[ie], ev_mg[ie])
                ie += 1
            while io < n_t and times[io] <= t:
                outputs_from_state(y, r, o)
                out[:, io] = o
                io += 1
            if io == n_t or not ok:
                return ok
            end = times[n_t - 1]
            if ie < n_ev and ev_t[ie] < end:
                end = ev_t[ie]
            k = 0
            while io + k < n_t and times[io + k] < end:
                k += 1
            t_eval = np.empty(k + 2)
            t_eval[0] = t
            t_eval[1:k + 1] = times[io:io + k]
            t_eval[k + 1] = end
            usol, ok = lsoda(funcptr, y / scale, t_eval, data, rtol, atol, 100000)
            for j in range(k):
                outputs_from_state(usol[j + 1] * scale, r, o)
                out[:, io] = o
                io += 1
            y = usol[k + 1] * scale
            t = end

    return lane


class NumbaLSODA(Method):
    """numbalsoda's LSODA, called from Numba, on igesweep's generated right-hand side."""

    name = "numbalsoda LSODA"

    def __init__(self, case: Case):
        super().__init__(case)
        from numbalsoda import lsoda, lsoda_sig

        from igesweep.solver.kernels import load_kernels

        kernels = load_kernels("igesweep-1", "full")
        self.lane_function = numbalsoda_lane_function(kernels, lsoda, lsoda_sig)
        batch = pack_lanes([self.lane], case.times)
        self.args = (batch.params[0], batch.event_day[0], batch.event_kind[0],
                     batch.event_mg[0], int(batch.n_events[0]), case.times)
        self.out = np.empty((kernels.N_OUTPUTS, case.times.size))
        self.run_lanes(1e-6, 1)  # compile outside any timing

    def _run(self, rtol: float) -> None:
        if not self.lane_function(*self.args, rtol, rtol * ATOL_PER_RTOL, self.out):
            raise RuntimeError(f"{self.name} failed at rtol {rtol:g}")

    def solve(self, rtol):
        self._run(rtol)
        return self.out[_FREE_IGE].copy(), self.out[_FCERI_TOTAL].copy()

    def run_lanes(self, rtol, n_lanes):
        for _ in range(n_lanes):
            self._run(rtol)


class DiffraxKvaerno5(Method):
    """diffrax (JAX, float64): Kvaerno5 with a PID step controller, ``vmap`` over the lanes.

    The full model written in ``jax.numpy`` from the test reference's derived
    quantities; one jitted, vmapped solve per interval between doses (the
    benchmark regimen's intervals all hold the same number of output days),
    doses applied between intervals; per-state absolute tolerance as for the
    other methods. Compilation happens before any timing, once per lane count.
    """

    name = "diffrax Kvaerno5"
    #: Tolerances scanned: from 1e-7 on, some intervals need more than 100,000 steps.
    rtols = tuple(r for r in SCAN_RTOLS if r >= 0.99e-6)

    def __init__(self, case: Case):
        super().__init__(case)
        import diffrax
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        ref = reference_module()
        d = ref.derive(self.lane.values)
        days = sorted({day for day, _, _ in self.lane.events})
        if any(kind != "sc" for _, kind, _ in self.lane.events) or days[0] != case.times[0]:
            raise ValueError("the diffrax peer handles SC doses from the first output day")
        bounds = [*days, float(case.times[-1])]
        lengths = {round(b - a) for a, b in itertools.pairwise(bounds)}
        if len(lengths) != 1 or not np.allclose(np.diff(case.times), 1.0):
            raise ValueError("the diffrax peer needs daily output and equal dose intervals")
        self.segment_days = lengths.pop()
        self.doses = [(day, mg * 1000.0 / d.mw_kda) for day, _, mg in self.lane.events]
        self.y0 = np.asarray(ref.initial_state(d), dtype=np.float64)
        self.scale = np.asarray(ref.state_scales(d, max(n for _, n in self.doses)))
        p = {k: float(getattr(d, k)) for k in (
            "ka", "F", "V", "kel", "k12", "k21", "ksynE", "llpc", "kE", "kon", "koff", "kelC",
            "fceri_kon", "koffR", "fceri_drug_kon", "koffRD", "ksynR", "kint_free",
            "kint_bound", "bcell_turnover", "effector_turnover", "bkill_max", "bkill_ec50",
            "mkill_max", "mkill_ec50")}
        self.p = p

        def emax(kmax, ec50, x):
            return jnp.where(kmax == 0.0, 0.0, kmax * x / (ec50 + x))

        def rhs(t, y, q):
            a, dd, dp, e, c, r, re, rd, b, m = (y[i] for i in range(10))
            bind = q["kon"] * dd * e - q["koff"] * c
            bind_r = q["fceri_kon"] * e * r - q["koffR"] * re
            bind_rd = q["fceri_drug_kon"] * dd * r - q["koffRD"] * rd
            return jnp.stack([
                -q["ka"] * a,
                q["F"] * q["ka"] * a / q["V"] - q["kel"] * dd - q["k12"] * (dd - dp) - bind,
                q["k21"] * (dd - dp),
                q["ksynE"] * (q["llpc"] + (1.0 - q["llpc"]) * b) - q["kE"] * e - bind,
                bind - q["kelC"] * c,
                q["ksynR"] - q["kint_free"] * r - bind_r - bind_rd,
                bind_r - q["kint_bound"] * re,
                bind_rd - q["kint_bound"] * rd,
                q["bcell_turnover"] * (1.0 - b) - emax(q["bkill_max"], q["bkill_ec50"], dd) * b,
                q["effector_turnover"] * (1.0 - m)
                - emax(q["mkill_max"], q["mkill_ec50"], dd) * m,
            ])

        term = diffrax.ODETerm(rhs)
        solver = diffrax.Kvaerno5()
        n_days = self.segment_days

        def segment(y0, t0, q, rtol, atol):
            controller = diffrax.PIDController(rtol=rtol, atol=atol)
            ts = t0 + jnp.arange(1, n_days + 1, dtype=jnp.float64)
            sol = diffrax.diffeqsolve(term, solver, t0, t0 + n_days, None, y0, args=q,
                                      saveat=diffrax.SaveAt(ts=ts),
                                      stepsize_controller=controller, max_steps=100_000)
            return sol.ys

        self._segment = jax.jit(jax.vmap(segment, in_axes=(0, None, 0, None, None)))
        self._jnp = jnp
        self._warm: set[int] = set()

    def _solve(self, rtol: float, n_lanes: int) -> np.ndarray:
        jnp = self._jnp
        q = {k: jnp.full(n_lanes, v) for k, v in self.p.items()}
        atol = jnp.asarray(rtol * ATOL_PER_RTOL * self.scale)
        y = np.tile(self.y0, (n_lanes, 1))
        out = [None] * len(self.case.times)
        for k, (day, nmol) in enumerate(self.doses):
            y = np.asarray(y).copy()
            y[:, 0] += nmol
            if k == 0:
                out[0] = y
            ys = np.asarray(self._segment(jnp.asarray(y), float(day), q, rtol, atol))
            first = round(day - self.case.times[0]) + 1
            for j in range(self.segment_days):
                out[first + j] = ys[:, j]
            y = ys[:, -1]
        return np.stack(out, axis=1)  # (n_lanes, n_times, 10)

    def solve(self, rtol):
        states = self._solve(rtol, 1)[0]
        return IGE_MW_KDA * states[:, 3], states[:, 5] + states[:, 6] + states[:, 7]

    def run_lanes(self, rtol, n_lanes):
        self._solve(rtol, n_lanes)

    def time_lanes(self, rtol, n_lanes):
        if n_lanes not in self._warm:  # jit compilation for this lane count, untimed
            self._solve(rtol, n_lanes)
            self._warm.add(n_lanes)
        return super().time_lanes(rtol, n_lanes)


# ---------------------------------------------------------------------------
# Scan, selection, timing
# ---------------------------------------------------------------------------


@dataclass
class ScanPoint:
    """One method at one tolerance.

    Attributes
    ----------
    rtol : float
        Relative tolerance.
    err_free_ige, err_fceri : float
        Relative errors against the reference.
    ms_per_lane : float
        CPU time per lane of the scan's quick timing (see :func:`scan`).
    """

    rtol: float
    err_free_ige: float
    err_fceri: float
    ms_per_lane: float

    @property
    def error(self) -> float:
        """The larger of the two errors."""
        return max(self.err_free_ige, self.err_fceri)


@dataclass
class Row:
    """One line of the results table.

    Attributes
    ----------
    therapy, method, binding : str
        What was run.
    rtol : float
        Relative tolerance of the timed runs.
    reached : bool
        Whether the error is at most ``TARGET`` at that tolerance.
    selection : str
        ``default`` (igesweep's defaults) or ``matched`` (loosest scanned
        tolerance meeting ``TARGET``, or the tightest scanned one otherwise).
    ms_per_lane : float
        Median CPU time per lane over the timed runs, single thread.
    cpu_ms, wall_ms : list of float
        CPU and wall time per lane of every timed run.
    lanes_timed, repeats : int
        Lanes per timed run and number of runs.
    err_free_ige, err_fceri : float
        Relative errors against the reference.
    work : Work
        Steps, right-hand sides, Jacobians per lane.
    """

    therapy: str
    method: str
    binding: str
    rtol: float
    reached: bool
    selection: str
    ms_per_lane: float
    cpu_ms: list[float]
    wall_ms: list[float]
    lanes_timed: int
    repeats: int
    err_free_ige: float
    err_fceri: float
    work: Work

    @property
    def lanes_per_s(self) -> float:
        """Lanes per second per core."""
        return 1e3 / self.ms_per_lane


def scan(method: Method, max_lanes: int, repeats: int = 1) -> list[ScanPoint]:
    """Errors and a quick CPU timing of ``method`` at every tolerance of ``SCAN_RTOLS``.

    Parameters
    ----------
    method : Method
        What to scan.
    max_lanes : int
        Most lanes per quick timing; fewer when one lane is slow, so that a
        timing takes about ``SCAN_BUDGET_S``. A method slower than that per
        lane is timed by the single-lane run that measures its error.
    repeats : int
        Quick timings per tolerance (median taken).

    Returns
    -------
    list of ScanPoint
        One per tolerance, loosest first.
    """
    points = []
    for rtol in getattr(method, "rtols", SCAN_RTOLS):
        c0 = time.process_time()
        e_ige, e_fceri = method.errors(rtol)
        single_ms = (time.process_time() - c0) * 1e3
        n_lanes = min(max_lanes, int(SCAN_BUDGET_S * 1e3 / max(single_ms, 1e-3)))
        if n_lanes <= 1:
            ms = single_ms
        else:
            ms = statistics.median(method.time_lanes(rtol, n_lanes)[0] for _ in range(repeats))
        points.append(ScanPoint(rtol, e_ige, e_fceri, ms))
        print(f"    {method.name:22} rtol {rtol:8.1e}  err {max(e_ige, e_fceri):8.2e}  "
              f"{ms:9.3f} ms/lane", flush=True)
    return points


def matched(points: list[ScanPoint]) -> tuple[ScanPoint, bool]:
    """The loosest scanned tolerance meeting ``TARGET`` (else the most accurate point)."""
    for point in points:  # loosest first
        if point.error <= TARGET:
            return point, True
    return min(points, key=lambda p: p.error), False


def measure(entries: list[tuple[Method, str, float, str, int]], repeats: int) -> list[Row]:
    """Errors, work and median timing of each ``(method, therapy, rtol, selection, lanes)``.

    The timed runs are interleaved (one run of every entry per round) so that
    a change in the load of the machine falls on every method alike.
    """
    cpu: list[list[float]] = [[] for _ in entries]
    wall: list[list[float]] = [[] for _ in entries]
    for _ in range(repeats):
        for i, (method, _, rtol, _, lanes) in enumerate(entries):
            c, w = method.time_lanes(rtol, lanes)
            cpu[i].append(c)
            wall[i].append(w)
    rows = []
    for i, (method, therapy, rtol, selection, lanes) in enumerate(entries):
        e_ige, e_fceri = method.errors(rtol)
        row = Row(
            therapy=therapy, method=method.name, binding=method.binding, rtol=rtol,
            reached=max(e_ige, e_fceri) <= TARGET, selection=selection,
            ms_per_lane=statistics.median(cpu[i]), cpu_ms=cpu[i], wall_ms=wall[i],
            lanes_timed=lanes, repeats=repeats, err_free_ige=e_ige, err_fceri=e_fceri,
            work=method.work(rtol),
        )
        print(f"  {row.method:22} {selection:8} rtol {rtol:8.1e}  {row.lanes_per_s:9.1f} lanes/s "
              f"(CPU; wall {1e3 / statistics.median(wall[i]):9.1f})  "
              f"err {e_ige:8.2e} / {e_fceri:8.2e}", flush=True)
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def _fmt_count(value: float | None, approximate: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{'≈' if approximate else ''}{value:,.0f}"


def _fmt_ms(value: float) -> str:
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _fmt_rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def results_table(rows: list[Row]) -> str:
    """Markdown table of the timed rows with ratios to igesweep (full binding).

    Parameters
    ----------
    rows : list of Row
        All timed rows of all therapies.

    Returns
    -------
    str
        One table; the last two columns are the throughput of igesweep (full
        binding, same therapy) at its default tolerances and at its own matched
        tolerance, divided by the row's throughput.
    """
    head = (
        "| therapy | method | rtol | lanes/s/core | CPU ms/lane (range) | wall ms/lane "
        "| steps/lane | RHS/lane "
        "| Jac/lane | err free IgE | err FcεRI "
        "| igesweep default ÷ row | igesweep matched ÷ row |\n"
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: |"
    )
    lines = [head]
    for row in rows:
        ours = {r.selection: r for r in rows
                if r.therapy == row.therapy and r.method == "igesweep (full)"}
        rtol = f"{row.rtol:.1e}" + ("" if row.reached else " (1e-5 not reached)")
        if row.selection == "default":
            rtol += " (default)"
        elif row.reached and row.rtol == SCAN_RTOLS[0]:
            rtol += " (loosest scanned)"
        ratios = []
        for key in ("default", "matched"):
            ratios.append(f"{row.ms_per_lane / ours[key].ms_per_lane:.1f}" if key in ours else "–")
        w = row.work
        lines.append(
            f"| {row.therapy} | {row.method} | {rtol} | {_fmt_rate(row.lanes_per_s)} "
            f"| {_fmt_ms(row.ms_per_lane)} ({_fmt_ms(min(row.cpu_ms))}–{_fmt_ms(max(row.cpu_ms))}) "
            f"| {_fmt_ms(statistics.median(row.wall_ms))} | {_fmt_count(w.steps, w.approximate)} "
            f"| {_fmt_count(w.rhs)} | {_fmt_count(w.jacobians)} | {row.err_free_ige:.1e} "
            f"| {row.err_fceri:.1e} | {ratios[0]} | {ratios[1]} |"
        )
    return "\n".join(lines)


def scan_table(therapy: str, scans: dict[str, list[ScanPoint]]) -> str:
    """Markdown table of the tolerance scan: larger error and ms/lane per method and rtol."""
    names = list(scans)
    lines = [
        f"Tolerance scan, {therapy}: larger of the two relative errors / ms per lane "
        "(quick timing; bold: error at most 1e-5)",
        "",
        "| rtol | " + " | ".join(names) + " |",
        "| ---: | " + " | ".join("---:" for _ in names) + " |",
    ]
    for rtol in SCAN_RTOLS:
        cells = []
        for name in names:
            p = next((q for q in scans[name] if q.rtol == rtol), None)
            if p is None:
                cells.append("not scanned")
                continue
            mark = "**" if p.error <= TARGET else ""
            cells.append(f"{mark}{p.error:.1e}{mark} / {p.ms_per_lane:.2f}")
        lines.append(f"| {rtol:.1e} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(scans: dict[str, dict[str, list[ScanPoint]]], rows: list[Row], path: Path) -> None:
    """Log-log plot of throughput against error, one panel per therapy.

    Parameters
    ----------
    scans : dict
        ``scans[therapy][method]``: the tolerance scan.
    rows : list of Row
        Timed rows, drawn as large markers over the scan lines.
    path : Path
        PNG to write.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    therapies = list(scans)
    fig, axes = plt.subplots(1, len(therapies), figsize=(5.5 * len(therapies) + 3.0, 5.2),
                             squeeze=False, sharey=True)
    colours = {}
    for ax, therapy in zip(axes[0], therapies, strict=True):
        for name, points in scans[therapy].items():
            err = np.array([max(p.error, 1e-12) for p in points])
            rate = np.array([1e3 / p.ms_per_lane for p in points])
            label = f"{name}, vs QE reference" if name.endswith("(qe)") else name
            (line,) = ax.plot(err, rate, "o-", ms=3, lw=1, label=label,
                              color=colours.get(name))
            colours[name] = line.get_color()
        for row in rows:
            if row.therapy != therapy:
                continue
            marker = "*" if row.selection == "default" else "D"
            ax.plot(max(row.err_free_ige, row.err_fceri, 1e-12), row.lanes_per_s, marker,
                    ms=12 if marker == "*" else 7, color=colours[row.method], mec="black")
        ax.axvline(TARGET, color="grey", ls="--", lw=1)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.invert_xaxis()
        ax.set_xlabel("max relative error vs reference (free IgE, FcεRI per cell)")
        ax.set_title(f"{therapy} 300 mg SC q4w, 1 year, daily output")
        ax.grid(True, which="major", alpha=0.3)
    axes[0][0].set_ylabel("lanes/s per core (single thread)")
    axes[0][-1].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8,
                       title="lines: rtol 1e-3 … 1e-10\n◆ timed at matched rtol\n"
                             "★ igesweep default", title_fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def machine_note() -> str:
    """CPU model, core count, versions and date."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numba
    import scipy

    versions = [f"Python {platform.python_version()}", f"igesweep {__version__}",
                f"Numba {numba.__version__}", f"SciPy {scipy.__version__}"]
    try:
        import antimony
        import roadrunner

        versions += [f"libRoadRunner {roadrunner.__version__}",
                     f"antimony {antimony.__version__}"]
    except ImportError:
        pass
    return (f"{os.cpu_count()} vCPU {cpu}, " + ", ".join(versions)
            + f", {datetime.date.today().isoformat()}")


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------


def benchmark_case(case: Case, args) -> tuple[dict[str, list[ScanPoint]], list[Row], dict]:
    """Scan, select and time every method on one case."""
    methods: list[tuple[Method, int, int]] = []  # method, lanes per scan timing, per timed run
    for binding in ("full", "qe"):
        methods.append((IgesweepKernel(case, binding), args.scan_lanes, args.lanes))
        methods.append((IgesweepKernel(case, binding, grouped=True), args.scan_lanes,
                        args.lanes))
    for name in ("LSODA", "BDF", "Radau"):
        methods.append((ScipyIVP(case, name), args.scipy_lanes, args.scipy_lanes))
    if not args.no_numbalsoda:
        methods.append((NumbaLSODA(case), args.nbl_lanes, args.nbl_lanes))
    if not args.no_diffrax:
        methods.append((DiffraxKvaerno5(case), args.diffrax_lanes, args.diffrax_lanes))
    extra = {"reference_seconds": case.reference_seconds}
    if not args.no_roadrunner:
        rr = RoadRunnerCVODE(case)
        extra["roadrunner_load_seconds"] = rr.load_seconds
        methods.append((rr, args.rr_lanes, args.rr_lanes))

    scans: dict[str, list[ScanPoint]] = {}
    entries = []
    for method, scan_lanes, lanes in methods:
        print(f"  scanning {method.name}", flush=True)
        # igesweep's scan timings are cheap enough to repeat
        repeats = 3 if isinstance(method, IgesweepKernel) else 1
        scans[method.name] = scan(method, scan_lanes, repeats)
        if isinstance(method, IgesweepKernel):
            entries.append((method, case.therapy, DEFAULT_RTOL, "default", lanes))
        point, _ = matched(scans[method.name])
        entries.append((method, case.therapy, point.rtol, "matched", lanes))
    print(f"  timing ({args.repeats} interleaved rounds)", flush=True)
    rows = measure(entries, args.repeats)
    full, qe = case.reference["full"], case.reference["qe"]
    extra["qe_model_vs_full_model"] = {
        name: relative_error(qe[name], full[name]) for name in COMPARED
    }
    return scans, rows, extra


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark, print the tables, write them and the plot to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--therapies", nargs="+", default=["omalizumab", "ligelizumab"])
    parser.add_argument("--lanes", type=int, default=2000, help="igesweep lanes per timed run")
    parser.add_argument("--scan-lanes", type=int, default=200,
                        help="most igesweep lanes per quick timing of the tolerance scan")
    parser.add_argument("--scipy-lanes", type=int, default=5, help="SciPy lanes per timed run")
    parser.add_argument("--rr-lanes", type=int, default=100,
                        help="libRoadRunner lanes per timed run")
    parser.add_argument("--repeats", type=int, default=5,
                        help="timed runs per method, interleaved (median taken)")
    parser.add_argument("--no-roadrunner", action="store_true",
                        help="skip libRoadRunner (not installed)")
    parser.add_argument("--nbl-lanes", type=int, default=50,
                        help="numbalsoda lanes per timed run")
    parser.add_argument("--no-numbalsoda", action="store_true",
                        help="skip numbalsoda (not installed)")
    parser.add_argument("--diffrax-lanes", type=int, default=64,
                        help="diffrax lanes per timed run (one vmapped solve)")
    parser.add_argument("--no-diffrax", action="store_true",
                        help="skip diffrax (JAX not installed)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    catalogue = load_catalogue()
    all_scans, all_rows, extras = {}, [], {}
    for therapy in args.therapies:
        print(f"{therapy}: reference (Radau, rtol 1e-10)", flush=True)
        case = build_case(therapy, catalogue)
        scans, rows, extra = benchmark_case(case, args)
        all_scans[therapy], extras[therapy] = scans, extra
        all_rows += rows

    machine = machine_note()
    table = results_table(all_rows)
    scan_tables = "\n\n".join(scan_table(t, s) for t, s in all_scans.items())
    elapsed = time.perf_counter() - started
    header = (
        f"Machine: {machine}. Lanes per timed run: igesweep {args.lanes}, SciPy "
        f"{args.scipy_lanes}, libRoadRunner {args.rr_lanes}, numbalsoda {args.nbl_lanes}, "
        f"diffrax {args.diffrax_lanes}; "
        f"CPU time of this process, median "
        f"of {args.repeats} interleaved runs; "
        f"target error {TARGET:g}; whole run {elapsed / 60:.1f} min."
    )
    print()
    print(header)
    print()
    print(table)
    print()
    print(scan_tables)
    for therapy, extra in extras.items():
        print(f"\n{therapy}: {json.dumps(extra)}")

    args.out.mkdir(parents=True, exist_ok=True)
    notes = "\n".join(
        f"- {therapy}: reference solves {extra['reference_seconds']['full']:.1f} s (full), "
        f"{extra['reference_seconds']['qe']:.1f} s (QE); QE model vs full model "
        f"(both references): free IgE {extra['qe_model_vs_full_model']['free_ige']:.1e}, "
        f"FcεRI {extra['qe_model_vs_full_model']['fceri_total']:.1e}"
        for therapy, extra in extras.items()
    )
    (args.out / "peers.md").write_text(f"{header}\n\n{table}\n\n{notes}\n\n{scan_tables}\n")
    (args.out / "peers.json").write_text(json.dumps({
        "machine": machine,
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "target": TARGET,
        "atol_per_rtol": ATOL_PER_RTOL,
        "rows": [{**asdict(r), "lanes_per_s": r.lanes_per_s} for r in all_rows],
        "scans": {t: {m: [asdict(p) for p in pts] for m, pts in s.items()}
                  for t, s in all_scans.items()},
        "extra": extras,
        "seconds": elapsed,
    }, indent=1))
    plot(all_scans, all_rows, args.out / "peers.png")
    print(f"\nwrote {args.out / 'peers.md'}, peers.json, peers.png ({elapsed:.0f} s)")


if __name__ == "__main__":
    main()
