# Counts per covariate pattern: nothing after this rule reads record-level data.
rule cells:
    input:
        clean=rules.clean.output.clean,
    output:
        cells=f"{RESTRICTED}/cells.parquet",
    params:
        outcomes=config["outcomes"],
        code=code_hash("cells.py"),
    log:
        f"{LOGS}/cells.log",
    conda:
        ENV
    script:
        "../scripts/cells.py"
