# Charts for each area from the published (disclosure-controlled) tables: PNG, SVG and alt text;
# forest plots of the odds ratios and of the risk ratios of each modelled outcome.
rule figures:
    input:
        rates=rules.rates.output.published,
        # the published outcome definitions (labels, units, groups)
        outcomes=rules.rates.output.definitions,
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
    resources:
        mem_mb=1200,
        runtime=15,
    params:
        outcomes=outcome_params(config),
        model_outcomes=config["models"]["outcomes"],
        synthetic=SPEC["synthetic"],
        disclosure=config["disclosure"],
        release_label=SPEC["label"],
        code=code_hash("figures.py"),
    script:
        "../scripts/figures.py"
