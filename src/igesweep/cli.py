"""The ``igesweep`` command line.

Exit codes: 0 success; 1 the integrator failed on a lane (for ``sweep``: only
with ``--strict``, or if the store is left incomplete); 2 invalid input (each
problem printed with its YAML path; no output written); 3 ``verify`` found a
damaged store; 4 a run stopped by a failed write or lost workers, and 130 one
stopped by Ctrl-C (the chunks written are kept; ``--resume`` continues); 141 the
reader of standard output went away (``igesweep ... | head``).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from igesweep._version import __version__
from igesweep.errors import InputError, RunStopped
from igesweep.models import DEFAULT_MODEL, IGESWEEP_MODELS

if TYPE_CHECKING:
    from igesweep.catalogue import Catalogue

EXIT_OK = 0
EXIT_LANE_FAILED = 1
EXIT_INPUT = 2
EXIT_DAMAGED = 3
#: A run stopped before its end by a failed write or lost workers (resumable).
EXIT_STOPPED = 4
#: Stopped by the user (Ctrl-C): 128 + SIGINT, as shells report it.
EXIT_INTERRUPTED = 130
#: The reader of standard output went away: 128 + SIGPIPE, as shells report it.
EXIT_BROKEN_PIPE = 141


def _positive_int(text: str) -> int:
    """Parse an argument that must be a whole number of at least 1.

    Parameters
    ----------
    text : str
        The argument as given.

    Returns
    -------
    int

    Raises
    ------
    argparse.ArgumentTypeError
        If ``text`` is not a whole number of at least 1 (argparse names the option).
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="igesweep", description="Mechanistic anti-IgE therapy simulation at scale."
    )
    parser.add_argument("--version", action="version", version=f"igesweep {__version__}")
    parser.add_argument("--catalogue", metavar="PATH",
                        help="therapy catalogue YAML (default: the shipped config/therapies.yaml)")
    sub = parser.add_subparsers(dest="command", required=True)
    sim = sub.add_parser("simulate", help="simulate one scenario into a zarr store")
    sim.add_argument("scenario", help="scenario YAML file (model.md §9)")
    sim.add_argument("-o", "--output", required=True, metavar="OUT.zarr", help="output zarr store")
    sim.add_argument("--overwrite", action="store_true", help="replace an existing output")
    sw = sub.add_parser("sweep", help="run a sweep file (grid and population) into a zarr store")
    sw.add_argument("sweep", help="sweep YAML file (model.md §10)")
    sw.add_argument("-o", "--output", required=True, metavar="OUT.zarr", help="output zarr store")
    sw.add_argument("--resume", action="store_true",
                    help="continue an interrupted store: run only the chunks not yet done")
    sw.add_argument("--overwrite", action="store_true",
                    help="replace an existing output (with --resume: only one made with "
                         "other inputs, else continue it)")
    sw.add_argument("--scheduler", metavar="ADDRESS",
                    help="use an existing Dask scheduler (e.g. tcp://host:8786)")
    sw.add_argument("--cluster", choices=["slurm", "pbs"],
                    help="start a batch-system cluster with dask-jobqueue "
                         "(settings from the sweep file's cluster: section)")
    where = sw.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive_int, metavar="N",
                       help="run on a local Dask cluster of N single-threaded workers "
                            "(default: in this process up to 200,000 lanes, else one worker "
                            "per core; ignored with --scheduler)")
    where.add_argument("--cores", type=_positive_int, metavar="N",
                       help="size the run to N of this machine's cores: the kernel on N "
                            "threads in this process up to 200,000 lanes, else N local "
                            "workers; the sweep file's cluster: is not started (what a "
                            "workflow job given N cores passes; ignored with --scheduler "
                            "or --cluster)")
    sw.add_argument("--allow-large", action="store_true",
                    help="accept a store over the sweep's output.max_store_gb")
    sw.add_argument("--strict", action="store_true",
                    help="exit with status 1 if any lane failed")
    sw.add_argument("-q", "--quiet", action="store_true", help="no plan or progress output")
    ver = sub.add_parser("verify", help="read a sweep store back against its chunk checksums")
    ver.add_argument("store", help="sweep zarr store")
    th = sub.add_parser("therapies", help="list the therapy catalogue")
    th.add_argument("--model", default=DEFAULT_MODEL,
                    help=f"whose parameter values to describe (default {DEFAULT_MODEL})")
    th.add_argument("--hazard", action="store_true",
                    help="simulate each usual regimen (reference patient, one year) and give "
                         "the peak cross-link hazard (docs/model.md §M2.9)")
    dose = sub.add_parser(
        "dose", help="least label dose and longest interval that keeps free IgE below target",
        description="For one patient, give every omalizumab label option (75-600 mg in 75-mg "
                    "steps, every 2 or 4 weeks, at most 150 mg per injection site) to virtual "
                    "patients drawn from the published variability and parameter uncertainty, "
                    "and answer with the least drug that keeps the asked share below target "
                    "at steady state (docs/model.md §D1).")
    dose.add_argument("--weight-kg", type=float, required=True, help="body weight (kg)")
    dose.add_argument("--ige-iu-ml", type=float, required=True,
                      help="pre-treatment serum total IgE (IU/mL)")
    dose.add_argument("--therapy", default="omalizumab", help="catalogue therapy (default "
                      "omalizumab; it needs published between-subject variability)")
    dose.add_argument("--model", default=DEFAULT_MODEL,
                      help=f"model to simulate (default {DEFAULT_MODEL})")
    dose.add_argument("--target-ng-ml", type=float, default=25.0,
                      help="free-IgE target at the steady-state trough (default 25 ng/mL, "
                           "the label tables' design goal)")
    dose.add_argument("--attainment", type=float, default=0.9,
                      help="share of virtual patients that must be below target (default 0.9)")
    dose.add_argument("--subjects", type=int, default=100,
                      help="virtual patients, the same in every parameter draw (default 100)")
    dose.add_argument("--draws", type=int, default=10,
                      help="parameter draws from the published standard errors (default 10)")
    dose.add_argument("--seed", type=int, default=1, help="seed of the draws (default 1)")
    dose.add_argument("--json", action="store_true", help="print the answer as JSON")
    mod = sub.add_parser("models", help="list the models; show one's declaration or code")
    mod_sub = mod.add_subparsers(dest="models_command")
    show = mod_sub.add_parser("show", help="a model's states, parameters, equations, outputs")
    show.add_argument("name", help="model name (see: igesweep models)")
    show.add_argument("--code", action="store_true",
                      help="print the Numba source generated from the declaration instead")
    show.add_argument("--binding", choices=["full", "qe", "qss"], default="full",
                      help="binding option whose generated code --code prints (default: full)")
    export = mod_sub.add_parser("export", help="write a model (and a scenario's lane) as SBML")
    export.add_argument("name", help="model name (see: igesweep models)")
    export.add_argument("--sbml", required=True, metavar="OUT.xml",
                        help="SBML Level 3 file to write")
    export.add_argument("--scenario", metavar="SCENARIO.yaml",
                        help="take parameter values, binding and doses (as SBML events) "
                             "from this scenario, which must name the same model")
    export.add_argument("--binding", choices=["full", "qe", "qss"],
                        help="binding option to export (default: the scenario's, else full)")
    cal = sub.add_parser("calibrate",
                         help="fit the calibrated catalogue values to published observations")
    cal.add_argument("-o", "--output", metavar="OUT.json",
                     help="write objectives, fitted values, residuals and drift as JSON")
    cal.add_argument("--write", action="store_true",
                     help="write the fitted values into the catalogue file (evidence: calibrated)")
    cal.add_argument("--model", choices=IGESWEEP_MODELS, default=DEFAULT_MODEL,
                     help=f"model to fit in (default: {DEFAULT_MODEL}); the receptor values "
                          "are shared, the PK-dependent ones are the model's own")
    return parser


