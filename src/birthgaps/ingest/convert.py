"""Conversion of an extract's text columns (Arrow) to canonical values: a ``RawTable`` and its source mapping in;
typed canonical columns (integers, grams, dates, codes, recoded labels) and a mask of unreadable values out."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from birthgaps.core.codes import CANONICAL_COLUMNS, OPTIONAL_COLUMNS
from birthgaps.ingest import parsing, raw_table
from birthgaps.ingest.ethnicity_labels import match_label
from birthgaps.ingest.optional_columns import convert_optional
from birthgaps.ingest.plausibility import IMPLAUSIBLE_SHARE, implausible_columns
from birthgaps.ingest.sources import (
    BUILTIN_RECODES,
    ETHNIC_CODES,
    GESTATION_TEXT,
    GRAMS_PER_UNIT,
    LB_OZ_PATTERN,
    WEIGHT_LB,
    WEIGHT_OZ,
    expected_columns,
    generated_columns,
    optional_present,
)
from birthgaps.ingest.validation import (
    Issue,
    ethnicity_by_heading_issue,
    mask_issue,
)

INTEGER_COLUMNS = [
    "gestation_weeks",
    "gestation_days",
    "plurality",
    "mother_age",
]
#: Official geography codes: upper case by definition, so "e01000001" is read as E01000001.
CODE_COLUMNS = ["mother_lsoa", "area_code"]
STRING_COLUMNS = [
    "baby_id",
    "birth_outcome",
    "baby_sex",
    "mother_ethnic_category",
    "mother_lsoa",
    "area_code",
]
#: Fatal rules of the canonical extract (pandera); value ranges of gestation and weight are
#: exclusion rules (``birthgaps.ingest.validation.exclusion_schema``) counted by ``clean``.
# --------------------------------------------------------------------------------------------
# Conversion of text columns (Arrow) to canonical values
# --------------------------------------------------------------------------------------------


def _ethnicity(array: pa.Array, source: dict) -> tuple[pa.Array, dict[str, tuple[str, int]]]:
    """NHS codes from codes (any case) or from text labels; an unknown value stays as given.
    Also the labels read by their group heading only: label -> (code, rows), for the report."""
    spec = source["ethnicity"]
    if spec["format"] != "labels":
        return parsing.map_unique(
            array, lambda v: v.upper() if v.upper() in ETHNIC_CODES else v
        ), {}
    extra = spec.get("labels") or {}
    counts = {c["values"]: c["counts"] for c in pc.value_counts(array).to_pylist()}
    matches = {v: match_label(v, extra) for v in counts if v is not None}
    by_heading = {v: (m.code, counts[v]) for v, m in matches.items() if m.by_heading}
    return parsing.map_unique(array, lambda v: matches[v].code or v), by_heading


def _whole_grams(grams: Decimal) -> int:
    """Grams rounded once to a whole gram, halves up (3250.5 -> 3251)."""
    return int(grams.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _lb_oz_grams(pounds: str | None, ounces: str | None) -> int | None:
    """Whole grams of pounds and ounces (exact factors; ounces below 16); None when not a weight."""
    oz = Decimal(ounces or "0")
    if oz >= 16:
        return None
    lb = Decimal(pounds or "0")
    return _whole_grams(lb * Decimal(GRAMS_PER_UNIT["lb"]) + oz * Decimal(GRAMS_PER_UNIT["oz"]))


def _weight_parser(unit: str, thousands: str | None):
    """A function from one distinct weight text to whole grams (None when unreadable)."""
    if unit == "lb_oz":
        pattern = re.compile(LB_OZ_PATTERN)

        def parse(text: str) -> int | None:
            match = pattern.fullmatch(text)
            if not match:
                return None
            return _lb_oz_grams(match["lb"], match["oz"] or match["oz_"])

        return parse
    if unit == "lb_oz_columns":
        pounds = re.compile(r"[0-9]{1,2}(?:\.0*)?")
        ounces = re.compile(r"[0-9]{1,2}(?:\.[0-9]+)?")

        def parse_pair(text: str) -> int | None:
            lb, _, oz = text.partition("|")
            if (lb and not pounds.fullmatch(lb)) or (oz and not ounces.fullmatch(oz)):
                return None
            return _lb_oz_grams(lb.split(".")[0], oz)

        return parse_pair
    decimals = "" if thousands == "." else r"(?:\.[0-9]*)?"
    number = re.compile(rf"\+?{parsing.digits_pattern(thousands)}{decimals}")
    factor = Decimal(GRAMS_PER_UNIT[unit])

    def parse_number(text: str) -> int | None:
        if not number.fullmatch(text):
            return None
        plain = text.replace(thousands, "") if thousands else text
        return _whole_grams(Decimal(plain.lstrip("+").rstrip(".") or "0") * factor)

    return parse_number


def _weights(array: pa.Array, unit: str, thousands: str | None) -> tuple[pd.Series, np.ndarray]:
    """Whole grams from weights in ``unit`` (docs/sources.md, Units); the mask of unreadable ones."""
    uniques, positions = parsing.distinct(array)
    parse = _weight_parser(unit, thousands)
    grams = [parse(text) for text in uniques]
    ok = np.array([g is not None for g in grams], dtype=bool)
    values = np.array([g or 0 for g in grams], dtype=np.int64)
    data = parsing.spread(values, positions, 0).astype("int64")
    good = parsing.spread(ok, positions, False).astype(bool)
    return pd.Series(pd.arrays.IntegerArray(data, ~good)), (positions >= 0) & ~good


def _pounds_ounces(pounds: pa.Array, ounces: pa.Array) -> pa.Array:
    """Two weight columns as one text ``lb|oz`` per row; null where both are missing."""
    both_missing = pc.and_(pc.is_null(pounds), pc.is_null(ounces))
    joined = pc.binary_join_element_wise(pc.fill_null(pounds, ""), pc.fill_null(ounces, ""), "|")
    return pc.if_else(both_missing, pa.scalar(None, pa.string()), joined)


def _select(raw: raw_table.RawTable, source: dict) -> dict[str, pa.ChunkedArray]:
    """Raw columns by canonical (or pseudo-) name: the source's map wins over a same-named column."""
    mapped = {target: raw_name for raw_name, target in source["columns"].items()}
    present = set(raw.columns)
    out = {}
    optional = [c for c in optional_present(raw.columns, source) if c not in source["constants"]]
    for name in [*expected_columns(source), *optional]:
        raw_name = mapped.get(name) if mapped.get(name) in present else name
        out[name] = raw.data.column(raw.columns.index(raw_name))
    return out


