"""Snakemake script: published tables -> one area's charts (PNG, SVG, alt text)."""

from birthgaps.appendix.figures import write_area_figures
from birthgaps.appendix.inputs import (
    read_flow,
    read_funnel,
    read_inequality,
    read_models,
    read_rates,
    read_risk_ratios,
    read_trends,
    use_outcomes_csv,
)
from birthgaps.core.runner import run_step


def main(smk):
    use_outcomes_csv(getattr(smk.input, "outcomes", None))
    write_area_figures(
        read_rates(smk.input.rates),
        read_models(smk.input.models),
        read_flow(smk.input.flow),
        smk.wildcards.area,
        smk.output[0],
        trends=read_trends(smk.input.trends),
        inequality=read_inequality(smk.input.inequality),
        funnel=read_funnel(smk.input.funnel),
        risk_ratios=read_risk_ratios(smk.input.risk_ratios),
        synthetic=smk.params.synthetic,
        disclosure=smk.params.disclosure,
    )


run_step(snakemake, main)  # noqa: F821
