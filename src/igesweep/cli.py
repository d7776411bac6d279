"""The ``igesweep`` command line.

Exit codes: 0 success; 1 the integrator failed on a lane; 2 invalid input
(each problem printed with its YAML path; no output written).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence

import igesweep
from igesweep.catalogue import Catalogue, load_catalogue
from igesweep.errors import InputError
from igesweep.solver import STATUS_MEANINGS, STATUS_OK

EXIT_OK = 0
EXIT_LANE_FAILED = 1
EXIT_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="igesweep", description="Mechanistic anti-IgE therapy simulation at scale."
    )
    parser.add_argument("--version", action="version", version=f"igesweep {igesweep.__version__}")
    parser.add_argument("--catalogue", metavar="PATH",
                        help="therapy catalogue YAML (default: the shipped config/therapies.yaml)")
    sub = parser.add_subparsers(dest="command", required=True)
    sim = sub.add_parser("simulate", help="simulate one scenario into a zarr store")
    sim.add_argument("scenario", help="scenario YAML file (model.md §9)")
    sim.add_argument("-o", "--output", required=True, metavar="OUT.zarr", help="output zarr store")
    sim.add_argument("--overwrite", action="store_true", help="replace an existing output")
    sub.add_parser("therapies", help="list the therapy catalogue")
    return parser


def _cmd_simulate(args: argparse.Namespace, catalogue: Catalogue) -> int:
    from igesweep.simulate import simulate
    from igesweep.store import check_output_path, write_dataset

    check_output_path(args.output, overwrite=args.overwrite)
    ds = simulate(args.scenario, catalogue=catalogue)
    path = write_dataset(ds, args.output, overwrite=args.overwrite)
    status = int(ds["status"])
    if status != STATUS_OK:
        print(f"igesweep: integration failed ({STATUS_MEANINGS[status]}); outputs are NaN from "
              f"the failure on; store written to {path}", file=sys.stderr)
        return EXIT_LANE_FAILED
    print(f"wrote {path} ({ds.sizes['time']} output times, {ds.attrs['n_steps']} steps)",
          file=sys.stderr)
    return EXIT_OK


def _cmd_therapies(catalogue: Catalogue) -> int:
    rows = [("therapy", "mechanism", "label", "evidence of parameters")]
    for key, t in catalogue.therapies.items():
        counts = Counter(e.evidence for e in t.parameters.values())
        evidence = ", ".join(f"{level} {n}" for level, n in counts.most_common())
        rows.append((key, t.mechanism_class, t.label, evidence))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r[:3], widths, strict=True)) + "  " + r[3])
    print(f"\ncatalogue: {catalogue.path}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        catalogue = load_catalogue(args.catalogue)
        if args.command == "simulate":
            return _cmd_simulate(args, catalogue)
        return _cmd_therapies(catalogue)
    except InputError as err:
        print(f"igesweep: error: {err.format()}", file=sys.stderr)
        return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
