"""Where a sweep's wall time goes, next to the bare kernel on the same lanes and cores.

One year of omalizumab 300 mg SC q4w (13 doses), weekly output (53 times), ten
trajectories stored as float32 with the default codec, over a grid of baseline
IgE x weight sized to each requested number of lanes. For each size and path
(per lane, lockstep):

1. **End to end**: ``run_sweep`` in a fresh Python process, as the command line
   runs it, by each ``--engines``: ``default`` as ``igesweep sweep`` chooses
   (up to 200,000 lanes: in the command's process, the kernel over Numba's
   threads and one thread writing the previous chunk), ``dask`` as
   ``igesweep sweep --workers N`` (a local Dask cluster, one single-threaded
   worker per core). The parent measures the process's wall time and the peak
   resident memory of the whole process tree (client, scheduler, workers); the
   child reports its start-up (interpreter and imports) and the client's phases
   (:data:`igesweep.sweep.timing.CLIENT_PHASES`) and the chunks' phases summed
   over chunks (:data:`igesweep.sweep.timing.CHUNK_PHASES`).
2. **Bare kernel**: in another fresh process, the same plan's chunks packed
   untimed, then only ``solve_batch`` timed with the lanes spread over Numba's
   threads (one per core): the lanes/s a sweep could reach if it cost nothing
   but its lanes. For more than ``--bare-sample`` lanes, an evenly spaced sample
   of chunks is timed (the grid's lanes vary smoothly, so a stride sample
   represents them).
3. **Encoding**: one chunk's arrays encoded in memory with each candidate codec
   (seconds and compression ratio), to choose the codec by measurement.
4. **Writing**: processor time (every thread of the process) of writing one
   chunk's arrays into a store with a writer that opens the store for its chunk
   and with one writer kept over the chunks (as the command's process and each
   Dask worker do), interleaved, and each checksum algorithm's time on them.

On Dask, worker time not in any phase ("idle") is the chunks' wall time times the
workers minus the tasks' time: scheduling, result transfer, load imbalance. In
the command's process, shares are of the chunks' wall time: pack, kernel and
metrics in the main thread, write and checksum in the writer thread (they
overlap the next chunk's kernel), idle the main thread waiting for the writer.

Run: ``python benchmarks/sweep_profile.py --lanes 10000 100000 1000000``; ``--model
igesweep-1`` profiles the first model (ten of its outputs) instead of the default;
``--rounds N`` measures everything N times, round after round, and adds the ratio
of each round and of the best end to end over the best bare kernel, both also net
of the fixed cost: each round times a 4-lane sweep of the same year and outputs
before each size's run, and counts the end to end lanes/s as lanes / (wall - that
wall), as issue 15's statement of the gap does.
Add ``--flame DIR`` to record a py-spy flame graph of the first worker of each
10^5-lane run (needs ``py-spy`` and permission to trace processes).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sweep_scaling import sweep_file as scaling_sweep_file
from sweep_scaling import tree_rss

T_START = time.perf_counter()

#: Ten stored trajectories per model: the drug and IgE, receptors and thresholds
#: (igesweep-1 has ten outputs in all).
VARIABLES = {
    "igesweep-2": ["free_ige", "total_ige", "free_drug", "complex", "total_drug",
                   "basophil_fceri_total", "basophil_fceri_occupancy",
                   "mast_cell_fceri_total", "mast_cell_fceri_occupancy", "threshold_fold"],
    "igesweep-1": ["free_ige", "total_ige", "free_drug", "complex", "fceri_total",
                   "fceri_occupancy", "threshold_fold", "bcell_pool", "effector_pool",
                   "effector_response"],
}
PATHS = {"per-lane": False, "lockstep": True}


def sweep_file(n_lanes: int, lockstep: bool, model: str = "igesweep-2") -> dict:
    """``sweep_scaling``'s IgE x weight grid of ``model``, storing its :data:`VARIABLES`."""
    data = scaling_sweep_file(n_lanes, lockstep)
    return {**data, "model": model, "output": {**data["output"], "variables": VARIABLES[model]}}


# --------------------------------------------------------------------------- children


def child_sweep(sweep: str, out: str, workers: int | None) -> dict:
    """Run the sweep as the console command does (``workers``: ``--workers``); report phases.

    As :func:`igesweep.cli.run`: the garbage collector held off while the
    modules load, the heap frozen before exit.
    """
    import gc
    gc.disable()
    from igesweep.cli import _start_collecting
    from igesweep.sweep import run_sweep
    _start_collecting()
    imported = time.perf_counter()
    summary = run_sweep(sweep, out, n_workers=workers, quiet=True)
    if not summary.complete or summary.n_failed:
        raise SystemExit(f"sweep incomplete or with failed lanes: {summary}")
    gc.freeze()
    return {"startup": imported - T_START, "timings": summary.timings,
            "chunk_phases": summary.chunk_phases, "lanes": summary.n_lanes}


