"""Conversion of the optional canonical columns (maternity, delivery method, booking gestation,
smoking at delivery, BMI, the linked death) from an extract's text to their canonical dtypes.

A column the extract does not carry is all missing; a value that cannot be read is a fatal issue
naming the column and rule (a wrong value that can be read is judged later: whole columns by
``birthgaps.ingest.plausibility``, single values by ``birthgaps.clean.indicators``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from birthgaps.core.codes import DELIVERY_METHODS, OPTIONAL_COLUMNS
from birthgaps.ingest import parsing
from birthgaps.ingest.sources import BUILTIN_RECODES, GESTATION_PATTERN
from birthgaps.ingest.validation import OPTIONAL_DTYPES, Issue, mask_issue

#: A delivery method written as a number: 7, 07 or 7.0 read as the code "7".
DELIVERY_CODE = re.compile(r"0?(?P<code>[0-9])(?:\.0*)?")
#: Booking gestation as weeks+days text: as ``GESTATION_PATTERN`` but up to three digits of
#: weeks, since a mistyped booking date gives e.g. ``142+5`` (read, then judged implausible).
BOOKING_PATTERN = GESTATION_PATTERN.replace("[0-9]{1,2})", "[0-9]{1,3})", 1)
#: A BMI as written: digits with an optional decimal part (a comma decimal is not read).
BMI_NUMBER = re.compile(r"\+?[0-9]{1,4}(?:\.[0-9]*)?")


def missing_column(column: str, n: int) -> pd.Series:
    """An all-missing optional column of ``n`` rows in its canonical dtype."""
    return pd.Series(index=pd.RangeIndex(n), dtype=OPTIONAL_DTYPES[column])


def _delivery_code(text: str) -> str:
    match = DELIVERY_CODE.fullmatch(text)
    return match["code"] if match and match["code"] in DELIVERY_METHODS else text


def _smoking(array: pa.Array) -> tuple[pd.Series, np.ndarray]:
    """True/False from the recoded text (a source recode may give Y, No, 1 ...); the unreadable."""
    table = BUILTIN_RECODES["smoking_at_delivery"]
    uniques, positions = parsing.distinct(array)
    read = [table.get(str(v).strip().lower(), "?") for v in uniques]
    ok = np.array([r != "?" for r in read], dtype=bool)
    known = np.array([r in ("true", "false") for r in read], dtype=bool)
    truth = np.array([r == "true" for r in read], dtype=bool)
    values = parsing.spread(truth, positions, False).astype(bool)
    present = parsing.spread(known, positions, False).astype(bool)
    bad = (positions >= 0) & ~parsing.spread(ok, positions, False).astype(bool)
    return pd.Series(pd.arrays.BooleanArray(values, ~present)), bad


def _bmi(array: pa.Array) -> tuple[pd.Series, np.ndarray]:
    """Decimal numbers (kg/m2); entries that are not numbers are unreadable."""
    uniques, positions = parsing.distinct(array)
    ok = uniques.map(lambda v: bool(BMI_NUMBER.fullmatch(str(v)))).to_numpy(dtype=bool)
    numbers = pd.to_numeric(uniques.where(ok, "0").str.lstrip("+"), errors="coerce").fillna(0.0)
    data = parsing.spread(numbers.to_numpy(dtype=float), positions, 0.0).astype(float)
    good = parsing.spread(ok, positions, False).astype(bool)
    return pd.Series(pd.arrays.FloatingArray(data, ~good)), (positions >= 0) & ~good


def _booking(array: pa.Array, form: str, thousands: str | None) -> tuple[pd.Series, np.ndarray]:
    """Days from booking gestation written as days, completed weeks or weeks+days text.

    A booking dated before the pregnancy began is read with a leading minus applying to the
    whole weeks+days (``-0+1`` is -1 day, ``-2+0`` -14 days), and a mistyped one
    may run to three digits of weeks (``142+5``): both are read so that they are judged
    implausible later (``birthgaps.clean.indicators``), not unreadable here."""
    if form == "weeks_plus_days_text":
        negative = pc.fill_null(pc.starts_with(array, "-"), False).to_numpy(zero_copy_only=False)
        magnitude = parsing.map_unique(array, lambda v: v[1:].lstrip() if v[:1] == "-" else v)
        weeks, days, bad = parsing.gestation_text(magnitude, BOOKING_PATTERN)
        total = (weeks * 7 + days.fillna(0)).astype("Int64")
        return total.mask(pd.Series(negative), -total).astype("Int64"), bad
    values, bad = parsing.integers(array, thousands)
    return (values * 7 if form == "weeks" else values).astype("Int64"), bad


#: Rule and description of unreadable values of each converted column.
UNREADABLE: dict[str, tuple[str, Callable[[dict], str]]] = {
    "booking_gestation_days": (
        "booking_gestation_format",
        lambda s: (
            "booking gestation not readable as "
            + {
                "days": "whole days (booking_gestation.format days)",
                "weeks": "whole weeks (booking_gestation.format weeks)",
                "weeks_plus_days_text": "weeks+days such as 10+3",
            }[s["booking_gestation"]["format"]]
        ),
    ),
    "smoking_at_delivery": (
        "smoking_code",
        lambda s: (
            "smoking at delivery not recognised as yes or no (Y/N, Yes/No, 1/0, true/false)."
            " What to do: add a recode for the source's values, e.g. "
            "`recodes: {smoking_at_delivery: {Current: Y, Never: N, Ex-smoker: N}}`"
        ),
    ),
    "mother_bmi": ("number", lambda s: "mother's BMI not a number (kg/m2, decimal point)"),
    "death_date": (
        "date_format",
        lambda s: (
            f"dates of death not in the form {parsing.human_date_format(s['date_format'])} "
            f"(date_format {s['date_format']}) or impossible dates"
        ),
    ),
    "age_at_death_days": ("whole_number", lambda s: "age at death in days not a whole number"),
}


def convert_optional(
    texts: dict[str, pa.Array],
    source: dict,
    n: int,
    *,
    file: str,
    where: Callable[[str], str],
) -> tuple[dict[str, pd.Series], dict[str, np.ndarray], list[Issue]]:
    """The optional columns from recoded text (all missing when absent from ``texts``); each
    column's unreadable rows; one fatal issue per column with unreadable values."""
    columns: dict[str, pd.Series] = {}
    unreadable: dict[str, np.ndarray] = {}
    issues: list[Issue] = []
    thousands = source["reader"]["thousands"]
    for column in OPTIONAL_COLUMNS:
        array = texts.get(column)
        if array is None:
            columns[column] = missing_column(column, n)
            continue
        bad = np.zeros(n, dtype=bool)
        if column == "maternity_id":
            values = parsing.strings(array)
        elif column == "delivery_method":
            values = parsing.strings(parsing.map_unique(array, _delivery_code))
        elif column == "booking_gestation_days":
            values, bad = _booking(array, source["booking_gestation"]["format"], thousands)
        elif column == "smoking_at_delivery":
            values, bad = _smoking(array)
        elif column == "mother_bmi":
            values, bad = _bmi(array)
        elif column == "death_date":
            values, bad = parsing.dates(array, source["date_format"])
        else:
            values, bad = parsing.integers(array, thousands)
        columns[column] = values.astype(OPTIONAL_DTYPES[column])
        unreadable[column] = bad
        if bad.any():
            rule, words = UNREADABLE[column]
            text, _, advice = words(source).partition(". What to do: ")
            description = text + where(column) + (f". What to do: {advice}" if advice else "")
            issues.append(mask_issue(file, column, rule, bad, description))
    return columns, unreadable, issues
