"""``igesweep sweep``: plan, create or resume the store, run the chunks on Dask, mark complete."""

from __future__ import annotations

import logging
import shutil
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Literal, TextIO

import numpy as np

from igesweep.attributes import solver_attrs
from igesweep.catalogue import Catalogue, load_catalogue
from igesweep.errors import InputError, RunStopped
from igesweep.models.card import get_card
from igesweep.provenance import provenance_attrs
from igesweep.scenario import load_yaml
from igesweep.solver import LaneBatch, solve_batch
from igesweep.store import (
    OUTPUT_OPTION,
    check_output_path,
    check_output_suffix,
    is_igesweep_store,
    output_lock,
    swap_into_place,
)
from igesweep.sweep.compute import (
    ChunkReport,
    compute_chunk,
    os_error_text,
    run_chunk,
    store_chunk,
)
from igesweep.sweep.cores import available_cores, numba_threads
from igesweep.sweep.fingerprint import changed_inputs, input_digests
from igesweep.sweep.integrity import verify_store
from igesweep.sweep.plan import SweepPlan, build_plan
from igesweep.sweep.progress import Progress
from igesweep.sweep.spec import ClusterOptions, parse_sweep
from igesweep.sweep.store import (
    ChunkWriter,
    chunks_done,
    create_store,
    failed_lanes,
    mark_complete,
    reset_chunks,
    store_attrs,
)
from igesweep.sweep.timing import Stopwatch

#: A sweep of at most this many lanes, given no scheduler, cluster or number of
#: workers, runs in the calling process: the kernel over Numba's threads, one
#: thread writing the previous chunk. Larger ones start a local Dask cluster, whose
#: workers each compute and write whole chunks. On two cores (BENCHMARKS.md) the
#: process took 9.4 s for 10^5 lanes against 12.0 s on two Dask workers (whose
#: start costs ~3.5 s more), and 89.4 s for 10^6 lanes against 84.0-84.5 s; the two
#: cross near 4 x 10^5 lanes. With more cores they cross sooner: one writer thread
#: falls behind a kernel on more than about six cores (writing a lane takes about an
#: eighth of computing it on one core, lockstep igesweep-2 with ten trajectories).
IN_PROCESS_MAX_LANES = 200_000
#: Chunk tasks submitted to Dask at once: enough to keep a few hundred workers busy.
TASKS_IN_FLIGHT = 1_000


@dataclass(frozen=True)
class SweepSummary:
    """Outcome of a sweep run."""

    path: Path
    n_lanes: int
    n_chunks_run: int
    n_failed: int
    seconds: float
    complete: bool
    #: seconds per phase in the client (:data:`~igesweep.sweep.timing.CLIENT_PHASES`)
    timings: dict[str, float] = field(default_factory=dict)
    #: seconds per phase summed over the chunks run (:data:`~igesweep.sweep.timing.CHUNK_PHASES`)
    chunk_phases: dict[str, float] = field(default_factory=dict)


def load_plan(sweep_path: str | Path, catalogue: Catalogue | str | Path | None = None
              ) -> tuple[SweepPlan, str]:
    """Read, validate and plan a sweep file; return the plan and the file's text."""
    source = str(sweep_path)
    data = load_yaml(sweep_path)
    sweep = parse_sweep(data, source)
    cat = catalogue if isinstance(catalogue, Catalogue) else load_catalogue(catalogue)
    return build_plan(sweep, cat, source), Path(sweep_path).read_text()


def describe(plan: SweepPlan) -> str:
    """The plan in a few lines: lanes, dimensions, chunks and expected size."""
    dims = " x ".join(f"{d.name}={len(d.values)}" for d in plan.dims) or "(single lane)"
    gb = plan.stored_bytes() / 1e9
    text = (f"sweep: {plan.n_lanes:,} lanes ({dims}) x {len(plan.times)} output times\n"
            f"chunks: {plan.n_chunks:,} of shape {plan.chunks} "
            f"(~{int(np.prod(plan.chunks)):,} lanes each)\n"
            f"store: ~{gb:.3g} GB uncompressed ({plan.sweep.output.dtype}, "
            f"{len(plan.sweep.variables)} trajectories)")
    pop = plan.sweep.population
    if pop is not None:
        flat = [str(t) for t, v in zip(plan.therapy_names, plan.variability[0], strict=True)
                if not pop.variability or v.columns.size == 0]
        if flat:
            text += ("\npopulation: no published variability for " + ", ".join(flat)
                     + (" (subjects differ only by covariates)" if pop.covariates
                        else " (their subjects are identical)"))
    return text


