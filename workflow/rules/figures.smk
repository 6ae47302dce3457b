# Charts for each area from the published (disclosure-controlled) tables: PNG, SVG and alt text;
# forest plots of the odds ratios and of the risk ratios of each modelled outcome.
rule figures:
    input:
        rates=rules.rates.output.published,
        # the published outcome definitions (labels, units, groups), once the rates rule writes them
        **{k: v for k, v in rules.rates.output.items() if k == "outcomes"},
        models=rules.models.output.models,
        risk_ratios=rules.models.output.risk_ratios,
        flow=rules.clean.output.published_flow,
        trends=rules.trends.output.trends,
        inequality=rules.inequality.output.inequality,
        funnel=rules.funnel.output.funnel,
    output:
        report(
            directory(f"{STAGED}/figures/{{area}}"),
            patterns=["{name}.png"],
            caption="../report/figures.rst",
            category="Figures",
            subcategory="{area}",
        ),
    log:
        f"{LOGS}/figures/{{area}}.log",
    conda:
        ENV
    params:
        outcomes=config["outcomes"],
        model_outcomes=config["models"]["outcomes"],
        synthetic=SPEC["synthetic"],
        disclosure=config["disclosure"],
        release_label=SPEC["label"],
        code=code_hash("figures.py"),
    script:
        "../scripts/figures.py"
