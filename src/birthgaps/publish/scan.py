"""The last line of disclosure control: scan every published file for breaches before release.

Counts in published tables must have passed the suppression and rounding rule, and nothing published
may look like a record-level identifier (NHS number, full postcode, date of birth, LSOA code, a
pseudonymised baby id of the release). The rules and their limits are in docs/disclosure.md.
"""

from __future__ import annotations

import bisect
import datetime as dt
import html
import json
import logging
import math
import re
import struct
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from birthgaps.core.errors import InputError
from birthgaps.core.identifiers import POSTCODE_SPACED, POSTCODE_TIGHT

LOG = logging.getLogger("birthgaps.publish.scan")

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

# Files the scan reads no text from: raster images (their text is published beside them as alt
# text and SVG; PNG text chunks are read) and Snakemake's empty directory markers.
SKIPPED_NAMES = frozenset({".snakemake_timestamp"})
RASTER_SUFFIXES = frozenset({".jpg", ".jpeg", ".gif", ".webp"})

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


def _parse_number(text: str) -> float | None:
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
        number = _parse_number(text)
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
# File readers: each yields findings as (location, kind, detail)
# --------------------------------------------------------------------------------------------

Finding = tuple[str, str, str]
TextExtractor = Callable[[Path], list[tuple[str, str]]]


class NoExtractorError(Exception):
    """No library is installed that can read text from this type of file."""


def _identifier_findings(pieces: Iterable[tuple[str, str]], ctx: ScanContext) -> list[Finding]:
    """Identifier findings of (location, text) pieces."""
    return [
        (location, kind, detail)
        for location, text in pieces
        for kind, detail in find_identifiers(text, ctx)
    ]


def _rows_text(rows: list[int], limit: int = 10) -> str:
    """'row 3' or 'rows 3, 8, 12 (+4 more)' (data rows, 1-based)."""
    shown = ", ".join(str(r) for r in rows[:limit])
    more = f" (+{len(rows) - limit} more)" if len(rows) > limit else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more}"


def _truthy(values: pd.Series) -> pd.Series:
    """True where a CSV flag column says true."""
    return values.astype(str).str.strip().str.lower().isin({"true", "1", "yes", "y"})


