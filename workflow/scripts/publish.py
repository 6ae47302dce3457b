"""Snakemake script: swap the staged tree in as the published one and write its manifest."""

import logging
from pathlib import Path

from birthgaps.core.runner import run_step
from birthgaps.publish.publication import publish_tree


def main(smk):
    # the rules' outputs under the staged tree (the models rule also writes restricted files)
    staged = Path(smk.params.staged).resolve()
    outputs = [path for path in smk.input if Path(path).resolve().is_relative_to(staged)]
    manifest = publish_tree(smk.params.staged, smk.params.published, outputs)
    manifest.to_csv(smk.output.manifest, index=False)
    logging.getLogger("birthgaps").info(
        "published %d files (%d bytes) to %s",
        len(manifest),
        manifest["bytes"].sum(),
        smk.params.published,
    )


run_step(snakemake, main)  # noqa: F821
