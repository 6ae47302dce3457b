"""Readers: CSV (UTF-8, UTF-8 with BOM, Windows-1252), XLSX and parquet into a table of text.

Every value is read as text (or missing) so that type problems are found, counted and reported by
ingest rather than guessed by a parser. Problems that stop a file being read at all raise a
``FileProblem`` (an ``InputError`` that also carries the validation rule and example rows).
Row numbers are those the user sees: the line of a CSV file (header and blank lines counted) and
the row of a sheet; ``RawTable.row_numbers`` gives each data row's number.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from birthgaps.core.errors import InputError

FORMATS_BY_SUFFIX = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
}
#: How many rows are searched for a header further down (title rows above it).
HEADER_SEARCH_ROWS = 30
#: Bytes decoded to find the header of a CSV file.
HEADER_BYTES = 1 << 20
#: Magic bytes of compressed files that are named rather than read (gzip is read as it is).
COMPRESSED = {
    b"BZh": ("bzip2", "bunzip2"),
    b"\xfd7zXZ\x00": ("xz", "unxz"),
    b"\x28\xb5\x2f\xfd": ("zstd", "unzstd"),
}
GZIP_MAGIC = b"\x1f\x8b"


class FileProblem(InputError):
    """A file that cannot be read as a table; ``check`` is the validation rule it breaks."""

    def __init__(
        self,
        problem: str,
        *,
        check: str,
        example_rows: list[int] | None = None,
        **kwargs: Any,
    ) -> None:
        self.example_rows = list(example_rows or [])
        super().__init__(problem, check=check, **kwargs)


@dataclass
class RawTable:
    """One file read as text: its columns (stripped names, in file order) and the data."""

    path: str
    format: str
    encoding: str | None
    header_row: int
    columns: list[str]
    data: pa.Table
    #: a problem with some rows (ragged or truncated), reported after the columns are checked,
    #: since a wrong header row makes every row look ragged
    row_problem: FileProblem | None = None
    #: each data row's number as the user sees it (CSV line, sheet row); None: data positions
    row_numbers: np.ndarray | None = None

    @property
    def n_rows(self) -> int:
        return self.data.num_rows


def user_rows(numbers: np.ndarray | None, rows: list[int]) -> list[int]:
    """Data-row positions (1 = first data row) as the user's row numbers (CSV line, sheet row)."""
    if numbers is None:
        return list(rows)
    return [int(numbers[r - 1]) if 1 <= r <= len(numbers) else r for r in rows]


def detect_format(path: str | Path, fmt: str = "auto") -> str:
    """The reader format: as configured, or from the file name when ``auto``."""
    if fmt != "auto":
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS_BY_SUFFIX:
        raise FileProblem(
            f"cannot tell the file format from the name ending `{suffix or '(none)'}`",
            check="file_format",
            file=str(path),
            hint="name the file .csv, .xlsx or .parquet, or set the source's reader.format",
        )
    return FORMATS_BY_SUFFIX[suffix]


def _count(n: int, noun: str) -> str:
    """``1 row``, ``2 rows``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _problem(path: Path, check: str, problem: str, rule: str, **kwargs: Any) -> FileProblem:
    return FileProblem(problem, check=check, file=str(path), rule=rule, **kwargs)


def _check_exists(path: Path, rule: str) -> None:
    if not path.exists():
        raise _problem(path, "file_missing", "the extract file does not exist", rule)
    if not path.is_file():
        raise _problem(path, "file_missing", "the extract path is not a file", rule)
    if path.stat().st_size == 0:
        raise _problem(path, "file_empty", "the extract is empty (no header, no rows)", rule)


def _clean_names(names: list[Any], path: Path, rule: str) -> list[str]:
    """Stripped header names; unnamed columns get a placeholder; repeated names are fatal."""
    out = []
    for i, name in enumerate(names):
        text = "" if name is None else str(name).replace("\ufeff", "").strip()
        out.append(text or f"(unnamed column {i + 1})")
    named = [n for n in out if not n.startswith("(unnamed column ")]
    repeated = sorted({n for n in named if named.count(n) > 1})
    if repeated:
        raise _problem(
            path,
            "duplicate_columns",
            "columns appear more than once in the header",
            rule,
            column=", ".join(repeated),
            hint="rename or remove the repeated columns so each name is unique",
        )
    if not named:
        raise _problem(
            path,
            "header_missing",
            "the header row is empty",
            rule,
            hint="check reader.header_row (1-based row number of the header)",
        )
    return out


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------


def _line_bounds(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (without the line break) of each line; a break is LF, CRLF or a lone CR."""
    b = np.frombuffer(raw, dtype=np.uint8)
    found = np.flatnonzero((b == 10) | (b == 13))
    is_cr = b[found] == 13
    after = np.minimum(found + 1, max(len(b) - 1, 0))
    crlf = is_cr & (found + 1 < len(b)) & (b[after] == 10)
    second = np.zeros(len(found), dtype=bool)  # the LF of a CRLF is not a break of its own
    second[1:] = crlf[:-1] & (found[1:] == found[:-1] + 1)
    breaks, crlf = found[~second], crlf[~second]
    starts = np.concatenate([[0], breaks + np.where(crlf, 2, 1)])
    ends = np.concatenate([breaks, [len(b)]])
    if len(starts) > 1 and starts[-1] == len(b):  # a final line break ends the last line
        starts, ends = starts[:-1], ends[:-1]
    return starts, ends


