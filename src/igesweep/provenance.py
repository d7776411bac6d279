"""Provenance attributes recorded in every result: versions, commit, inputs, time."""

from __future__ import annotations

import datetime as _dt
import hashlib
import subprocess
from functools import cache
from pathlib import Path

from igesweep._version import __version__


@cache
def git_commit() -> str:
    """Commit of the igesweep source tree, with ``-dirty`` if modified; ``unknown`` if none."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return "unknown"
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                              capture_output=True, text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("-dirty" if dirty.strip() else "")


def provenance_attrs(input_text: str, input_kind: str) -> dict[str, str]:
    """Global attributes describing how a result was made.

    Parameters
    ----------
    input_text : str
        The scenario or sweep file's text (or its YAML dump).
    input_kind : str
        ``scenario`` or ``sweep``.
    """
    return {
        "title": f"igesweep {input_kind} result",
        "source": f"igesweep {__version__} (git {git_commit()})",
        "igesweep_version": __version__,
        "git_commit": git_commit(),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        f"{input_kind}_yaml": input_text,
        f"{input_kind}_sha256": hashlib.sha256(input_text.encode()).hexdigest(),
        "references": "model: docs/model.md (igesweep model specification v1)",
    }
