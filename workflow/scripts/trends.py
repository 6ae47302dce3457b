"""Snakemake script: cell table -> protected yearly counts (restricted) and published recent trends."""

import pandas as pd

from birthgaps.appendix.inputs import read_rates
from birthgaps.clean.cleaning import quintile_basis
from birthgaps.core.provenance import label_table
from birthgaps.core.runner import run_step
from birthgaps.core.tables import read_table
from birthgaps.stats.indicators import trend_counts, trends_table
from birthgaps.stats.rates import hidden_groups


def main(smk):
    cells = read_table("cells", smk.input.cells)
    rules, areas = smk.params.disclosure, smk.params.areas
    previous = smk.input.get("previous_trend_counts")
    previous = pd.read_parquet(previous) if previous else None
    trend_counts(cells, areas, rules, previous).to_parquet(smk.output.counts, index=False)
    table = trends_table(
        cells,
        areas,
        smk.params.statistics,
        rules,
        hidden_groups(read_rates(smk.input.rates)),
        previous,
    )
    label_table(
        table, smk.params.release, smk.params.synthetic, quintile_basis(smk.params.deprivation)
    ).to_csv(smk.output.trends, index=False)


run_step(snakemake, main)  # noqa: F821
