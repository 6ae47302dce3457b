# Binomial GLMs on the cell table: crude and mutually adjusted odds ratios (counts disclosure-controlled).
rule models:
    input:
        cells=rules.cells.output.cells,
    output:
        models=f"{PUBLISHED}/tables/models.csv",
    params:
        models=config["models"],
        areas=config["areas"],
        disclosure=config["disclosure"],
        release=RELEASE,
        synthetic=SPEC["synthetic"],
        deprivation=config.get("deprivation", {}),
        code=source_hash("models", "provenance"),
    log:
        f"{LOGS}/models.log",
    conda:
        ENV
    script:
        "../scripts/models.py"
