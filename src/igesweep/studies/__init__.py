"""The workflow's studies, one module each, found by name.

A study module ``igesweep.studies.<name>`` declares ``STUDY``, a
:class:`~igesweep.studies.base.Study`: how to build its sweep from its section
of ``config.yaml`` (``studies.<name>``), how to summarise the store, and how it
appears in the report. The workflow scripts and the report loop over the
configured studies; adding a study is one module, its section of the config
(and of ``workflow/schemas/config.schema.yaml``) and its tests.
"""

from __future__ import annotations

import importlib
import pkgutil

from igesweep.studies.base import Study

#: Modules of this package that are not studies.
_HELPERS = frozenset({"base", "common"})


def available() -> tuple[str, ...]:
    """Names of every study module, sorted."""
    return tuple(sorted(m.name for m in pkgutil.iter_modules(__path__)
                        if m.name not in _HELPERS and not m.name.startswith("_")))


def get_study(name: str) -> Study:
    """The study called ``name``.

    Raises
    ------
    KeyError
        Naming the allowed studies when there is no such module.
    """
    if name not in available():
        raise KeyError(f"studies.{name}: no such study; allowed: {', '.join(available())}")
    study = importlib.import_module(f"igesweep.studies.{name}").STUDY
    assert study.name == name, f"module {name} declares study {study.name}"
    return study


def in_report_order(names: list[str]) -> list[Study]:
    """The configured studies, answers first (:attr:`Study.rank`)."""
    return sorted((get_study(n) for n in names), key=lambda s: s.rank)


__all__ = ["Study", "available", "get_study", "in_report_order"]
