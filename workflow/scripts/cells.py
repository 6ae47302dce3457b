"""Snakemake script: clean births -> cell table."""

from birthgaps.clean.steps import cells_step
from birthgaps.core.runner import run_step


def main(smk):
    cells_step(
        smk.input.clean,
        smk.output.cells,
        outcomes=smk.params.outcomes,
        definitions=smk.params.definitions,
        complete_to=smk.params.complete_to,
        detailed_out=smk.output.cells_detailed,
        markers_out=smk.output.death_markers,
    )


run_step(snakemake, main)  # noqa: F821