def _record_lines(data: bytes, header_row: int) -> np.ndarray:
    """Line of each data row of a CSV (the header and blank lines counted; a row that spans lines
    in a quoted field starts on its first), found by the parity of the quotes before each line."""
    starts, ends = _line_bounds(data)
    quotes = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 34)
    begins = np.searchsorted(quotes, starts) % 2 == 0
    lines = np.flatnonzero(begins) + 1
    blank = (ends == starts)[begins]
    return lines[header_row:][~blank[header_row:]]


def _bad_bytes(raw: bytes, encoding: str) -> np.ndarray:
    """Offsets of the bytes that are not valid in ``encoding``."""
    positions: list[int] = []

    def collect(error: UnicodeDecodeError) -> tuple[str, int]:
        positions.append(error.start)
        return ("\ufffd", error.end)

    name = f"birthgaps_collect_{id(positions)}"
    codecs.register_error(name, collect)
    raw.decode(encoding, errors=name)
    return np.asarray(positions, dtype=np.int64)


def _encoding_problem(
    raw: bytes, encoding: str, what: str, hint: str, where: tuple[Path, str, int, str]
) -> FileProblem:
    """Undecodable bytes named by line (as numbered in an editor) and by byte offset."""
    path, rule, skipped, compression = where
    positions = _bad_bytes(raw, encoding)
    starts, _ = _line_bounds(raw)
    lines = sorted(set(np.searchsorted(starts, positions, side="right").tolist()))
    text = f" of the {compression}-uncompressed text" if compression else ""
    return _problem(
        path,
        "encoding",
        f"{what} on {_count(len(lines), 'line')}, the first on line {lines[0]:,} "
        f"at byte offset {int(positions[0]) + skipped:,}{text} (0 = first byte)",
        rule,
        rows=len(lines),
        example_rows=lines[:10],
        hint=hint,
    )


def _read_bytes(path: Path, rule: str, limit: int = -1) -> tuple[bytes, str | None]:
    """The file's bytes (the first ``limit``), gunzipped when gzip; other compression stops."""
    _check_exists(path, rule)
    with path.open("rb") as handle:
        raw = handle.read(limit)
    compression = None
    if raw.startswith(GZIP_MAGIC):
        compression = "gzip"
        try:
            with gzip.open(path, "rb") as handle:
                raw = handle.read(limit)
        except (OSError, EOFError, zlib.error):
            raise _problem(
                path,
                "file_format",
                "the file is gzip-compressed but cannot be uncompressed (damaged or cut short)",
                rule,
                hint="copy the file again, or uncompress it (gunzip) and check the CSV inside",
            ) from None
    for magic, (name, tool) in COMPRESSED.items():
        if raw.startswith(magic):
            raise _problem(
                path,
                "file_format",
                f"the file is {name}-compressed, not CSV text",
                rule,
                hint=f"uncompress it ({tool}) and point the release's `extract` at the CSV inside",
            )
    return raw, compression


