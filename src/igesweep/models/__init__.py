"""Models by name: one module declares each (:mod:`.declaration`); code is generated from it.

``igesweep-1`` is the model of docs/model.md. :func:`get_model` returns a
declaration; :func:`igesweep.solver.kernels.load_kernels` its compiled kernels.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from igesweep.models.declaration import Model

#: Registered models: name -> module holding ``MODEL``.
MODEL_MODULES: dict[str, str] = {
    "igesweep-1": "igesweep.models.igesweep1",
}
#: The model a scenario runs when it names none (the newest igesweep model).
DEFAULT_MODEL = "igesweep-1"


def model_names() -> tuple[str, ...]:
    """Names of the registered models."""
    return tuple(MODEL_MODULES)


def registered_module(name: str) -> str:
    """Module path of the registered model ``name``.

    Raises
    ------
    KeyError
        With the allowed names, when ``name`` is not registered.
    """
    try:
        return MODEL_MODULES[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; allowed: {', '.join(MODEL_MODULES)}") from None


def get_model(name: str) -> Model:
    """The declaration of the registered model ``name``."""
    return importlib.import_module(registered_module(name)).MODEL