def _cmd_simulate(args: argparse.Namespace, catalogue: Catalogue) -> int:
    import numpy as np

    from igesweep.simulate import simulate
    from igesweep.solver import STATUS_MEANINGS, STATUS_OK
    from igesweep.solver.status import STATUS_NON_FINITE_OUTPUT
    from igesweep.store import check_output_path, output_lock, write_dataset

    check_output_path(args.output, overwrite=args.overwrite)
    ds = simulate(args.scenario, catalogue=catalogue)
    with output_lock(args.output):
        path = write_dataset(ds, args.output, overwrite=args.overwrite)
    status = int(ds["status"])
    if status == STATUS_NON_FINITE_OUTPUT:
        print(f"igesweep: an output is NaN or infinite ({STATUS_MEANINGS[status]}: an overflow "
              f"the parameters allow); store written to {path}", file=sys.stderr)
        return EXIT_LANE_FAILED
    if status != STATUS_OK:
        print(f"igesweep: integration failed ({STATUS_MEANINGS[status]}); outputs are NaN from "
              f"the failure on; store written to {path}", file=sys.stderr)
        return EXIT_LANE_FAILED
    print(f"wrote {path} ({ds.sizes['time']} output times, {ds.attrs['n_steps']} steps)",
          file=sys.stderr)
    last = float(ds["time"].values[-1])
    late = int(np.count_nonzero(ds["event_day"].values > last))
    if late:
        print(f"igesweep: note: {late} of {ds.sizes['event']} events fall after the last "
              f"output day ({last:g}) and act on no output", file=sys.stderr)
    return EXIT_OK


