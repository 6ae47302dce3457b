"""Malformed extracts: a good canonical CSV as text and the catalogue of bad cases (Case, CASES)."""

from __future__ import annotations

import bz2
import io
import lzma
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from birthgaps.core.codes import REQUIRED_COLUMNS
from birthgaps.ingest.sources import to_layout
from support.births import synthetic_births

HEADER = ",".join(REQUIRED_COLUMNS)


N_GOOD = 12


def good_row(i: int) -> str:
    return f"B{i:03d},2022-03-{i % 28 + 1:02d},live,39,2,3300,F,1,30,A,E01000001,X1"


def csv_text(rows: list[str] | None = None, header: str = HEADER) -> str:
    body = [good_row(i) for i in range(N_GOOD)] if rows is None else rows
    return "\n".join([header, *body]) + "\n"


def with_bad(make, positions: list[int]) -> str:
    """Good rows with ``make(row)`` replacing the rows at 1-based ``positions``."""
    rows = [good_row(i) for i in range(N_GOOD)]
    for p in positions:
        rows[p - 1] = make(rows[p - 1])
    return csv_text(rows)


@dataclass
class Case:
    """A malformed extract: files written by ``write``; the expected error or exclusion
    (``example_rows`` are line numbers of the file: line 1 is the header)."""

    name: str
    write: object  # (tmp_path) -> list[Path]
    check: str  # rule id (fatal check or exclusion rule)
    column: str | None = None
    rows: int | None = None
    example_rows: str | None = None
    source: object = "canonical"
    fatal: bool = True
    needle: str | None = None  # a phrase the message must hold
    forbidden: str | None = None  # a raw value that must appear nowhere (an identifier)


def text_file(text: str, name: str = "births.csv", encoding: str = "utf-8"):
    def write(tmp: Path) -> list[Path]:
        path = tmp / name
        path.write_bytes(text.encode(encoding))
        return [path]

    return write


def bytes_file(data: bytes, name: str = "births.csv"):
    def write(tmp: Path) -> list[Path]:
        path = tmp / name
        path.write_bytes(data)
        return [path]

    return write


def titled_xlsx(tmp: Path) -> list[Path]:
    births = synthetic_births().head(30)
    path = tmp / "export.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        to_layout(births, "local_maternity_export").to_excel(writer, startrow=3, index=False)
        writer.sheets["Sheet1"]["A1"] = "Births report"
        writer.sheets["Sheet1"]["A2"] = "All sites"
    return [path]


def two_files(second: str):
    def write(tmp: Path) -> list[Path]:
        first = tmp / "births_2022.csv"
        first.write_text(csv_text())
        other = tmp / "births_2023.csv"
        other.write_text(second)
        return [first, other]

    return write


def empty_parquet(tmp: Path) -> list[Path]:
    path = tmp / "births.parquet"
    pd.DataFrame({c: pd.Series([], dtype="string") for c in REQUIRED_COLUMNS}).to_parquet(path)
    return [path]


def local_with_gestation(values: list[str]):
    def write(tmp: Path) -> list[Path]:
        births = synthetic_births().head(N_GOOD).reset_index(drop=True)
        births = births.fillna({"gestation_weeks": 39, "gestation_days": 1})
        layout = to_layout(births, "local_maternity_export")
        layout.loc[: len(values) - 1, "Gestation"] = values
        path = tmp / "export.csv"
        layout.to_csv(path, index=False)
        return [path]

    return write


FULL = csv_text()


