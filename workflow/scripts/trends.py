"""Snakemake script: cell table (yearly counts, protected here) -> published Fingertips recent trends."""

import pandas as pd

from birthgaps.clean import quintile_basis
from birthgaps.indicators import trends_table
from birthgaps.provenance import label_table
from birthgaps.rates import hidden_groups
from birthgaps.report import read_rates
from birthgaps.workflow import run_step


def main(smk):
    table = trends_table(
        pd.read_parquet(smk.input.cells),
        smk.params.areas,
        smk.params.statistics,
        smk.params.disclosure,
        hidden_groups(read_rates(smk.input.rates)),
    )
    label_table(
        table, smk.params.release, smk.params.synthetic, quintile_basis(smk.params.deprivation)
    ).to_csv(smk.output.trends, index=False)


run_step(snakemake, main)  # noqa: F821
