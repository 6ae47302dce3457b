"""Snakemake script: births -> clean live births, exclusion flow (restricted and published)."""

import pandas as pd

from birthgaps.clean.cleaning import clean_births, read_lookup
from birthgaps.clean.flow import publish_flow
from birthgaps.core.provenance import label_table
from birthgaps.core.runner import run_step


def main(smk):
    births = pd.read_parquet(smk.input.births)
    lookup = read_lookup(smk.input.imd_lookup)
    clean, flow = clean_births(
        births,
        lookup,
        areas=smk.params.areas,
        years=smk.params.years,
        definitions=smk.params.definitions,
        deprivation=smk.params.deprivation,
        implausible_share=smk.params.implausible_share,
    )
    clean.to_parquet(smk.output.clean, index=False)
    flow.to_csv(smk.output.flow, index=False)
    previous = None
    if smk.input.get("previous_flow"):
        previous = (
            pd.read_csv(smk.input.previous_flow, dtype={"step": "string"}),
            pd.read_csv(smk.input.previous_flow_restricted, dtype={"step": "string"}),
        )
    published = publish_flow(flow, smk.params.disclosure, previous)
    label_table(published, smk.params.release, smk.params.synthetic).to_csv(
        smk.output.published_flow, index=False
    )


run_step(snakemake, main)  # noqa: F821
