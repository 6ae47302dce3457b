"""Snakemake script: fetch and verify the official lookups, build the release's LSOA -> IMD table."""

import logging

from birthgaps.lookups import imd_lookup_for_release, match_counts
from birthgaps.workflow import run_step


def main(smk):
    lookup = imd_lookup_for_release(smk.config)
    logging.getLogger("birthgaps").info("LSOA matches: %s", match_counts(lookup))
    lookup.to_csv(smk.output[0], index=False)


run_step(snakemake, main)  # noqa: F821
