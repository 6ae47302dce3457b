# The England (or region) values the benchmark uses, from the shipped ONS reference table (and a
# Fingertips snapshot when configured): exactly the rows used, with their source and years.
# A relative path is looked up in the working directory, then in the project (`shipped`, common.smk).
rule comparators:
    input:
        **(
            {"snapshot": config["comparators"]["fingertips"]["snapshot"]}
            if config["comparators"]["fingertips"]["snapshot"]
            else {}
        ),
        reference=shipped(config["comparators"]["reference"]),
        regions=shipped(config["comparators"]["regions"]),
        # read only with comparators.from_run (England and regions summed from the run's cells);
        # else an ordering input: written only once the extract has passed ingest and cleaning,
        # so a run that bad input stops leaves nothing staged
        cells=rules.cells.output.cells,
    output:
        comparators=report(
            f"{STAGED}/tables/comparators.csv",
            caption="../report/comparators.rst",
            category="Tables",
        ),
    log:
        f"{LOGS}/comparators.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        areas=config["areas"],
        years=SPEC["years"],
        outcomes=outcome_params(config),
        benchmark={
            k: v
            for k, v in config["statistics"]["benchmark"].items()
            if k in ("source", "label", "values")
        },
        release=RELEASE,
        synthetic=SPEC["synthetic"],
        from_run=config["comparators"]["from_run"],
        disclosure=config["disclosure"],
        code=code_hash("comparators.py"),
    script:
        "../scripts/comparators.py"
