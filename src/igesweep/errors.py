"""Input errors that name the YAML path of every problem."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence


class InputError(Exception):
    """Invalid user input: a scenario, sweep or catalogue file, or an argument.

    Parameters
    ----------
    problems : sequence of (str, str)
        ``(yaml_path, message)`` pairs, e.g. ``("regimen.dose_mg", "must be > 0, got -3")``.
    source : str, optional
        File the input came from, for the message.
    """

    def __init__(self, problems: Sequence[tuple[str, str]], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__(self.format())

    def format(self) -> str:
        """One line per problem, each starting with its YAML path."""
        head = f"invalid input in {self.source}" if self.source else "invalid input"
        lines = [f"{path or '<top level>'}: {message}" for path, message in self.problems]
        return head + ":\n  " + "\n  ".join(lines)


def suggest(name: str, allowed: Iterable[str]) -> str:
    """Return ``"did you mean 'x'? "`` for the closest allowed name, or ``""``."""
    allowed = list(allowed)
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.5)
    if not close:
        close = [a for a in allowed if a.startswith(name) or name.startswith(a)][:1]
    return f"did you mean '{close[0]}'? " if close else ""


def unknown_name_message(kind: str, name: str, allowed: Iterable[str]) -> str:
    """Message for an unknown key or value, with a suggestion and the allowed names."""
    allowed = sorted(allowed)
    return f"unknown {kind} '{name}'; {suggest(name, allowed)}allowed: {', '.join(allowed)}"
