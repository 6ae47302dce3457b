"""Snakemake script: write the synthetic demo extract and its fictional IMD lookup."""

from birthgaps.synth import write_release
from birthgaps.workflow import run_step


def main(smk):
    write_release(
        smk.params.settings,
        smk.params.areas,
        smk.params.years,
        smk.output.extract,
        smk.output.lookup,
    )


run_step(snakemake, main)  # noqa: F821
