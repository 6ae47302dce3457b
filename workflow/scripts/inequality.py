"""Snakemake script: published rates (protected counts) -> published inequality measures."""

from birthgaps.appendix.inputs import read_rates
from birthgaps.clean.cleaning import quintile_basis
from birthgaps.core.provenance import label_table
from birthgaps.core.runner import run_step
from birthgaps.stats.indicators import inequality_table, publish_inequality
from birthgaps.stats.rates import hidden_groups


def main(smk):
    rates = read_rates(smk.input.rates)
    table = inequality_table(rates, smk.params.areas, smk.params.statistics)
    published = publish_inequality(table, smk.params.disclosure, hidden_groups(rates))
    label_table(
        published, smk.params.release, smk.params.synthetic, quintile_basis(smk.params.deprivation)
    ).to_csv(smk.output.inequality, index=False)


run_step(snakemake, main)  # noqa: F821
