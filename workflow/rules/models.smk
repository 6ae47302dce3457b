# Models on the cell table: crude and adjusted odds ratios (binomial GLM) and risk ratios (modified
# Poisson), the ethnicity x deprivation interaction test, stratified estimates, the share of each
# group's excess explained by deprivation, and fit summaries (counts disclosure-controlled).
rule models:
    input:
        cells=rules.cells.output.cells,
    output:
        models=f"{PUBLISHED}/tables/models.csv",
        risk_ratios=f"{PUBLISHED}/tables/risk_ratios.csv",
        interaction=f"{PUBLISHED}/tables/interaction.csv",
        stratified=f"{PUBLISHED}/tables/stratified.csv",
        excess_explained=f"{PUBLISHED}/tables/excess_explained.csv",
        model_fit=f"{PUBLISHED}/tables/model_fit.csv",
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