def _cmd_sweep(args: argparse.Namespace, catalogue: Catalogue) -> int:
    from igesweep.sweep import run_sweep

    summary = run_sweep(args.sweep, args.output, catalogue=catalogue, scheduler=args.scheduler,
                        cluster_kind=args.cluster, n_workers=args.workers, n_cores=args.cores,
                        resume=args.resume,
                        overwrite=args.overwrite, allow_large=args.allow_large,
                        quiet=args.quiet)
    if not summary.complete:
        print("igesweep: the store is incomplete; run again with --resume", file=sys.stderr)
        return EXIT_LANE_FAILED
    if args.strict and summary.n_failed:
        return EXIT_LANE_FAILED
    return EXIT_OK


def _cmd_therapies(args: argparse.Namespace, catalogue: Catalogue) -> int:
    from igesweep.analysis.therapies import HAZARD_THRESHOLD, overview, peak_hazards

    rows = overview(catalogue, args.model)
    hazards = peak_hazards(catalogue, model=args.model) if args.hazard else {}
    for r in rows:
        print(f"{r.therapy}  ({r.mechanism_class}) {r.label}")
        print(f"    usual regimen: {r.regimen}")
        print(f"    on mast cells and basophils: {r.on_cells}")
        borrowed = "".join(f"; {n} borrowed from {origin}" for origin, n in r.borrowed.items())
        print(f"    evidence of its {r.n_parameters} parameters: {r.evidence}{borrowed}")
        if r.therapy in hazards:
            h = hazards[r.therapy]
            verdict = "PREDICTED DEGRANULATION" if h >= HAZARD_THRESHOLD else "below threshold"
            print(f"    peak cross-link hazard at the usual regimen: {h:.3g} ({verdict})")
    print(f"\nmodel: {args.model}; catalogue: {catalogue.path}")
    return EXIT_OK


def _cmd_dose(args: argparse.Namespace, catalogue: Catalogue) -> int:
    import json

    from igesweep.analysis.dose_finder import describe, find_dose

    answer = find_dose(args.weight_kg, args.ige_iu_ml, catalogue, therapy=args.therapy,
                       model=args.model, target_ng_ml=args.target_ng_ml,
                       attainment=args.attainment, n_subjects=args.subjects,
                       n_draws=args.draws, seed=args.seed)
    print(json.dumps(answer.to_dict(), indent=2) if args.json else describe(answer))
    return EXIT_OK


