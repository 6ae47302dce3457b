"""What the disclosure scan counts as a breach: the scan's rules (a disclosure config, the restricted ids)
in; ``ScanContext`` and the checks of one text (identifiers) or one value (counts) out.

Counts in published tables must have passed the suppression and rounding rule, and nothing published
may look like a record-level identifier (NHS number, full postcode, date of birth, LSOA code, a
pseudonymised baby id of the release). The rules and their limits are in docs/disclosure.md.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from birthgaps.core.errors import InputError
from birthgaps.core.identifiers import POSTCODE_SPACED, POSTCODE_TIGHT

FINDING_COLUMNS = ["file", "location", "kind", "detail"]

# Kinds of finding, in the order the docs explain them.
KINDS = (
    "small_count",  # a count in the suppression range (1-7 by default)
    "unrounded_count",  # a count that is not a multiple of the rounding base, or not whole
    "count_not_number",  # a count column holding text other than a suppression marker
    "suppressed_not_blank",  # a row flagged suppressed that still shows what it hides
    "nhs_number",  # 10 digits (or 3-3-4) with a valid Modulus 11 check digit
    "postcode",  # a full UK postcode (outward and inward code)
    "date_of_birth",  # a full date that could be a date of birth of the release
    "lsoa_code",  # an LSOA code (E01/W01/S01, or the demo's fictional X01)
    "baby_id",  # a pseudonymised baby id of the restricted extract
    "mother_lsoa",  # an LSOA value of the restricted extract (any coding)
    "unscanned",  # a file whose type the scan cannot read: published unchecked, so a breach
    "unreadable",  # a file the scan could not parse
)

# Columns of the published CSV tables that hold counts of births (docs/architecture.md contracts).
COUNT_COLUMNS = frozenset(
    {
        "events",
        "denominator",
        "n_births",
        "n_events",
        "count",
        "remaining",
        "excess_events",
        "excess_lower_95",
        "excess_upper_95",
        "excess_lower_99_8",
        "excess_upper_99_8",
    }
)
COUNT_SUFFIXES = ("_births", "_events")

# In a row flagged suppressed these columns must be blank. By default the counts; where a table's
# flag hides a statistic rather than the row's own counts (inequality: a rate ratio whose reference
# group is small, a PAF share whose excess events are small), the statistic and the excess columns.
SUPPRESSED_BLANK: dict[str, tuple[str, ...]] = {
    "inequality.csv": (
        "value",
        "lower_95",
        "upper_95",
        "lower_99_8",
        "upper_99_8",
        "excess_events",
        "excess_lower_95",
        "excess_upper_95",
        "excess_lower_99_8",
        "excess_upper_99_8",
    ),
}

# What a suppressed or missing count may be written as (GSS markers, with or without brackets).
BLANK_MARKERS = frozenset({"", "c", "[c]", "x", "[x]", "z", "[z]", ":", "..", "-", "–", "—"})

# Headers of spreadsheet and HTML table columns that hold counts: they say so in words.
_COUNT_HEADER = re.compile(
    r"\b(counts?|events|births|denominators?|records|number of)\b", re.IGNORECASE
)
_NOT_COUNT_HEADER = re.compile(
    r"%|percent|\brates?\b|ratio|\bci\b|interval|limit|\bper\b|average|mean|share|median",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------------------------
# Identifiers
# --------------------------------------------------------------------------------------------

# 10 digits, or 3-3-4 with one separator used twice; not part of a longer number, a decimal or a
# longer alphanumeric token (hashes).
_NHS = re.compile(
    r"(?<![0-9A-Za-z.])(?<!\d,)(\d{3})([ -]?)(\d{3})\2(\d{4})(?![0-9A-Za-z])(?![.,]\d)"
)
_LSOA = re.compile(r"(?<![0-9A-Za-z])[EWSX]01\d{6}(?![0-9A-Za-z])", re.IGNORECASE)

_MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTH_NAMES, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"
_DATE_YMD = re.compile(r"(?<![\d.])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?!\d)")
_DATE_DMY = re.compile(r"(?<![\d.])(\d{1,2})([-/.])(\d{1,2})\2(\d{4})(?!\d)")
_DATE_DMY_SHORT = re.compile(r"(?<![\d./])(\d{1,2})/(\d{1,2})/(\d{2})(?![\d/])")
_DATE_D_MONTH_Y = re.compile(
    rf"(?<![0-9A-Za-z])(\d{{1,2}}){_ORD}\s+({_MONTH})\.?,?\s+(\d{{4}})(?!\d)", re.IGNORECASE
)
_DATE_MONTH_D_Y = re.compile(
    rf"(?<![0-9A-Za-z])({_MONTH})\.?\s+(\d{{1,2}}){_ORD},?\s+(\d{{4}})(?!\d)", re.IGNORECASE
)

_TOKEN = re.compile(r"[^\s,;:()\[\]{}<>\"'|=]+")
_SUBTOKEN = re.compile(r"[-_/]")


def nhs_check_digit_valid(digits: str) -> bool:
    """True when a 10-digit string passes the NHS number Modulus 11 check (weights 10 to 2)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def mask(value: str) -> str:
    """A value's shape without its content: the first two characters, then * for each letter or digit."""
    value = str(value)
    return value[:2] + re.sub(r"[0-9A-Za-z]", "*", value[2:])


