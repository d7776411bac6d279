"""The report's figures: each function returns a matplotlib Figure with title, units and legend."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from igesweep.units import IGE_NG_ML_PER_IU_ML

METRIC_LABELS = {
    "time_to_target": "time to target (day)",
    "fraction_below_target": "fraction of time below target",
    "trough_free_ige": "trough free IgE (ng/mL)",
    "fceri_reduction": "FcεRI reduction (fraction)",
    "max_threshold_fold": "max. threshold fold",
    "max_crosslink_hazard": "max. cross-link hazard",
    "nadir_free_ige": "lowest free IgE (ng/mL)",
}


def _ng_ml(iu_ml: Any) -> Any:
    """IgE in IU/mL as ng/mL (one unit for IgE across the report's panels)."""
    return iu_ml * IGE_NG_ML_PER_IU_ML


#: Line styles cycled with the colours, so that curves that coincide stay visible.
LINE_STYLES = ("-", "--", ":", "-.")


def time_courses(ds: xr.Dataset, target_ng_ml: float) -> Figure:
    """IgE, both effector populations and the cross-link hazard per therapy over time."""
    panels = [
        ("free_ige", "free IgE (ng/mL)", True),
        ("total_ige", "total IgE (ng/mL)", True),
        ("basophil_fceri_total", "FcεRI per basophil", True),
        ("mast_cell_fceri_total", "FcεRI per mast cell", True),
        ("basophil_threshold_fold", "basophil activation threshold fold", True),
        ("threshold_fold", "mast-cell (clinical) threshold fold", True),
        ("mast_cell_response", "mast-cell response (relative)", True),
        ("crosslink_hazard", "cross-link hazard (1 = degranulation)", False),
    ]
    fig, axes = plt.subplots(2, 4, figsize=(19, 8.8), constrained_layout=True)
    cmap = plt.get_cmap("tab20")
    therapies = [str(t) for t in ds["therapy"].values]
    for ax, (name, label, log) in zip(axes.ravel(), panels, strict=True):
        for i, therapy in enumerate(therapies):
            values = ds[name].sel(therapy=therapy)
            if name == "total_ige":
                values = _ng_ml(values)
            ax.plot(ds["time"], values, color=cmap(i % 20), ls=LINE_STYLES[i % 4],
                    label=therapy, lw=1.4)
        ax.set_xlabel("time (day)")
        ax.set_ylabel(label)
        ax.set_title(label)
        if log:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
    axes[0, 0].axhline(target_ng_ml, color="k", ls="--", lw=1.0)
    axes[0, 0].annotate(f"target {target_ng_ml:g} ng/mL", (0.02, target_ng_ml),
                        xycoords=("axes fraction", "data"), fontsize=7, va="bottom")
    axes[1, 3].axhline(1.0, color="k", ls="--", lw=1.0)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=7, fontsize=8,
               title="therapy")
    fig.suptitle("Time courses per therapy at its usual regimen (reference patient)")
    return fig


def model_comparison(summary: Mapping[str, Any], target_ng_ml: float) -> Figure:
    """Free and total IgE over time per model, one column per baseline IgE."""
    ige = summary["ige_baseline_iu_ml"]
    fig, axes = plt.subplots(2, len(ige), figsize=(4.5 * len(ige), 7), squeeze=False,
                             constrained_layout=True)
    styles = ["-", "--", ":", "-."]
    for j, level in enumerate(ige):
        for m, model in enumerate(summary["model"]):
            for row, key in enumerate(("free_ige", "total_ige")):
                values = np.array([np.nan if v is None else v for v in summary[key][m][j]])
                if key == "total_ige":
                    values = _ng_ml(values)
                axes[row, j].plot(summary["time"], values, styles[m % 4],
                                  color=plt.get_cmap("tab10")(m), label=model, lw=1.6)
        axes[0, j].axhline(target_ng_ml, color="0.4", lw=0.8)
        axes[0, j].set_title(f"baseline IgE {level:g} IU/mL")
        axes[0, j].set_ylabel("free IgE (ng/mL)")
        axes[1, j].set_ylabel("total IgE (ng/mL)")
        for row in range(2):
            axes[row, j].set_yscale("log")
            axes[row, j].set_xlabel("time (day)")
            axes[row, j].grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8, title="model")
    fig.suptitle("Omalizumab in each model, same patients and regimen")
    return fig


