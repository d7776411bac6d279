"""Models by name: one module declares each (:mod:`.declaration`); code is generated from it.

``igesweep-1`` is the model of docs/model.md §1-9, ``igesweep-2`` (the default)
that of §M2; ``lowe2009`` and
``hayashi2007`` are the published omalizumab–IgE models. :func:`get_model` returns a
declaration; :func:`igesweep.solver.kernels.load_kernels` its compiled kernels.
Besides the registered names, a model declared in any importable module is
named ``package.module:ATTRIBUTE`` (a :class:`~.declaration.Model` instance).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from igesweep.models.declaration import Model

#: Registered models: name -> module holding ``MODEL``.
MODEL_MODULES: dict[str, str] = {
    "igesweep-1": "igesweep.models.igesweep1",
    "igesweep-2": "igesweep.models.igesweep2",
    "lowe2009": "igesweep.models.lowe2009",
    "hayashi2007": "igesweep.models.hayashi2007",
}
#: The model a scenario runs when it names none (the newest igesweep model).
DEFAULT_MODEL = "igesweep-2"
#: The model whose parameters the catalogue's top-level ``patient`` and
#: ``therapies`` blocks hold; other models take them through ``models.<name>``
#: blocks (docs/model.md §M2.4).
CATALOGUE_MODEL = "igesweep-1"
#: igesweep's own models, newest first (the others are published models, transcribed).
IGESWEEP_MODELS = ("igesweep-2", "igesweep-1")


def model_names() -> tuple[str, ...]:
    """Names of the registered models."""
    return tuple(MODEL_MODULES)


def is_registered(name: str) -> bool:
    """Whether ``name`` is a registered model (not a ``module:ATTRIBUTE`` reference)."""
    return name in MODEL_MODULES


def is_model(name: object) -> bool:
    """Whether ``name`` names a model :func:`get_model` can load."""
    if not isinstance(name, str):
        return False
    if name in MODEL_MODULES:
        return True
    try:
        get_model(name)
    except KeyError:
        return False
    return True


def get_model(name: str) -> Model:
    """The declaration of model ``name``: a registered name or ``package.module:ATTRIBUTE``.

    Raises
    ------
    KeyError
        With the allowed names, when ``name`` is neither registered nor an
        importable reference to a model declaration.
    """
    from igesweep.models.declaration import Model

    if name in MODEL_MODULES:
        return importlib.import_module(MODEL_MODULES[name]).MODEL
    allowed = f"allowed: {', '.join(MODEL_MODULES)}, or package.module:ATTRIBUTE"
    module, sep, attribute = name.partition(":")
    if not sep or not module or not attribute:
        raise KeyError(f"unknown model {name!r}; {allowed}")
    try:
        model = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as exc:
        raise KeyError(f"model {name!r} cannot be loaded ({exc}); {allowed}") from None
    if not isinstance(model, Model):
        raise KeyError(f"{name!r} is a {type(model).__name__}, not a model declaration")
    return model
