# Raw extract(s) -> canonical, validated births table (restricted) and a validation report.
# On a fatal problem the report is also written next to the log, so it survives the failed job.
rule ingest:
    input:
        **deaths_inputs(SPEC),
        extracts=release_files(SPEC),
        presets=source_preset_files(SPEC["source"]),
    output:
        births=f"{RESTRICTED}/births.parquet",
        report_csv=f"{RESTRICTED}/qa/validation_report.csv",
        report_html=f"{RESTRICTED}/qa/validation_report.html",
    log:
        f"{LOGS}/ingest.log",
    conda:
        ENV
    resources:
        mem_mb=scaled(900, 12),
        runtime=scaled(5, 0.02),
    params:
        source=release_source(config),
        definitions=config["definitions"],
        years=SPEC["years"],
        implausible_share=config["validation"]["implausible_share"],
        area_lookup=AREA_LOOKUP,
        deaths=SPEC.get("deaths"),
        outcomes=outcome_params(config),
        release=RELEASE,
        report_dir=f"{LOGS}/ingest_validation",
        code=code_hash("ingest.py"),
    script:
        "../scripts/ingest.py"
