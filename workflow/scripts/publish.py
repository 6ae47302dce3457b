"""Snakemake script: swap the staged tree in as the published one and write its manifest."""

import logging

from birthgaps.publication import publish_tree
from birthgaps.workflow import run_step


def main(smk):
    manifest = publish_tree(smk.params.staged, smk.params.published)
    manifest.to_csv(smk.output.manifest, index=False)
    logging.getLogger("birthgaps").info(
        "published %d files (%d bytes) to %s",
        len(manifest),
        manifest["bytes"].sum(),
        smk.params.published,
    )


run_step(snakemake, main)  # noqa: F821
