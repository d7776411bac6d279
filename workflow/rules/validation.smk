# Calibration and validation: the catalogue's calibrated values refitted to published data
# (`igesweep calibrate`), and every published observation next to the simulated value.


rule calibrate:
    input:
        catalogue="config/therapies.yaml",
    output:
        "results/validation/calibration.json",
    log:
        "logs/calibrate.log",
    benchmark:
        "benchmarks/results/calibrate.tsv"
    conda:
        "../envs/igesweep.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "igesweep --catalogue {input.catalogue} calibrate -o {output} > {log} 2>&1"


rule validate:
    input:
        catalogue="config/therapies.yaml",
    output:
        "results/validation/observations.json",
    log:
        "logs/validate.log",
    benchmark:
        "benchmarks/results/validate.tsv"
    conda:
        "../envs/igesweep.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/validate.py"


rule compare_published:
    input:
        catalogue="config/therapies.yaml",
    output:
        table="results/validation/published_comparison.csv",
        figure="results/validation/published_comparison.png",
    log:
        "logs/compare_published.log",
    benchmark:
        "benchmarks/results/compare_published.tsv"
    conda:
        "../envs/igesweep.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=20,
    params:
        grid=config["published_comparison"],
    script:
        "../scripts/compare_published.py"