def _cmd_calibrate(args: argparse.Namespace, catalogue: Catalogue) -> int:
    import json
    from pathlib import Path

    from igesweep.calibration import catalogue_drift, run_calibrations, write_back

    results = run_calibrations(catalogue, args.model)
    drift = catalogue_drift(catalogue, results)
    for r in results:
        fits = ", ".join(f"{f.label} = {f.value:.6g} {f.unit}" for f in r.fitted)
        agree = all(x.agrees for x in r.residuals)
        print(f"{r.name}: {fits}  ({'within' if agree else 'OUTSIDE'} the published bands)")
    stale = [d for d in drift if abs(d.relative) > 1e-5 or d.evidence != "calibrated"]
    for d in stale:
        print(f"  catalogue {d.label} = {d.catalogue_value:.6g} ({d.evidence}), "
              f"fit {d.fitted_value:.6g}")
    if args.output:
        Path(args.output).write_text(json.dumps({
            "catalogue": str(catalogue.path), "catalogue_sha256": catalogue.sha256,
            "model": args.model,
            "calibrations": [r.as_dict() for r in results],
            "drift": [{**vars(d), "relative": d.relative} for d in drift],
        }, indent=1))
    if args.write:
        path = Path(catalogue.path)
        path.write_text(write_back(path.read_text(), results))
        print(f"wrote {sum(len(r.fitted) for r in results)} values into {path}")
    elif stale:
        print("the catalogue differs from the fits; run with --write to update it")
    return EXIT_OK


def _cmd_verify(args: argparse.Namespace) -> int:
    from pathlib import Path

    from igesweep.store import is_igesweep_store
    from igesweep.sweep.integrity import verify_store
    from igesweep.sweep.store import is_sweep_store

    if not Path(args.store).exists():
        raise InputError([("store", f"{args.store} does not exist")], "<command line>")
    if not is_igesweep_store(args.store):
        raise InputError([("store", f"{args.store} is not an igesweep store (no igesweep "
                                    "metadata in its zarr.json)")], "<command line>")
    if not is_sweep_store(Path(args.store)):
        raise InputError([("store", f"{args.store} was written by `igesweep simulate`, not by "
                                    "a sweep: only sweep stores carry chunk checksums")],
                         "<command line>")
    try:
        check = verify_store(args.store)
    except ValueError as err:
        print(f"igesweep: {err}", file=sys.stderr)
        return EXIT_DAMAGED
    state = "complete" if check.complete else "incomplete"
    print(f"{args.store}: {check.n_done:,} of {check.n_chunks:,} chunks done ({state}), "
          f"{len(check.bad):,} differ from their checksums", file=sys.stderr)
    for chunk, names in sorted(check.bad.items()):
        print(f"  chunk {chunk}: {', '.join(names)}", file=sys.stderr)
    if check.complete and check.n_done < check.n_chunks:
        print("  marked complete with chunks not done", file=sys.stderr)
    if not check.ok:
        print("igesweep: the store is damaged; `igesweep sweep SWEEP.yaml -o STORE --resume` "
              "with the sweep file it was made from runs the damaged chunks again",
              file=sys.stderr)
        return EXIT_DAMAGED
    return EXIT_OK


def _cmd_models(args: argparse.Namespace, catalogue: Catalogue) -> int:
    from igesweep.models import get_model, model_names
    from igesweep.models.describe import describe, summary_table

    if args.models_command is None:
        print(summary_table([get_model(n) for n in model_names()]))
        return EXIT_OK
    try:
        model = get_model(args.name)
    except KeyError as err:
        raise InputError([("model", err.args[0])], "<command line>") from None
    if args.models_command == "export":
        return _export_sbml(args, model, catalogue)
    if args.code:
        from igesweep.models.codegen import generate

        if args.binding not in model.bindings:
            raise InputError([("binding", f"model {model.name!r} offers binding "
                                          f"{' | '.join(model.bindings)}, got {args.binding!r}")],
                             "<command line>")
        print(generate(model, args.binding), end="")
    else:
        print(describe(model))
    return EXIT_OK


