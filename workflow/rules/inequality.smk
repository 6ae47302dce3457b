# Indicator tables (birthgaps.stats.indicators), each derived from protected counts: Fingertips recent
# trends (yearly counts rounded first; groups withheld in rates.csv get none), and inequality measures
# (rate ratios, SII/RII, PAF) and funnel plots from the published rates table's counts.
# Each rule gets only the statistics settings it uses, so a change re-runs only those rules.
STATISTICS = config["statistics"]


rule trends:
    input:
        **{k: v for k, v in PREVIOUS.items() if k == "previous_trend_counts"},
        cells=rules.cells.output.cells,
        rates=rules.rates.output.published,
    output:
        counts=f"{RESTRICTED}/trend_counts.parquet",
        trends=report(
            f"{STAGED}/tables/trends.csv",
            caption="../report/indicators.rst",
            category="Tables",
        ),
    log:
        f"{LOGS}/trends.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        areas=config["areas"],
        disclosure=config["disclosure"],
        statistics={k: v for k, v in STATISTICS.items() if k in ("trend", "small_numbers")},
        release=RELEASE,
        synthetic=SPEC["synthetic"],
        deprivation=config["deprivation"],
        outcomes=outcome_params(config),
        code=code_hash("trends.py"),
    script:
        "../scripts/trends.py"


rule inequality:
    input:
        rates=rules.rates.output.published,
    output:
        inequality=report(
            f"{STAGED}/tables/inequality.csv",
            caption="../report/indicators.rst",
            category="Tables",
        ),
    log:
        f"{LOGS}/inequality.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        areas=config["areas"],
        disclosure=config["disclosure"],
        statistics={
            k: v for k, v in STATISTICS.items() if k in ("confidence", "small_numbers", "sii")
        },
        release=RELEASE,
        synthetic=SPEC["synthetic"],
        deprivation=config["deprivation"],
        outcomes=outcome_params(config),
        code=code_hash("inequality.py"),
    script:
        "../scripts/inequality.py"


rule funnel:
    input:
        rates=rules.rates.output.published,
        comparators=rules.comparators.output.comparators,
    output:
        funnel=report(
            f"{STAGED}/tables/funnel.csv",
            caption="../report/indicators.rst",
            category="Tables",
        ),
    log:
        f"{LOGS}/funnel.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        areas=config["areas"],
        disclosure=config["disclosure"],
        release=RELEASE,
        synthetic=SPEC["synthetic"],
        outcomes=outcome_params(config),
        code=code_hash("funnel.py"),
    script:
        "../scripts/funnel.py"