def scan_csv(path: Path, ctx: ScanContext) -> list[Finding]:
    """Counts of a published CSV table (known count columns) and identifiers in every cell."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    found: list[Finding] = _identifier_findings(
        [(f"header, column {i + 1}", str(c)) for i, c in enumerate(table.columns)], ctx
    )
    counts = [c for c in table.columns if ctx.is_count_column(str(c))]
    for column in counts:
        for row, value in enumerate(table[column], start=1):
            breach = count_breach(value, ctx)
            if breach:
                found.append((f"row {row} (line {row + 1}), column {column}", *breach))
    if "suppressed" in table.columns:
        blank = SUPPRESSED_BLANK.get(path.name, tuple(counts))
        suppressed = _truthy(table["suppressed"])
        for column in (c for c in blank if c in table.columns):
            shown = suppressed & ~table[column].str.strip().str.lower().isin(BLANK_MARKERS)
            rows = [int(i) + 1 for i in table.index[shown]]
            if rows:
                found.append(
                    (
                        f"{_rows_text(rows)}, column {column}",
                        "suppressed_not_blank",
                        f"{len(rows)} suppressed row(s) still show {column}",
                    )
                )
    for column in table.columns:
        values = table[column]
        for value in values.unique():
            text = re.sub(r"^(\d{10})\.0+$", r"\1", value)  # an id written from a float column
            hits = find_identifiers(text, ctx)
            if hits:
                rows = [int(i) + 1 for i in values.index[values == value]]
                found.extend((f"{_rows_text(rows)}, column {column}", k, d) for k, d in hits)
    return found


class _Markup(HTMLParser):
    """Text of HTML or SVG as (location, text): text nodes, comments and text-bearing attributes;
    and the count columns of each <table>. Skips style and script (except JSON data blocks)."""

    TEXT_ATTRIBUTES = ("alt", "title", "aria-label", "aria-description", "summary", "content")

    def __init__(self, ctx: ScanContext, where: str = "") -> None:
        super().__init__(convert_charrefs=True)
        self.ctx = ctx
        self.where = where
        self.pieces: list[tuple[str, str]] = []
        self.findings: list[Finding] = []
        self._skip = 0
        self._tables: list[dict] = []

    def _at(self, what: str = "") -> str:
        line = f"line {self.getpos()[0]}"
        return ", ".join(p for p in (self.where, line, what) if p)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "style" or (tag == "script" and "json" not in (values.get("type") or "")):
            self._skip += 1
        for name in self.TEXT_ATTRIBUTES:
            if values.get(name):
                self.pieces.append((self._at(f"<{tag}> {name}"), values[name] or ""))
        if tag == "table":
            self._tables.append({"headers": {}, "rows": [], "row": None, "cell": None})
        elif self._tables:
            table = self._tables[-1]
            if tag in ("tr", "td", "th"):
                self._close_cell(table)  # HTML lets </td> and </tr> be left out
            if tag == "tr":
                if table["row"] is not None:
                    table["rows"].append(table["row"])
                table["row"] = {"cells": [], "line": self.getpos()[0]}
            elif tag in ("td", "th") and table["row"] is not None:
                span = values.get("colspan") or "1"
                table["cell"] = {
                    "text": [],
                    "header": tag == "th" and values.get("scope") != "row",
                    "span": int(span) if span.isdigit() else 1,
                }

    @staticmethod
    def _close_cell(table: dict) -> None:
        """Put the open cell, if any, into the open row."""
        if table["cell"] is not None and table["row"] is not None:
            table["row"]["cells"].append(table["cell"])
        table["cell"] = None

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script") and self._skip:
            self._skip -= 1
        if not self._tables:
            return
        table = self._tables[-1]
        if tag in ("td", "th"):
            self._close_cell(table)
        elif tag in ("tr", "table"):
            self._close_cell(table)
            if table["row"] is not None:
                table["rows"].append(table["row"])
            table["row"] = None
            if tag == "table":
                self._check_table(self._tables.pop())

    def handle_data(self, data: str) -> None:
        if self._skip or not data.strip():
            return
        self.pieces.append((self._at(), data))
        if self._tables and self._tables[-1]["cell"] is not None:
            self._tables[-1]["cell"]["text"].append(data)

    def handle_comment(self, data: str) -> None:
        if data.strip():
            self.pieces.append((self._at("comment"), data))

    def _check_table(self, table: dict) -> None:
        """Count columns (by header words) of an HTML table: every number in them must pass."""
        count_columns: dict[int, str] = {}
        for row in table["rows"]:
            cells, position = row["cells"], 0
            texts = [" ".join("".join(c["text"]).split()) for c in cells]
            if cells and all(c["header"] for c in cells):
                count_columns = {}
                for cell, text in zip(cells, texts, strict=True):
                    if is_count_header(text):
                        count_columns[position] = text
                    position += cell["span"]
                continue
            for cell, text in zip(cells, texts, strict=True):
                if position in count_columns and _parse_number(text) is not None:
                    breach = count_breach(text, self.ctx)
                    if breach:
                        where = ", ".join(p for p in (self.where, f"line {row['line']}") if p)
                        self.findings.append(
                            (f"{where}, table column '{count_columns[position]}'", *breach)
                        )
                position += cell["span"]


_DATA_URI = re.compile(r"data:[\w.+/-]+;base64,[A-Za-z0-9+/=]+")


def scan_markup(text: str, ctx: ScanContext, where: str = "") -> list[Finding]:
    """Identifiers in the text, alt texts and comments of HTML or SVG, and counts in its tables."""
    parser = _Markup(ctx, where)
    parser.feed(_DATA_URI.sub("data:;base64,", text))  # embedded images: no text, much time
    parser.close()
    return parser.findings + _identifier_findings(parser.pieces, ctx)


_SVG_SKIP = re.compile(r"<(style|script)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_SVG_PIECES = re.compile(
    r"<!--(.*?)-->"
    r"|>([^<]*[^\s<][^<]*)(?=<)"
    r"|\s(?:alt|title|aria-label|aria-description)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')",
    re.DOTALL,
)


def scan_svg(text: str, ctx: ScanContext) -> list[Finding]:
    """Identifiers in an SVG's text nodes, comments (matplotlib writes each label there) and
    text-bearing attributes; path data is not read. Regular expressions: a parser is 20x slower."""
    text = _SVG_SKIP.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    newlines = [m.start() for m in re.finditer("\n", text)]
    pieces = []
    for m in _SVG_PIECES.finditer(text):
        piece = next(g for g in m.groups() if g is not None)
        line = bisect.bisect_right(newlines, m.start()) + 1
        pieces.append((f"line {line}", html.unescape(piece)))
    return _identifier_findings(pieces, ctx)


def scan_xlsx(path: Path, ctx: ScanContext) -> list[Finding]:
    """Every cell of every sheet for identifiers (date cells as dates); columns headed as counts."""
    from openpyxl import load_workbook

    found: list[Finding] = []
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            count_columns: dict[int, str] = {}
            for r, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                filled = [(c, v) for c, v in enumerate(row) if v not in (None, "")]
                if len(filled) >= 2 and all(isinstance(v, str) for _, v in filled):
                    heads = {c: v for c, v in filled if is_count_header(v)}
                    if heads:
                        count_columns = {c: " ".join(v.split()) for c, v in heads.items()}
                for c, value in filled:
                    cell = f"sheet '{sheet.title}', cell {_column_letter(c)}{r}"
                    if isinstance(value, dt.datetime | dt.date):
                        day = value.date() if isinstance(value, dt.datetime) else value
                        if ctx.date_is_breach([day]):
                            found.append(
                                (cell, "date_of_birth", f"date cell: {mask(day.isoformat())}")
                            )
                        continue
                    if c in count_columns and not (
                        isinstance(value, str) and " ".join(value.split()) == count_columns[c]
                    ):
                        breach = count_breach(value, ctx)
                        if breach and not (
                            breach[0] == "count_not_number" and isinstance(value, str)
                        ):
                            found.append((f"{cell}, column '{count_columns[c]}'", *breach))
                    if isinstance(value, float) and value.is_integer():
                        value = int(value)
                    found.extend((cell, k, d) for k, d in find_identifiers(str(value), ctx))
    finally:
        book.close()
    return found


def _column_letter(index: int) -> str:
    """Spreadsheet column letters of a 0-based index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def scan_notebook(path: Path, ctx: ScanContext) -> list[Finding]:
    """Cell sources and outputs of an executed notebook (HTML outputs as markup, images skipped)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    found: list[Finding] = []

    def text_of(value: object) -> str:
        return "".join(value) if isinstance(value, list) else str(value)

    for i, cell in enumerate(notebook.get("cells", []), start=1):
        found.extend(
            _identifier_findings([(f"cell {i} source", text_of(cell.get("source", "")))], ctx)
        )
        for j, output in enumerate(cell.get("outputs", []), start=1):
            where = f"cell {i} output {j}"
            pieces = []
            if "text" in output:
                pieces.append((f"{where} text", text_of(output["text"])))
            if "traceback" in output:
                pieces.append((f"{where} traceback", text_of(output["traceback"])))
            for mime, value in (output.get("data") or {}).items():
                if mime in ("text/html", "image/svg+xml"):
                    found.extend(scan_markup(text_of(value), ctx, f"{where} {mime}"))
                elif mime.startswith("text/") or mime.endswith("json"):
                    body = value if isinstance(value, str | list) else json.dumps(value)
                    pieces.append((f"{where} {mime}", text_of(body)))
            found.extend(_identifier_findings(pieces, ctx))
    return found


def png_text(path: Path) -> list[tuple[str, str]]:
    """Text chunks (tEXt, zTXt, iTXt) of a PNG, which can carry titles or other metadata."""
    pieces: list[tuple[str, str]] = []
    with path.open("rb") as handle:
        if handle.read(8) != b"\x89PNG\r\n\x1a\n":
            raise ValueError("not a PNG file")
        while header := handle.read(8):
            length, kind = struct.unpack(">I4s", header)
            if kind not in (b"tEXt", b"zTXt", b"iTXt"):
                handle.seek(length + 4, 1)
                if kind == b"IEND":
                    break
                continue
            data = handle.read(length)
            handle.seek(4, 1)
            key, _, rest = data.partition(b"\0")
            if kind == b"tEXt":
                text = rest.decode("latin-1")
            elif kind == b"zTXt":
                text = zlib.decompress(rest[1:]).decode("latin-1")
            else:
                compressed, rest = rest[0], rest[2:]
                _language, _, rest = rest.partition(b"\0")
                _translated, _, rest = rest.partition(b"\0")
                text = (zlib.decompress(rest) if compressed else rest).decode("utf-8", "replace")
            pieces.append((f"PNG text chunk '{key.decode('latin-1')}'", text))
    return pieces


def pdf_text(path: Path) -> list[tuple[str, str]]:
    """Text of each PDF page through pypdfium2 or pypdf, whichever is installed."""
    try:
        import pypdfium2  # type: ignore[import-not-found]
    except ImportError:
        pypdfium2 = None
    if pypdfium2 is not None:
        document = pypdfium2.PdfDocument(str(path))
        try:
            return [
                (f"page {i + 1}", page.get_textpage().get_text_range())
                for i, page in enumerate(document)
            ]
        finally:
            document.close()
    try:
        from pypdf import PdfReader  # type: ignore[import-not-found]
    except ImportError as error:
        raise NoExtractorError("no PDF text library (pypdfium2 or pypdf) is installed") from error
    return [
        (f"page {i + 1}", page.extract_text() or "") for i, page in enumerate(PdfReader(path).pages)
    ]


def plain_text(path: Path) -> list[tuple[str, str]]:
    """Each line of a UTF-8 text file."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    return [(f"line {i}", line) for i, line in enumerate(lines, start=1) if line.strip()]


