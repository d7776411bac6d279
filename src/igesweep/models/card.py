"""A model's card: what running a model needs of its declaration, without SymPy.

Checking inputs, planning and packing lanes, computing metrics and labelling
stores read a model's parameters, outputs, binding options, event kinds and
digest, never its equations; those come compiled with its kernels
(:mod:`igesweep.solver.kernels`). A :class:`ModelCard` holds exactly that,
as plain data, so a command that runs a registered model does not import
SymPy or rebuild the declaration (together about half a second of every
command's start, BENCHMARKS.md).

:func:`get_card` builds a registered model's card from its declaration once
and keeps it as JSON in :data:`igesweep._cache.CACHE_DIR`, which is named
after a hash of igesweep's sources: a card is never read by sources other than
those that wrote it. A model declared outside the package
(``package.module:ATTRIBUTE``) gets its card from its declaration in every
process.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass
from functools import cache, lru_cache
from importlib.metadata import version
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING, Any

import numpy as np

from igesweep._cache import CACHE_DIR, write_atomically
from igesweep.models import MODEL_MODULES, get_model
from igesweep.models.terms import ModelNames, Parameter

if TYPE_CHECKING:
    from igesweep.models.declaration import Model

#: Version of the card's JSON layout; a file of another layout is rebuilt.
CARD_LAYOUT = 1
#: Modules the printed receptor baseline may use (SymPy's NumPy printer writes ``Max`` and
#: ``Min`` with ``functools.reduce``); they are all the code's evaluation can see.
_CODE_MODULES = {"numpy": np, "functools": functools}


@dataclass(frozen=True)
class OutputCard:
    """An output variable's name and labels (its definition stays in the declaration).

    Attributes
    ----------
    name : str
        Variable name in datasets and stores.
    unit : str
        Unit string.
    long_name : str
        Meaning, used as the ``long_name`` attribute.
    """

    name: str
    unit: str
    long_name: str


@dataclass(frozen=True)
class ModelCard(ModelNames):
    """What the run-time reads of a model declaration (:class:`~.declaration.Model`).

    Attributes
    ----------
    name, title, source : str
        As declared.
    declaration_digest : str
        :meth:`~.declaration.Model.digest` of the declaration (also :meth:`digest`).
    parameters : tuple of Parameter
        In packing order.
    constraints : tuple of (str, str)
        ``(rate, constant)`` pairs: where the rate is positive the constant must be too.
    state_names : tuple of str
        In state-vector order.
    outputs : tuple of OutputCard
        In the order the kernels write them.
    pre_event_output : str
        The output recorded just before every event.
    bindings : tuple of str
        Binding options the model offers.
    event_kinds : tuple of str
        Event kinds the model declares.
    stiffness_keys : tuple of str
        Parameters lockstep groups are formed by.
    receptor_readout : str or None
        The output of receptors per cell read by the metric ``fceri_reduction``.
    receptor_baseline_code : str or None
        That output's untreated value as a NumPy expression in ``p0``, ``p1``,
        ... (the parameters in packing order), printed by SymPy from the
        declaration.
    """

    name: str
    title: str
    source: str
    declaration_digest: str
    parameters: tuple[Parameter, ...]
    constraints: tuple[tuple[str, str], ...]
    state_names: tuple[str, ...]
    outputs: tuple[OutputCard, ...]
    pre_event_output: str
    bindings: tuple[str, ...]
    event_kinds: tuple[str, ...]
    stiffness_keys: tuple[str, ...]
    receptor_readout: str | None
    receptor_baseline_code: str | None

    def digest(self) -> str:
        """Hash of the declaration, as :meth:`~.declaration.Model.digest`."""
        return self.declaration_digest

    def receptor_baselines(self, params: np.ndarray) -> np.ndarray:
        """Untreated value of :attr:`receptor_readout` per lane (NaN without receptors).

        Parameters
        ----------
        params : numpy.ndarray, shape (n_lanes, n_parameters)
            Packed parameters in :attr:`parameter_names` order.
        """
        if self.receptor_baseline_code is None:
            return np.full(params.shape[0], np.nan)
        columns = {f"p{i}": column for i, column in enumerate(params.T)}
        value = eval(_compiled(self.receptor_baseline_code), dict(_CODE_MODULES), columns)
        return np.broadcast_to(np.asarray(value, dtype=float), params.shape[:1]).copy()


@lru_cache(maxsize=64)
def _compiled(code: str) -> CodeType:
    return compile(code, "<receptor baseline>", "eval")


def _baseline_code(model: Model) -> str | None:
    """The receptor baseline of ``model`` in parameters ``p0``, ``p1``... as NumPy code.

    Raises
    ------
    ValueError
        If SymPy cannot print it as code that needs only :data:`_CODE_MODULES`.
    """
    if model.receptor_baseline is None:
        return None
    import sympy as sp
    from sympy.printing.numpy import NumPyPrinter

    expr = sp.sympify(model.receptor_baseline)
    for d in reversed(model.derived):
        expr = expr.xreplace({d.symbol: d.expr})
    expr = expr.xreplace({sp.Symbol(k, real=True): v for k, v in model.constants.items()})
    expr = expr.xreplace({p.symbol: sp.Symbol(f"p{i}", real=True)
                          for i, p in enumerate(model.parameters)})
    printer = NumPyPrinter()
    try:
        code = printer.doprint(expr)
    except NotImplementedError as exc:  # a function SymPy cannot print for NumPy
        raise ValueError(f"model {model.name!r}: its receptor_baseline cannot be printed as "
                         f"NumPy code ({str(exc).splitlines()[0]})") from None
    needed = set(printer.module_imports) - set(_CODE_MODULES)
    if needed:
        raise ValueError(f"model {model.name!r}: its receptor_baseline needs "
                         f"{', '.join(sorted(needed))}; allowed: NumPy functions, Max, Min")
    return code


def card_of(model: Model) -> ModelCard:
    """The card of a declaration (imports SymPy to print the receptor baseline).

    Raises
    ------
    ValueError
        If the receptor baseline cannot be printed as NumPy code.
    """
    return ModelCard(
        name=model.name, title=model.title, source=model.source,
        declaration_digest=model.digest(),
        parameters=tuple(model.parameters),
        constraints=tuple((rate, constant) for rate, constant in model.constraints),
        state_names=model.state_names,
        outputs=tuple(OutputCard(o.name, o.unit, o.long_name) for o in model.outputs),
        pre_event_output=model.pre_event_output, bindings=model.bindings,
        event_kinds=tuple(ev.kind for ev in model.events),
        stiffness_keys=tuple(model.stiffness_keys), receptor_readout=model.receptor_readout,
        receptor_baseline_code=_baseline_code(model))


@cache
def _envelope() -> dict[str, str | int]:
    """What a cached card must have been written with: this layout and this SymPy (whose
    printing the declaration's digest depends on)."""
    return {"layout": CARD_LAYOUT, "sympy": version("sympy")}


def card_to_json(card: ModelCard) -> str:
    """The card as JSON text, with :data:`CARD_LAYOUT` and the SymPy version."""
    return json.dumps({**_envelope(), **asdict(card)}, indent=1)


def card_from_json(text: str) -> ModelCard:
    """A card from :func:`card_to_json`'s text.

    Raises
    ------
    ValueError
        If the text is not a card of this layout and SymPy version.
    """
    try:
        data: dict[str, Any] = json.loads(text)
        written_with = {key: data.pop(key) for key in _envelope()}
        if written_with != _envelope():
            raise ValueError(f"card written with {written_with}, not {_envelope()}")
        return ModelCard(**{
            **data,
            "parameters": tuple(Parameter(**p) for p in data["parameters"]),
            "constraints": tuple(tuple(c) for c in data["constraints"]),
            "outputs": tuple(OutputCard(**o) for o in data["outputs"]),
            **{k: tuple(data[k]) for k in ("state_names", "bindings", "event_kinds",
                                           "stiffness_keys")},
        })
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a model card: {exc}") from None


def _card_path(name: str) -> Path | None:
    if CACHE_DIR is None:
        return None
    return Path(CACHE_DIR) / "cards" / f"{name}.json"


@cache
def get_card(name: str) -> ModelCard:
    """The card of model ``name`` (a name for :func:`igesweep.models.get_model`).

    A registered model's card is read from the cache (SymPy is not imported),
    or built from its declaration and cached when it is not there or not
    readable; a cache that cannot be written is skipped.

    Raises
    ------
    KeyError
        With the allowed names, as :func:`igesweep.models.get_model`.
    ValueError
        If the model's receptor baseline cannot be printed as NumPy code.
    """
    path = _card_path(name) if name in MODEL_MODULES else None
    if path is not None:
        try:
            return card_from_json(path.read_text())
        except (OSError, ValueError):
            pass
    card = card_of(get_model(name))
    if path is not None:
        try:
            write_atomically(path, card_to_json(card))
        except OSError:
            pass
    return card
