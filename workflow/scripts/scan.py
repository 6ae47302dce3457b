"""Snakemake script: scan the published tree; write the (empty) findings, or fail the run on any."""

from pathlib import Path

from birthgaps.core.runner import run_step
from birthgaps.publish.scan import breach_error, scan_published


def main(smk):
    findings = scan_published(
        Path(smk.params.published), rules=dict(smk.params.rules), restricted=Path(smk.input.births)
    )
    if findings.empty:
        findings.to_csv(smk.output.report, index=False)
        return
    # the output is removed on failure, so the findings are kept next to the log
    Path(smk.params.findings).parent.mkdir(parents=True, exist_ok=True)
    findings.to_csv(smk.params.findings, index=False)
    raise breach_error(findings, smk.params.findings)


run_step(snakemake, main)  # noqa: F821
