"""Snakemake script: cell table -> published funnel-plot points and limits."""

import pandas as pd

from birthgaps.indicators import funnel_points, publish_funnel
from birthgaps.provenance import label_table
from birthgaps.workflow import run_step


def main(smk):
    points = funnel_points(pd.read_parquet(smk.input.cells), smk.params.areas)
    published = publish_funnel(points, smk.params.disclosure)
    label_table(published, smk.params.release, smk.params.synthetic).to_csv(
        smk.output.funnel, index=False
    )


run_step(snakemake, main)  # noqa: F821