def population_ranges(summary: Mapping[str, Any]) -> Figure:
    """Median and 5–95 % range of the metrics over the virtual population, per therapy."""
    therapies = summary["therapy"]
    metrics = summary["metrics"]
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 5),
                             constrained_layout=True)
    y = np.arange(len(therapies))
    for ax, (label, q) in zip(np.atleast_1d(axes), metrics.items(), strict=True):
        med = np.array([np.nan if v is None else v for v in q["median"]])
        lo = np.array([np.nan if v is None else v for v in q["p05"]])
        hi = np.array([np.nan if v is None else v for v in q["p95"]])
        ax.errorbar(med, y, xerr=[med - lo, hi - med], fmt="o", capsize=3,
                    label="median, 5–95 %")
        ax.set_yticks(y, therapies, fontsize=8)
        ax.set_xlabel(label)
        ax.set_title(label.split(" [")[0].replace("_", " "))
        ax.grid(alpha=0.3)
        if "free_ige" in label or "threshold" in label:
            ax.set_xscale("log")
    np.atleast_1d(axes)[0].legend(fontsize=8)
    fig.suptitle(f"Virtual population ({summary['n_subjects']} subjects per therapy)")
    return fig


def _heatmaps(summary: Mapping[str, Any], key: str, title: str, cbar: str,
              log: bool, contour: float | None = None) -> Figure:
    data = np.array(summary[key], dtype=float)  # (ige, weight, dose, interval)
    doses, intervals = summary["dose_mg"], summary["interval_days"]
    ige, weight = summary["ige_baseline_iu_ml"], summary["weight_kg"]
    fig, axes = plt.subplots(len(intervals), len(doses), figsize=(4 * len(doses),
                             3.4 * len(intervals)), constrained_layout=True, squeeze=False)
    finite = data[np.isfinite(data)]
    vmin, vmax = (finite.min(), finite.max()) if finite.size else (0, 1)
    norm = matplotlib.colors.LogNorm(max(vmin, 1e-3), max(vmax, 1e-2)) if log else \
        matplotlib.colors.Normalize(0, 1)
    image = None
    for i, interval in enumerate(intervals):
        for j, dose in enumerate(doses):
            ax = axes[i, j]
            cell = data[:, :, j, i]
            image = ax.pcolormesh(weight, ige, cell, norm=norm, shading="nearest",
                                  cmap="cividis")
            for a, e in enumerate(ige):
                for b, w in enumerate(weight):
                    if np.isfinite(cell[a, b]):
                        shade = norm(cell[a, b])
                        ax.text(w, e, f"{cell[a, b]:.2g}", ha="center", va="center",
                                fontsize=6, color="black" if shade > 0.55 else "white")
            if contour is not None and np.nanmin(cell) < contour < np.nanmax(cell):
                ax.contour(weight, ige, cell, levels=[contour], colors="#D55E00",
                           linewidths=1.5)
            ax.set_yscale("log")
            ax.set_title(f"{dose:g} mg every {interval:g} days")
            ax.set_xlabel("weight (kg)")
            ax.set_ylabel("baseline IgE (IU/mL)")
    fig.colorbar(image, ax=axes, label=cbar)
    fig.suptitle(title)
    return fig


def dosing_map_trough(summary: Mapping[str, Any]) -> Figure:
    """Median trough free IgE over baseline IgE x weight, one panel per regimen."""
    target = summary["target_free_ige_ng_ml"]
    return _heatmaps(summary, "median_trough_free_ige_ng_ml",
                     f"Omalizumab: median steady-state trough free IgE (orange line: "
                     f"{target:g} ng/mL)", "median trough free IgE (ng/mL)", log=True,
                     contour=target)


def dosing_map_attainment(summary: Mapping[str, Any]) -> Figure:
    """Share of subjects with trough free IgE below target, one panel per regimen."""
    return _heatmaps(summary, "share_below_target",
                     f"Omalizumab: share of subjects with trough free IgE < "
                     f"{summary['target_free_ige_ng_ml']:g} ng/mL",
                     "share of subjects below target", log=False)


