"""Assemble the self-contained HTML report (figures embedded as PNG data URIs)."""

from __future__ import annotations

import base64
import html
import io
import json
import platform
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import yaml
from matplotlib.figure import Figure

from igesweep.report import figures
from igesweep.report.tables import dose_grid_html, html_table
from igesweep.report.validation import published_html, validation_section
from igesweep.sweep import open_sweep

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


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


class _Page:
    """Sections of HTML, with figures both embedded and written as PNG files."""

    def __init__(self, figures_dir: Path) -> None:
        self.parts: list[str] = []
        self.figures_dir = figures_dir
        figures_dir.mkdir(parents=True, exist_ok=True)

    def section(self, anchor: str, title: str, text: str) -> None:
        self.parts.append(f'<h2 id="{anchor}">{html.escape(title)}</h2><p>{text}</p>')

    def figure(self, name: str, fig: Figure, caption: str) -> None:
        self.png(name, _png(fig), caption)

    def png(self, name: str, data: bytes, caption: str) -> None:
        (self.figures_dir / f"{name}.png").write_bytes(data)
        uri = base64.b64encode(data).decode()
        self.parts.append(
            f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{uri}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")

    def raw(self, text: str) -> None:
        self.parts.append(text)


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
                 "1 IU/mL = 2.4 ng/mL)."),
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


def _sobol_verdict(sob: Mapping[str, Any]) -> str:
    """One sentence per metric: converged, or not, with the N that would be needed."""
    lines = []
    for key, v in sob.get("converged", {}).items():
        metric = html.escape(figures.METRIC_LABELS.get(key, key))
        if v["converged"]:
            lines.append(f"{metric}: converged at N = {v['n_base']} (every total index's 95 % "
                         f"interval within ±{v['tolerance']:g}).")
        else:
            needed = (f"about N = {v['n_needed']:,} would be needed" if v["n_needed"]
                      else "no N can be estimated")
            above = "; a total index exceeds 1 beyond its interval" if v["total_above_one"] else ""
            lines.append(f"<b>{metric}: not converged</b> at N = {v['n_base']}: the widest "
                         f"95 % interval of a total index is ±{v['max_half_width']:.2f} "
                         f"(tolerance ±{v['tolerance']:g}){above}; {needed} "
                         "(interval width falls as 1/√N).")
    if not lines:
        return ""
    return "<p>Convergence of the total indices:</p><ul>" + "".join(
        f"<li>{x}</li>" for x in lines) + "</ul>"