CASES = [
    Case("empty file", text_file(""), "file_empty", needle="empty"),
    Case("blank lines only", text_file("\n\n  \n"), "file_empty", needle="empty"),
    Case("header only", text_file(HEADER + "\n"), "no_rows", needle="no rows"),
    Case(
        "missing column",
        text_file(
            csv_text(
                [r.rsplit(",", 1)[0] for r in FULL.splitlines()[1:]],
                header=HEADER.replace(",area_code", ""),
            )
        ),
        "columns_missing",
        column="area_code",
        needle="required columns are missing",
    ),
    Case(
        "renamed column without a map",
        text_file(FULL.replace("birth_weight_g", "BirthWeight")),
        "columns_missing",
        column="birth_weight_g",
        needle="`BirthWeight`",  # the unmapped column is named in the hint
    ),
    Case(
        "duplicated column",
        text_file(FULL.replace("plurality", "mother_age")),
        "duplicate_columns",
        column="mother_age",
        needle="more than once",
    ),
    Case(
        "text in a number column",
        text_file(with_bad(lambda r: r.replace(",3300,", ",heavy,"), [3, 9])),
        "whole_number",
        column="birth_weight_g",
        rows=2,
        example_rows="4, 10",
    ),
    Case(
        "decimal gestation",
        text_file(with_bad(lambda r: r.replace(",39,", ",38.5,"), [4])),
        "whole_number",
        column="gestation_weeks",
        rows=1,
        example_rows="5",
    ),
    Case(
        "thousands separator in the wrong place",
        text_file(with_bad(lambda r: r.replace(",3300,", ',"33,00",'), [2])),
        "whole_number",
        column="birth_weight_g",
        rows=1,
        example_rows="3",
    ),
    Case(
        "unknown ethnic codes",
        text_file(with_bad(lambda r: r.replace(",A,", ",Q,"), [1, 5, 6])),
        "ethnic_code_unknown",
        column="mother_ethnic_category",
        rows=3,
        example_rows="2, 6, 7",
        fatal=False,
    ),
    Case(
        "unknown birth outcome",
        text_file(with_bad(lambda r: r.replace(",live,", ",neonatal death,"), [7])),
        "birth_outcome_code",
        column="birth_outcome",
        rows=1,
        example_rows="8",
    ),
    Case(
        "sex coded 1/2 without a recode",
        text_file(with_bad(lambda r: r.replace(",F,", ",2,"), [1, 2])),
        "sex_code",
        column="baby_sex",
        rows=2,
    ),
    Case(
        "all-missing column",
        text_file(with_bad(lambda r: r.replace(",3300,", ",,"), list(range(1, N_GOOD + 1)))),
        "all_missing",
        column="birth_weight_g",
        rows=N_GOOD,
    ),
    Case(
        "missing LSOA (counted)",
        text_file(with_bad(lambda r: r.replace(",E01000001,", ",,"), [2, 4])),
        "lsoa_missing",
        column="mother_lsoa",
        rows=2,
        example_rows="3, 5",
        fatal=False,
    ),
    Case(
        "gestation outside 22-44 weeks (counted)",
        text_file(with_bad(lambda r: r.replace(",39,", ",52,"), [12])),
        "gestation_out_of_range",
        column="gestation_weeks",
        rows=1,
        example_rows="13",
        fatal=False,
    ),
    Case(
        "mixed date formats",
        text_file(with_bad(lambda r: r.replace(",2022-03-", ",03/2022/"), [2, 3, 11])),
        "date_format",
        column="birth_date",
        rows=3,
        example_rows="3, 4, 12",
        needle="YYYY-MM-DD",
    ),
    Case(
        "impossible date",
        text_file(
            with_bad(lambda r: r.split(",", 2)[0] + ",2022-02-30," + r.split(",", 2)[2], [5])
        ),
        "date_format",
        column="birth_date",
        rows=1,
        example_rows="6",
    ),
    Case(
        "UK dates for a source expecting ISO",
        text_file(with_bad(lambda r: r.replace(",2022-03-01,", ",01/03/2022,"), [1])),
        "date_format",
        column="birth_date",
        rows=1,
    ),
    Case(
        "wrong encoding (Windows-1252 for a UTF-8 source)",
        text_file(with_bad(lambda r: r.replace(",X1", ",X\u00e91"), [6, 8]), encoding="cp1252"),
        "encoding",
        rows=2,
        example_rows="7, 9",
        source={"reader": {"encoding": "utf-8"}},
        needle="not UTF-8",
    ),
    Case(
        "undecodable in UTF-8 and Windows-1252",
        bytes_file(csv_text().encode() + b"B999,\x81\x8d\n"),
        "encoding",
        rows=1,
        source={"reader": {"encoding": "auto"}},
    ),
    Case(
        "UTF-16 text",
        bytes_file(csv_text().encode("utf-16")),
        "encoding",
        needle="UTF-16",
    ),
    Case(
        "xlsx with title rows but no header_row",
        titled_xlsx,
        "columns_missing",
        source="local_maternity_export",
        needle="header_row: 4",
    ),
    Case(
        "csv with title rows but no header_row",
        text_file("Births extract\nRun 01/02/2025\n\n" + FULL),
        "columns_missing",
        needle="header_row: 4",
    ),
    Case(
        "xlsx saved with a .csv name",
        lambda tmp: [_zip_as_csv(tmp)],
        "file_format",
        needle="Excel workbook",
    ),
    Case(
        "corrupt xlsx",
        bytes_file(b"this is not a workbook", name="births.xlsx"),
        "file_format",
        needle="not a readable Excel",
    ),
    Case(
        "truncated file (cut mid-row)",
        text_file(FULL[: FULL.rindex(",3300,") + 3]),
        "truncated_file",
        rows=1,
        example_rows=str(N_GOOD + 1),
        needle="truncated",
    ),
    Case(
        "truncated inside a quoted field",
        text_file(FULL + 'B900,2022-01-01,live,39,1,"3,'),
        "truncated_file",
        rows=1,
        example_rows=str(N_GOOD + 2),
    ),
    Case(
        "row with an extra field",
        text_file(with_bad(lambda r: r + ",extra", [4])),
        "ragged_rows",
        rows=1,
        example_rows="5",
    ),
    Case(
        "missing file", lambda tmp: [tmp / "nowhere.csv"], "file_missing", needle="does not exist"
    ),
    Case(
        "unknown file type",
        text_file(FULL, name="births.dat"),
        "file_format",
        needle="file format",
    ),
    Case(
        "named sheet absent",
        titled_xlsx,
        "sheet_missing",
        source={"preset": "local_maternity_export", "reader": {"sheet": "Births", "header_row": 4}},
        needle="Sheet1",
    ),
    Case("empty parquet", empty_parquet, "no_rows"),
    Case(
        "header_row beyond the end of the file",
        text_file(FULL),
        "header_missing",
        source={"reader": {"header_row": 40}},
    ),
    Case(
        "gestation text in no known form",
        local_with_gestation(["38 and a bit", "about 40"]),
        "gestation_text",
        column="gestation_weeks",
        rows=2,
        example_rows="2, 3",
        source="local_maternity_export",
    ),
    Case(
        "plurality of zero",
        text_file(with_bad(lambda r: r.replace(",F,1,", ",F,0,"), [10])),
        "plurality_range",
        column="plurality",
        rows=1,
        example_rows="11",
    ),
    Case(
        "mother's age sentinel 99",
        text_file(with_bad(lambda r: r.replace(",30,", ",99,"), [1, 12])),
        "mother_age_range",
        column="mother_age",
        rows=2,
        example_rows="2, 13",
    ),
    Case(
        "missing baby identifier",
        text_file(with_bad(lambda r: r.replace(r.split(",")[0] + ",", ",", 1), [3])),
        "baby_id_missing",
        column="baby_id",
        rows=1,
        example_rows="4",
    ),
    Case(
        "second file of a release with other columns",
        two_files(FULL.replace("mother_lsoa", "lsoa")),
        "columns_differ",
        column="mother_lsoa, lsoa",
        needle="births_2022.csv",
    ),
    Case(
        "duplicate babies (counted)",
        text_file(with_bad(lambda r: "B000" + r[4:], [5, 6])),
        "duplicate_baby_id",
        column="baby_id",
        rows=2,
        example_rows="6, 7",
        fatal=False,
    ),
]


