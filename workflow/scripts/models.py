"""Snakemake script: cell table and published rates -> odds ratios, risk ratios, interaction test,
stratified estimates, excess explained and fit summaries (disclosure-controlled: crude ratios from
the published counts, withheld rows withheld, estimates rounded; docs/models.md)."""

import json

import pandas as pd

from birthgaps.clean.cleaning import quintile_basis
from birthgaps.core.disclosure import barely_changed_areas, carry_rows
from birthgaps.core.model_columns import MODEL_OUTPUTS
from birthgaps.core.provenance import label_table
from birthgaps.core.runner import run_step
from birthgaps.core.tables import read_table
from birthgaps.models.fitting import (
    DEFAULT_P_THRESHOLD,
    EMPTY_REASONS,
    empty_table_notes,
    model_tables,
    publish_model_tables,
)


def main(smk):
    cells = read_table("cells", smk.input.cells)
    rates = pd.read_csv(
        smk.input.rates,
        dtype={c: "string" for c in ("area_code", "outcome", "dimension", "group")},
    )
    tables = model_tables(cells, smk.params.models, smk.params.areas, rates)
    published = publish_model_tables(tables, smk.params.disclosure, rates)
    if smk.input.get("previous_cells"):
        # an area whose data barely changed keeps the previous release's estimates: new ones
        # would move only because of the few records added (docs/disclosure.md)
        carried = barely_changed_areas(
            cells,
            pd.read_parquet(smk.input.previous_cells),
            smk.params.areas,
            smk.params.disclosure,
        )
        for key, output in MODEL_OUTPUTS.items():
            previous = pd.read_csv(
                smk.input[f"previous_model_{output}"], dtype=str, keep_default_na=False
            )
            published[key] = carry_rows(published[key], previous, carried)
    p_threshold = (smk.params.models.get("interaction") or {}).get(
        "p_threshold", DEFAULT_P_THRESHOLD
    )
    notes = empty_table_notes(published, tables[EMPTY_REASONS], p_threshold)
    with open(smk.output.empty_tables, "w", encoding="utf-8") as handle:
        json.dump(notes, handle, indent=1, sort_keys=True)
    basis = quintile_basis(smk.params.deprivation)
    for key, output in MODEL_OUTPUTS.items():
        label_table(published[key], smk.params.release, smk.params.synthetic, basis).to_csv(
            smk.output[output], index=False
        )


run_step(snakemake, main)  # noqa: F821
