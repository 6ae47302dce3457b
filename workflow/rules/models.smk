# Models on the cell table: crude and adjusted odds ratios (binomial GLM) and risk ratios (modified
# Poisson), the ethnicity x deprivation interaction test, stratified estimates, the share of each
# group's excess explained by deprivation, and fit summaries. Protect first, derive after: the
# crude ratios come from the protected counts of the published rates table, a level withheld
# there is withheld here, and the fitted estimates are published rounded (docs/models.md).
rule models:
    input:
        **{
            k: v
            for k, v in PREVIOUS.items()
            if k == "previous_cells" or k.startswith("previous_model_")
        },
        cells=rules.cells.output.cells,
        rates=rules.rates.output.published,
        death_markers=rules.cells.output.death_markers,
    output:
        models=report(
            f"{STAGED}/tables/models.csv",
            caption="../report/models.rst",
            category="Tables",
        ),
        risk_ratios=report(
            f"{STAGED}/tables/risk_ratios.csv",
            caption="../report/models.rst",
            category="Tables",
        ),
        interaction=report(
            f"{STAGED}/tables/interaction.csv",
            caption="../report/models.rst",
            category="Tables",
        ),
        stratified=report(
            f"{STAGED}/tables/stratified.csv",
            caption="../report/models.rst",
            category="Tables",
        ),
        excess_explained=report(
            f"{STAGED}/tables/excess_explained.csv",
            caption="../report/models.rst",
            category="Tables",
        ),
        model_fit=report(
            f"{STAGED}/tables/model_fit.csv",
            caption="../report/models.rst",
            category="Tables",
        ),
        # share of deaths that were preterm or of low birth weight (models.markers; read with
        # the collider-bias caution, models.notes.COLLIDER_CAUTION)
        death_markers=report(
            f"{STAGED}/tables/death_markers.csv",
            caption="../report/models.rst",
            category="Tables",
        ),
        # why a table above has no rows when it is empty by design (table -> reason, JSON);
        # read by the workbook and the appendix, which stop on an empty table not listed here
        empty_tables=f"{RESULTS}/models/empty_tables.json",
    log:
        f"{LOGS}/models.log",
    conda:
        ENV
    resources:
        mem_mb=scaled(1100, 100),
        runtime=scaled(5, 3),
    params:
        models=config["models"],
        areas=config["areas"],
        disclosure=config["disclosure"],
        release=RELEASE,
        synthetic=SPEC["synthetic"],
        deprivation=config["deprivation"],
        captions=caption_statements(config),  # method statements of the report captions
        code=code_hash("models.py"),
    script:
        "../scripts/models.py"