def _sniff_binary(raw: bytes, path: Path, rule: str) -> None:
    """Stop early on files that are plainly not CSV text (a workbook, parquet, UTF-16)."""
    if raw.startswith(b"PK\x03\x04"):
        head = raw[: 1 << 16]
        if b"[Content_Types].xml" in head or b"xl/" in head:
            raise _problem(
                path,
                "file_format",
                "the file is an Excel workbook, not CSV text",
                rule,
                hint="set the source's reader.format to xlsx, or name the file .xlsx",
            )
        raise _problem(
            path,
            "file_format",
            "the file is a zip archive, not CSV text",
            rule,
            hint="unzip it and point the release's `extract` at the CSV inside",
        )
    if raw.startswith(b"PAR1"):
        raise _problem(
            path,
            "file_format",
            "the file is parquet, not CSV text",
            rule,
            hint="set reader.format: parquet or name the file .parquet",
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:200].count(b"\x00") > 10:
        raise _problem(
            path,
            "encoding",
            "the file is UTF-16 text ('Unicode text' in Excel), which is not read",
            rule,
            hint="save it as 'CSV UTF-8 (comma delimited)'",
        )


def _as_utf8(
    raw: bytes, encoding: str, path: Path, rule: str, compression: str | None = None
) -> tuple[bytes, str]:
    """The file's bytes as UTF-8 without BOM, and the encoding they were read in."""
    bom = raw.startswith(codecs.BOM_UTF8)
    skipped = len(codecs.BOM_UTF8) if bom else 0
    where = (path, rule, skipped, compression or "")
    if bom:
        raw, encoding = raw[skipped:], "utf-8-sig"
    if encoding in ("utf-8", "utf-8-sig", "auto"):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            if encoding != "auto":
                raise _encoding_problem(
                    raw,
                    "utf-8",
                    "the file is not UTF-8 text: bytes that are not UTF-8",
                    "set the source's reader.encoding to cp1252 (Windows-1252) or auto, "
                    "or save the file as UTF-8 CSV",
                    where,
                ) from None
        else:
            return raw, ("utf-8-sig" if bom else "utf-8")
    try:
        return raw.decode("cp1252").encode("utf-8"), "cp1252"
    except UnicodeDecodeError:
        raise _encoding_problem(
            raw,
            "cp1252",
            "the file is neither UTF-8 nor Windows-1252 text: undecodable bytes",
            "save the file as UTF-8 CSV",
            where,
        ) from None


def _csv_rows(text: str, reader: dict) -> Any:
    """A csv reader over text with any line breaks (LF, CRLF, CR)."""
    return csv.reader(io.StringIO(text, newline=""), delimiter=reader["delimiter"])


def _csv_header(data: bytes, reader: dict, path: Path, rule: str) -> list[str]:
    """Names in row ``header_row`` of a CSV (UTF-8 bytes), checked for repeats."""
    head = data[:HEADER_BYTES].decode("utf-8", errors="ignore")
    header_row = reader["header_row"]
    header = None
    try:
        for i, row in enumerate(_csv_rows(head, reader), start=1):
            if i == header_row:
                header = row
                break
    except csv.Error:
        raise _problem(
            path,
            "header_missing",
            f"row {header_row} cannot be read as a CSV header (an unclosed quote or a stray "
            "character above it)",
            rule,
            hint="check reader.header_row and the quoting of the first rows",
        ) from None
    if header is None:
        if not head.strip():
            raise _problem(path, "file_empty", "the extract is empty (no header, no rows)", rule)
        raise _problem(
            path,
            "header_missing",
            f"the file has fewer than {header_row} rows, so row {header_row} cannot be the header",
            rule,
            hint="check reader.header_row",
        )
    return _clean_names(header, path, rule)


def _ragged_rows(text: str, reader: dict, n_columns: int) -> tuple[list[int], bool]:
    """Lines of the data rows whose field count differs from the header's; and whether the file
    is cut short."""
    rows = _csv_rows(text, reader)
    bad: list[int] = []
    last_bad = False
    line = 0
    try:
        for i, row in enumerate(rows, start=1):
            start, line = line + 1, rows.line_num
            if i <= reader["header_row"] or not row:
                continue
            last_bad = len(row) != n_columns
            if last_bad:
                bad.append(start)
    except csv.Error:
        bad.append(line + 1)
        last_bad = True
    truncated = last_bad and not text.endswith(("\n", "\r"))
    return bad, truncated