def column_values(column: str, values: list[str], name: str = "births.csv"):
    """The good rows with one column's values replaced (cycled) by ``values``."""

    def write(tmp: Path) -> list[Path]:
        frame = pd.read_csv(io.StringIO(FULL), dtype=str, keep_default_na=False)
        frame[column] = [values[i % len(values)] for i in range(len(frame))]
        path = tmp / name
        frame.to_csv(path, index=False)
        return [path]

    return write


def compressed(kind: str):
    def write(tmp: Path) -> list[Path]:
        path = tmp / "births.csv"
        path.write_bytes({"bz2": bz2.compress, "xz": lzma.compress}[kind](FULL.encode()))
        return [path]

    return write


LABELS = {"ethnicity": {"format": "labels"}}


# Round two (issue 9): whole classes of silent wrong answers, each a stop or an exact count.
CASES += [
    Case(
        "Black British and Asian British labels (never White British)",
        column_values(
            "mother_ethnic_category", ["Black British", "Asian British", "White British"]
        ),
        "ethnic_code_unknown",
        column="mother_ethnic_category",
        rows=8,
        example_rows="2, 3, 5, 6, 8, 9, 11, 12",
        source=LABELS,
        fatal=False,
        needle='"Black British" (4)',
    ),
    Case(
        "weights in kilograms mapped as grams",
        column_values("birth_weight_g", ["3.3", "2.9", "3.65"]),
        "column_implausible",
        column="birth_weight_g",
        rows=N_GOOD,
        needle="kilograms",
    ),
    Case(
        "weights in ounces mapped as grams",
        column_values("birth_weight_g", ["116", "102", "129"]),
        "column_implausible",
        column="birth_weight_g",
        rows=N_GOOD,
        needle="ounces",
    ),
    Case(
        "gestation in days mapped as weeks",
        column_values("gestation_weeks", ["273", "266", "280"]),
        "column_implausible",
        column="gestation_weeks",
        rows=N_GOOD,
        needle="days",
    ),
    Case(
        "postcodes mapped as LSOA codes",
        column_values("mother_lsoa", ["LE1 5WW", "LE2 1XA", "LE4 9HQ"]),
        "column_implausible",
        column="mother_lsoa",
        rows=N_GOOD,
        needle="AA9 9AA",
        forbidden="LE1 5WW",
    ),
    Case(
        "area names mapped as area codes",
        column_values("area_code", ["Leicester", "Rutland"]),
        "column_implausible",
        column="area_code",
        rows=N_GOOD,
    ),
    Case(
        "mother's date of birth mapped as the birth date",
        column_values("birth_date", ["1990-04-12", "1987-11-02", "1995-01-30"]),
        "column_implausible",
        column="birth_date",
        rows=N_GOOD,
        forbidden="1990-04-12",
    ),
    Case(
        "ids restarting at 1 in each file of a release",
        two_files(FULL.replace(",3300,", ",3150,").replace("2022-03-", "2022-04-")),
        "id_collision_across_files",
        column="baby_id",
        rows=N_GOOD,
        needle="file_and_id",
    ),
    Case(
        "#N/A and blank area codes (not stated, never elsewhere)",
        text_file(with_bad(lambda r: r.rsplit(",", 1)[0] + ",#N/A", [2, 5])),
        "area_code_missing",
        column="area_code",
        rows=2,
        example_rows="3, 6",
        fatal=False,
    ),
    Case("bzip2 file named .csv", compressed("bz2"), "file_format", needle="bzip2"),
    Case("xz file named .csv", compressed("xz"), "file_format", needle="xz"),
]


#: Checks of a release's later file against the earlier ones: the later file is the one named.
LATER_FILE_CHECKS = ("columns_differ", "id_collision_across_files")


def named_file(case: Case, files: list) -> str:
    """The file a fatal case's message must name."""
    return str(files[-1] if case.check in LATER_FILE_CHECKS else files[0])


def _zip_as_csv(tmp: Path) -> Path:
    path = tmp / "births.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return path
