"""The models rule in one call: cells, published rates and config -> the published model tables.

Fits every table (:mod:`birthgaps.models.areas`), applies disclosure control
(:mod:`birthgaps.models.protect`), keeps the previous release's rows for an area whose data
barely changed (docs/disclosure.md) and says why each table without rows is empty by design."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from birthgaps.clean.cleaning import quintile_basis
from birthgaps.core.disclosure import barely_changed_areas, carry_rows
from birthgaps.core.provenance import label_table
from birthgaps.core.tables import read_table
from birthgaps.models.areas import model_tables
from birthgaps.models.markers import MARKERS_TABLE, NOTE_NO_MARKED_DEATHS, death_markers_table
from birthgaps.models.options import model_settings
from birthgaps.models.protect import empty_table_notes, publish_model_tables
from birthgaps.models.tables import EMPTY_REASONS, MODEL_OUTPUTS


@dataclass(frozen=True)
class PreviousModels:
    """The previous release's cells and published model tables (read as text), by table key."""

    cells: pd.DataFrame
    tables: dict[str, pd.DataFrame]


def fit_area_models(
    cells: pd.DataFrame,
    rates: pd.DataFrame,
    model_config: dict,
    areas: dict[str, str],
    disclosure: dict,
    previous: PreviousModels | None = None,
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The published model tables by key of TABLE_KEYS, and the notes of the empty ones.

    ``rates`` is the published rates table; ``model_config`` and ``disclosure`` are the config's
    ``models:`` and ``disclosure:`` blocks. The notes map a published CSV name to why that table
    has no rows (:func:`~birthgaps.models.protect.empty_table_notes`).
    """
    tables = model_tables(cells, model_config, areas, rates)
    published = publish_model_tables(tables, disclosure, rates)
    if previous is not None:
        # an area whose data barely changed keeps the previous release's estimates: new ones
        # would move only because of the few records added (docs/disclosure.md)
        carried = barely_changed_areas(cells, previous.cells, areas, disclosure)
        for key in MODEL_OUTPUTS:
            published[key] = carry_rows(published[key], previous.tables[key], carried)
    p_threshold = model_settings(model_config).p_threshold
    notes = empty_table_notes(published, tables[EMPTY_REASONS], p_threshold)
    return published, notes


#: The key of a death markers row (its rows are ordered by marker, then area).
_MARKER_KEYS = ["area_code", "outcome", "marker", "dimension", "group"]


def _in_order_of(table: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """``table``'s rows in the order of the same keys in ``reference`` (``carry_rows`` groups rows
    by area), so a carried-over table is written as the previous release wrote it."""
    order = {
        key: i for i, key in enumerate(reference[_MARKER_KEYS].astype(str).itertuples(index=False))
    }
    keys = table[_MARKER_KEYS].astype(str).itertuples(index=False)
    ranks = [order.get(key, len(order)) for key in keys]
    return table.iloc[sorted(range(len(table)), key=ranks.__getitem__)].reset_index(drop=True)


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
    marker_cells: str | Path | None = None,
    markers_out: str | Path | None = None,
    previous_markers: str | Path | None = None,
) -> None:
    """Fit, protect and write every model table (``outputs``: output name → path, as MODEL_OUTPUTS),
    and with ``marker_cells`` the share of deaths that were preterm or of low birth weight
    (``markers_out``, :func:`~birthgaps.models.markers.death_markers_table`); an area whose data
    barely changed since the previous release keeps that release's rows of every table, the
    death markers (``previous_markers``) included."""
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
    cell_table = read_table("cells", cells)
    published, notes = fit_area_models(
        cell_table, published_rates, models, areas, disclosure, previous
    )
    markers = None
    if marker_cells is not None and markers_out is not None:
        markers = death_markers_table(
            read_table("death_marker_cells", marker_cells),
            dict(areas),
            dict(disclosure),
            published_rates,
        )
        if previous is not None and previous_markers:
            carried = barely_changed_areas(cell_table, previous.cells, areas, disclosure)
            old = pd.read_csv(previous_markers, dtype=str, keep_default_na=False)
            markers = _in_order_of(carry_rows(markers, old, carried), markers)
        if markers.empty:
            notes[MARKERS_TABLE] = NOTE_NO_MARKED_DEATHS
    with open(empty_tables_out, "w", encoding="utf-8") as handle:
        json.dump(notes, handle, indent=1, sort_keys=True)
    basis = quintile_basis(deprivation)
    for key, output in MODEL_OUTPUTS.items():
        label_table(published[key], release, synthetic, basis).to_csv(outputs[output], index=False)
    if markers is not None:
        label_table(markers, release, synthetic, basis).to_csv(markers_out, index=False)