def _key_findings(page: _Page, table: Mapping[str, Any]) -> None:
    """The answers first: key findings, then the optimised dosing table against both labels."""
    items = "".join(f"<li>{html.escape(s)}</li>" for s in table["key_findings"])
    page.parts.append(f'<h2 id="findings">Key findings</h2><ul class="findings">{items}</ul>')
    draws = (f"each under {table['n_draws']} parameter draws from the published standard "
             "errors" if table["n_draws"] else "typical parameter values")
    page.section(
        "optimised", "Which dose for which patient (omalizumab)",
        f"At every grid point (weight × pre-treatment IgE), the least label option (75–600 mg "
        f"in 75-mg steps, every 2 or 4 weeks; the longer interval when the drug per 4 weeks is "
        f"the same) that keeps free IgE below {table['target_free_ige_ng_ml']:g} ng/mL just "
        f"before the dose at steady state (day 252) in at least {table['attainment']:.0%} of "
        f"{table['n_subjects']} virtual patients drawn from the published variability, "
        f"{draws} (<code>igesweep dose</code>; docs/model.md §D1). Each cell: that answer and "
        "the share of patients it keeps below target, then the label's regimen for the point "
        "and its share. The label tables were designed for a <em>mean</em> free IgE of about "
        "25 ng/mL (dossier §B3); the finder asks more of a regimen: a share of patients at "
        "the trough. The EU table's every-2-weeks doses (its Table 3) were not retrieved.")
    page.raw("<h3>Against the US table (≥ 12 years)</h3>")
    page.raw(dose_grid_html(table, "us"))
    page.raw("<h3>Against the EU table</h3>")
    page.raw(dose_grid_html(table, "eu"))
    page.raw("<p>The model has no age covariate: the pediatric range of the US label "
             "(6 to &lt;12 years: 20–150 kg, 30–1,300 IU/mL) is shown as the adult model "
             "predicts it, inside this grid.</p>")


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
    def load(study: str) -> dict[str, Any]:
        return json.loads((results / study / "analysis.json").read_text())

    page = _Page(figures_dir)
    target = config["target_free_ige_ng_ml"]
    optimised = (load("optimised_dosing_table")
                 if "optimised_dosing_table" in config["studies"] else None)
    if optimised is not None:
        _key_findings(page, optimised)
    ref = load("therapy_reference")
    page.section("therapies", "Therapies compared",
                 "Every therapy of the catalogue at its usual regimen for the reference patient "
                 f"({config['reference_patient']['weight_kg']} kg, "
                 f"{config['reference_patient']['ige_baseline_iu_ml']} IU/mL), one year, "
                 "daily output; summary metrics with a free-IgE target of "
                 f"{target} ng/mL.")
    ds = open_sweep(results / "therapy_reference" / "therapy_reference.zarr").load()
    page.figure("time_courses", figures.time_courses(ds),
                "Free and total IgE; FcεRI per basophil and per mast cell; the basophils' and "
                "the mast cells' (clinical) activation threshold fold; the mast-cell response; "
                "the cross-link hazard (drug-bridged receptor pairs relative to the number that "
                "triggers a cell; dashed line: predicted degranulation), per therapy "
                "(igesweep-2, docs/model.md §M2.8-§M2.9).")
    page.raw(html_table(["therapy", *ref["metrics"]],
                    [[t, *[ref["metrics"][m][i] for m in ref["metrics"]]]
                     for i, t in enumerate(ref["therapy"])]))
    page.raw("<p>Each therapy's usual regimen, mechanism, what its drug does on mast cells and "
             "basophils, and the evidence of its parameter values (catalogue, "
             "<code>igesweep therapies</code>); values a therapy borrows from another drug are "
             "counted with where they come from. <strong>Predicted degranulation</strong>: the "
             "drug itself bridges enough receptors to trigger the cells (cross-link hazard "
             "≥ 1 at its usual regimen).</p>")
    page.raw(html_table(
        ["therapy", "mechanism", "usual regimen", "on mast cells and basophils",
         "evidence of its values", "borrowed values", "cross-link verdict"],
        [[r["therapy"], r["mechanism_class"], r["regimen"], r["on_cells"], r["evidence"],
          "; ".join(f"{n} from {o}" for o, n in r["borrowed"].items()) or "none",
          "PREDICTED DEGRANULATION" if r["predicted_degranulation"] else "below threshold"]
         for r in ref["catalogue"]]))
    comp = load("model_comparison")
    cfg = config["studies"]["model_comparison"]
    page.section("models", "Models compared",
                 f"Omalizumab {cfg['dose_mg']} mg every {cfg['interval_days']} days for the "
                 f"reference patient's weight ({config['reference_patient']['weight_kg']} kg) in "
                 f"each model ({', '.join(comp['model'])}; docs/model.md), by baseline IgE. "
                 "lowe2009 and hayashi2007 are the published population models as published "
                 "(their total IgE starts at the baseline and drifts toward the model's own "
                 f"steady state). Line: the {target} ng/mL target.")
    page.figure("model_comparison", figures.model_comparison(comp, target),
                "Free and total IgE over time per model and baseline IgE.")
    page.raw(html_table(
        ["model", *[f"trough free IgE at {v:g} IU/mL (ng/mL)" for v in
                    comp["ige_baseline_iu_ml"]]],
        [[m, *comp["trough_free_ige"][i]] for i, m in enumerate(comp["model"])]))
    pop = load("therapy_population")
    page.figure("population", figures.population_ranges(pop),
                "Median and 5–95 % range over the virtual population (weight and baseline IgE "
                "drawn per subject; published inter-individual variability where the catalogue "
                "has it).")

    dmap = load("dosing_map")
    page.section("dosing-map", "Dosing map (omalizumab)",
                 "Baseline IgE × weight × dose × interval, with a virtual population of "
                 f"{dmap['n_subjects']} subjects per cell drawn from the published variability "
                 "(Lowe 2009). Trough = free IgE just before the last dose of the last 12 weeks.")
    page.figure("dosing_map_trough", figures.dosing_map_trough(dmap),
                "Median steady-state trough free IgE (ng/mL) per regimen.")
    page.figure("dosing_map_attainment", figures.dosing_map_attainment(dmap),
                f"Share of subjects with trough free IgE below {target} ng/mL per regimen.")

    table = load("dosing_table")
    page.section("dosing-table", "The US label dosing table",
                 "Every approved cell of the US omalizumab table (≥12 years), evaluated with "
                 "virtual patients drawn uniformly across the cell's weight and IgE range, each "
                 "with subjects drawn from the published inter-individual variability of the "
                 "omalizumab entry (Lowe 2009, correlations included): share whose steady-state "
                 "trough free IgE (just before the dose at one year) stays below 50 and "
                 "25 ng/mL; n = patients × subjects per cell. Green = all, red = none.")
    shares = [c for c in table["columns"] if c.startswith("share_below")]
    page.raw(html_table(table["columns"], table["rows"], colour=dict.fromkeys(shares, "share")))

    aff = load("affinity_map")
    page.section("affinity", "What affinity buys",
                 "Drug–IgE Kd from 1 pM to 10 nM with omalizumab's PK, for several doses every "
                 "4 weeks, reference patient.")
    page.figure("affinity_map", figures.affinity(aff),
                "Trough free IgE, FcεRI reduction and maximal threshold fold against Kd.")

    sob = load("sobol")
    page.section("sensitivity", "Sensitivity of the summary metrics",
                 "Global: Sobol indices (SALib Saltelli sampler, power-of-two N, fixed seed, "
                 "bootstrap CIs) and Morris screening over the parameters with published "
                 "variability (typical × exp(±2ω)) plus patient covariates and illustrative "
                 "receptor parameters. Local: normalised elasticities at the reference patient.")
    page.figure("sobol", figures.sobol_bars(sob),
                "First-order (S1) and total (ST) Sobol indices with 95 % bootstrap intervals.")
    page.figure("sobol_convergence", figures.sobol_convergence(sob),
                "Total indices recomputed on the first N base samples: flat lines mean "
                "converged.")
    page.raw(_sobol_verdict(sob))
    page.figure("morris", figures.morris_scatter(load("morris")),
                "Morris μ* (mean absolute elementary effect) against σ (interaction or "
                "non-linearity).")
    loc = load("local")
    page.figure("elasticities", figures.elasticity_bars(loc),
                "Normalised elasticities (relative change of the metric per relative change of "
                "the parameter).")
    missing = [figures.METRIC_LABELS.get(m, m) for m, v in loc["elasticity"].items()
               if all(x is None for x in v)]
    if missing:
        page.raw(f"<p>Omitted: {html.escape(', '.join(missing))}, which cannot be computed at "
                 "the reference patient (e.g. a time to target when the target is never "
                 "reached).</p>")

    validation = results / "validation"
    page.section("validation", "Validation against published data",
                 "Published observations next to the calibrated model's values, with agreement "
                 "bands; the calibrations that set catalogue values; and what the model cannot "
                 "say. The integrator's accuracy against an independent reference solver "
                 "(relative error ≤ 1e-4 for every catalogue therapy) is checked by the test "
                 "suite.")
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
    prov = ref["provenance"]
    page.raw(html_table(["item", "value"], [
        ["igesweep version", prov["igesweep_version"]], ["git commit", prov["git_commit"]],
        ["sweep stores created (first study)", prov["created"]]]))
    page.raw(_versions())
    page.raw("<details><summary>The workflow configuration (click to open)</summary>"
             f"<pre>{html.escape(yaml.safe_dump(dict(config), sort_keys=False))}</pre></details>")
    if benchmarks_dir is not None:
        page.raw(_run_times(benchmarks_dir))

    page.parts.append(_glossary())
    nav = " ".join(f'<a href="#{a}">{t}</a>' for a, t in [
        *([("findings", "Key findings"), ("optimised", "Which dose")] if optimised else []),
        ("therapies", "Therapies"), ("dosing-map", "Dosing map"),
        ("dosing-table", "Dosing table"), ("affinity", "Affinity"),
        ("sensitivity", "Sensitivity"), ("validation", "Validation"),
        ("provenance", "Provenance"), ("glossary", "Glossary")])
    doc = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
           f"<title>igesweep report</title><style>{CSS}</style></head><body>"
           f"<h1>igesweep report</h1><nav>{nav}</nav>{''.join(page.parts)}</body></html>")
    out.write_text(doc)
