"""Snakemake script: fetch and verify the official lookups, build the release's LSOA -> IMD table."""

import logging

from birthgaps.core.runner import run_step
from birthgaps.ingest.lookups import imd_lookup_for_release, match_counts


def main(smk):
    lookup = imd_lookup_for_release(smk.config)
    logging.getLogger("birthgaps").info("LSOA matches: %s", match_counts(lookup))
    lookup.to_csv(smk.output[0], index=False)


run_step(snakemake, main)  # noqa: F821