def _warm_up(plan: SweepPlan) -> None:
    """Compile (or load from cache) the kernel once here, before workers start.

    Many processes compiling the same cached function for the first time at
    once can race on the cache files; one compile up front avoids that. With a
    grid over ``model``, each model's kernels are warmed.
    """
    warmed: set[str] = set()
    for chunk in range(plan.n_chunks):
        batches, _ = plan.chunk_batches(chunk)
        for batch, _ in batches:
            if batch.model_name not in warmed:
                first = slice(0, 1)
                solve_batch(LaneBatch(
                    params=batch.params[first], binding=batch.binding[first],
                    event_day=batch.event_day[first], event_kind=batch.event_kind[first],
                    event_mg=batch.event_mg[first], n_events=batch.n_events[first],
                    times=batch.times[:, :2], model=batch.model),
                    parallel=False, grouped=plan.sweep.scenario.solver.lockstep)
                warmed.add(batch.model_name)
        if len(warmed) == len(plan.models):
            return


class _WriteFailed(Exception):
    """A chunk's write failed in a worker or here (its message: why)."""


def _add_phases(total: dict[str, float], report: ChunkReport) -> None:
    """Add a finished chunk's phases to the totals; raise if its write failed."""
    if report.write_error is not None:
        raise _WriteFailed(report.write_error)
    for phase, seconds in report.phases.items():
        total[phase] = total.get(phase, 0.0) + seconds


def _run_in_process(plan: SweepPlan, target: Path, pending: np.ndarray,
                    progress: Progress) -> dict[str, float]:
    """Run the pending chunks here, each over Numba's threads, writing one while computing the next.

    One writer thread stores chunk k (encoding, checksums, its done flag) while
    the kernel computes chunk k+1: the kernel, zstd, hashing and file writes all
    release the GIL. At most one computed chunk waits for its write, and the
    writer is joined before this returns or raises (a second Ctrl-C during that
    wait cuts it short; the interpreter still joins the writer before it exits).
    Returns the seconds per chunk phase, summed.
    """
    phases: dict[str, float] = {}

    def written(future: Future[ChunkReport]) -> None:
        report = future.result()
        _add_phases(phases, report)
        progress.update(report.n_lanes)

    chunk_writer = ChunkWriter(target)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="igesweep-writer") as writer:
        writing: Future[ChunkReport] | None = None
        for chunk in pending.tolist():
            started = time.perf_counter()
            watch = Stopwatch()
            arrays = compute_chunk(plan, chunk, parallel=True, watch=watch)
            if writing is not None:
                written(writing)
            writing = writer.submit(store_chunk, plan, chunk_writer, chunk, arrays,
                                    watch.seconds, started)
        if writing is not None:
            written(writing)
    return phases


def _run_on_dask(plan: SweepPlan, target: Path, output: Path, pending: np.ndarray,
                 progress: Progress, watch: Stopwatch, say: Callable[[str], None], *,
                 scheduler: str | None,
                 cluster: ClusterOptions | None, n_workers: int | None) -> dict[str, float]:
    """Run the pending chunks as Dask tasks, one per chunk, each written by its worker.

    The kernels are loaded (or compiled) here first, so workers never race
    on the compile cache. Returns the seconds per chunk phase, summed.

    Raises
    ------
    RunStopped
        If the workers or the scheduler are lost (the chunks written are kept).
    """
    from concurrent.futures import CancelledError

    from distributed import KilledWorker, as_completed
    from distributed.comm import CommClosedError

    from igesweep.sweep.engine import dask_client

    _warm_up(plan)
    watch.lap("warm_up")
    phases: dict[str, float] = {}
    distributed_log = logging.getLogger("distributed")
    level = distributed_log.level
    try:
        with dask_client(scheduler=scheduler, cluster=cluster, n_workers=n_workers) as client:
            n_connected = len(client.nthreads())   # scheduler_info() lists at most 5
            say(f"dask dashboard: {client.dashboard_link}" + (
                f" ({n_connected} {'worker' if n_connected == 1 else 'workers'} connected)"
                if n_connected else ""))
            watch.lap("cluster_start")
            # Task keys name this run: on a scheduler shared by consecutive sweeps, a key
            # still known from the previous one would give its result (its plan, or a
            # chunk report without the chunk being written) instead of running the task.
            run_id = uuid.uuid4().hex[:12]
            plan_future = _share_plan(client, plan, key=f"igesweep-plan-{run_id}",
                                      local=scheduler is None and cluster is None, say=say)
            watch.lap("scatter")
            path = str(target.resolve())
            to_submit = iter(pending.tolist())

            def submit(chunk: int):
                return client.submit(run_chunk, plan_future, path, chunk, run_id,
                                     key=f"igesweep-chunk-{chunk}-{run_id}", pure=False)

            # At most TASKS_IN_FLIGHT chunk tasks at once, so the client's and the
            # scheduler's memory does not grow with the chunks (200,000 for 10^10 lanes).
            # Only as_completed holds the futures, and each is released once its report is
            # read: a report held on a worker lost later (a job ended at its walltime) would
            # otherwise be computed again, its chunk with it.
            chunks = as_completed([submit(c) for c in islice(to_submit, TASKS_IN_FLIGHT)])
            try:
                for future in chunks:
                    report: ChunkReport = future.result()
                    future.release()
                    following = next(to_submit, None)
                    if following is not None:
                        chunks.add(submit(following))
                    _add_phases(phases, report)
                    progress.update(report.n_lanes)
            except (KilledWorker, CancelledError, CommClosedError) as err:
                raise RunStopped(f"the Dask workers or scheduler were lost "
                                 f"({type(err).__name__}: {err})", _kept(target, output)
                                 ) from None
            except (KeyboardInterrupt, _WriteFailed):
                # the run ends here with one message; the scheduler's complaints about
                # the tasks it is left with, while the cluster closes, are not news
                distributed_log.setLevel(logging.CRITICAL + 1)
                raise
            watch.lap("chunks")
    finally:
        distributed_log.setLevel(level)
    watch.lap("cluster_stop")
    return phases