# Suffix -> function giving (location, text) pieces checked for identifiers. Plug in another reader
# (say, a different PDF library) by assigning TEXT_EXTRACTORS[".pdf"] = reader.
TEXT_EXTRACTORS: dict[str, TextExtractor] = {
    ".txt": plain_text,
    ".md": plain_text,
    ".json": plain_text,
    ".png": png_text,
    ".pdf": pdf_text,
}

# Suffix -> structured scanner (counts and identifiers).
SCANNERS: dict[str, Callable[[Path, ScanContext], list[Finding]]] = {
    ".csv": scan_csv,
    ".html": lambda p, ctx: scan_markup(p.read_text(encoding="utf-8"), ctx),
    ".htm": lambda p, ctx: scan_markup(p.read_text(encoding="utf-8"), ctx),
    ".svg": lambda p, ctx: scan_svg(p.read_text(encoding="utf-8"), ctx),
    ".xlsx": scan_xlsx,
    ".ipynb": scan_notebook,
}


def scan_file(path: Path, ctx: ScanContext) -> list[Finding]:
    """Findings of one published file; a file the scan cannot read is itself a finding."""
    suffix = path.suffix.lower()
    if path.name in SKIPPED_NAMES or suffix in RASTER_SUFFIXES:
        return []
    try:
        if suffix in SCANNERS:
            return SCANNERS[suffix](path, ctx)
        if suffix in TEXT_EXTRACTORS:
            return _identifier_findings(TEXT_EXTRACTORS[suffix](path), ctx)
    except NoExtractorError as error:
        return [("whole file", "unscanned", str(error))]
    except Exception as error:  # a corrupt file must stop the release, not the scan
        return [("whole file", "unreadable", f"could not be read: {type(error).__name__}")]
    return [("whole file", "unscanned", f"no scanner for '{suffix or path.name}' files")]


