# One sweep per study: build its sweep file from the config, then run it with igesweep sweep.


rule make_sweep:
    input:
        catalogue="config/therapies.yaml",
    output:
        sweep="results/{study}/sweep.yaml",
        design="results/{study}/design.json",
    log:
        "logs/make_sweep/{study}.log",
    benchmark:
        "benchmarks/results/make_sweep/{study}.tsv"
    conda:
        "../envs/igesweep.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        study_config=lambda wildcards: config["studies"][wildcards.study],
        shared=lambda wildcards: {
            k: config[k] for k in ("reference_patient", "target_free_ige_ng_ml")
        },
    script:
        "../scripts/make_sweep.py"


rule run_sweep:
    input:
        sweep="results/{study}/sweep.yaml",
        catalogue="config/therapies.yaml",
    output:
        # The store itself is not a declared output: Snakemake deletes a job's outputs before
        # running it again, and an interrupted sweep must be resumed, not restarted. The
        # marker is written only when the store is complete.
        touch("results/{study}/{study}.zarr.complete"),
    log:
        "logs/run_sweep/{study}.log",
    benchmark:
        "benchmarks/results/run_sweep/{study}.tsv"
    conda:
        "../envs/igesweep.yaml"
    # Snakemake caps this at --cores; the job then uses every core it gets: in its own
    # process up to 200,000 lanes (no cluster to start), else on as many local Dask workers
    threads: 64
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        store=lambda wildcards, output: output[0].removesuffix(".complete"),
        scheduler=(
            f"--scheduler {config['dask_scheduler']}"
            if config["dask_scheduler"]
            else ""
        ),
    shell:
        # --resume --overwrite: continue a store made with the same inputs, replace one made
        # with others (an edited study)
        "igesweep --catalogue {input.catalogue} sweep {input.sweep} -o {params.store}"
        " --resume --overwrite --cores {threads} {params.scheduler} > {log} 2>&1"
