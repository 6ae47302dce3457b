"""Snakemake script: this release's and the previous release's published tables -> tables/changes.csv."""

from birthgaps.core.runner import run_step
from birthgaps.publish.changes import COMPARED, PREVIOUS_INPUTS, changes_step


def main(smk):
    previous = None
    if hasattr(smk.input, "previous_rates"):  # only a release that follows another reads these
        previous = {key: smk.input[name] for key, name in PREVIOUS_INPUTS.items()}
    changes_step(
        {key: smk.input[key] for key in COMPARED},
        previous,
        smk.output.changes,
        release=smk.params.release,
        previous_release=smk.params.previous,
    )


run_step(snakemake, main)  # noqa: F821
