"""Write fitted values back into the catalogue's YAML text.

The catalogue keeps one parameter per line as a flow mapping
(``name: {value: ..., unit: ..., source: ..., evidence: ..., note: ...}``), with
comments and free-text ``conversions`` around it. Editing those lines in place
keeps every other byte of the file, which a YAML round trip would not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from igesweep.calibration.result import CalibrationResult

_KEY_LINE = re.compile(r"^( *)[^ #\-][^:]*:")


def _block_range(lines: list[str], path: tuple[str, ...]) -> tuple[int, int]:
    """First and one-past-last line of the block at ``path`` (keys, two spaces per level)."""
    start, end = -1, len(lines)
    for depth, key in enumerate(path):
        header = f"{'  ' * depth}{key}:"
        start = next((i for i in range(start + 1, end) if lines[i].rstrip() == header), -1)
        if start < 0:
            raise KeyError(f"catalogue block {'.'.join(path[:depth + 1])!r} not found")
        end = next((i for i in range(start + 1, end)
                    if (m := _KEY_LINE.match(lines[i])) and len(m.group(1)) <= 2 * depth), end)
    return start, end


def _entry_line(name: str, value: float, unit: str, source: str, note: str,
                indent: str) -> str:
    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)
    return (f"{indent}{name}: {{value: {value:.6g}, unit: {q(unit)}, source: {q(source)}, "
            f"evidence: calibrated, note: {q(note)}}}")


def calibrated_note(result: CalibrationResult) -> str:
    """The ``note`` of a calibrated entry: objective, residuals and weakness."""
    fits = "; ".join(
        f"{r.observation.key}{' ' + r.condition if r.condition else ''}: published "
        f"{r.observation.value:g} {r.observation.unit}, simulated {r.simulated:.4g}"
        for r in result.residuals)
    return (f"Fitted by `igesweep calibrate` ({result.name}). Objective: {result.objective} "
            f"Fit: {fits}. Weakness: {result.weakness}")


def write_back(text: str, results: Iterable[CalibrationResult]) -> str:
    """Return the catalogue text with every fitted value of ``results`` written in.

    Parameters
    ----------
    text : str
        The catalogue YAML.
    results : iterable of CalibrationResult
        Calibrations whose ``fitted`` values replace the catalogue's entries.

    Returns
    -------
    str
        The new YAML; each replaced entry has ``evidence: calibrated``, the data
        sources as ``source`` and the objective and fit as ``note``.

    Raises
    ------
    KeyError
        If a block or parameter is not in the catalogue.
    """
    lines = text.split("\n")
    for result in results:
        source = "; ".join(result.sources())
        for fitted in result.fitted:
            start, end = _block_range(lines, fitted.yaml_path)
            pattern = re.compile(rf"^(\s+){re.escape(fitted.name)}: \{{value:")
            hit = next((i for i in range(start, end) if pattern.match(lines[i])), None)
            if hit is None:
                raise KeyError(f"{fitted.label} not found in the catalogue")
            indent = pattern.match(lines[hit]).group(1)  # type: ignore[union-attr]
            lines[hit] = _entry_line(fitted.name, fitted.value, fitted.unit, source,
                                     calibrated_note(result), indent)
    return "\n".join(lines)