def _csv_record_lines(text: str, reader: dict) -> np.ndarray:
    """Line of each data row, read with the csv module (when quotes do not pair up simply)."""
    rows = _csv_rows(text, reader)
    lines: list[int] = []
    line = 0
    for i, row in enumerate(rows, start=1):
        start, line = line + 1, rows.line_num
        if i > reader["header_row"] and row:
            lines.append(start)
    return np.asarray(lines, dtype=np.int64)


def _read_csv(path: Path, reader: dict, rule: str) -> RawTable:
    import pyarrow.csv as pcsv

    raw, compression = _read_bytes(path, rule)
    _sniff_binary(raw, path, rule)
    data, used = _as_utf8(raw, reader["encoding"], path, rule, compression)
    del raw
    if not data.strip():
        raise _problem(path, "file_empty", "the extract is empty (no header, no rows)", rule)
    names = _csv_header(data, reader, path, rule)
    invalid = []

    def on_invalid(row: Any) -> str:
        invalid.append(row.number)
        return "skip"

    try:
        table = pcsv.read_csv(
            pa.BufferReader(data),
            read_options=pcsv.ReadOptions(
                column_names=[f"c{i}" for i in range(len(names))],
                skip_rows=reader["header_row"],
                block_size=1 << 24,
            ),
            parse_options=pcsv.ParseOptions(
                delimiter=reader["delimiter"], invalid_row_handler=on_invalid
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(len(names))},
                null_values=list(reader["na_values"]),
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        # The parser's own message quotes the offending row, so it is not passed on.
        invalid.append(None)
        table = None
    row_problem = None
    if invalid:
        bad, truncated = _ragged_rows(data.decode("utf-8"), reader, len(names))
        count = len(bad) or len(invalid)
        what = (
            "the file ends in the middle of a row: it looks truncated"
            if truncated
            else "rows have a different number of fields from the header"
        )
        row_problem = _problem(
            path,
            "truncated_file" if truncated else "ragged_rows",
            f"{what} ({_count(count, 'row')})",
            rule,
            rows=count,
            example_rows=bad[:10],
            hint="check the delimiter, the quoting and that the whole file was copied",
        )
    if table is None:
        table = pa.table({f"c{i}": pa.array([], pa.string()) for i in range(len(names))})
    table = table.rename_columns(names)
    lines = _record_lines(data, reader["header_row"])
    if len(lines) != table.num_rows and row_problem is None:
        lines = _csv_record_lines(data.decode("utf-8"), reader)
    numbers = lines if len(lines) == table.num_rows else None
    return RawTable(
        str(path), "csv", used, reader["header_row"], names, table, row_problem, numbers
    )


# --------------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------------


def _open_workbook(path: Path, rule: str) -> Any:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    _check_exists(path, rule)
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise _problem(
            path,
            "file_format",
            "the file is not a readable Excel (.xlsx) workbook",
            rule,
            hint="open it in Excel and save it again as .xlsx, or export CSV",
        ) from exc


def _sheet_name(names: list[str], sheet: str | int | None) -> str | None:
    """The name of the configured sheet (first when none is), or None when there is no such sheet."""
    if sheet is None:
        return names[0] if names else None
    if isinstance(sheet, int):
        return names[sheet - 1] if 1 <= sheet <= len(names) else None
    return sheet if sheet in names else None


def _worksheet(workbook: Any, sheet: str | int | None, path: Path, rule: str) -> Any:
    names = workbook.sheetnames
    name = _sheet_name(names, sheet)
    if name is not None:
        return workbook[name]
    raise _problem(
        path,
        "sheet_missing",
        f"the workbook has no sheet `{sheet}`",
        rule,
        hint=f"set reader.sheet to one of: {', '.join(names)} (or a 1-based number)",
    )


def _cell_text(value: Any, date_format: str) -> str | None:
    """A cell as text: whole-number floats without '.0'; dates in the source's date format."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return value.strftime(date_format)
    if isinstance(value, time):
        return value.isoformat()
    return str(value)


def _read_xlsx(path: Path, reader: dict, date_format: str, rule: str) -> RawTable:
    workbook = _open_workbook(path, rule)
    try:
        sheet = _worksheet(workbook, reader["sheet"], path, rule)
        rows = sheet.iter_rows(values_only=True)
        header = None
        for i, row in enumerate(rows, start=1):
            if i == reader["header_row"]:
                header = list(row)
                break
        if header is None:
            raise _problem(
                path,
                "file_empty" if reader["header_row"] == 1 else "header_missing",
                "the sheet is empty"
                if reader["header_row"] == 1
                else f"the sheet has fewer than {reader['header_row']} rows",
                rule,
                hint="check reader.sheet and reader.header_row",
            )
        while header and header[-1] is None:
            header.pop()
        names = _clean_names(header, path, rule)
        width = len(names)
        kept: list[tuple] = []
        numbers: list[int] = []
        ragged: list[int] = []
        for number, row in enumerate(rows, start=reader["header_row"] + 1):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                continue
            kept.append(row)
            numbers.append(number)
            if len(row) > width and any(v is not None for v in row[width:]):
                ragged.append(number)
    finally:
        workbook.close()
    row_problem = None
    if ragged:
        row_problem = _problem(
            path,
            "ragged_rows",
            f"rows hold values beyond the last named column ({_count(len(ragged), 'row')})",
            rule,
            rows=len(ragged),
            example_rows=ragged[:10],
            hint="name those columns or delete the stray cells",
        )
    columns = []
    for j in range(width):
        cells = [row[j] if j < len(row) else None for row in kept]
        if not all(v is None or isinstance(v, str) for v in cells):
            cells = [_cell_text(v, date_format) for v in cells]
        columns.append(cells)
    # the source's 'missing' markers are applied by ingest, after trimming, for every format
    arrays = [pa.array(col, type=pa.string()) for col in columns]
    table = pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(width)])
    table = table.rename_columns(names)
    return RawTable(
        str(path),
        "xlsx",
        None,
        reader["header_row"],
        names,
        table,
        row_problem,
        np.asarray(numbers, dtype=np.int64),
    )


# --------------------------------------------------------------------------------------------
# Parquet
# --------------------------------------------------------------------------------------------


def _column_text(array: pa.ChunkedArray, date_format: str) -> pa.ChunkedArray:
    """A typed parquet column as text (dates in the source's date format)."""
    kind = array.type
    if pa.types.is_dictionary(kind):
        array = array.cast(kind.value_type)
        kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return array.cast(pa.string())
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return pc.strftime(array, format=date_format)
    if pa.types.is_floating(kind):
        whole = pc.equal(pc.floor(array), array)
        as_int = pc.cast(pc.if_else(whole, array, None), pa.int64(), safe=False)
        return pc.if_else(whole, as_int.cast(pa.string()), array.cast(pa.string()))
    return array.cast(pa.string())


def _read_parquet(path: Path, reader: dict, date_format: str, rule: str) -> RawTable:
    import pyarrow.parquet as pq

    _check_exists(path, rule)
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise _problem(
            path, "file_format", "the file is not a readable parquet file", rule
        ) from exc
    names = _clean_names(table.column_names, path, rule)
    arrays = [_column_text(table.column(i), date_format) for i in range(table.num_columns)]
    return RawTable(str(path), "parquet", None, 1, names, pa.Table.from_arrays(arrays, names=names))


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def read_table(
    path: str | Path,
    reader: dict,
    *,
    date_format: str = "%Y-%m-%d",
    rule: str = "ingest",
    strict: bool = True,
) -> RawTable:
    """Read one file as text with the source's reader settings; stop with a ``FileProblem``.

    With ``strict=False`` a problem with some rows (or no rows) is returned in ``row_problem``
    (ingest reports it after checking the columns) instead of being raised.
    """
    path = Path(path)
    fmt = detect_format(path, reader.get("format", "auto"))
    if fmt == "csv":
        table = _read_csv(path, reader, rule)
    elif fmt == "xlsx":
        table = _read_xlsx(path, reader, date_format, rule)
    else:
        table = _read_parquet(path, reader, date_format, rule)
    if table.n_rows == 0 and table.row_problem is None:
        # after the columns check when not strict: a title row read as the header has no rows
        table.row_problem = _problem(path, "no_rows", "the extract has a header but no rows", rule)
    if table.row_problem is not None and strict:
        raise table.row_problem
    return table


def header_columns(path: str | Path, reader: dict, *, rule: str = "ingest") -> list[str]:
    """Column names of a file without reading its rows (preflight checks)."""
    path = Path(path)
    fmt = detect_format(path, reader.get("format", "auto"))
    if fmt == "parquet":
        import pyarrow.parquet as pq

        _check_exists(path, rule)
        try:
            return _clean_names(pq.read_schema(path).names, path, rule)
        except (pa.ArrowException, OSError) as exc:
            raise _problem(
                path, "file_format", "the file is not a readable parquet file", rule
            ) from exc
    if fmt == "xlsx":
        workbook = _open_workbook(path, rule)
        try:
            sheet = _worksheet(workbook, reader["sheet"], path, rule)
            for i, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                if i == reader["header_row"]:
                    names = list(row)
                    while names and names[-1] is None:
                        names.pop()
                    return _clean_names(names, path, rule)
        finally:
            workbook.close()
        raise _problem(path, "header_missing", "the sheet has no header row", rule)
    return _csv_header(_csv_head(path, reader, rule), reader, path, rule)


def _csv_head(path: Path, reader: dict, rule: str) -> bytes:
    """The first lines of a CSV as UTF-8 (whole lines, up to ``HEADER_BYTES``), checked as ingest
    checks the whole file: compression, binary formats and undecodable bytes."""
    raw, compression = _read_bytes(path, rule, HEADER_BYTES)
    _sniff_binary(raw, path, rule)
    if len(raw) == HEADER_BYTES:
        starts, _ = _line_bounds(raw)
        raw = raw[: starts[-1]] if len(starts) > 1 else raw
    return _as_utf8(raw, reader["encoding"], path, rule, compression)[0]


def first_rows(path: str | Path, reader: dict, n: int = HEADER_SEARCH_ROWS) -> list[list[str]]:
    """The first ``n`` rows of a file as stripped text cells (to find a header further down)."""
    path = Path(path)
    try:
        fmt = detect_format(path, reader.get("format", "auto"))
    except FileProblem:
        return []
    if fmt == "parquet":
        return []
    if fmt == "xlsx":
        workbook = _open_workbook(path, "ingest")
        try:
            sheet = _worksheet(workbook, reader["sheet"], path, "ingest")
            return [
                ["" if v is None else str(v).strip() for v in row]
                for row in sheet.iter_rows(max_row=n, values_only=True)
            ]
        finally:
            workbook.close()
    text = _csv_head(path, reader, "ingest").decode("utf-8")
    rows = []
    try:
        for i, row in enumerate(_csv_rows(text, reader)):
            if i >= n:
                break
            rows.append([c.strip() for c in row])
    except csv.Error:
        pass
    return rows


def find_header_row(path: str | Path, reader: dict, wanted: list[str]) -> int | None:
    """1-based row (among the first 30) holding most of the ``wanted`` names, if any does."""
    needed = max(2, len(wanted) // 2)
    for i, row in enumerate(first_rows(path, reader), start=1):
        if len(set(row) & set(wanted)) >= needed:
            return i
    return None


#: Delimiters tried when the header is not found with the configured one.
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


def column_hints(path: str | Path, reader: dict, wanted: list[str]) -> list[str]:
    """Why a file seems to lack the ``wanted`` columns, as advice: another delimiter, the header
    on another row, the data on another sheet (empty when none of these explains it)."""
    path = Path(path)
    try:
        fmt = detect_format(path, reader.get("format", "auto"))
    except FileProblem:
        return []
    hints = []
    tries = [reader]
    if fmt == "csv":
        tries += [{**reader, "delimiter": d} for d in DELIMITERS if d != reader["delimiter"]]
    elif fmt == "xlsx":
        workbook = _open_workbook(path, "ingest")
        names = workbook.sheetnames
        workbook.close()
        current = _sheet_name(names, reader["sheet"])
        tries += [{**reader, "sheet": name} for name in names if name != current]
    for option in tries:
        found = find_header_row(path, option, wanted)
        if not found:
            continue
        if option["delimiter"] != reader["delimiter"]:
            d = option["delimiter"]
            hints.append(
                f"the file seems to use the {DELIMITERS[d]} as its delimiter: "
                f"set the source's reader.delimiter: {d!r}"
            )
        if option["sheet"] != reader["sheet"]:
            hints.append(
                f"the data seem to be on sheet `{option['sheet']}`, not on sheet "
                f"`{_sheet_name(names, reader['sheet'])}`: set the source's reader.sheet: "
                f"{option['sheet']}"
            )
        if found != reader["header_row"]:
            hints.append(
                f"the header looks like row {found}, not row {reader['header_row']}: "
                f"set the source's reader.header_row: {found}"
            )
        break
    return hints