def _date(year: int, month: int, day: int) -> dt.date | None:
    """The calendar date, or None when the parts do not make one."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


@dataclass
class ScanContext:
    """The rules of one scan, resolved once: count thresholds, dates allowed, restricted values."""

    low: int = 1
    high: int = 7
    base: int = 5
    last_birth_date: dt.date | None = None
    allowed_dates: frozenset[dt.date] = frozenset()
    count_columns: frozenset[str] = COUNT_COLUMNS
    baby_ids: frozenset[str] = frozenset()
    mother_lsoas: frozenset[str] = frozenset()
    files_by_type: dict[str, int] = field(default_factory=dict)

    def date_is_breach(self, candidates: Iterable[dt.date | None]) -> bool:
        """A full date is a breach unless it is allowed or every reading of it is after the release.

        No one in the release was born after its last birth date, so later dates (run and
        publication dates) are safe; an earlier one could be a baby's or a mother's date of birth.
        """
        dates = [d for d in candidates if d is not None]
        if not dates or all(d in self.allowed_dates for d in dates):
            return False
        if self.last_birth_date is None:
            return True
        return any(d <= self.last_birth_date for d in dates if d not in self.allowed_dates)

    def is_count_column(self, name: str) -> bool:
        """True for a CSV column that holds counts of births by the table contracts."""
        return name in self.count_columns or name.endswith(COUNT_SUFFIXES)


def _dates_in(text: str) -> Iterator[tuple[str, list[dt.date | None]]]:
    """Each full date written in the text, with the calendar dates it can be read as."""
    for m in _DATE_YMD.finditer(text):
        yield m.group(0), [_date(int(m[1]), int(m[3]), int(m[4]))]
    for m in _DATE_DMY.finditer(text):
        a, b, year = int(m[1]), int(m[3]), int(m[4])
        yield m.group(0), [_date(year, b, a), _date(year, a, b)]  # UK order, then US order
    for m in _DATE_DMY_SHORT.finditer(text):
        a, b, year = int(m[1]), int(m[2]), int(m[3])
        # two-digit year: the century is unknown, so any valid day and month is read as early
        yield m.group(0), [_date(1900 + year, b, a), _date(1900 + year, a, b)]
    for m in _DATE_D_MONTH_Y.finditer(text):
        yield m.group(0), [_date(int(m[3]), _MONTH_NAMES[m[2].lower()], int(m[1]))]
    for m in _DATE_MONTH_D_Y.finditer(text):
        yield m.group(0), [_date(int(m[3]), _MONTH_NAMES[m[1].lower()], int(m[2]))]


def _tokens(text: str) -> set[str]:
    """Word-like tokens of the text and their parts split at - _ /, for exact id look-ups."""
    found: set[str] = set()
    for token in _TOKEN.findall(text):
        token = token.strip(".!?")
        if token:
            found.add(token)
            found.update(part for part in _SUBTOKEN.split(token) if part)
    return found


def find_identifiers(text: str, ctx: ScanContext) -> list[tuple[str, str]]:
    """(kind, detail) for each record-level identifier in the text; details show masked values only."""
    found: list[tuple[str, str]] = []
    for m in _NHS.finditer(text):
        if nhs_check_digit_valid(m[1] + m[3] + m[4]):
            found.append(("nhs_number", f"NHS number with a valid check digit: {mask(m[0])}"))
    for pattern in (POSTCODE_SPACED, POSTCODE_TIGHT):
        for m in pattern.finditer(text):
            found.append(("postcode", f"full postcode: {mask(m[0])}"))
    for written, dates in _dates_in(text):
        if ctx.date_is_breach(dates):
            found.append(
                (
                    "date_of_birth",
                    f"full date on or before the release's last birth: {mask(written)}",
                )
            )
    for m in _LSOA.finditer(text):
        found.append(("lsoa_code", f"LSOA code: {mask(m[0])}"))
    if ctx.baby_ids or ctx.mother_lsoas:
        tokens = _tokens(text)
        for token in sorted(tokens & ctx.baby_ids):
            found.append(("baby_id", f"baby_id of the restricted extract: {mask(token)}"))
        for token in sorted((tokens & ctx.mother_lsoas) - ctx.baby_ids):
            if not _LSOA.fullmatch(token):  # already reported as an LSOA code
                found.append(("mother_lsoa", f"mother's LSOA of the extract: {mask(token)}"))
    return found


# --------------------------------------------------------------------------------------------
# Counts
# --------------------------------------------------------------------------------------------


def parse_number(text: str) -> float | None:
    """A number written as in a table ("1,835", "-10", "615.0"), or None for anything else."""
    cleaned = text.strip().replace(",", "")
    if not re.fullmatch(r"[-+]?\d+(\.\d+)?", cleaned):
        return None
    return float(cleaned)


def count_breach(value: object, ctx: ScanContext) -> tuple[str, str] | None:
    """(kind, detail) when a published count breaks the rule, else None; blanks and markers pass."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return ("count_not_number", "a count column holds a true/false value")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        if text.lower() in BLANK_MARKERS or text.lower() in {"nan", "<na>"}:
            return None
        number = parse_number(text)
        if number is None:
            return ("count_not_number", "a count column holds text that is not a number or marker")
    if not math.isfinite(number):
        return ("count_not_number", "a count column holds an infinite value")
    if number != int(number):
        return ("unrounded_count", f"count {number:g} is not a whole number")
    size = abs(int(number))
    if ctx.low <= size <= ctx.high:
        return (
            "small_count",
            f"count {int(number)} lies in the suppression range {ctx.low}-{ctx.high}",
        )
    if ctx.base > 1 and size % ctx.base:
        return ("unrounded_count", f"count {int(number)} is not a multiple of {ctx.base}")
    return None


