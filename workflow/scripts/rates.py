"""Snakemake script: cell table -> rates (restricted), published rates, outcome definitions."""

from birthgaps.core.runner import run_step
from birthgaps.stats.steps import rates_step


def main(smk):
    rates_step(
        smk.input.cells,
        smk.output.rates,
        smk.output.published,
        outcomes=smk.params.outcomes,
        areas=smk.params.areas,
        statistics=smk.params.statistics,
        disclosure=smk.params.disclosure,
        release=smk.params.release,
        synthetic=smk.params.synthetic,
        deprivation=smk.params.deprivation,
        ethnicity=smk.params.ethnicity,
        cells_detailed=smk.input.cells_detailed,
        previous_rates=smk.input.get("previous_rates"),
        previous_rates_unrounded=smk.input.get("previous_rates_unrounded"),
        comparators=smk.input.comparators,
        definitions_out=smk.output.definitions,
    )


run_step(snakemake, main)  # noqa: F821
