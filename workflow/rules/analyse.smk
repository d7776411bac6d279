# Per-study analysis: tables and figure data from each sweep store.


rule analyse:
    input:
        swept="results/{study}/{study}.zarr.complete",
        design="results/{study}/design.json",
    output:
        "results/{study}/analysis.json",
    log:
        "logs/analyse/{study}.log",
    benchmark:
        "benchmarks/results/analyse/{study}.tsv"
    conda:
        "../envs/igesweep.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        store=lambda wildcards, input: input.swept.removesuffix(".complete"),
        study_config=lambda wildcards: config["studies"][wildcards.study],
        shared=lambda wildcards: {
            k: config[k] for k in ("reference_patient", "target_free_ige_ng_ml")
        },
    script:
        "../scripts/analyse.py"
