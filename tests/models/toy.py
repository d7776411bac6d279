"""A model declared outside the package: igesweep-1 plus one state, for the tests.

``X`` accumulates free IgE over time (nM·day) and is reported as
``free_ige_auc`` (ng·day/mL). Nothing but this file declares it: the tests
run it through ``simulate`` and ``sweep`` by the name ``tests.models.toy:MODEL``.
"""

from __future__ import annotations

import dataclasses

from igesweep.models.declaration import Output, State
from igesweep.models.igesweep1 import MODEL as BASE
from igesweep.models.igesweep1 import NM_TO_NG, E, Q

X = State("X", "nM*day", "free IgE accumulated since day 0", 0, 100 * Q["e0"])

MODEL = dataclasses.replace(
    BASE,
    name="toy-auc",
    title="igesweep-1 with the free-IgE exposure as a state",
    source="tests/models/toy.py",
    states=(*BASE.states, X),
    rhs={**BASE.rhs, X.symbol: E},
    outputs=(*BASE.outputs, Output("free_ige_auc", NM_TO_NG * X.symbol, "ng*day/mL",
                                   "free IgE accumulated since day 0")),
)
