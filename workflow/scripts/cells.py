"""Snakemake script: clean births -> cell table."""

import pandas as pd

from birthgaps.clean.cells import make_cells
from birthgaps.core.runner import run_step


def main(smk):
    cells = make_cells(pd.read_parquet(smk.input.clean), smk.params.outcomes)
    cells.to_parquet(smk.output.cells, index=False)


run_step(snakemake, main)  # noqa: F821
