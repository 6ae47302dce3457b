"""Snakemake script: write the synthetic demo extract and its fictional IMD lookup."""

from birthgaps.core.runner import run_step
from birthgaps.ingest.synth import write_release


def main(smk):
    write_release(
        smk.params.settings,
        smk.params.areas,
        smk.params.years,
        smk.output.extract,
        smk.output.lookup,
    )


run_step(snakemake, main)  # noqa: F821
