"""CSV files (UTF-8, UTF-8 with BOM, Windows-1252; optionally compressed) in, a ``RawTable`` of text out, with
encoding, binary-file and ragged-row problems reported on the lines the user sees."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from birthgaps.ingest.raw_table import (
    COMPRESSED,
    GZIP_MAGIC,
    HEADER_BYTES,
    FileProblem,
    RawTable,
    check_exists,
    clean_names,
    count_text,
    file_problem,
)

# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------


def line_bounds(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
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
    starts, ends = line_bounds(data)
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
    starts, _ = line_bounds(raw)
    lines = sorted(set(np.searchsorted(starts, positions, side="right").tolist()))
    text = f" of the {compression}-uncompressed text" if compression else ""
    return file_problem(
        path,
        "encoding",
        f"{what} on {count_text(len(lines), 'line')}, the first on line {lines[0]:,} "
        f"at byte offset {int(positions[0]) + skipped:,}{text} (0 = first byte)",
        rule,
        rows=len(lines),
        example_rows=lines[:10],
        hint=hint,
    )


def read_file_bytes(path: Path, rule: str, limit: int = -1) -> tuple[bytes, str | None]:
    """The file's bytes (the first ``limit``), gunzipped when gzip; other compression stops."""
    check_exists(path, rule)
    with path.open("rb") as handle:
        raw = handle.read(limit)
    compression = None
    if raw.startswith(GZIP_MAGIC):
        compression = "gzip"
        try:
            with gzip.open(path, "rb") as handle:
                raw = handle.read(limit)
        except (OSError, EOFError, zlib.error):
            raise file_problem(
                path,
                "file_format",
                "the file is gzip-compressed but cannot be uncompressed (damaged or cut short)",
                rule,
                hint="copy the file again, or uncompress it (gunzip) and check the CSV inside",
            ) from None
    for magic, (name, tool) in COMPRESSED.items():
        if raw.startswith(magic):
            raise file_problem(
                path,
                "file_format",
                f"the file is {name}-compressed, not CSV text",
                rule,
                hint=f"uncompress it ({tool}) and point the release's `extract` at the CSV inside",
            )
    return raw, compression


def sniff_binary(raw: bytes, path: Path, rule: str) -> None:
    """Stop early on files that are plainly not CSV text (a workbook, parquet, UTF-16)."""
    if raw.startswith(b"PK\x03\x04"):
        head = raw[: 1 << 16]
        if b"[Content_Types].xml" in head or b"xl/" in head:
            raise file_problem(
                path,
                "file_format",
                "the file is an Excel workbook, not CSV text",
                rule,
                hint="set the source's reader.format to xlsx, or name the file .xlsx",
            )
        raise file_problem(
            path,
            "file_format",
            "the file is a zip archive, not CSV text",
            rule,
            hint="unzip it and point the release's `extract` at the CSV inside",
        )
    if raw.startswith(b"PAR1"):
        raise file_problem(
            path,
            "file_format",
            "the file is parquet, not CSV text",
            rule,
            hint="set reader.format: parquet or name the file .parquet",
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:200].count(b"\x00") > 10:
        raise file_problem(
            path,
            "encoding",
            "the file is UTF-16 text ('Unicode text' in Excel), which is not read",
            rule,
            hint="save it as 'CSV UTF-8 (comma delimited)'",
        )


def as_utf8(
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


def csv_rows(text: str, reader: dict) -> Any:
    """A csv reader over text with any line breaks (LF, CRLF, CR)."""
    return csv.reader(io.StringIO(text, newline=""), delimiter=reader["delimiter"])


def csv_header(data: bytes, reader: dict, path: Path, rule: str) -> list[str]:
    """Names in row ``header_row`` of a CSV (UTF-8 bytes), checked for repeats."""
    head = data[:HEADER_BYTES].decode("utf-8", errors="ignore")
    header_row = reader["header_row"]
    header = None
    try:
        for i, row in enumerate(csv_rows(head, reader), start=1):
            if i == header_row:
                header = row
                break
    except csv.Error:
        raise file_problem(
            path,
            "header_missing",
            f"row {header_row} cannot be read as a CSV header (an unclosed quote or a stray "
            "character above it)",
            rule,
            hint="check reader.header_row and the quoting of the first rows",
        ) from None
    if header is None:
        if not head.strip():
            raise file_problem(
                path, "file_empty", "the extract is empty (no header, no rows)", rule
            )
        raise file_problem(
            path,
            "header_missing",
            f"the file has fewer than {header_row} rows, so row {header_row} cannot be the header",
            rule,
            hint="check reader.header_row",
        )
    return clean_names(header, path, rule)


def _ragged_rows(text: str, reader: dict, n_columns: int) -> tuple[list[int], bool]:
    """Lines of the data rows whose field count differs from the header's; and whether the file
    is cut short."""
    rows = csv_rows(text, reader)
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
    rows = csv_rows(text, reader)
    lines: list[int] = []
    line = 0
    for i, row in enumerate(rows, start=1):
        start, line = line + 1, rows.line_num
        if i > reader["header_row"] and row:
            lines.append(start)
    return np.asarray(lines, dtype=np.int64)


def read_csv_file(path: Path, reader: dict, rule: str) -> RawTable:
    import pyarrow.csv as pcsv

    raw, compression = read_file_bytes(path, rule)
    sniff_binary(raw, path, rule)
    data, used = as_utf8(raw, reader["encoding"], path, rule, compression)
    del raw
    if not data.strip():
        raise file_problem(path, "file_empty", "the extract is empty (no header, no rows)", rule)
    names = csv_header(data, reader, path, rule)
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
        row_problem = file_problem(
            path,
            "truncated_file" if truncated else "ragged_rows",
            f"{what} ({count_text(count, 'row')})",
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
