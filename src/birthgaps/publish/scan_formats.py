"""Scanning one published file by its format: a path and the scan's ``ScanContext`` in; findings
(location, kind, detail) out. CSV tables, HTML and SVG markup, XLSX workbooks and notebooks are read
for counts and identifiers; other text through ``scan_text.TEXT_EXTRACTORS``."""

from __future__ import annotations

import bisect
import datetime as dt
import html
import json
import re
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from birthgaps.core.published_tables import PUBLISHED
from birthgaps.publish.scan_rules import (
    BLANK_MARKERS,
    SUPPRESSED_BLANK,
    ScanContext,
    count_breach,
    find_identifiers,
    is_count_header,
    mask,
    parse_number,
)
from birthgaps.publish.scan_text import TEXT_EXTRACTORS, NoExtractorError

# Files the scan reads no text from: raster images (their text is published beside them as alt
# text and SVG; PNG text chunks are read) and Snakemake's empty directory markers.
SKIPPED_NAMES = frozenset({".snakemake_timestamp"})
RASTER_SUFFIXES = frozenset({".jpg", ".jpeg", ".gif", ".webp"})

Finding = tuple[str, str, str]


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
    # a column the catalogue describes for this very table as something else is not a count
    # (the definitions table's `denominator` names a population: `live_births`)
    spec = PUBLISHED.get(path.stem)
    own = {} if spec is None else spec.columns
    counts = [
        c
        for c in table.columns
        if ctx.is_count_column(str(c)) and (c not in own or own[c].kind == "count")
    ]
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
                if position in count_columns and parse_number(text) is not None:
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
