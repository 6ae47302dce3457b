"""Snakemake script: published rates (protected counts) -> published funnel-plot points and limits."""

from birthgaps.core.runner import run_step
from birthgaps.stats.steps import funnel_step


def main(smk):
    funnel_step(
        smk.input.rates,
        smk.output.funnel,
        areas=smk.params.areas,
        disclosure=smk.params.disclosure,
        release=smk.params.release,
        synthetic=smk.params.synthetic,
        comparators=smk.input.comparators,
        outcomes=smk.params.outcomes,
    )


run_step(snakemake, main)  # noqa: F821