# --------------------------------------------------------------------------------------------
# The scan
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


def scan_published(root: Path, *, rules: dict, restricted: Path | None) -> pd.DataFrame:
    """Findings (file, location, kind, detail) over every file under the published tree.

    ``rules``: ``suppress_min``, ``suppress_max``, ``rounding_base`` (the disclosure config), and
    optionally ``last_birth_date`` (full dates after it are allowed), ``allowed_dates``,
    ``count_columns`` (extra CSV count columns), ``min_id_length`` (shorter restricted ids are not
    looked up). ``restricted``: the births parquet whose ids must not appear. Values that identify
    are shown masked.
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError("the published folder to scan does not exist", file=str(root))
    ctx = make_context(rules, restricted)
    started = time.perf_counter()
    rows = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        suffix = path.suffix.lower() or path.name
        ctx.files_by_type[suffix] = ctx.files_by_type.get(suffix, 0) + 1
        for location, kind, detail in scan_file(path, ctx):
            rows.append((path.relative_to(root).as_posix(), location, kind, detail))
    LOG.info(
        "scanned %d files under %s in %.2f s (%s); %d restricted ids and %d LSOA values looked up; "
        "%d findings",
        sum(ctx.files_by_type.values()),
        root,
        time.perf_counter() - started,
        ", ".join(f"{k} {v}" for k, v in sorted(ctx.files_by_type.items())),
        len(ctx.baby_ids),
        len(ctx.mother_lsoas),
        len(rows),
    )
    return pd.DataFrame(rows, columns=FINDING_COLUMNS).drop_duplicates(ignore_index=True)


def breach_error(findings: pd.DataFrame, findings_file: str) -> InputError:
    """The error that stops a release with breaches: first file and the kinds found, no values."""
    summary = findings.groupby(["file", "kind"], sort=False).size()
    listed = "; ".join(f"{file}: {kind} ({n})" for (file, kind), n in summary.head(8).items())
    more = f"; and {len(summary) - 8} more" if len(summary) > 8 else ""
    return InputError(
        f"the disclosure scan found {len(findings)} breach(es) in "
        f"{findings['file'].nunique()} published file(s): {listed}{more}",
        file=str(findings["file"].iloc[0]),
        rows=len(findings),
        hint=f"read the findings in {findings_file} (values masked), fix the step that wrote each "
        "file and re-run; do not publish the folder until the scan passes",
    )
