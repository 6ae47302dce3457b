"""Ingest: read a raw extract, map its columns to the canonical layout and validate it with pandera."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from birthgaps.definitions import CANONICAL_COLUMNS
from birthgaps.errors import InputError

RULE = "ingest"
INTEGER_COLUMNS = [
    "gestation_weeks",
    "gestation_days",
    "birth_weight_g",
    "plurality",
    "mother_age",
]
STRING_COLUMNS = [
    "baby_id",
    "birth_outcome",
    "baby_sex",
    "mother_ethnic_category",
    "mother_lsoa",
    "area_code",
]
BIRTH_OUTCOMES = {"live": "live", "live birth": "live", "still": "still", "stillbirth": "still"}

#: Fatal rules of the canonical extract; value ranges of gestation and weight are exclusions
#: counted by ``clean`` rather than errors.
CANONICAL_SCHEMA = pa.DataFrameSchema(
    {
        "baby_id": pa.Column("string", nullable=False),
        "birth_date": pa.Column("datetime64[ns]", nullable=True),
        "birth_outcome": pa.Column("string", pa.Check.isin(["live", "still"]), nullable=False),
        "gestation_weeks": pa.Column("Int64", nullable=True),
        "gestation_days": pa.Column("Int64", nullable=True),
        "birth_weight_g": pa.Column("Int64", nullable=True),
        "baby_sex": pa.Column("string", nullable=True),
        "plurality": pa.Column("Int64", pa.Check.between(1, 8), nullable=True),
        "mother_age": pa.Column("Int64", pa.Check.between(10, 65), nullable=True),
        "mother_ethnic_category": pa.Column("string", nullable=True),
        "mother_lsoa": pa.Column("string", nullable=True),
        "area_code": pa.Column("string", nullable=False),
    },
    strict=True,
    ordered=True,
)


def header_columns(path: str | Path) -> list[str]:
    """The column names of an extract without reading its rows (used by the preflight check)."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    try:
        return list(pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns)
    except pd.errors.EmptyDataError as exc:
        raise InputError("the extract is empty", file=str(path), rule=RULE) from exc


def missing_columns(columns: list[str], column_map: dict[str, str]) -> list[str]:
    """Canonical columns absent after applying the column map."""
    renamed = {column_map.get(c, c) for c in columns}
    return [c for c in CANONICAL_COLUMNS if c not in renamed]


def _repeated_header_names(path: Path) -> list[str]:
    """Column names that appear more than once in a CSV header (pandas would rename them silently)."""
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        names = next(csv.reader(handle), [])
    return sorted({name for name in names if names.count(name) > 1})


def _read_raw(path: Path) -> pd.DataFrame:
    """Read every column as text so that type problems are found and counted here, not guessed."""
    if not path.exists():
        raise InputError("the extract file does not exist", file=str(path), rule=RULE)
    if path.suffix.lower() != ".parquet" and (repeated := _repeated_header_names(path)):
        raise InputError(
            "columns appear more than once", file=str(path), column=", ".join(repeated), rule=RULE
        )
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path).astype("string")
    try:
        return pd.read_csv(
            path, dtype="string", encoding="utf-8-sig", keep_default_na=False, na_values=[""]
        )
    except pd.errors.EmptyDataError as exc:
        raise InputError("the extract is empty", file=str(path), rule=RULE) from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            "the extract is not UTF-8 text",
            file=str(path),
            rule=RULE,
            hint="save it as UTF-8 CSV (later releases of birthgaps read other encodings)",
        ) from exc
    except pd.errors.ParserError as exc:
        raise InputError(
            f"the extract could not be parsed as CSV ({exc})", file=str(path), rule=RULE
        ) from exc


def _to_integer(raw: pd.Series, column: str, path: Path) -> pd.Series:
    """Whole numbers from text; a non-numeric entry is fatal and reported with its row count."""
    text = raw.str.strip().str.replace(",", "", regex=False)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() & text.notna() & (text != "")
    fractional = numbers.notna() & (numbers % 1 != 0)
    if bad.any() or fractional.any():
        count = int(bad.sum() + fractional.sum())
        raise InputError(
            "entries that are not whole numbers",
            file=str(path),
            column=column,
            rule=RULE,
            rows=count,
            hint=f"first bad rows (1-based, after the header): {_row_numbers(bad | fractional)}",
        )
    return numbers.astype("Int64")


def _row_numbers(mask: pd.Series, limit: int = 10) -> str:
    """Up to ``limit`` 1-based data row numbers where mask is true (never the values)."""
    rows = [str(i + 1) for i in mask.to_numpy().nonzero()[0][:limit]]
    return ", ".join(rows)


def _to_date(raw: pd.Series, path: Path) -> pd.Series:
    """ISO dates (YYYY-MM-DD); any other form is fatal with its row count."""
    text = raw.str.strip()
    dates = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    bad = dates.isna() & text.notna()
    if bad.any():
        raise InputError(
            "dates not in YYYY-MM-DD form",
            file=str(path),
            column="birth_date",
            rule=RULE,
            rows=int(bad.sum()),
            hint=f"first bad rows (1-based, after the header): {_row_numbers(bad)}",
        )
    return dates.astype("datetime64[ns]")


def read_extract(path: str | Path, column_map: dict[str, str] | None = None) -> pd.DataFrame:
    """Read one extract into the canonical layout; stop with an ``InputError`` on fatal problems."""
    path = Path(path)
    raw = _read_raw(path)
    if raw.columns.duplicated().any():
        dup = ", ".join(sorted(set(raw.columns[raw.columns.duplicated()])))
        raise InputError("columns appear more than once", file=str(path), column=dup, rule=RULE)
    raw = raw.rename(columns=column_map or {})
    missing = missing_columns(list(raw.columns), {})
    if missing:
        raise InputError(
            "required columns are missing",
            file=str(path),
            column=", ".join(missing),
            rule=RULE,
            hint="add them to the extract or map the source's names in config `column_map`",
        )
    if raw.empty:
        raise InputError("the extract has a header but no rows", file=str(path), rule=RULE)
    births = pd.DataFrame(index=raw.index)
    for column in CANONICAL_COLUMNS:
        if column == "birth_date":
            births[column] = _to_date(raw[column], path)
        elif column in INTEGER_COLUMNS:
            births[column] = _to_integer(raw[column], column, path)
        else:
            births[column] = raw[column].str.strip().astype("string")
    births["birth_outcome"] = (
        births["birth_outcome"].str.lower().map(BIRTH_OUTCOMES).astype("string")
    )
    return validate_extract(births, path)


def validate_extract(births: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    """Validate the canonical layout with pandera; report broken rules by column and row count."""
    try:
        return CANONICAL_SCHEMA.validate(births, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        first = cases.iloc[0]
        summary = cases.groupby(["column", "check"], dropna=False).size().reset_index(name="rows")
        lines = "; ".join(f"{r.column}: {r.check} ({r.rows:,} rows)" for r in summary.itertuples())
        raise InputError(
            f"the extract breaks the canonical schema: {lines}",
            file=str(path),
            column=str(first["column"]),
            rule=RULE,
            rows=int(len(cases)),
        ) from None
