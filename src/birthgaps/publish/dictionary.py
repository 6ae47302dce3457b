"""The data dictionary of the published tables (``tables/data_dictionary.csv``), from the catalogue.

Enters: the published tables (or none: the catalogue's own columns) and the resolved
``disclosure`` and ``statistics`` config blocks. Leaves: one row per (table, column) with its
workbook heading, description (worded for the release's rules) and unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from birthgaps.core.catalogue import DICTIONARY_COLUMNS, PUBLISHED, describe_column
from birthgaps.core.provenance import label_table


def data_dictionary(
    tables: Mapping[str, pd.DataFrame] | None, disclosure: Mapping, statistics: Mapping
) -> pd.DataFrame:
    """One row per (table, column): workbook heading, description and unit.

    With ``tables`` it describes their actual columns (in their order), so the dictionary of a
    release always matches its CSVs; with None, the catalogue's columns (the default config's).
    """
    rows = []
    for key, spec in PUBLISHED.items():
        if tables is None:
            names: Sequence[str] = list(spec.columns)
        elif key in tables:
            names = list(tables[key].columns)
        else:
            continue
        for name in names:
            column = describe_column(key, name).described(disclosure, statistics)
            rows.append(
                {
                    "table": key,
                    "column": name,
                    "heading": column.heading,
                    "description": column.description,
                    "unit": column.unit,
                }
            )
    return pd.DataFrame(rows, columns=DICTIONARY_COLUMNS).astype("string")


def published_dictionary(
    tables: Mapping[str, pd.DataFrame],
    release: str,
    synthetic: bool,
    disclosure: Mapping,
    statistics: Mapping,
) -> pd.DataFrame:
    """The data dictionary as published: labelled with the release and synthetic status."""
    return label_table(data_dictionary(tables, disclosure, statistics), release, synthetic)
