# Example scenarios of config/examples/: one igesweep simulate job each, then a metrics table.


rule simulate_example:
    input:
        scenario="config/examples/{name}.yaml",
        catalogue="config/therapies.yaml",
    output:
        directory("results/examples/{name}.zarr"),
    log:
        "logs/simulate_example/{name}.log",
    benchmark:
        "benchmarks/results/simulate_example/{name}.tsv"
    conda:
        "../envs/igesweep.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "igesweep --catalogue {input.catalogue} simulate {input.scenario} -o {output} > {log} 2>&1"


rule examples:
    input:
        "results/examples/summary.csv",


rule summarise_examples:
    input:
        expand("results/examples/{name}.zarr", name=config["examples"]),
    output:
        "results/examples/summary.csv",
    log:
        "logs/summarise_examples.log",
    benchmark:
        "benchmarks/results/summarise_examples.tsv"
    conda:
        "../envs/igesweep.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/summarise_examples.py"
