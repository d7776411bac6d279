"""What a study is: how it builds its sweep, how it summarises the store, how it is reported."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import xarray as xr

from igesweep.catalogue import Catalogue
from igesweep.report.page import Page, ReportContext

#: The study's section of the configuration, and the shared settings
#: (``reference_patient``, ``target_free_ige_ng_ml``).
Config = Mapping[str, Any]
Build = Callable[[Config, Config, Catalogue], tuple[dict[str, Any], dict[str, Any]]]
Summarise = Callable[[xr.Dataset, Mapping[str, Any], Config, Config], dict[str, Any]]
Report = Callable[[Page, Mapping[str, Any], ReportContext], None]


@dataclass(frozen=True)
class Study:
    """One study of the workflow, declared by its module as ``STUDY``.

    Attributes
    ----------
    name : str
        The study's key in ``config.yaml`` (``studies.<name>``) and its module's name.
    build : callable
        ``build(cfg, shared, catalogue) -> (sweep, info)``: the sweep file's
        mapping (model.md §10) and JSON-ready design information for the summary.
    summarise : callable
        ``summarise(ds, info, cfg, shared) -> dict``: the JSON-ready analysis
        of the opened store.
    report : callable
        ``report(page, analysis, context)``: the study's section(s) of the report.
    rank : int
        Position in the report (ascending): the answers first.
    """

    name: str
    build: Build
    summarise: Summarise
    report: Report
    rank: int
