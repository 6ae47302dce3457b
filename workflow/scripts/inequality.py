"""Snakemake script: published rates (protected counts) -> published inequality measures."""

from birthgaps.core.runner import run_step
from birthgaps.stats.steps import inequality_step


def main(smk):
    inequality_step(
        smk.input.rates,
        smk.output.inequality,
        areas=smk.params.areas,
        statistics=smk.params.statistics,
        disclosure=smk.params.disclosure,
        release=smk.params.release,
        synthetic=smk.params.synthetic,
        deprivation=smk.params.deprivation,
        outcomes=smk.params.outcomes,
    )


run_step(snakemake, main)  # noqa: F821
