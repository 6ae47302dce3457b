"""Snakemake script: cell table -> rates (unrounded, restricted) and published rates."""

import pandas as pd

from birthgaps.appendix.inputs import read_rates
from birthgaps.clean.cleaning import quintile_basis
from birthgaps.core.provenance import label_table
from birthgaps.core.runner import run_step
from birthgaps.core.tables import read_table
from birthgaps.stats.rates import compute_rates, previous_release, publish_rates


def main(smk):
    statistics = smk.params.statistics
    rates = compute_rates(read_table("cells", smk.input.cells), smk.params.areas, statistics)
    rates.to_parquet(smk.output.rates, index=False)
    previous = None
    if smk.input.get("previous_rates"):
        previous = previous_release(
            read_rates(smk.input.previous_rates),
            pd.read_parquet(smk.input.previous_rates_unrounded),
        )
    published = publish_rates(rates, smk.params.disclosure, statistics, previous=previous)
    label_table(
        published, smk.params.release, smk.params.synthetic, quintile_basis(smk.params.deprivation)
    ).to_csv(smk.output.published, index=False)


run_step(snakemake, main)  # noqa: F821
