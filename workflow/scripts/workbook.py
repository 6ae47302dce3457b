"""Snakemake script: published tables -> the release's workbook (XLSX) and data dictionary (CSV)."""

from birthgaps.core.catalogue import TABLE_KEYS
from birthgaps.core.runner import run_step
from birthgaps.publish.steps import workbook_step


def main(smk):
    params = smk.params
    workbook_step(
        {key: smk.input[key] for key in TABLE_KEYS},
        smk.input.empty_tables,
        smk.output.workbook,
        smk.output.dictionary,
        release=params.release,
        release_label=params.release_label,
        synthetic=params.synthetic,
        areas=params.areas,
        years=params.years,
        disclosure=params.disclosure,
        statistics=params.statistics,
        deprivation=params.deprivation,
        models=params.models,
        definitions=params.definitions,
        publication=params.publication,
        manifest=smk.input.manifest,
    )


run_step(snakemake, main)  # noqa: F821
