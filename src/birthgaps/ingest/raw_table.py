"""The raw table every reader returns (text values with the user's row numbers) and the file problems they raise:
a path in, its format, checked column names or a ``FileProblem`` out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

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


def count_text(n: int, noun: str) -> str:
    """``1 row``, ``2 rows``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def file_problem(path: Path, check: str, problem: str, rule: str, **kwargs: Any) -> FileProblem:
    return FileProblem(problem, check=check, file=str(path), rule=rule, **kwargs)


def check_exists(path: Path, rule: str) -> None:
    if not path.exists():
        raise file_problem(path, "file_missing", "the extract file does not exist", rule)
    if not path.is_file():
        raise file_problem(path, "file_missing", "the extract path is not a file", rule)
    if path.stat().st_size == 0:
        raise file_problem(path, "file_empty", "the extract is empty (no header, no rows)", rule)


def clean_names(names: list[Any], path: Path, rule: str) -> list[str]:
    """Stripped header names; unnamed columns get a placeholder; repeated names are fatal."""
    out = []
    for i, name in enumerate(names):
        text = "" if name is None else str(name).replace("\ufeff", "").strip()
        out.append(text or f"(unnamed column {i + 1})")
    named = [n for n in out if not n.startswith("(unnamed column ")]
    repeated = sorted({n for n in named if named.count(n) > 1})
    if repeated:
        raise file_problem(
            path,
            "duplicate_columns",
            "columns appear more than once in the header",
            rule,
            column=", ".join(repeated),
            hint="rename or remove the repeated columns so each name is unique",
        )
    if not named:
        raise file_problem(
            path,
            "header_missing",
            "the header row is empty",
            rule,
            hint="check reader.header_row (1-based row number of the header)",
        )
    return out