def child_bare(sweep: str, sample: int) -> dict:
    """Time only the kernel over (a stride sample of) the plan's chunks, all cores."""
    import numpy as np

    from igesweep.solver import solve_batch
    from igesweep.sweep.run import load_plan

    plan, _ = load_plan(sweep)
    solver = plan.sweep.scenario.solver
    for batch, _ in plan.chunk_batches(0)[0]:  # load (or compile) the parallel driver, untimed
        solve_batch(batch.take(np.arange(min(batch.n_lanes, 64))), parallel=True,
                    grouped=solver.lockstep)
    stride = max(1, math.ceil(plan.n_chunks / max(1, sample // plan.chunk_lanes(0))))
    chunks = np.arange(0, plan.n_chunks, stride)
    lanes = 0
    seconds = 0.0
    for chunk in chunks:
        for batch, _ in plan.chunk_batches(int(chunk))[0]:
            t0 = time.perf_counter()
            solve_batch(batch, rtol=solver.rtol, atol=solver.atol, max_steps=solver.max_steps,
                        parallel=True, grouped=solver.lockstep)
            seconds += time.perf_counter() - t0
            lanes += batch.n_lanes
    return {"lanes": lanes, "seconds": seconds, "lanes_per_s": lanes / seconds,
            "chunks_timed": int(chunks.size), "n_chunks": plan.n_chunks,
            "chunk_lanes": int(plan.chunk_lanes(0))}


def child_codecs(sweep: str) -> dict:
    """Encode one chunk's stored arrays with each candidate codec, in memory."""
    import numpy as np
    from numcodecs import Blosc, Zstd

    from igesweep.sweep.compute import compute_chunk
    from igesweep.sweep.run import load_plan

    plan, _ = load_plan(sweep)
    arrays = compute_chunk(plan, plan.n_chunks // 2)
    blobs = [np.ascontiguousarray(a).tobytes() for a in arrays.values()]
    raw = sum(len(b) for b in blobs)
    codecs = {
        "none": None,
        "zstd 1 (default)": Zstd(level=1), "zstd 3": Zstd(level=3), "zstd 5": Zstd(level=5),
        "zstd 9": Zstd(level=9),
        "blosc lz4 shuffle": Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE),
        "blosc lz4 bitshuffle": Blosc(cname="lz4", clevel=5, shuffle=Blosc.BITSHUFFLE),
        "blosc zstd 3 shuffle": Blosc(cname="zstd", clevel=3, shuffle=Blosc.SHUFFLE),
    }
    rows = {}
    for name, codec in codecs.items():
        best = math.inf
        size = raw
        for _ in range(3):
            t0 = time.perf_counter()
            size = raw if codec is None else sum(len(codec.encode(b)) for b in blobs)
            best = min(best, time.perf_counter() - t0)
        rows[name] = {"seconds": best, "ratio": raw / size}
    return {"raw_bytes": raw, "lanes": int(plan.chunk_lanes(plan.n_chunks // 2)), "codecs": rows}


def child_writer(sweep: str, store: str, n_writes: int) -> dict:
    """Processor time per chunk written, per writer kind; checksum time per algorithm."""
    import numpy as np

    from igesweep.sweep.compute import compute_chunk
    from igesweep.sweep.integrity import ALGORITHMS, digest
    from igesweep.sweep.run import load_plan
    from igesweep.sweep.store import ChunkWriter, create_store

    plan, _ = load_plan(sweep)
    arrays = compute_chunk(plan, plan.n_chunks // 2)
    full = [c for c in range(plan.n_chunks) if plan.chunk_lanes(c) == plan.chunk_lanes(0)]
    kinds = ("a writer per chunk (Dask task before)", "one writer kept (process, Dask worker)")
    paths = [Path(store) / f"{k}.zarr" for k in range(len(kinds))]
    for path in paths:
        create_store(plan, path, {})
    kept = ChunkWriter(paths[1])
    seconds: dict[str, list[float]] = {kind: [] for kind in kinds}
    for k in range(n_writes):  # the two interleaved, each into a store of its own
        chunk = full[k % len(full)]
        for kind, writer in zip(kinds, (ChunkWriter(paths[0]), kept), strict=True):
            t0 = time.process_time()
            writer.write(plan, chunk, arrays)
            seconds[kind].append(time.process_time() - t0)
    rows = {kind: float(np.median(s)) for kind, s in seconds.items()}
    dtypes = {n: a.dtype for n, a in arrays.items()}
    checksums = {}
    for algorithm in ALGORITHMS:
        best = math.inf
        for _ in range(5):
            t0 = time.process_time()
            for n, a in arrays.items():
                digest(a, dtypes[n], algorithm)
            best = min(best, time.process_time() - t0)
        checksums[algorithm] = best
    return {"lanes": int(plan.chunk_lanes(0)), "writes": n_writes,
            "raw_bytes": sum(a.nbytes for a in arrays.values()), "writers": rows,
            "checksums": checksums}


# --------------------------------------------------------------------------- parent


def _workers(proc) -> list:
    """Dask worker processes under ``proc``: forked from it (same command line), forked from
    a fork server (the server's children, with its command line) or spawned."""
    import psutil
    out = []
    try:
        own = proc.cmdline()
        for p in proc.children(recursive=True):
            cmd = p.cmdline()
            from_server = "forkserver" in " ".join(cmd) and p.parent().cmdline() == cmd
            if cmd == own or from_server or "spawn_main" in " ".join(cmd):
                out.append(p)
    except (psutil.Error, AttributeError):  # a process (or its parent) ended meanwhile
        return []
    return out


def _run_child(args: list[str], flame: Path | None = None) -> tuple[dict, float, float]:
    """Run this script as a child; return its JSON, wall seconds and peak tree memory (GB)."""
    import psutil
    cmd = [sys.executable, __file__, *args]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    spy = None
    while proc.poll() is None:
        peak = max(peak, tree_rss(ps))
        if flame is not None and spy is None:
            workers = _workers(ps)
            if len(workers) >= 2:
                spy = subprocess.Popen(["py-spy", "record", "--pid", str(workers[-1].pid),
                                        "--output", str(flame), "--rate", "200",
                                        "--nonblocking"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.1)
    wall = time.perf_counter() - t0
    if spy is not None:
        spy.wait(timeout=60)
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        raise SystemExit(f"child {args[0]} failed with exit code {proc.returncode}")
    return json.loads(out.strip().splitlines()[-1]), wall, peak / 1e9


def _sweep_child(n_lanes: int, path_name: str, engine: str, workdir: Path, workers: int,
                 model: str, flame: Path | None = None
                 ) -> tuple[Path, dict, float, float, int]:
    """Run one sweep end to end in a child; its file, report, wall, peak GB and store bytes."""
    import yaml
    sweep = workdir / f"sweep_{n_lanes}_{path_name}.yaml"
    sweep.write_text(yaml.safe_dump(sweep_file(n_lanes, PATHS[path_name], model)))
    store = workdir / f"out_{n_lanes}_{path_name}.zarr"
    e2e, wall, peak = _run_child(["--child-sweep", str(sweep), str(store),
                                  str(workers if engine == "dask" else 0)], flame)
    size = sum(f.stat().st_size for f in store.rglob("*") if f.is_file())
    shutil.rmtree(store)
    return sweep, e2e, wall, peak, size


def profile(n_lanes: int, path_name: str, engine: str, workdir: Path, workers: int,
            sample: int, flame: Path | None, bare: dict | None = None,
            model: str = "igesweep-2") -> dict:
    """Profile one sweep size, path and engine (the bare kernel measured unless given)."""
    sweep, e2e, wall, peak, size = _sweep_child(n_lanes, path_name, engine, workdir, workers,
                                                model, flame)
    if bare is None:
        bare, _, _ = _run_child(["--child-bare", str(sweep), str(sample)])
    on_dask = "cluster_start" in e2e["timings"]   # timed only where a cluster is started
    return {"lanes": e2e["lanes"], "path": path_name, "engine": engine, "wall": wall,
            "peak_gb": peak, "store_gb": size / 1e9, "e2e": e2e, "bare": bare,
            "on_dask": on_dask, "workers": workers if on_dask else 1}


def fixed_cost(path_name: str, engine: str, workdir: Path, workers: int,
               model: str = "igesweep-2") -> float:
    """Wall seconds of a 4-lane sweep of the same year and outputs: the fixed cost of a sweep."""
    return _sweep_child(4, path_name, engine, workdir, workers, model)[2]


def _ms(x: float) -> str:
    return f"{x:.2f}"


def _engine(row: dict) -> str:
    """The engine column: for ``default``, also where the sweep ran."""
    if row["engine"] == "dask":
        return "dask"
    return f"default ({'Dask' if row['on_dask'] else 'process'})"


def print_tables(rows: list[dict]) -> None:
    """The breakdown, the per-chunk costs and the ratio to the bare kernel, as markdown."""
    from igesweep.sweep.timing import CHUNK_PHASES, CLIENT_PHASES
    print("\n| round | lanes | path | engine | wall (s) | start-up | " + " | ".join(CLIENT_PHASES)
          + " | lanes/s | bare kernel lanes/s "
          "| end to end / bare | peak memory (GB) | store (GB) |")
    print("| ---: | ---: | --- | --- |" + " ---: |" * 15)
    for r in rows:
        t = r["e2e"]["timings"]
        rate = r["lanes"] / r["wall"]
        print(f"| {r['round']} | {r['lanes']:,} | {r['path']} | {_engine(r)} | {r['wall']:.1f} | "
              f"{r['e2e']['startup']:.2f} | "
              + " | ".join(_ms(t.get(k, 0.0)) for k in CLIENT_PHASES)
              + f" | {rate:,.0f} | {r['bare']['lanes_per_s']:,.0f} | "
                f"{rate / r['bare']['lanes_per_s']:.2f} | {r['peak_gb']:.2f} | "
                f"{r['store_gb']:.3f} |")
    print("\nChunks' time, share of (chunks wall x Dask workers, or chunks wall in this "
          "process); per chunk in ms:\n")
    print("| round | lanes | path | engine | chunks | lanes/chunk | " + " | ".join(CHUNK_PHASES)
          + " | idle | kernel ms/chunk | other ms/chunk |")
    print("| ---: | ---: | --- | --- |" + " ---: |" * 10)
    for r in rows:
        ph = r["e2e"]["chunk_phases"]
        n_chunks = r["bare"]["n_chunks"]
        budget = r["e2e"]["timings"]["chunks"] * r["workers"]
        busy = sum(ph.values()) if r["on_dask"] else sum(
            ph.get(k, 0.0) for k in ("pack", "kernel", "metrics"))
        idle = budget - busy
        shares = [ph.get(k, 0.0) / budget for k in CHUNK_PHASES] + [idle / budget]
        other = (sum(ph.values()) - ph.get("kernel", 0.0)) / n_chunks * 1e3
        print(f"| {r['round']} | {r['lanes']:,} | {r['path']} | {_engine(r)} | {n_chunks:,} | "
              f"{r['bare']['chunk_lanes']:,} | "
              + " | ".join(f"{100 * s:.1f} %" for s in shares)
              + f" | {ph.get('kernel', 0.0) / n_chunks * 1e3:.0f} | {other:.0f} |")


def print_rounds(rows: list[dict]) -> None:
    """End to end over bare per round, and best over best: the machine's noise in view.

    The two are measured a minute or more apart on a shared machine, so one
    round's ratio moves with whatever else ran; the fastest of several rounds
    of each is the least disturbed measurement of each.
    """
    print("\nEnd to end / bare by round, and the best end to end over the best bare "
          "(lanes/s, best of the rounds); then the same with the end to end lanes/s net "
          "of the fixed cost, lanes / (wall - a 4-lane sweep's wall in the same round), "
          "as issue 15 counts it:\n")
    print("| lanes | path | engine | walls (s) | 4-lane walls (s) | bare lanes/s "
          "| ratio by round | best / best | net ratio by round | net best / best |")
    print("| ---: | --- | --- | --- | --- | --- | --- | ---: | --- | ---: |")
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["lanes"], r["path"], _engine(r)), []).append(r)
    for (lanes, path, engine), rs in groups.items():
        rates = [r["lanes"] / r["wall"] for r in rs]
        nets = [r["lanes"] / (r["wall"] - r["fixed_wall"]) for r in rs]
        bares = [r["bare"]["lanes_per_s"] for r in rs]
        print(f"| {lanes:,} | {path} | {engine} | "
              + ", ".join(f"{r['wall']:.1f}" for r in rs) + " | "
              + ", ".join(f"{r['fixed_wall']:.2f}" for r in rs) + " | "
              + ", ".join(f"{b:,.0f}" for b in bares) + " | "
              + ", ".join(f"{a / b:.2f}" for a, b in zip(rates, bares, strict=True))
              + f" | **{max(rates) / max(bares):.2f}** | "
              + ", ".join(f"{a / b:.2f}" for a, b in zip(nets, bares, strict=True))
              + f" | **{max(nets) / max(bares):.2f}** |")


def print_codecs(result: dict) -> None:
    """Codec table for one chunk."""
    print(f"\nOne chunk ({result['lanes']:,} lanes, {result['raw_bytes'] / 1e6:.1f} MB raw), "
          "encoded in memory, best of 3:\n")
    print("| codec | ms | MB/s | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for name, c in result["codecs"].items():
        mbs = result["raw_bytes"] / 1e6 / c["seconds"] if c["seconds"] > 0 else math.inf
        print(f"| {name} | {1e3 * c['seconds']:.1f} | {mbs:,.0f} | {c['ratio']:.2f} |")


def print_writing(result: dict) -> None:
    """Processor time of writing one chunk, per writer kind, and of its checksums."""
    print(f"\nWriting one chunk ({result['lanes']:,} lanes, {result['raw_bytes'] / 1e6:.1f} MB "
          f"raw) into a store, processor time of all threads, median of {result['writes']}:\n")
    print("| writer | ms per chunk |")
    print("| --- | ---: |")
    for name, seconds in result["writers"].items():
        print(f"| {name} | {1e3 * seconds:.1f} |")
    print("\n| checksum of the chunk's arrays (best of 5) | ms |")
    print("| --- | ---: |")
    for name, seconds in result["checksums"].items():
        print(f"| {name} | {1e3 * seconds:.1f} |")


def main() -> None:
    """Parse arguments; run children or the whole profile."""
    if len(sys.argv) > 1 and sys.argv[1].startswith("--child"):
        kind, *rest = sys.argv[1:]
        if kind == "--child-sweep":
            result = child_sweep(rest[0], rest[1], int(rest[2]) or None)
        elif kind == "--child-bare":
            result = child_bare(rest[0], int(rest[1]))
        elif kind == "--child-writer":
            result = child_writer(rest[0], rest[1], int(rest[2]))
        else:
            result = child_codecs(rest[0])
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--paths", nargs="+", choices=list(PATHS), default=list(PATHS))
    parser.add_argument("--engines", nargs="+", choices=["default", "dask"],
                        default=["default", "dask"])
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)),
                        help="Dask workers of the dask engine")
    parser.add_argument("--bare-sample", type=int, default=200_000,
                        help="lanes timed for the bare kernel at most (stride sample of chunks)")
    parser.add_argument("--flame", type=Path, default=None,
                        help="directory for py-spy flame graphs of one worker (10^5 lanes)")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw results")
    parser.add_argument("--model", choices=list(VARIABLES), default="igesweep-2")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure everything this many times, round after round")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path_name in args.paths:  # compile or load every kernel once, untimed
            for engine in args.engines:
                profile(64, path_name, engine, Path(tmp), args.workers, 64, None,
                        model=args.model)
        for round_ in range(1, args.rounds + 1):
            for n in args.lanes:
                for path_name in args.paths:
                    bare = None
                    for engine in args.engines:
                        fixed = fixed_cost(path_name, engine, Path(tmp), args.workers,
                                           args.model)
                        flame = None
                        if (args.flame is not None and n == 100_000 and engine == "dask"
                                and round_ == 1):
                            args.flame.mkdir(parents=True, exist_ok=True)
                            flame = args.flame / f"worker_{path_name}.svg"
                        r = profile(n, path_name, engine, Path(tmp), args.workers,
                                    args.bare_sample, flame, bare, args.model)
                        bare = r["bare"]
                        rows.append({**r, "round": round_, "fixed_wall": fixed})
                        print(f"round {round_}, {n:,} {path_name} {engine}: {r['wall']:.1f} s, "
                              f"{r['lanes'] / r['wall'] / r['bare']['lanes_per_s']:.2f} of bare",
                              file=sys.stderr, flush=True)
        sweep = Path(tmp) / "codecs.yaml"
        import yaml
        sweep.write_text(yaml.safe_dump(sweep_file(100_000, True, args.model)))
        codecs, _, _ = _run_child(["--child-codecs", str(sweep)])
        writing, _, _ = _run_child(["--child-writer", str(sweep), tmp, "50"])
    print_tables(rows)
    if args.rounds > 1:
        print_rounds(rows)
    print_codecs(codecs)
    print_writing(writing)
    if args.json is not None:
        args.json.write_text(json.dumps({"rows": rows, "codecs": codecs, "writing": writing},
                                        indent=1))


if __name__ == "__main__":
    main()
