"""igesweep: mechanistic anti-IgE therapy simulation at scale.

Public API
----------
simulate
    One scenario (model.md §9) to an :class:`xarray.Dataset`.
load_catalogue
    The therapy catalogue, validated.
parse_scenario
    Validate a scenario mapping.
InputError
    Raised for invalid input; every problem names its YAML path.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from igesweep._version import __version__
from igesweep.errors import InputError

if TYPE_CHECKING:
    from igesweep.catalogue import Catalogue, load_catalogue
    from igesweep.scenario import Scenario, parse_scenario
    from igesweep.simulate import simulate

#: Public names imported on first use (PEP 562), so that ``import igesweep`` and the
#: command line's start do not pay for NumPy, xarray, Numba and SymPy.
_LAZY = {
    "Catalogue": "igesweep.catalogue",
    "load_catalogue": "igesweep.catalogue",
    "Scenario": "igesweep.scenario",
    "parse_scenario": "igesweep.scenario",
    "simulate": "igesweep.simulate",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'igesweep' has no attribute {name!r}")


class _Package(types.ModuleType):
    """``igesweep.simulate`` is both a submodule and the public function: importing the
    submodule must not replace the function (the import system sets the package attribute
    of a submodule when it is first loaded)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = [
    "Catalogue",
    "InputError",
    "Scenario",
    "__version__",
    "load_catalogue",
    "parse_scenario",
    "simulate",
]
