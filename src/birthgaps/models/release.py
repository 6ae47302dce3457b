"""The models rule in one call: cells, published rates and config -> the published model tables.

Fits every table (:mod:`birthgaps.models.areas`), applies disclosure control
(:mod:`birthgaps.models.protect`), keeps the previous release's rows for an area whose data
barely changed (docs/disclosure.md) and says why each table without rows is empty by design."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from birthgaps.core.disclosure import barely_changed_areas, carry_rows
from birthgaps.models.areas import model_tables
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
