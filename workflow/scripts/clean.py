"""Snakemake script: births -> clean live births, exclusion flow (restricted and published)."""

import pandas as pd

from birthgaps.clean.cleaning import clean_births, publish_flow, read_lookup
from birthgaps.core.provenance import label_table
from birthgaps.core.runner import run_step
from birthgaps.core.tables import read_table, write_table


def main(smk):
    births = read_table("births", smk.input.births)
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
    write_table(clean, "births_clean", smk.output.clean)
    write_table(flow, "exclusion_flow_restricted", smk.output.flow)
    previous = None
    if smk.input.get("previous_flow"):
        previous = (
            pd.read_csv(smk.input.previous_flow, dtype={"step": "string"}),
            pd.read_csv(smk.input.previous_flow_restricted, dtype={"step": "string"}),
        )
    published = publish_flow(flow, smk.params.disclosure, previous)
    write_table(
        label_table(published, smk.params.release, smk.params.synthetic),
        "exclusion_flow",
        smk.output.published_flow,
    )


run_step(snakemake, main)  # noqa: F821
