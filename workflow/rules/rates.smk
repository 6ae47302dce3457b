# Proportions with Wilson 95%/99.8% CIs by each dimension, ONS small-number flags and the benchmark
# comparison; the published table after disclosure control.
rule rates:
    input:
        cells=rules.cells.output.cells,
    output:
        rates=f"{RESTRICTED}/rates_unrounded.parquet",
        published=report(
            f"{PUBLISHED}/tables/rates.csv", caption="../report/rates.rst", category="Tables"
        ),
    params:
        areas=config["areas"],
        disclosure=config["disclosure"],
        statistics={
            key: value
            for key, value in config.get("statistics", {}).items()
            if key in ("confidence", "small_numbers", "benchmark")
        },
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
