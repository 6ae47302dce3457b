"""Snakemake script: fetch and verify the official lookups, build the release's LSOA -> IMD table."""

from birthgaps.core.runner import run_step
from birthgaps.ingest.steps import lookups_step


def main(smk):
    lookups_step(
        smk.config,
        smk.output[0],
    )


run_step(snakemake, main)  # noqa: F821
