"""Build results/report.html and results/figures/ from the study analyses."""

from pathlib import Path

from igesweep.report.html import build_report

build_report(
    results=Path(snakemake.output.html).parent,  # noqa: F821 (set by Snakemake)
    config=snakemake.config,  # noqa: F821
    out=Path(snakemake.output.html),  # noqa: F821
    figures_dir=Path(snakemake.output.figures),  # noqa: F821
    benchmarks_dir=Path("benchmarks/results"),
)
