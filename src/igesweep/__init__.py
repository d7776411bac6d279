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

from igesweep._version import __version__
from igesweep.catalogue import Catalogue, load_catalogue
from igesweep.errors import InputError
from igesweep.scenario import Scenario, parse_scenario
from igesweep.simulate import simulate

__all__ = [
    "Catalogue",
    "InputError",
    "Scenario",
    "__version__",
    "load_catalogue",
    "parse_scenario",
    "simulate",
]
