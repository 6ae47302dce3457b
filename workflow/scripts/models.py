"""Snakemake script: cell table and published rates -> odds ratios, risk ratios, interaction test,
stratified estimates, excess explained and fit summaries (disclosure-controlled: crude ratios from
the published counts, withheld rows withheld, estimates rounded; docs/models.md)."""

import json

import pandas as pd

from birthgaps.clean.cleaning import quintile_basis
from birthgaps.core.catalogue import MODEL_OUTPUTS
from birthgaps.core.provenance import label_table
from birthgaps.core.runner import run_step
from birthgaps.core.tables import read_table
from birthgaps.models.release import PreviousModels, fit_area_models


def main(smk):
    cells = read_table("cells", smk.input.cells)
    rates = pd.read_csv(
        smk.input.rates,
        dtype={c: "string" for c in ("area_code", "outcome", "dimension", "group")},
    )
    previous = None
    if smk.input.get("previous_cells"):
        previous = PreviousModels(
            cells=pd.read_parquet(smk.input.previous_cells),
            tables={
                key: pd.read_csv(
                    smk.input[f"previous_model_{output}"], dtype=str, keep_default_na=False
                )
                for key, output in MODEL_OUTPUTS.items()
            },
        )
    published, notes = fit_area_models(
        cells, rates, smk.params.models, smk.params.areas, smk.params.disclosure, previous
    )
    with open(smk.output.empty_tables, "w", encoding="utf-8") as handle:
        json.dump(notes, handle, indent=1, sort_keys=True)
    basis = quintile_basis(smk.params.deprivation)
    for key, output in MODEL_OUTPUTS.items():
        label_table(published[key], smk.params.release, smk.params.synthetic, basis).to_csv(
            smk.output[output], index=False
        )


run_step(snakemake, main)  # noqa: F821
