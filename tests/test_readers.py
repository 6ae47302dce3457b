"""Readers: CSV encodings and thousands separators, XLSX sheets and title rows, parquet types,
several files per release, and the header helpers used by preflight."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from support.births import synthetic_births, with_optional

from birthgaps.core.codes import CANONICAL_COLUMNS, REQUIRED_COLUMNS
from birthgaps.core.errors import InputError
from birthgaps.ingest.extract import header_columns, ingest_release
from birthgaps.ingest.readers import FileProblem, find_header_row, read_table
from birthgaps.ingest.sources import READER_DEFAULTS, load_source, to_layout
from birthgaps.ingest.validation import ROW_NUMBERS_SHORT

HEADER = ",".join(REQUIRED_COLUMNS)
ROW = "B{i},2022-01-0{d},live,39,1,{w},F,1,30,{e},E01000001,X1"


def canonical_text(weights=("3300", "3400", "3500"), ethnic=("A", "A", "A")) -> str:
    rows = [
        ROW.format(i=i, d=i + 1, w=w, e=e)
        for i, (w, e) in enumerate(zip(weights, ethnic, strict=True))
    ]
    return "\n".join([HEADER, *rows]) + "\n"


def reader(**changes) -> dict:
    return {**READER_DEFAULTS, **changes}


# --------------------------------------------------------------------------------------------
# CSV encodings
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_with_and_without_bom(tmp_path, encoding):
    path = tmp_path / "births.csv"
    path.write_text(canonical_text(ethnic=("A", "N", "Z")), encoding=encoding)
    for setting in ("utf-8", "utf-8-sig", "auto"):
        births, report = ingest_release([str(path)], {"reader": {"encoding": setting}})
        assert list(births.columns) == CANONICAL_COLUMNS  # no BOM left on the first name
        assert births["mother_ethnic_category"].tolist() == ["A", "N", "Z"]
    table = read_table(path, reader())
    assert table.encoding == ("utf-8-sig" if encoding == "utf-8-sig" else "utf-8")


def test_windows_1252_is_read_when_the_source_allows_it(tmp_path):
    text = canonical_text().replace("X1", "X\u00e91")  # é is 0xE9 in Windows-1252
    path = tmp_path / "births.csv"
    path.write_bytes(text.encode("cp1252"))
    for setting in ("auto", "cp1252"):
        births, report = ingest_release([str(path)], {"reader": {"encoding": setting}})
        assert births["area_code"].tolist() == ["X\u00c91"] * 3  # é read right; codes upper case
        assert "cp1252" in report.loc[report["rule"] == "records_read", "description"].iloc[0]
    with pytest.raises(InputError) as info:
        ingest_release([str(path)], {"reader": {"encoding": "utf-8"}})
    message = str(info.value)
    assert "not UTF-8" in message and "rows affected: 3" in message
    assert "cp1252" in message  # the fix is named


def test_auto_prefers_utf8_when_the_file_is_valid_utf8(tmp_path):
    path = tmp_path / "births.csv"
    path.write_text(canonical_text().replace("X1", "X\u00e91"), encoding="utf-8")
    births, _ = ingest_release([str(path)], {"reader": {"encoding": "auto"}})
    assert births["area_code"].iloc[0] == "X\u00c91"  # not mojibake "XÃ©1"


def test_quoted_thousands_separators_and_whole_number_decimals(tmp_path):
    path = tmp_path / "births.csv"
    path.write_text(canonical_text(weights=('"3,450"', "3300.0", '"1,234.00"')))
    births, _ = ingest_release([str(path)], "canonical")
    assert births["birth_weight_g"].tolist() == [3450, 3300, 1234]
    with pytest.raises(InputError, match="not numbers"):
        ingest_release([str(path)], {"reader": {"thousands": None}})


def test_other_delimiter_blank_lines_and_padded_names(tmp_path):
    text = canonical_text().replace(",", ";").replace("baby_id;", " baby_id ;")
    text = text.replace("\nB1", "\n\n\nB1")
    path = tmp_path / "births.txt"
    path.write_text(text.replace(";39;", "; 39 ;"))
    births, _ = ingest_release([str(path)], {"reader": {"delimiter": ";"}})
    assert births["baby_id"].tolist() == ["B0", "B1", "B2"]
    assert births["gestation_weeks"].tolist() == [39, 39, 39]


def test_missing_markers_of_the_source_become_missing(tmp_path):
    path = tmp_path / "births.csv"
    path.write_text(canonical_text(weights=("NULL", " N/A ", "3300")))
    births, report = ingest_release([str(path)], {"reader": {"na_values": ["", "NULL", "N/A"]}})
    assert births["birth_weight_g"].isna().tolist() == [True, True, False]
    row = report.loc[report["rule"] == "birth_weight_missing"].iloc[0]
    assert (row["rows"], row["example_rows"]) == (2, "2, 3")  # lines of the file


# --------------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------------


def titled_workbook(path: Path, frame: pd.DataFrame, sheet: str = "Births", titles: int = 2):
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="Notes", index=False)
        frame.to_excel(writer, sheet_name=sheet, startrow=titles + 1, index=False)
        for i in range(titles):
            writer.sheets[sheet].cell(row=i + 1, column=1, value=f"Title line {i + 1}")
    return path


def test_xlsx_named_sheet_with_title_rows_and_typed_cells(tmp_path):
    births = synthetic_births().head(40).reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "baby_id": births["baby_id"].astype(object),
            "birth_date": births["birth_date"],  # real Excel dates
            "birth_outcome": births["birth_outcome"].astype(object),
            "gestation_weeks": births["gestation_weeks"].astype("float64"),  # 39.0 cells
            "gestation_days": births["gestation_days"].astype("float64"),
            "birth_weight_g": births["birth_weight_g"].astype("float64"),
            "baby_sex": births["baby_sex"].astype(object),
            "plurality": births["plurality"].astype("float64"),
            "mother_age": births["mother_age"].astype("float64"),
            "mother_ethnic_category": births["mother_ethnic_category"].astype(object),
            "mother_lsoa": births["mother_lsoa"].astype(object),
            "area_code": births["area_code"].astype(object),
        }
    )
    path = titled_workbook(tmp_path / "births.xlsx", frame)
    source = {"reader": {"sheet": "Births", "header_row": 4}}
    got, _ = ingest_release([str(path)], source)
    births = with_optional(births[REQUIRED_COLUMNS])  # the sheet has no maternity columns
    pd.testing.assert_frame_equal(got, births)
    assert header_columns(path, source["reader"]) == REQUIRED_COLUMNS
    assert find_header_row(path, reader(sheet="Births"), REQUIRED_COLUMNS) == 4
    by_number, _ = ingest_release([str(path)], {"reader": {"sheet": 2, "header_row": 4}})
    pd.testing.assert_frame_equal(by_number, with_optional(births))


def test_xlsx_dates_are_written_in_the_source_date_format(tmp_path):
    births = synthetic_births().head(10).reset_index(drop=True)
    layout = to_layout(births, "local_maternity_export")
    layout["Date of Birth"] = births["birth_date"]  # date cells, not text
    path = tmp_path / "export.xlsx"
    layout.to_excel(path, index=False)
    got, _ = ingest_release([str(path)], "local_maternity_export")
    assert got["birth_date"].tolist() == births["birth_date"].tolist()


def test_xlsx_missing_sheet_lists_the_sheets(tmp_path):
    path = titled_workbook(tmp_path / "births.xlsx", pd.DataFrame({"a": [1]}))
    with pytest.raises(FileProblem) as info:
        read_table(path, reader(sheet="Data"))
    assert info.value.check == "sheet_missing"
    assert "Notes, Births" in str(info.value)


# --------------------------------------------------------------------------------------------
# Parquet
# --------------------------------------------------------------------------------------------


def test_parquet_with_native_types(tmp_path):
    births = synthetic_births().head(50).reset_index(drop=True)
    path = tmp_path / "births.parquet"
    births.to_parquet(path, index=False)  # Int64, datetime64, string columns
    got, _ = ingest_release([str(path)], "canonical")
    pd.testing.assert_frame_equal(got, with_optional(births))
    floats = births.astype({"birth_weight_g": "float64", "mother_age": "float64"})
    pq.write_table(pa.Table.from_pandas(floats, preserve_index=False), tmp_path / "f.parquet")
    got, _ = ingest_release([str(tmp_path / "f.parquet")], "canonical")
    pd.testing.assert_frame_equal(got, with_optional(births))
    # the file's own header: the required columns then the maternity ones the release carries
    assert header_columns(tmp_path / "f.parquet") == list(births.columns)
    assert list(births.columns)[: len(REQUIRED_COLUMNS)] == REQUIRED_COLUMNS


def test_parquet_dates_follow_the_source_date_format(tmp_path):
    births = synthetic_births().head(20).reset_index(drop=True)
    layout = to_layout(births, "ons_births")
    layout["dob"] = births["birth_date"]
    path = tmp_path / "ons.parquet"
    layout.to_parquet(path, index=False)
    got, _ = ingest_release([str(path)], "ons_births")
    assert got["birth_date"].tolist() == births["birth_date"].tolist()


# --------------------------------------------------------------------------------------------
# Several files per release
# --------------------------------------------------------------------------------------------


def split_by_year(births: pd.DataFrame, tmp_path: Path, source: str, suffix: str) -> list[str]:
    layout = to_layout(births, source)
    files = []
    for year, part in layout.groupby(births["birth_date"].dt.year):
        path = tmp_path / f"births_{year}{suffix}"
        if suffix == ".csv":
            part.to_csv(path, index=False)
        else:
            part.to_excel(path, index=False)
        files.append(str(path))
    return files


@pytest.mark.parametrize(("source", "suffix"), [("ons_births", ".csv"), ("canonical", ".xlsx")])
def test_one_file_per_year_is_combined_in_order(tmp_path, source, suffix):
    births = synthetic_births().iloc[::8].reset_index(drop=True)
    files = split_by_year(births, tmp_path, source, suffix)
    assert len(files) == 2
    got, report = ingest_release(files, source)
    assert got["baby_id"].tolist() == births["baby_id"].tolist()
    read = report.loc[report["rule"] == "records_read"]
    assert read["file"].tolist() == files
    assert read["rows"].sum() == len(births)


def test_row_numbers_are_per_file_and_cross_file_duplicates_are_counted(tmp_path):
    first = tmp_path / "a.csv"
    second = tmp_path / "b.csv"
    first.write_text(canonical_text())
    rows = canonical_text(weights=("3300", "bad", "3500")).replace("B0,", "Q0,")
    # B1 repeats an id of the first file for a different record: a collision across files
    second.write_text(rows.replace("B2,", "B1,"))
    with pytest.raises(InputError) as info:
        ingest_release([str(first), str(second)], "canonical", report_dir=tmp_path / "qa")
    assert str(second) in str(info.value)
    assert f"first bad rows ({ROW_NUMBERS_SHORT}): 3" in str(info.value)
    report = pd.read_csv(tmp_path / "qa" / "validation_report.csv", dtype=str)
    cross = report.loc[report["rule"] == "id_collision_across_files"].iloc[0]
    assert (cross["file"], cross["rows"], cross["example_rows"]) == (str(second), "1", "3, 4")
    within = report.loc[report["rule"] == "duplicate_baby_id"].iloc[0]
    assert (within["file"], within["rows"], within["example_rows"]) == (str(second), "1", "4")


def test_files_with_different_columns_are_named(tmp_path):
    first = tmp_path / "births_2022.csv"
    second = tmp_path / "births_2023.csv"
    first.write_text(canonical_text())
    second.write_text(canonical_text().replace("baby_sex", "sex"))
    with pytest.raises(InputError) as info:
        ingest_release([str(first), str(second)], "canonical")
    message = str(info.value)
    assert str(second) in message and "births_2022.csv" in message
    assert "columns_differ" in message and "baby_sex" in message and "sex" in message


def test_header_columns_of_csv_with_bom_and_cp1252(tmp_path):
    path = tmp_path / "b.csv"
    path.write_bytes(b"\xef\xbb\xbf" + canonical_text().encode())
    assert header_columns(path) == REQUIRED_COLUMNS
    path.write_bytes("Gr\u00f6\u00dfe,x\n1,2\n".encode("cp1252"))
    assert header_columns(path, {"encoding": "auto"}) == ["Gr\u00f6\u00dfe", "x"]


def test_source_reader_settings_reach_the_reader(tmp_path):
    source = load_source({"preset": "local_maternity_export", "reader": {"header_row": 3}})
    path = tmp_path / "x.csv"
    path.write_text("Report\n\nBaby ID,Date of Birth\nB1,01/01/2022\n")
    assert header_columns(path, source["reader"]) == ["Baby ID", "Date of Birth"]
    table = read_table(path, source["reader"])
    assert (table.n_rows, table.header_row) == (1, 3)


def test_excel_csv_utf8_export_with_bom_and_crlf(tmp_path):
    path = tmp_path / "births.csv"
    path.write_bytes(b"\xef\xbb\xbf" + canonical_text().replace("\n", "\r\n").encode())
    births, _ = ingest_release([str(path)], "canonical")
    assert births["baby_id"].tolist() == ["B0", "B1", "B2"]
    assert births["area_code"].tolist() == ["X1"] * 3  # no stray carriage return
    cut = path.read_bytes()[:-9]  # the last row loses its end
    path.write_bytes(cut)
    with pytest.raises(InputError, match="truncated"):
        ingest_release([str(path)], "canonical")