def is_count_header(header: object) -> bool:
    """True when a spreadsheet or HTML column header says the column holds counts."""
    text = str(header or "")
    return bool(_COUNT_HEADER.search(text)) and not _NOT_COUNT_HEADER.search(text)


# --------------------------------------------------------------------------------------------
# The rules of one scan
# --------------------------------------------------------------------------------------------


def _restricted_values(path: Path, min_length: int) -> tuple[frozenset[str], frozenset[str]]:
    """baby_id and mother_lsoa values of the restricted extract long enough to look up safely."""
    import pyarrow.parquet as pq

    if not path.exists():
        raise InputError(
            "the restricted births file for the disclosure scan is missing", file=str(path)
        )
    names = set(pq.read_schema(path).names)
    if "baby_id" not in names:
        raise InputError(
            "the restricted births file has no baby_id column to check the published files against",
            file=str(path),
            column="baby_id",
        )
    columns = [c for c in ("baby_id", "mother_lsoa") if c in names]
    table = pq.read_table(path, columns=columns).to_pandas()

    def values(column: str) -> frozenset[str]:
        if column not in table:
            return frozenset()
        series = table[column].dropna().astype(str).str.strip()
        return frozenset(series[series.str.len() >= min_length].unique())

    return values("baby_id"), values("mother_lsoa")


def _iso_date(value: object, key: str) -> dt.date:
    """A date from config (ISO text or a date), or InputError naming the key."""
    try:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(
            f"'{value}' is not a date (write YYYY-MM-DD)", key=f"disclosure scan: {key}"
        ) from None


def make_context(rules: dict, restricted: Path | None) -> ScanContext:
    """The scan's rules from the disclosure config plus the scan keys (docs/disclosure.md)."""
    for key in ("suppress_min", "suppress_max", "rounding_base"):
        if key not in rules:
            raise InputError(f"the disclosure rules lack '{key}'", key=f"disclosure.{key}")
    last = rules.get("last_birth_date")
    ctx = ScanContext(
        low=int(rules["suppress_min"]),
        high=int(rules["suppress_max"]),
        base=int(rules["rounding_base"] or 1),
        last_birth_date=_iso_date(last, "last_birth_date") if last is not None else None,
        allowed_dates=frozenset(
            _iso_date(d, "allowed_dates") for d in rules.get("allowed_dates") or []
        ),
        count_columns=COUNT_COLUMNS | frozenset(rules.get("count_columns") or []),
    )
    if restricted is not None:
        ctx.baby_ids, ctx.mother_lsoas = _restricted_values(
            Path(restricted), int(rules.get("min_id_length", 6))
        )
    return ctx
