"""Snakemake script: cell table -> protected yearly counts (restricted) and published recent trends."""

from birthgaps.core.runner import run_step
from birthgaps.stats.steps import trends_step


def main(smk):
    trends_step(
        smk.input.cells,
        smk.input.rates,
        smk.output.counts,
        smk.output.trends,
        areas=smk.params.areas,
        statistics=smk.params.statistics,
        disclosure=smk.params.disclosure,
        release=smk.params.release,
        synthetic=smk.params.synthetic,
        deprivation=smk.params.deprivation,
        previous_trend_counts=smk.input.get("previous_trend_counts"),
        outcomes=smk.params.outcomes,
    )


run_step(snakemake, main)  # noqa: F821