def affinity(summary: Mapping[str, Any]) -> Figure:
    """What affinity buys: trough free IgE, receptor loss and threshold rise against Kd."""
    kd = np.array(summary["kd_nm"], dtype=float)
    panels = [("trough_free_ige_ng_ml", "trough free IgE (ng/mL)", True),
              ("fceri_reduction", "FcεRI reduction at one year (fraction)", False),
              ("max_threshold_fold", "max. activation threshold fold", True)]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5), constrained_layout=True)
    for ax, (key, label, log) in zip(axes, panels, strict=True):
        values = np.array(summary[key], dtype=float)  # (kd, dose)
        for j, dose in enumerate(summary["dose_mg"]):
            ax.plot(kd, values[:, j], marker="o", label=f"{dose:g} mg q4w")
        ax.set_xscale("log")
        if log:
            ax.set_yscale("log")
        ax.set_xlabel("drug–IgE Kd (nM)")
        ax.set_ylabel(label)
        ax.set_title(label)
        ax.grid(alpha=0.3)
    axes[0].legend(title="dose")
    fig.suptitle("Affinity map: omalizumab PK with the drug–IgE Kd varied (reference patient)")
    return fig


#: Okabe–Ito's colour-blind-safe palette (black last), then darker variants: distinct
#: colours for up to 10 factors; markers tell apart the ones beyond.
FACTOR_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
                  "#000000", "#8C6D1F", "#2F6B8F")
MARKERS = ("o", "s", "^", "D")
#: Factors named in each Morris panel (the largest μ*).
MORRIS_LABELS = 6


def sobol_bars(summary: Mapping[str, Any]) -> Figure:
    """First-order and total Sobol indices with bootstrap confidence intervals."""
    factors = summary["factors"]
    metrics = [m for m in summary["indices"] if "error" not in summary["indices"][m]]
    if not metrics:
        return _empty("Global sensitivity (Sobol)", "too few finite samples for Sobol indices")
    fig, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 5),
                             sharey=True,
                             constrained_layout=True)
    y = np.arange(len(factors))
    for ax, metric in zip(np.atleast_1d(axes), metrics, strict=False):
        idx = summary["indices"][metric]
        for offset, key, color in ((-0.2, "S1", "#0072B2"), (0.2, "ST", "#E69F00")):
            vals = np.array([np.nan if v is None else v for v in idx[key]])
            conf = np.array([0 if v is None else v for v in idx[f"{key}_conf"]])
            ax.barh(y + offset, vals, height=0.4, xerr=conf, color=color, label=key, capsize=2)
        ax.set_title(METRIC_LABELS.get(metric, metric), fontsize=10)
        ax.set_xlabel("Sobol index")
        ax.grid(alpha=0.3, axis="x")
    np.atleast_1d(axes)[0].set_yticks(y, factors, fontsize=8)
    np.atleast_1d(axes)[0].legend()
    fig.suptitle(f"Global sensitivity (Sobol, N = {summary['n_base_samples']} base samples, "
                 "95 % bootstrap CI)")
    return fig


def _empty(title: str, message: str) -> Figure:
    fig, ax = plt.subplots(figsize=(8, 2))
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center")
    ax.set_title(title)
    return fig


