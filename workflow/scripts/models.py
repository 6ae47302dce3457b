"""Snakemake script: cell table -> crude and adjusted odds ratios."""

import pandas as pd

from birthgaps.clean import quintile_basis
from birthgaps.models import models_table, publish_models
from birthgaps.provenance import label_table
from birthgaps.workflow import run_step


def main(smk):
    cells = pd.read_parquet(smk.input.cells)
    table = models_table(cells, smk.params.models, smk.params.areas)
    published = publish_models(table, smk.params.disclosure)
    label_table(
        published, smk.params.release, smk.params.synthetic, quintile_basis(smk.params.deprivation)
    ).to_csv(smk.output.models, index=False)


run_step(snakemake, main)  # noqa: F821
