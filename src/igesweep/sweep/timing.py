"""Where a sweep's time goes: seconds per phase, in the workers and in the client."""

from __future__ import annotations

import time

#: Phases of a chunk's work in a worker (:class:`~igesweep.sweep.compute.ChunkReport`).
CHUNK_PHASES = ("pack", "kernel", "metrics", "write", "checksum")
#: Phases of a sweep in the client, in order (:class:`~igesweep.sweep.run.SweepSummary`).
CLIENT_PHASES = ("plan", "store", "warm_up", "cluster_start", "scatter", "chunks", "finish",
                 "cluster_stop")


class Stopwatch:
    """Seconds per phase: each :meth:`lap` charges the time since the last one to a phase."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        """Charge the time since the previous lap (or creation) to ``phase``."""
        now = time.perf_counter()
        self.seconds[phase] = self.seconds.get(phase, 0.0) + now - self._last
        self._last = now
