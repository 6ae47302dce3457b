"""Readers: CSV (UTF-8, UTF-8 with BOM, Windows-1252), XLSX and parquet into a table of text.

Every value is read as text (or missing) so that type problems are found, counted and reported by
ingest rather than guessed by a parser. Problems that stop a file being read at all raise a
``FileProblem`` (an ``InputError`` that also carries the validation rule and example rows).
Row numbers are those the user sees: the line of a CSV file (header and blank lines counted) and
the row of a sheet; ``RawTable.row_numbers`` gives each data row's number.
"""

from __future__ import annotations

import csv
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from birthgaps.ingest.csv_reader import (
    as_utf8,
    csv_header,
    csv_rows,
    line_bounds,
    read_csv_file,
    read_file_bytes,
    sniff_binary,
)
from birthgaps.ingest.raw_table import (
    HEADER_BYTES,
    HEADER_SEARCH_ROWS,
    FileProblem,
    RawTable,
    check_exists,
    clean_names,
    count_text,
    detect_format,
    file_problem,
)

# --------------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------------


def _open_workbook(path: Path, rule: str) -> Any:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    check_exists(path, rule)
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise file_problem(
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
    raise file_problem(
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
            raise file_problem(
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
        names = clean_names(header, path, rule)
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
        row_problem = file_problem(
            path,
            "ragged_rows",
            f"rows hold values beyond the last named column ({count_text(len(ragged), 'row')})",
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

    check_exists(path, rule)
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise file_problem(
            path, "file_format", "the file is not a readable parquet file", rule
        ) from exc
    names = clean_names(table.column_names, path, rule)
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
        table = read_csv_file(path, reader, rule)
    elif fmt == "xlsx":
        table = _read_xlsx(path, reader, date_format, rule)
    else:
        table = _read_parquet(path, reader, date_format, rule)
    if table.n_rows == 0 and table.row_problem is None:
        # after the columns check when not strict: a title row read as the header has no rows
        table.row_problem = file_problem(
            path, "no_rows", "the extract has a header but no rows", rule
        )
    if table.row_problem is not None and strict:
        raise table.row_problem
    return table


def header_columns(path: str | Path, reader: dict, *, rule: str = "ingest") -> list[str]:
    """Column names of a file without reading its rows (preflight checks)."""
    path = Path(path)
    fmt = detect_format(path, reader.get("format", "auto"))
    if fmt == "parquet":
        import pyarrow.parquet as pq

        check_exists(path, rule)
        try:
            return clean_names(pq.read_schema(path).names, path, rule)
        except (pa.ArrowException, OSError) as exc:
            raise file_problem(
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
                    return clean_names(names, path, rule)
        finally:
            workbook.close()
        raise file_problem(path, "header_missing", "the sheet has no header row", rule)
    return csv_header(_csv_head(path, reader, rule), reader, path, rule)


def _csv_head(path: Path, reader: dict, rule: str) -> bytes:
    """The first lines of a CSV as UTF-8 (whole lines, up to ``HEADER_BYTES``), checked as ingest
    checks the whole file: compression, binary formats and undecodable bytes."""
    raw, compression = read_file_bytes(path, rule, HEADER_BYTES)
    sniff_binary(raw, path, rule)
    if len(raw) == HEADER_BYTES:
        starts, _ = line_bounds(raw)
        raw = raw[: starts[-1]] if len(starts) > 1 else raw
    return as_utf8(raw, reader["encoding"], path, rule, compression)[0]


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
        for i, row in enumerate(csv_rows(text, reader)):
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
