# One sweep per study: build its sweep file from the config, then run it with igesweep sweep.


rule make_sweep:
    input:
        catalogue="config/therapies.yaml",
    output:
        sweep="results/{study}/sweep.yaml",
        design="results/{study}/design.json",
    params:
        study_config=lambda wildcards: config["studies"][wildcards.study],
        shared=lambda wildcards: {
            k: config[k] for k in ("reference_patient", "target_free_ige_ng_ml")
        },
    log:
        "logs/make_sweep/{study}.log",
    benchmark:
        "benchmarks/results/make_sweep/{study}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/igesweep.yaml"
    script:
        "../scripts/make_sweep.py"


rule run_sweep:
    input:
        sweep="results/{study}/sweep.yaml",
        catalogue="config/therapies.yaml",
    output:
        directory("results/{study}/{study}.zarr"),
    params:
        scheduler=(
            f"--scheduler {config['dask_scheduler']}" if config["dask_scheduler"] else ""
        ),
    log:
        "logs/run_sweep/{study}.log",
    benchmark:
        "benchmarks/results/run_sweep/{study}.tsv"
    threads: workflow.cores
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../envs/igesweep.yaml"
    shell:
        "igesweep --catalogue {input.catalogue} sweep {input.sweep} -o {output} --overwrite"
        " --workers {threads} {params.scheduler} > {log} 2>&1"
