"""Snakemake script: published rates (protected counts) -> published funnel-plot points and limits."""

from birthgaps.appendix.inputs import read_rates
from birthgaps.core.provenance import label_table
from birthgaps.core.runner import run_step
from birthgaps.stats.indicators import funnel_points, publish_funnel


def main(smk):
    points = funnel_points(read_rates(smk.input.rates), smk.params.areas)
    published = publish_funnel(points, smk.params.disclosure)
    label_table(published, smk.params.release, smk.params.synthetic).to_csv(
        smk.output.funnel, index=False
    )


run_step(snakemake, main)  # noqa: F821
