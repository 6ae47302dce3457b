"""Snakemake script: clean births -> cell table."""

from birthgaps.clean.cells import make_cells
from birthgaps.core.runner import run_step
from birthgaps.core.tables import read_table, write_table


def main(smk):
    cells = make_cells(read_table("births_clean", smk.input.clean), smk.params.outcomes)
    write_table(cells, "cells", smk.output.cells)


run_step(snakemake, main)  # noqa: F821
