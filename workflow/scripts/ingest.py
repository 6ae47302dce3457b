"""Snakemake script: raw extract(s) -> canonical births parquet and the validation report."""

from birthgaps.core.runner import run_step
from birthgaps.core.tables import write_table
from birthgaps.ingest.extract import ingest_release
from birthgaps.ingest.residence import load_area_lookup
from birthgaps.ingest.validation import write_report


def main(smk):
    title = f"Validation report: release {smk.params.release}"
    births, report = ingest_release(
        list(smk.input.extracts),
        smk.params.source,
        rule=smk.rule,
        definitions=smk.params.definitions,
        report_dir=smk.params.report_dir,
        report_title=title,
        years=list(smk.params.years),
        implausible_share=smk.params.implausible_share,
        area_lookup=load_area_lookup(smk.params.area_lookup),
    )
    write_table(births, "births", smk.output.births)
    write_report(report, smk.output.report_csv, smk.output.report_html, title=title)


run_step(snakemake, main)  # noqa: F821
