# Raw extract -> canonical, validated births table (restricted).
rule ingest:
    input:
        extract=SPEC["extract"],
    output:
        births=f"{RESTRICTED}/births.parquet",
    params:
        column_map=config["column_map"],
        code=source_hash("ingest"),
    log:
        f"{LOGS}/ingest.log",
    conda:
        ENV
    script:
        "../scripts/ingest.py"
