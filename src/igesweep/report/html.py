"""Assemble the self-contained HTML report: each configured study's sections, answers first,
then validation, provenance and a glossary (figures embedded as PNG data URIs)."""

from __future__ import annotations

import html
import json
import platform
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from igesweep.report import figures
from igesweep.report.page import Page, ReportContext
from igesweep.report.tables import html_table
from igesweep.report.validation import published_html, validation_section
from igesweep.studies import in_report_order
from igesweep.units import IGE_NG_ML_PER_IU_ML

CSS = """
body { font-family: system-ui, sans-serif; max-width: 1250px; margin: 2em auto; color: #222;
       line-height: 1.45; padding: 0 1em; }
h1 { border-bottom: 2px solid #345; } h2 { margin-top: 2em; border-bottom: 1px solid #bbb; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.9em; color: #444; }
table { border-collapse: collapse; font-size: 0.85em; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
th { background: #eef; } td.left, th.left { text-align: left; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 0.8em; }
nav a { margin-right: 1em; }
div.scroll { overflow-x: auto; max-width: 100%; }
table.grid td, table.grid th { font-size: 0.8em; white-space: nowrap; padding: 2px 4px; }
ul.findings li { margin: 0.4em 0; }
"""

PACKAGES = ("igesweep", "numpy", "numba", "scipy", "xarray", "zarr", "dask", "distributed",
            "salib", "snakemake", "matplotlib", "pydantic")


def _versions() -> str:
    rows = []
    for name in PACKAGES:
        try:
            rows.append([name, metadata.version(name)])
        except metadata.PackageNotFoundError:
            rows.append([name, "not installed"])
    rows.append(["python", platform.python_version()])
    return html_table(["package", "version"], rows)


def _run_times(benchmarks_dir: Path) -> str:
    rows = []
    for tsv in sorted(benchmarks_dir.rglob("*.tsv")):
        lines = tsv.read_text().splitlines()
        if len(lines) >= 2:
            seconds = float(lines[1].split("\t")[0])
            rows.append([str(tsv.relative_to(benchmarks_dir).with_suffix("")), seconds])
    return html_table(["job", "wall time (s)"], rows) if rows else "<p>No job timings found.</p>"


#: Terms the report uses, explained once.
GLOSSARY = (
    ("FcεRI", "The high-affinity IgE receptor of mast cells and basophils; IgE bound to it "
              "arms the cell, and allergen cross-linking that IgE triggers it."),
    ("free IgE", "IgE bound neither to drug nor to FcεRI: what can still arm cells (ng/mL; "
                 f"1 IU/mL = {IGE_NG_ML_PER_IU_ML:g} ng/mL)."),
    ("trough", "Free IgE just before a dose, the highest of the dosing interval once doses "
               "repeat; steady state: after enough doses that it no longer changes."),
    ("attainment", "The share of virtual patients whose steady-state trough free IgE is below "
                   "the target."),
    ("Kd", "Equilibrium dissociation constant of drug and IgE (nM): the lower, the tighter "
           "the binding."),
    ("QE", "Quasi-equilibrium binding: drug and IgE at binding equilibrium at every instant "
           "(the published omalizumab models' assumption)."),
    ("q2w, q4w", "Every 2 weeks, every 4 weeks."),
    ("S1, ST", "First-order and total Sobol indices: the share of a metric's variance due to "
               "a factor alone, and with all its interactions."),
    ("μ*, σ", "Morris screening: the mean absolute elementary effect of a factor, and the "
              "spread of its effects (interaction or non-linearity)."),
    ("elasticity", "Relative change of a metric per relative change of a parameter, at the "
                   "reference patient."),
    ("CSU", "Chronic spontaneous urticaria."),
    ("LLPC", "Long-lived plasma cells: IgE producers that B-cell-depleting drugs do not reach."),
    ("cross-link hazard", "Drug-bridged FcεRI pairs per cell relative to the number that "
                          "triggers the cell; ≥ 1 predicts degranulation by the drug itself."),
)


def _glossary() -> str:
    items = "".join(f"<dt><b>{html.escape(t)}</b></dt><dd>{html.escape(d)}</dd>"
                    for t, d in GLOSSARY)
    return f'<h2 id="glossary">Glossary</h2><dl>{items}</dl>'


def build_report(results: Path, config: Mapping[str, Any], out: Path, figures_dir: Path,
                 benchmarks_dir: Path | None = None) -> None:
    """Write ``out`` (one self-contained HTML file) and the figures as PNG files.

    Parameters
    ----------
    results : Path
        The workflow's results directory (``<study>/analysis.json`` and stores).
    config : mapping
        The workflow configuration (shown in the provenance section).
    out : Path
        The HTML file to write.
    figures_dir : Path
        Directory that receives every figure as ``<name>.png``.
    benchmarks_dir : Path, optional
        Snakemake benchmark files, for the run-time table.
    """
    page = Page(figures_dir)
    ctx = ReportContext(results, config)
    studies = in_report_order(list(config["studies"]))
    for study in studies:
        study.report(page, ctx.analysis(study.name), ctx)

    validation = results / "validation"
    page.section("validation", "Validation against published data",
                 "Published observations next to the calibrated model's values, with agreement "
                 "bands; the calibrations that set catalogue values; and what the model cannot "
                 "say. The integrator's accuracy against an independent reference solver "
                 "(relative error ≤ 1e-4 for every catalogue therapy) is checked by the test "
                 "suite.", nav="Validation")
    observations = json.loads((validation / "observations.json").read_text())
    page.figure("observed_vs_predicted",
                figures.observed_vs_predicted(observations["rows"], observations["model"]),
                "Every row of the table below as the model's value over the published one; "
                "the grey bar is the agreement band stated from the source before the model "
                "ran. Each row's primary citation is in the table.")
    page.raw("<details><summary>The validation table and the calibrations (click to "
             "open)</summary>")
    page.raw(validation_section(json.loads((validation / "calibration.json").read_text()),
                                observations))
    page.raw("</details>")
    page.raw("<h3>The omalizumab entry against the published population models</h3>")
    page.png("published_comparison", (validation / "published_comparison.png").read_bytes(),
             "Free IgE, total IgE and total drug for typical patients on their US label regimen: "
             "igesweep's omalizumab (full and QE binding) against Lowe 2009 and Hayashi 2007 as "
             "published (separate complex volume, ratio-dependent Kd); bottom: trough ratio "
             "igesweep/Lowe across baseline IgE x weight.")
    page.raw(published_html(pd.read_csv(validation / "published_comparison.csv")))

    page.section("provenance", "Provenance", "Configuration, versions, commit and run times.")
    prov = ctx.analysis(studies[0].name)["provenance"] if studies else {}
    if prov:
        page.raw(html_table(["item", "value"], [
            ["igesweep version", prov["igesweep_version"]], ["git commit", prov["git_commit"]],
            [f"sweep store created ({studies[0].name})", prov["created"]]]))
    page.raw(_versions())
    page.raw("<details><summary>The workflow configuration (click to open)</summary>"
             f"<pre>{html.escape(yaml.safe_dump(dict(config), sort_keys=False))}</pre></details>")
    if benchmarks_dir is not None:
        page.raw(_run_times(benchmarks_dir))

    page.parts.append(_glossary())
    page.anchors.append(("glossary", "Glossary"))
    nav = " ".join(f'<a href="#{a}">{html.escape(t)}</a>' for a, t in page.anchors)
    doc = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
           f"<title>igesweep report</title><style>{CSS}</style></head><body>"
           f"<h1>igesweep report</h1><nav>{nav}</nav>{''.join(page.parts)}</body></html>")
    out.write_text(doc)