def _plan_value(plan: SweepPlan) -> SweepPlan:
    return plan


def _share_plan(client, plan: SweepPlan, *, key: str, local: bool,
                say: Callable[[str], None]):
    """The plan as a Dask future every chunk task takes.

    Local workers receive a copy each. Workers of a batch system or of an
    existing scheduler may not exist yet (jobs queued) and may go (a job's
    walltime): the plan is then a task's result, which the scheduler computes
    again from its own copy if every worker holding it is lost.
    """
    if local:
        return client.scatter(plan, broadcast=True)
    if not client.scheduler_info()["workers"]:
        say("waiting for the first worker (batch jobs may be queued)")
        client.wait_for_workers(1)
    return client.submit(_plan_value, plan, key=key, pure=False)


def _batch_cluster(in_file: ClusterOptions | None, given: ClusterOptions | None,
                   kind: Literal["slurm", "pbs"] | None, *, local: bool
                   ) -> ClusterOptions | None:
    """The batch-system cluster a sweep starts, if any, its submit command checked.

    A cluster given to :func:`run_sweep` comes first, then ``kind`` with the
    file's settings, then the file's ``cluster:`` section unless the command
    asks for local workers or a scheduler (``local``).

    Raises
    ------
    InputError
        If the batch system's submit command (``sbatch``, ``qsub``) is not found.
    """
    if given is not None:
        options = given
    elif kind is not None:
        options = (ClusterOptions(kind=kind) if in_file is None
                   else in_file.model_copy(update={"kind": kind}))
    else:
        options = None if local else in_file
    if options is not None:
        options.check_submit_command()
    return options


def _kept(target: Path, output: Path) -> str:
    """What a stopped run leaves, and how to continue it."""
    try:
        done = chunks_done(target)
        kept = f"{int(done.sum()):,} of {done.size:,} chunks are written and kept in {target}"
    except Exception:  # the bookkeeping itself could not be read (e.g. the disk is gone)
        kept = f"the chunks written so far are kept in {target}"
    unchanged = f" ({output} is unchanged)" if target != output else ""
    return f"{kept}{unchanged}; run the same command with --resume to continue"


def staging_path(output: Path) -> Path:
    """Where ``--overwrite`` builds the new store until it is complete (then swapped in)."""
    return output.with_name(f".{output.name}.staging")


