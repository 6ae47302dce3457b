"""Snakemake script: cell table -> published inequality measures (rate ratios, SII/RII, PAF)."""

import pandas as pd

from birthgaps.clean import quintile_basis
from birthgaps.indicators import inequality_table, publish_inequality
from birthgaps.provenance import label_table
from birthgaps.rates import hidden_groups
from birthgaps.report import read_rates
from birthgaps.workflow import run_step


def main(smk):
    table = inequality_table(
        pd.read_parquet(smk.input.cells), smk.params.areas, smk.params.statistics
    )
    hidden = hidden_groups(read_rates(smk.input.rates))
    published = publish_inequality(table, smk.params.disclosure, hidden)
    label_table(
        published, smk.params.release, smk.params.synthetic, quintile_basis(smk.params.deprivation)
    ).to_csv(smk.output.inequality, index=False)


run_step(snakemake, main)  # noqa: F821
