"""Validated reads and writes of the tables one stage hands the next (parquet or CSV).

Enters: a frame or a file and the table's key in the catalogue. Leaves: the same frame, checked
against ``catalogue.schema_for`` (its columns in order, nothing extra, the catalogue's dtypes); a
table that does not match raises ``InputError`` naming the table, file and column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.errors

from birthgaps.core.catalogue import schema_for
from birthgaps.core.errors import InputError


def check_table(frame: pd.DataFrame, table: str, path: str | Path = "") -> pd.DataFrame:
    """``frame`` unchanged when it matches the catalogue's schema of ``table``; else InputError."""
    try:
        schema_for(table).validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as caught:
        cases = caught.failure_cases.drop_duplicates(["column", "check"]).head(5)
        problems = [
            f"{row.check} ({row.failure_case})"
            if row.column == table
            else f"{row.column}: {row.check}"
            for row in cases.itertuples()
        ]
        columns = sorted({str(c) for c in cases["column"] if c != table})
        raise InputError(
            f"the table '{table}' does not match its catalogue entry: {'; '.join(problems)}",
            file=str(path) or None,
            column=", ".join(columns) or None,
            hint="the table catalogue (birthgaps.core.catalogue) and the stage that writes the "
            "table disagree: change one of them",
        ) from None
    return frame


def write_table(frame: pd.DataFrame, table: str, path: str | Path) -> None:
    """Check ``frame`` against the catalogue, then write it to ``path`` (parquet or CSV, no index)."""
    check_table(frame, table, path)
    if Path(path).suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)


def read_table(table: str, path: str | Path) -> pd.DataFrame:
    """Read ``path`` (parquet) and check it against the catalogue's schema of ``table``."""
    if Path(path).suffix != ".parquet":
        raise InputError(
            "read_table reads parquet files only", file=str(path), hint="read a CSV with pandas"
        )
    return check_table(pd.read_parquet(path), table, path)