def _prepare_store(plan: SweepPlan, text: str, output: Path, *, resume: bool,
                   overwrite: bool, say: Callable[[str], None] = lambda _: None
                   ) -> tuple[np.ndarray, Path]:
    """Create the template, or check the store to resume.

    A store to resume must have been made with the same inputs
    (:mod:`.fingerprint`), or, with ``overwrite`` too, is replaced if it was
    not; its done chunks are read back against their checksums
    (:mod:`.integrity`) and any that differ are run again.

    Returns the chunks still to run and the store they go to: ``output``, or
    with ``--overwrite`` of an existing store its staging path, so the old
    store stays whole until the new one is complete.
    """
    digests = input_digests(plan, text)
    staging = staging_path(output)
    if resume and (output.exists() or staging.exists()):
        target = staging if staging.exists() else output
        if not is_igesweep_store(target):
            raise InputError([(OUTPUT_OPTION,
                                f"{target} is not an igesweep store; cannot resume it")])
        changed = changed_inputs(store_attrs(target), digests)
        if changed and not overwrite:
            raise InputError([("--resume", f"{target} was made with other inputs: "
                                           f"{'; '.join(changed)} changed since, and resuming "
                                           "would mix lanes computed both ways. Resume with "
                                           "the inputs it was made with, or start again with "
                                           "--overwrite (with --resume: replace only then)")])
        if not changed:
            try:
                check = verify_store(target)
            except ValueError as err:
                raise InputError([(OUTPUT_OPTION, str(err))]) from None
            if check.bad:
                say(f"{len(check.bad):,} chunks differ from their checksums (damaged on disk): "
                    "running them again")
                reset_chunks(target, list(check.bad))
            return np.flatnonzero(~chunks_done(target)), target
        say(f"{target} was made with other inputs ({'; '.join(changed)} changed): "
            "starting again (--overwrite)")
    target = output
    if output.exists() or output.is_symlink():
        if not overwrite:
            raise InputError([(OUTPUT_OPTION, f"output {output} exists; pass --resume to "
                                              "continue it or --overwrite to replace it")])
        check_output_path(output, overwrite=True)
        target = staging
    attrs = {**provenance_attrs(text, "sweep"), **solver_attrs(plan.sweep.scenario), **digests}
    attrs["metric_target_free_ige_ng_ml"] = plan.sweep.scenario.metrics.target_free_ige_ng_ml
    model = get_card(plan.sweep.model)
    attrs["model"] = model.name
    attrs["model_digest"] = model.digest()
    tmp = output.with_name(f".{output.name}.template")
    for stale in (tmp, target):  # a template or staging store left by an interrupted run
        if stale.exists():
            shutil.rmtree(stale)
    create_store(plan, tmp, attrs)
    tmp.rename(target)
    return np.arange(plan.n_chunks), target


