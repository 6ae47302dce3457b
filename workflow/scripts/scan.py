"""Snakemake script: scan the published tree; write the (empty) findings, or fail the run on any."""

from birthgaps.core.runner import run_step
from birthgaps.publish.scan import scan_step


def main(smk):
    scan_step(
        smk.params.published,
        smk.params.rules,
        smk.input.births,
        smk.output.report,
        smk.params.findings,
    )


run_step(snakemake, main)  # noqa: F821