def _export_sbml(args: argparse.Namespace, model: Any, catalogue: Catalogue) -> int:
    from pathlib import Path

    from igesweep.models.sbml import sbml_text
    from igesweep.resolve import resolve
    from igesweep.scenario import load_yaml, parse_scenario

    values, events, binding = None, (), args.binding or "full"
    if args.scenario:
        scenario = parse_scenario(load_yaml(args.scenario), args.scenario)
        if scenario.model != args.name:
            raise InputError([("model", f"the scenario runs model {scenario.model!r}, not "
                                        f"{args.name!r}")], args.scenario)
        lane = resolve(scenario, catalogue, args.scenario)
        values, events, binding = lane.values, lane.events, args.binding or lane.binding
    if binding not in model.bindings:
        raise InputError([("binding", f"model {model.name!r} offers binding "
                                      f"{' | '.join(model.bindings)}, got {binding!r}")],
                         "<command line>")
    Path(args.sbml).write_text(sbml_text(model, binding, values=values, events=events))
    print(f"wrote {args.sbml} (SBML Level 3: model {model.name}, binding {binding}, "
          f"{len(events)} events)", file=sys.stderr)
    return EXIT_OK


#: Whether :func:`run` holds the garbage collector off until the command's modules are loaded.
_HOLDING_COLLECTOR = False


def _start_collecting() -> None:
    """Turn on the garbage collector :func:`run` held off, its heap so far frozen.

    Frozen objects (the modules imported, the catalogue) are never traversed
    again by the collector. A no-op unless :func:`run` turned the collector
    off (``main`` called from Python leaves it as its caller set it).
    """
    global _HOLDING_COLLECTOR
    if _HOLDING_COLLECTOR:
        _HOLDING_COLLECTOR = False
        gc.freeze()
        gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        from igesweep.catalogue import load_catalogue

        catalogue = load_catalogue(args.catalogue)
        if args.command == "sweep":
            import igesweep.sweep.run  # noqa: F401 (imported while the collector is held off)
        _start_collecting()
        if args.command == "simulate":
            return _cmd_simulate(args, catalogue)
        if args.command == "sweep":
            return _cmd_sweep(args, catalogue)
        if args.command == "calibrate":
            return _cmd_calibrate(args, catalogue)
        if args.command == "models":
            return _cmd_models(args, catalogue)
        if args.command == "dose":
            return _cmd_dose(args, catalogue)
        if args.command == "verify":
            return _cmd_verify(args)
        return _cmd_therapies(args, catalogue)
    except InputError as err:
        print(f"igesweep: error: {err.format()}", file=sys.stderr)
        return EXIT_INPUT
    except RunStopped as err:
        print(f"igesweep: stopped: {err}", file=sys.stderr)
        return EXIT_INTERRUPTED if err.interrupted else EXIT_STOPPED
    except KeyboardInterrupt:
        print("igesweep: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def run() -> None:
    """The ``igesweep`` console command: :func:`main`, then exit with its code.

    The imports of a command (NumPy, Numba, xarray, zarr, YAML, SymPy) allocate
    millions of objects and few reference cycles. The collector is held off
    while they load and the heap is frozen before the interpreter exits, where
    its last full collections would traverse all of it again: on a 4-lane
    sweep that was 0.2-0.3 s of start and 0.7 s of exit (BENCHMARKS.md).
    """
    global _HOLDING_COLLECTOR
    gc.disable()
    _HOLDING_COLLECTOR = True
    try:
        code = main()
    except BrokenPipeError:
        # the reader of standard output left (`igesweep ... | head`): no traceback, and
        # nothing more written to the closed pipe at exit (the recipe of Python's signal docs)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_BROKEN_PIPE
    finally:
        gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
