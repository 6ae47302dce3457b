# Proportions with Wilson 95% CIs by each dimension; the published table after disclosure control.
rule rates:
    input:
        cells=rules.cells.output.cells,
    output:
        rates=f"{RESTRICTED}/rates_unrounded.parquet",
        published=f"{PUBLISHED}/tables/rates.csv",
    params:
        areas=config["areas"],
        disclosure=config["disclosure"],
        release=RELEASE,
        synthetic=SPEC["synthetic"],
        deprivation=config.get("deprivation", {}),
        code=source_hash("rates", "provenance"),
    log:
        f"{LOGS}/rates.log",
    conda:
        ENV
    script:
        "../scripts/rates.py"
