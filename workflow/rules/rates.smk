# Rates of every declared outcome (percentages with Wilson limits, rates per 1,000 with exact/Byar's
# limits) by each dimension, each outcome's small-number flags and the benchmark comparison, and the
# published definitions of the outcomes (tables/outcomes.csv). The published table holds the protected counts (rounded, primary and secondary
# suppression, consistent with the previous release when there is one) and statistics from them.
rule rates:
    input:
        **{k: v for k, v in PREVIOUS.items() if k.startswith("previous_rates")},
        cells=rules.cells.output.cells,
        comparators=rules.comparators.output.comparators,
        cells_detailed=rules.cells.output.cells_detailed,
    output:
        rates=f"{RESTRICTED}/rates_unrounded.parquet",
        published=report(
            f"{STAGED}/tables/rates.csv", caption="../report/rates.rst", category="Tables"
        ),
        definitions=f"{STAGED}/tables/outcomes.csv",
    log:
        f"{LOGS}/rates.log",
    conda:
        ENV
    resources:
        mem_mb=scaled(1000, 100),
        runtime=scaled(5, 2),
    params:
        outcomes=outcome_params(config),
        areas=config["areas"],
        disclosure=config["disclosure"],
        statistics={
            key: value
            for key, value in config["statistics"].items()
            if key in ("confidence", "small_numbers", "benchmark")
        },
        release=RELEASE,
        synthetic=SPEC["synthetic"],
        deprivation=config["deprivation"],
        ethnicity=config["ethnicity"],
        captions=caption_statements(config),  # method statements of the report captions
        code=code_hash("rates.py"),
    script:
        "../scripts/rates.py"
