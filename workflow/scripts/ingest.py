"""Snakemake script: raw extract(s) -> canonical births parquet and the validation report."""

from birthgaps.core.runner import run_step
from birthgaps.ingest.steps import ingest_step


def main(smk):
    ingest_step(
        smk.input.extracts,
        smk.output.births,
        smk.output.report_csv,
        smk.output.report_html,
        source=smk.params.source,
        rule=smk.rule,
        definitions=smk.params.definitions,
        report_dir=smk.params.report_dir,
        release=smk.params.release,
        years=smk.params.years,
        implausible_share=smk.params.implausible_share,
        area_lookup=smk.params.area_lookup,
        deaths=smk.params.deaths,
        outcomes=smk.params.outcomes,
    )


run_step(snakemake, main)  # noqa: F821