def to_canonical(
    raw: raw_table.RawTable,
    source: dict,
    *,
    definitions: dict | None = None,
    years: list[int] | None = None,
    implausible_share: float = IMPLAUSIBLE_SHARE,
) -> tuple[pd.DataFrame, list[Issue], set[str]]:
    """Canonical births from one file's text columns; fatal conversion issues; columns that failed.

    A column most of whose values are implausible (wrong column or unit) gets one
    ``column_implausible`` issue instead of its value rules (``birthgaps.ingest.plausibility``)."""
    file = raw.path
    reader = source["reader"]
    na_values = list(reader["na_values"])
    texts = {
        name: parsing.text_values(column, na_values)
        for name, column in _select(raw, source).items()
    }
    for name, value in source["constants"].items():
        texts[name] = pa.array([str(value)] * raw.n_rows, pa.string())
    raw_names = {target: name for name, target in source["columns"].items()}

    def where(column: str) -> str:
        name = raw_names.get(column)
        return f" (source column `{name}`)" if name and name != column else ""

    issues: list[Issue] = []
    failed: set[str] = set()
    columns: dict[str, pd.Series] = {}
    unreadable: dict[str, np.ndarray] = {}
    n = raw.n_rows

    for column, array in texts.items():
        optional = column in OPTIONAL_COLUMNS  # empty is a valid extract (no deaths, say)
        if array.null_count == n and column not in ("gestation_days", WEIGHT_OZ) and not optional:
            issues.append(
                mask_issue(
                    file,
                    column,
                    "all_missing",
                    np.ones(n, dtype=bool),
                    f"the column is empty in every row{where(column)}: is the right column mapped?",
                )
            )
            failed.add(column)
        if column in source["recodes"] or column in BUILTIN_RECODES:
            texts[column] = parsing.recode(array, column, source)
    for column in generated_columns(source):  # row-number ids and derived areas come later
        texts.setdefault(column, pa.nulls(n, pa.string()))

    for column in INTEGER_COLUMNS:
        if column not in texts:
            continue
        series, bad = parsing.integers(texts[column], reader["thousands"])
        unreadable[column] = bad
        if bad.any():
            issues.append(
                mask_issue(
                    file,
                    column,
                    "whole_number",
                    bad,
                    f"entries that are not whole numbers{where(column)}",
                )
            )
            failed.add(column)
        columns[column] = series

    unit = source["birth_weight"]["unit"]
    if unit == "lb_oz_columns":
        texts["birth_weight_g"] = _pounds_ounces(texts.pop(WEIGHT_LB), texts.pop(WEIGHT_OZ))
        names = [raw_names.get(c, c) for c in (WEIGHT_LB, WEIGHT_OZ)]
        raw_names["birth_weight_g"] = "` and `".join(names)
    weights, bad = _weights(texts["birth_weight_g"], unit, reader["thousands"])
    unreadable["birth_weight_g"] = bad
    if bad.any():
        numeric = unit in GRAMS_PER_UNIT
        issues.append(
            mask_issue(
                file,
                "birth_weight_g",
                "whole_number" if numeric else "weight_format",
                bad,
                (
                    f"entries that are not numbers (birth_weight.unit {unit})"
                    if numeric
                    else "weights not written as pounds and ounces such as 7lb 4oz or 7-04"
                )
                + where("birth_weight_g"),
            )
        )
        failed.add("birth_weight_g")
    columns["birth_weight_g"] = weights

    gestation = source["gestation"]["format"]
    if GESTATION_TEXT in texts:
        if gestation == "days":
            weeks, days, bad = parsing.gestation_days(texts[GESTATION_TEXT], reader["thousands"])
            rule, text = "whole_number", "gestation in days that is not a whole number"
        else:
            weeks, days, bad = parsing.gestation_text(texts[GESTATION_TEXT])
            rule, text = "gestation_text", "gestation not written as weeks+days such as 38+4"
        texts["gestation_weeks"] = texts.pop(GESTATION_TEXT)
        raw_names["gestation_weeks"] = raw_names.get(GESTATION_TEXT, GESTATION_TEXT)
        unreadable["gestation_weeks"] = bad
        if bad.any():
            issues.append(
                mask_issue(file, "gestation_weeks", rule, bad, text + where("gestation_weeks"))
            )
            failed.update({"gestation_weeks", "gestation_days"})
        if GESTATION_TEXT in failed:
            failed.update({"gestation_weeks", "gestation_days"})
        columns["gestation_weeks"], columns["gestation_days"] = weeks, days
    elif "gestation_days" not in columns:
        columns["gestation_days"] = pd.Series(pd.array([pd.NA] * n, dtype="Int64"))

    dates, bad = parsing.dates(texts["birth_date"], source["date_format"])
    unreadable["birth_date"] = bad
    if bad.any():
        human = parsing.human_date_format(source["date_format"])
        issues.append(
            mask_issue(
                file,
                "birth_date",
                "date_format",
                bad,
                f"dates not in the form {human} (date_format {source['date_format']}) or "
                f"impossible dates{where('birth_date')}",
            )
        )
        failed.add("birth_date")
    columns["birth_date"] = dates

    texts["mother_ethnic_category"], by_heading = _ethnicity(
        texts["mother_ethnic_category"], source
    )
    if by_heading:
        issues.append(ethnicity_by_heading_issue(file, by_heading))
    for column in CODE_COLUMNS:
        texts[column] = pc.utf8_upper(texts[column])
    for column in STRING_COLUMNS:
        columns[column] = parsing.strings(texts[column])

    optional, unread, optional_issues = convert_optional(texts, source, n, file=file, where=where)
    columns.update(optional)
    unreadable.update(unread)
    issues += optional_issues
    failed.update(issue.column for issue in optional_issues)
    births = pd.DataFrame({c: columns[c] for c in CANONICAL_COLUMNS})
    wrong = implausible_columns(
        births,
        texts,
        unreadable,
        file=file,
        source=source,
        raw_names=raw_names,
        definitions=definitions,
        years=years,
        share=implausible_share,
    )
    flagged = {issue.column for issue in wrong}
    issues = wrong + [i for i in issues if i.column not in flagged]
    return births, issues, failed | flagged
