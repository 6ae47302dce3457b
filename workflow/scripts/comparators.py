"""Snakemake script: ONS reference (and Fingertips snapshot) -> the published comparators table."""

from birthgaps.core.runner import run_step
from birthgaps.stats.steps import comparators_step


def main(smk):
    comparators_step(
        smk.input.reference,
        smk.input.regions,
        smk.output.comparators,
        areas=smk.params.areas,
        years=smk.params.years,
        outcomes=smk.params.outcomes,
        benchmark=smk.params.benchmark,
        snapshot=smk.input.get("snapshot"),
        release=smk.params.release,
        synthetic=smk.params.synthetic,
        cells=smk.input.cells if smk.params.from_run else None,
        disclosure=smk.params.disclosure,
    )


run_step(snakemake, main)  # noqa: F821
