"""Input errors that name the YAML path of every problem, and runs stopped before their end."""

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


#: Allowed names listed in full up to this many; beyond, the closest ones and a count.
LISTED_NAMES = 15


def suggest(name: str, allowed: Iterable[str]) -> str:
    """Return ``"did you mean 'x'? "`` for the closest allowed name, or ``""``.

    A name the given one begins (``dose`` -> ``dose_mg``) comes first, the
    shortest such; then the closest by similarity.
    """
    allowed = list(allowed)
    close = sorted((a for a in allowed if name and a.startswith(name)), key=len)[:1]
    if not close:
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.5)
    if not close:
        close = [a for a in allowed if name.startswith(a)][:1]
    return f"did you mean '{close[0]}'? " if close else ""


def unknown_name_message(kind: str, name: str, allowed: Iterable[str]) -> str:
    """Message for an unknown key or value, with a suggestion and the allowed names.

    Up to :data:`LISTED_NAMES` names are listed; a longer list gives the
    closest few and how many there are.
    """
    allowed = sorted(allowed)
    if len(allowed) <= LISTED_NAMES:
        listed = ", ".join(allowed)
    else:
        near = difflib.get_close_matches(name, allowed, n=6, cutoff=0.0)
        listed = f"{', '.join(near)} and {len(allowed) - len(near)} more"
    return f"unknown {kind} '{name}'; {suggest(name, allowed)}allowed: {listed}"


class RunStopped(Exception):
    """A run stopped before its end; what it wrote is kept, and it can be resumed.

    Parameters
    ----------
    reason : str
        What stopped it: an interrupt, a write that failed, lost workers.
    hint : str
        What is kept where, and how to continue.
    interrupted : bool
        Whether the user stopped it (Ctrl-C, SIGINT).
    """

    def __init__(self, reason: str, hint: str, *, interrupted: bool = False) -> None:
        self.reason = reason
        self.hint = hint
        self.interrupted = interrupted
        super().__init__(f"{reason}; {hint}")
