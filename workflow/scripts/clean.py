"""Snakemake script: births -> clean births, exclusion flow (restricted and published)."""

from birthgaps.clean.steps import clean_step
from birthgaps.core.runner import run_step


def main(smk):
    clean_step(
        smk.input.births,
        smk.input.imd_lookup,
        smk.output.clean,
        smk.output.flow,
        smk.output.published_flow,
        areas=smk.params.areas,
        years=smk.params.years,
        definitions=smk.params.definitions,
        deprivation=smk.params.deprivation,
        implausible_share=smk.params.implausible_share,
        disclosure=smk.params.disclosure,
        release=smk.params.release,
        synthetic=smk.params.synthetic,
        previous_flow=smk.input.get("previous_flow"),
        previous_flow_restricted=smk.input.get("previous_flow_restricted"),
        complete_to=smk.params.complete_to,
        report=smk.input.report,
    )


run_step(snakemake, main)  # noqa: F821
