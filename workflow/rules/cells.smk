# Counts per covariate pattern: nothing after this rule reads record-level data.
rule cells:
    input:
        clean=rules.clean.output.clean,
    output:
        cells=f"{RESTRICTED}/cells.parquet",
        cells_detailed=f"{RESTRICTED}/cells_detailed.parquet",
        # deaths of the modelled mortality outcomes by preterm / low birth weight marker
        death_markers=f"{RESTRICTED}/death_marker_cells.parquet",
    log:
        f"{LOGS}/cells.log",
    conda:
        ENV
    resources:
        mem_mb=scaled(950, 30),
        runtime=scaled(5, 0.1),
    params:
        outcomes=outcome_params(config),
        definitions=config["definitions"],
        complete_to=deaths_complete_to(config),
        code=code_hash("cells.py"),
    script:
        "../scripts/cells.py"
