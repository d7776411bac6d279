"""Lanes done, rate and ETA of a running sweep, on one line."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Lanes done, lanes/s and ETA on one line of a stream (stderr by default)."""

    def __init__(self, total_lanes: int, *, quiet: bool = False,
                 stream: TextIO | None = None) -> None:
        self.total = total_lanes
        self.done = 0
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()
        self._last = 0.0
        self._tty = self.stream.isatty()

    def update(self, lanes: int) -> None:
        """Count finished lanes and redraw at most twice a second (every 10 s off a terminal)."""
        self.done += lanes
        now = time.perf_counter()
        if self.quiet or (now - self._last < (0.5 if self._tty else 10.0)
                          and self.done < self.total):
            return
        self._last = now
        end = "\r" if self._tty and self.done < self.total else "\n"
        print(self.line(now), end=end, file=self.stream, flush=True)

    def line(self, now: float | None = None) -> str:
        """The progress line."""
        elapsed = (now or time.perf_counter()) - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else float("inf")
        pct = 100.0 * self.done / self.total if self.total else 100.0
        eta_text = "?" if eta == float("inf") else _duration(eta)
        return (f"lanes {self.done:,}/{self.total:,} ({pct:5.1f}%)  {rate:,.0f} lanes/s  "
                f"elapsed {_duration(elapsed)}  ETA {eta_text}")


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"