def run_sweep(
    sweep_path: str | Path,
    output: str | Path,
    *,
    catalogue: Catalogue | str | Path | None = None,
    scheduler: str | None = None,
    cluster: ClusterOptions | None = None,
    cluster_kind: Literal["slurm", "pbs"] | None = None,
    n_workers: int | None = None,
    n_cores: int | None = None,
    resume: bool = False,
    overwrite: bool = False,
    allow_large: bool = False,
    quiet: bool = False,
    stream: TextIO | None = None,
) -> SweepSummary:
    """Run a sweep file into a zarr store.

    Parameters
    ----------
    sweep_path : str or Path
        Sweep YAML (model.md §10).
    output : str or Path
        Zarr store to create (or resume).
    catalogue : Catalogue or path, optional
        Therapy catalogue; the shipped one by default.
    scheduler : str, optional
        Address of an existing Dask scheduler.
    cluster : ClusterOptions, optional
        Start a batch-system cluster (overrides the sweep file's ``cluster:``).
    cluster_kind : {"slurm", "pbs"}, optional
        Start a batch-system cluster of this kind with the settings of the
        sweep file's ``cluster:`` section (its defaults if there is none).
    n_workers : int, optional
        Workers of the local cluster (the sweep file's ``cluster:`` is not
        started, nor with a ``scheduler``).
    n_cores : int, optional
        Size the run to this many of this machine's cores (all by default):
        the kernel over as many of Numba's threads in this process up to
        :data:`IN_PROCESS_MAX_LANES` lanes (the thread writing chunks runs
        beside them), else as many single-threaded local workers. The sweep
        file's ``cluster:`` is not started; ignored with ``scheduler``,
        ``cluster``, ``cluster_kind`` or ``n_workers``. What a workflow job
        given N cores asks for.
    resume : bool
        Continue an interrupted store, computing only chunks not marked done.
    overwrite : bool
        Replace an existing store; with ``resume``, only one made with other
        inputs (continue it if it can be, else start again: what a workflow
        rerun needs).
    allow_large : bool
        Accept a store larger than ``output.max_store_gb``.
    quiet : bool
        No plan, dashboard link or progress on the stream.
    stream : file, optional
        Where messages go (stderr by default).

    Returns
    -------
    SweepSummary

    Raises
    ------
    ValueError
        If ``n_workers`` or ``n_cores`` is below 1.
    InputError
        For invalid input, an existing output, or a store over the size limit.
    RunStopped
        If the run is interrupted, a write fails (a full or read-only disk) or
        the workers are lost; the chunks written are kept for ``resume``.
    """
    for name, count in (("n_workers", n_workers), ("n_cores", n_cores)):
        if count is not None and count < 1:
            raise ValueError(f"{name} must be a positive number, not {count}")
    stream = stream or sys.stderr
    output = Path(output)
    watch = Stopwatch()
    plan, text = load_plan(sweep_path, catalogue)
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, file=stream, flush=True))
    say(describe(plan))
    limit = plan.sweep.output.max_store_gb
    if plan.stored_bytes() > limit * 1e9 and not allow_large:
        raise InputError([("output.max_store_gb",
                           f"the store would hold ~{plan.stored_bytes() / 1e9:.3g} GB, over the "
                           f"limit of {limit} GB; raise the limit or pass --allow-large")],
                         str(sweep_path))
    check_output_suffix(output)
    cluster = _batch_cluster(plan.sweep.cluster, cluster, cluster_kind,
                             local=scheduler is not None or n_workers is not None
                             or n_cores is not None)
    in_process = scheduler is None and cluster is None and n_workers is None \
        and plan.n_lanes <= IN_PROCESS_MAX_LANES
    n_local = n_workers if n_workers is not None or n_cores is None \
        else min(n_cores, available_cores())   # threads here, or local workers
    if not in_process and scheduler is None and cluster is None:
        from igesweep.sweep.engine import start_local_workers

        start_local_workers()   # their parent loads while this process writes and warms up
    watch.lap("plan")
    chunk_phases: dict[str, float] = {}
    with output_lock(output):
        nothing_to_resume = not output.exists() and not staging_path(output).exists()
        if resume and nothing_to_resume:
            say(f"no store at {output} to resume: starting a new one")
        pending, target = _prepare_store(plan, text, output, resume=resume, overwrite=overwrite,
                                         say=say)
        continued = resume and not nothing_to_resume
        watch.lap("store")
        t0 = time.perf_counter()
        if pending.size:
            if continued:
                say(f"resuming: {pending.size:,} of {plan.n_chunks:,} chunks to run")
            progress = Progress(sum(plan.chunk_lanes(int(c)) for c in pending), quiet=quiet,
                                stream=stream)
            try:
                if in_process:
                    with numba_threads(n_local) as n_threads:
                        say(f"running in this process ({plan.n_lanes:,} lanes; a Dask cluster "
                            f"is started above {IN_PROCESS_MAX_LANES:,} lanes or with "
                            f"--workers), kernel on {n_threads} "
                            f"{'thread' if n_threads == 1 else 'threads'}")
                        chunk_phases = _run_in_process(plan, target, pending, progress)
                    watch.lap("chunks")
                else:
                    chunk_phases = _run_on_dask(plan, target, output, pending, progress, watch,
                                                say, scheduler=scheduler, cluster=cluster,
                                                n_workers=n_local)
            except KeyboardInterrupt:
                raise RunStopped("interrupted", _kept(target, output),
                                 interrupted=True) from None
            except (_WriteFailed, OSError) as err:
                why = str(err) if isinstance(err, _WriteFailed) else os_error_text(err)
                raise RunStopped(f"writing {target} failed: {why}",
                                 _kept(target, output)) from None
        done = chunks_done(target)
        complete = bool(done.all())
        if complete:
            mark_complete(target)
            if target != output:
                swap_into_place(target, output)
        elif target != output:
            say(f"the new store is in {target} until complete (run again with --resume); "
                f"{output} is unchanged")
    n_failed = failed_lanes(output if complete else target)
    watch.lap("finish")
    seconds = time.perf_counter() - t0
    state = "complete" if complete else f"incomplete ({int(done.sum())}/{done.size} chunks)"
    say(f"done: {plan.n_lanes:,} lanes in {output if complete else target}, {state} "
        f"({seconds:.1f} s this run); "
        f"failed lanes (status not ok, NaN-filled): {n_failed:,}")
    return SweepSummary(path=output if complete else target, n_lanes=plan.n_lanes,
                        n_chunks_run=int(pending.size),
                        n_failed=n_failed, seconds=seconds, complete=complete,
                        timings=watch.seconds, chunk_phases=chunk_phases)
