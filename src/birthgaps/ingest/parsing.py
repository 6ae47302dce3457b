"""Parsing of an extract's text columns (Arrow) into typed values, each distinct text parsed once:
whole numbers, dates, gestation as weeks+days text or days, trimmed text with missing markers.

Shared by the births conversion (``birthgaps.ingest.convert``), the optional columns
(``birthgaps.ingest.optional_columns``) and the deaths extract (``birthgaps.ingest.deaths``).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from birthgaps.ingest.sources import BUILTIN_RECODES, GESTATION_PATTERN, MISSING_MARKERS


def text_values(column: pa.ChunkedArray | pa.Array, na_values: list[str]) -> pa.Array:
    """Trimmed text with empty strings, the source's 'missing' markers and the usual spreadsheet
    ones (``MISSING_MARKERS``, any case) as nulls."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    trimmed = pc.utf8_trim_whitespace(array)
    missing = pc.equal(trimmed, "")
    markers = [v.strip() for v in na_values if v.strip()]
    if markers:
        missing = pc.or_(missing, pc.is_in(trimmed, pa.array(markers)))
    spreadsheet = pa.array([m.upper() for m in MISSING_MARKERS])
    missing = pc.or_(missing, pc.is_in(pc.utf8_upper(trimmed), spreadsheet))
    return pc.if_else(missing, pa.scalar(None, pa.string()), trimmed)


def map_unique(array: pa.Array, fn) -> pa.Array:
    """Apply a Python function to each distinct value only (fast on large, repetitive columns)."""
    encoded = pc.dictionary_encode(array)
    values = [None if v is None else fn(v) for v in encoded.dictionary.to_pylist()]
    return pa.array(values, type=pa.string()).take(encoded.indices)


def distinct(array: pa.Array) -> tuple[pd.Series, np.ndarray]:
    """Distinct values (as a pandas Series of str) and each row's position among them (-1 = null).

    Numbers and dates repeat a great deal, so parsing the distinct values only is fast."""
    encoded = pc.dictionary_encode(array)
    positions = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return pd.Series(encoded.dictionary.to_pylist(), dtype=object), positions


def spread(values: np.ndarray, positions: np.ndarray, fill) -> np.ndarray:
    """Per-row values from per-distinct-value ones; ``fill`` where the row is null."""
    if len(values) == 0:
        return np.full(len(positions), fill, dtype=np.asarray([fill]).dtype)
    return np.where(positions >= 0, values[np.maximum(positions, 0)], fill)


def digits_pattern(thousands: str | None) -> str:
    """Pattern of the whole part of a number: plain digits or correct groups of three."""
    if not thousands:
        return r"[0-9]{1,12}"
    sep = re.escape(thousands)
    return rf"(?:[0-9]{{1,12}}|[0-9]{{1,3}}(?:{sep}[0-9]{{3}})+)"


def integer_values(uniques: pd.Series, thousands: str | None) -> tuple[np.ndarray, np.ndarray]:
    """(values, ok) for distinct texts: whole numbers, correct thousands groups, '.0' allowed."""
    digits = digits_pattern(thousands)
    decimals = "" if thousands == "." else r"(?:\.0*)?"
    ok = uniques.str.fullmatch(rf"[+-]?{digits}{decimals}").fillna(False).to_numpy(dtype=bool)
    text = uniques.where(ok, "0")
    if thousands:
        text = text.str.replace(thousands, "", regex=False)
    if decimals:
        text = text.str.replace(r"\.0*$", "", regex=True)
    values = text.str.lstrip("+").astype("int64").to_numpy()
    return values, ok


def integers(array: pa.Array, thousands: str | None) -> tuple[pd.Series, np.ndarray]:
    """Whole numbers from text; the mask of entries that are not whole numbers."""
    uniques, positions = distinct(array)
    values, ok = integer_values(uniques, thousands)
    data = spread(values, positions, 0).astype("int64")
    good = spread(ok, positions, False).astype(bool)
    series = pd.Series(pd.arrays.IntegerArray(data, ~good))
    return series, (positions >= 0) & ~good


def dates(array: pa.Array, date_format: str) -> tuple[pd.Series, np.ndarray]:
    """Dates in exactly ``date_format``; impossible dates (31/02) and other forms are bad."""
    uniques, positions = distinct(array)
    parsed = pd.to_datetime(uniques, format=date_format, errors="coerce", exact=True)
    values = parsed.to_numpy(dtype="datetime64[ns]")
    dates = spread(values, positions, np.datetime64("NaT", "ns"))
    bad = (positions >= 0) & np.isnat(dates)
    return pd.Series(dates, dtype="datetime64[ns]"), bad


def human_date_format(date_format: str) -> str:
    """``%d/%m/%Y`` as ``DD/MM/YYYY`` for messages."""
    for code, text in (("%Y", "YYYY"), ("%m", "MM"), ("%d", "DD"), ("%y", "YY")):
        date_format = date_format.replace(code, text)
    return date_format


def gestation_text(
    array: pa.Array, pattern: str = GESTATION_PATTERN
) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Weeks and days from text such as ``38+4``; entries in no recognised form are bad."""
    uniques, positions = distinct(array)
    parts = uniques.str.extract(pattern)
    ok = parts["weeks"].notna().to_numpy(dtype=bool)
    out = []
    for name in ("weeks", "days"):
        values = pd.to_numeric(parts[name], errors="coerce")
        known = values.notna().to_numpy(dtype=bool) & ok
        data = spread(values.fillna(0).astype("int64").to_numpy(), positions, 0)
        present = spread(known, positions, False).astype(bool)
        out.append(pd.Series(pd.arrays.IntegerArray(data.astype("int64"), ~present)))
    bad = (positions >= 0) & ~spread(ok, positions, False).astype(bool)
    return out[0], out[1], bad


def gestation_days(
    array: pa.Array, thousands: str | None
) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Completed weeks and remaining days from gestation written as whole days (276 -> 39+3)."""
    total, bad = integers(array, thousands)
    return total // 7, total % 7, bad


def strings(array: pa.Array) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(array.cast(pa.large_string()))).astype("string")


def recode(array: pa.Array, column: str, source: dict) -> pa.Array:
    """Source recodes then built-in ones (case-insensitive); other values stay as given."""
    table = {k: v for k, v in BUILTIN_RECODES.get(column, {}).items()}
    for raw, value in source["recodes"].get(column, {}).items():
        table[str(raw).strip().lower()] = None if value is None else str(value)
    if not table:
        return array
    return map_unique(array, lambda v: table.get(v.lower(), v))