def sobol_convergence(summary: Mapping[str, Any]) -> Figure:
    """Total Sobol indices against the number of base samples (convergence check)."""
    metrics = list(summary["convergence"])
    if not metrics:
        return _empty("Convergence of the total Sobol indices with N",
                      "too few base samples for a convergence check")
    fig, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 4),
                             constrained_layout=True, sharey=True)
    for ax, metric in zip(np.atleast_1d(axes), metrics, strict=True):
        conv = summary["convergence"][metric]
        n = np.array(conv["n"], dtype=float)
        st = np.array([np.nan if v is None else v for v in conv["ST"]])
        names = np.array(conv["factor"])
        for k, factor in enumerate(summary["factors"]):
            sel = names == factor
            ax.plot(n[sel], st[sel], marker=MARKERS[k // 10 % len(MARKERS)],
                    color=FACTOR_COLOURS[k % len(FACTOR_COLOURS)], label=factor)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("base samples N")
        ax.set_ylabel("total index ST")
        ax.set_title(METRIC_LABELS.get(metric, metric), fontsize=10)
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[-1].legend(fontsize=7)
    fig.suptitle("Convergence of the total Sobol indices with N")
    return fig


def morris_scatter(summary: Mapping[str, Any]) -> Figure:
    """Morris mu* against sigma, one panel per metric."""
    metrics = [m for m in summary["indices"] if "error" not in summary["indices"][m]]
    if not metrics:
        return _empty("Morris screening", "too few finite trajectories for Morris indices")
    fig, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 4),
                             constrained_layout=True)
    for ax, metric in zip(np.atleast_1d(axes), metrics, strict=False):
        idx = summary["indices"][metric]
        mu = np.array([np.nan if v is None else v for v in idx["mu_star"]])
        sigma = np.array([np.nan if v is None else v for v in idx["sigma"]])
        ax.scatter(mu, sigma, color="#999999", label="factor")
        top = [i for i in np.argsort(-np.nan_to_num(mu, nan=-np.inf))[:MORRIS_LABELS]
               if np.isfinite(mu[i])]
        for rank, i in enumerate(top):
            ax.scatter(mu[i], sigma[i], color=FACTOR_COLOURS[rank % len(FACTOR_COLOURS)])
            ax.annotate(summary["factors"][i], (mu[i], sigma[i]), fontsize=7,
                        xytext=(4, 4 + 9 * (rank % 3)), textcoords="offset points",
                        arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "#666666"})
        ax.margins(x=0.25, y=0.2)
        ax.set_xlabel("μ* (metric units)")
        ax.set_ylabel("σ (metric units)")
        ax.set_title(METRIC_LABELS.get(metric, metric), fontsize=10)
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].legend()
    fig.suptitle(f"Morris screening: mean absolute effect μ* and spread σ "
                 f"(the {MORRIS_LABELS} largest μ* named)")
    return fig


def elasticity_bars(summary: Mapping[str, Any]) -> Figure:
    """Normalised elasticities of each metric at the reference patient."""
    names = summary["parameters"]
    metrics = [m for m in summary["elasticity"]
               if any(v is not None for v in summary["elasticity"][m])]
    if not metrics:
        return _empty("Local sensitivity", "no metric could be computed at the reference patient")
    fig, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 5), sharey=True,
                             constrained_layout=True)
    y = np.arange(len(names))
    for ax, metric in zip(np.atleast_1d(axes), metrics, strict=True):
        vals = np.array([np.nan if v is None else v for v in summary["elasticity"][metric]])
        ax.barh(y, vals, color=np.where(vals >= 0, "#0072B2", "#D55E00"),
                label="elasticity")
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel("(∂metric/∂p)·(p/metric)")
        ax.set_title(METRIC_LABELS.get(metric, metric), fontsize=10)
        ax.grid(alpha=0.3, axis="x")
    np.atleast_1d(axes)[0].set_yticks(y, names, fontsize=8)
    np.atleast_1d(axes)[0].legend()
    fig.suptitle("Local sensitivity: normalised elasticities at the reference patient")
    return fig


def _row_label(row: Mapping[str, Any]) -> str:
    """A row's key, with its condition where one observation is compared several times."""
    if row["role"] == "calibration" and row["condition"]:
        return f"{row['key']} ({row['condition'][:24]})"
    return str(row["key"])


def observed_vs_predicted(rows: list[Mapping[str, Any]], model: str) -> Figure:
    """Each validation row: the model's value over the published one, with the band.

    The band (``low``..``high``, stated from the source) is drawn as a bar on the
    same scale; a row agrees when its point lies on its bar. Calibration rows are
    marked apart: the model was fitted to them.
    """
    ordered = sorted(rows, key=lambda r: (r["role"] != "calibration", r["key"]))
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(ordered) + 1.5), constrained_layout=True)
    for y, r in enumerate(ordered):
        ref = r["published"] if r["published"] else 1.0
        low, high = r["low"] / ref, min(r["high"] / ref, 1e3)
        ax.plot([max(low, 1e-3), high], [y, y], color="0.7", lw=5, solid_capstyle="butt")
        ratio = r["simulated"] / ref if r["simulated"] is not None else np.nan
        marker = "s" if r["role"] == "calibration" else "o"
        ax.plot(np.clip(ratio, 1e-3, 1e3), y, marker, ms=6,
                color="#0072B2" if r["agrees"] else "#D55E00")
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks(range(len(ordered)))
    ax.set_yticklabels([_row_label(r) for r in ordered], fontsize=7)
    ax.set_xlabel("simulated / published (grey: the band stated from the source)")
    ax.set_title(f"Observed against predicted, {model}: blue agrees, orange does not; "
                 "squares were fitted")
    ax.grid(alpha=0.3, axis="x")
    return fig
