# Standard definitions, derived variables and the exclusion flow.
rule clean:
    input:
        **{k: v for k, v in PREVIOUS.items() if k.startswith("previous_flow")},
        births=rules.ingest.output.births,
        report=rules.ingest.output.report_csv,
        imd_lookup=IMD_LOOKUP,
    output:
        clean=f"{RESTRICTED}/births_clean.parquet",
        flow=f"{RESTRICTED}/exclusion_flow.csv",
        published_flow=f"{STAGED}/tables/exclusion_flow.csv",
    log:
        f"{LOGS}/clean.log",
    conda:
        ENV
    resources:
        mem_mb=scaled(950, 30),
        runtime=scaled(5, 0.1),
    params:
        areas=AREAS,
        years=SPEC["years"],
        definitions=config["definitions"],
        deprivation=config["deprivation"],
        implausible_share=config["validation"]["implausible_share"],
        disclosure=config["disclosure"],
        release=RELEASE,
        synthetic=SPEC["synthetic"],
        complete_to=deaths_complete_to(config),
        code=code_hash("clean.py"),
    script:
        "../scripts/clean.py"
