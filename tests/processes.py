"""Commands the tests run as real subprocesses, each bounded in time with what it started.

A command that overruns its time is killed together with its process group (its
Dask workers, Snakemake's jobs) and the test fails with the end of what it
printed. ``subprocess.run`` kills only the command itself, leaving its workers
running for the rest of the suite.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Sequence

import pytest

#: Seconds a command may run unless a test says otherwise.
DEFAULT_TIMEOUT_S = 600.0


def igesweep_command(*args: object) -> list[str]:
    """The ``igesweep`` command line with ``args``, run by this interpreter."""
    return [sys.executable, "-m", "igesweep.cli", *map(str, args)]


def run(cmd: Sequence[str], *, timeout: float = DEFAULT_TIMEOUT_S,
        **popen_kwargs) -> subprocess.CompletedProcess:
    """Run ``cmd`` to its end in a session of its own, its output captured as text.

    Parameters
    ----------
    cmd : sequence of str
        The command and its arguments.
    timeout : float
        Seconds before the command and every process of its group are killed and
        the test fails.
    **popen_kwargs
        Passed to :class:`subprocess.Popen` (``cwd``, ``env``, ``preexec_fn``...).
    """
    with subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, start_new_session=True, **popen_kwargs) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):   # all of the group ended since
                os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
            pytest.fail(f"still running after {timeout:g} s, killed with its process group: "
                        f"{' '.join(cmd)}\n--- stderr (end) ---\n{stderr[-4000:]}")
    return subprocess.CompletedProcess(list(cmd), proc.returncode, stdout, stderr)


def igesweep(*args: object, timeout: float = DEFAULT_TIMEOUT_S,
             **popen_kwargs) -> subprocess.CompletedProcess:
    """Run the ``igesweep`` command with ``args`` (see :func:`run`)."""
    return run(igesweep_command(*args), timeout=timeout, **popen_kwargs)
