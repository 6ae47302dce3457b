"""The models rule in one call: the cell table and the published rates (paths) in; the six published
model tables and the reasons of tables empty by design (``empty_tables.json``) written out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from birthgaps.clean.cleaning import quintile_basis
from birthgaps.core.catalogue import MODEL_OUTPUTS
from birthgaps.core.provenance import label_table
from birthgaps.core.tables import read_table
from birthgaps.models.release import PreviousModels, fit_area_models


def models_step(
    cells: str | Path,
    rates: str | Path,
    outputs: Mapping[str, str | Path],
    empty_tables_out: str | Path,
    *,
    models: Mapping,
    areas: Mapping,
    disclosure: Mapping,
    release: str,
    synthetic: bool,
    deprivation: Mapping,
    previous_cells: str | Path | None = None,
    previous_tables: Mapping[str, str | Path] | None = None,
) -> None:
    """Fit, protect and write every model table (``outputs``: output name → path, as MODEL_OUTPUTS)."""
    published_rates = pd.read_csv(
        rates, dtype={c: "string" for c in ("area_code", "outcome", "dimension", "group")}
    )
    previous = None
    if previous_cells:
        previous = PreviousModels(
            cells=pd.read_parquet(previous_cells),
            tables={
                key: pd.read_csv(previous_tables[output], dtype=str, keep_default_na=False)
                for key, output in MODEL_OUTPUTS.items()
            },
        )
    published, notes = fit_area_models(
        read_table("cells", cells), published_rates, models, areas, disclosure, previous
    )
    with open(empty_tables_out, "w", encoding="utf-8") as handle:
        json.dump(notes, handle, indent=1, sort_keys=True)
    basis = quintile_basis(deprivation)
    for key, output in MODEL_OUTPUTS.items():
        label_table(published[key], release, synthetic, basis).to_csv(outputs[output], index=False)
