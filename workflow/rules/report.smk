# The report: one self-contained HTML file with every figure embedded, plus the figures as
# PNG files for `snakemake --report`.


rule report:
    input:
        analyses=expand("results/{study}/analysis.json", study=STUDIES),
        swept=expand("results/{study}/{study}.zarr.complete", study=STUDIES),
        calibration="results/validation/calibration.json",
        observations="results/validation/observations.json",
        published=[
            "results/validation/published_comparison.csv",
            "results/validation/published_comparison.png",
        ],
    output:
        html="results/report.html",
        figures=report(
            directory("results/figures"),
            patterns=["{name}.png"],
            caption="../report/figure.rst",
            category="Figures",
        ),
    log:
        "logs/report.log",
    benchmark:
        "benchmarks/results/report.tsv"
    conda:
        "../envs/igesweep.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/report.py"
