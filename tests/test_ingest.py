"""Ingest: canonical layout, column maps and clear fatal errors on malformed extracts."""

from __future__ import annotations

import pandas as pd
import pytest
from support.births import make_births

from birthgaps.core.codes import CANONICAL_COLUMNS, REQUIRED_COLUMNS
from birthgaps.core.errors import InputError
from birthgaps.ingest.extract import read_extract


@pytest.fixture
def extract(tmp_path):
    frame = make_births(
        [{}, {"gestation_weeks": None, "mother_ethnic_category": None}, {"birth_outcome": "still"}]
    )
    path = tmp_path / "extract.csv"
    frame.assign(birth_date=frame["birth_date"].dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
    return path


def test_reads_canonical_csv_with_types(extract):
    births = read_extract(extract)
    assert list(births.columns) == CANONICAL_COLUMNS
    assert str(births["gestation_weeks"].dtype) == "Int64"
    assert births["gestation_weeks"].isna().sum() == 1
    assert births["mother_ethnic_category"].isna().sum() == 1
    assert births["birth_outcome"].tolist() == ["live", "live", "still"]
    assert births["birth_date"].dt.year.tolist() == [2020, 2020, 2020]


def test_column_map_renames_source_columns(tmp_path, extract):
    frame = pd.read_csv(extract).rename(columns={"birth_weight_g": "BirthWeight"})
    path = tmp_path / "renamed.csv"
    frame.to_csv(path, index=False)
    births = read_extract(path, {"BirthWeight": "birth_weight_g"})
    assert births["birth_weight_g"].tolist() == [3400, 3400, 3400]


def test_parquet_is_read(tmp_path, extract):
    path = tmp_path / "extract.parquet"
    pd.read_csv(extract, dtype=str).to_parquet(path)
    assert len(read_extract(path)) == 3


def write(tmp_path, text, name="bad.csv", mode="w"):
    path = tmp_path / name
    if mode == "wb":
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def header(extra=""):
    return ",".join(REQUIRED_COLUMNS) + extra + "\n"


GOOD_ROW = "B1,2020-01-02,live,39,1,3300,F,1,30,A,L1,X1\n"


@pytest.mark.parametrize(
    ("content", "needle", "column"),
    [
        ("", "empty", None),
        (header(), "no rows", None),
        (
            header().replace("birth_weight_g,", "") + GOOD_ROW.replace("3300,", ""),
            "missing",
            "birth_weight_g",
        ),
        (header().replace("plurality", "area_code"), "more than once", "area_code"),
        (header() + GOOD_ROW.replace(",39,", ",thirty,"), "whole numbers", "gestation_weeks"),
        (header() + GOOD_ROW.replace(",3300,", ",33OO,"), "not numbers", "birth_weight_g"),
        (header() + GOOD_ROW.replace("2020-01-02", "02/01/2020"), "YYYY-MM-DD", "birth_date"),
        (header() + GOOD_ROW.replace(",live,", ",unknown,"), "birth_outcome_code", "birth_outcome"),
        (header() + GOOD_ROW + GOOD_ROW.replace("B1,", ","), "baby_id_missing", "baby_id"),
        (header() + GOOD_ROW.replace(",1,30,", ",0,30,"), "plurality_range", "plurality"),
    ],
)
def test_malformed_extracts_give_clear_errors(tmp_path, content, needle, column):
    path = write(tmp_path, content)
    with pytest.raises(InputError) as info:
        read_extract(path)
    message = str(info.value)
    assert needle in message
    assert str(path) in message
    if column:
        assert column in message


def test_error_reports_row_counts_not_values(tmp_path):
    rows = GOOD_ROW * 3 + GOOD_ROW.replace(",39,", ",x,") * 2
    path = write(tmp_path, header() + rows)
    with pytest.raises(InputError) as info:
        read_extract(path)
    assert "rows affected: 2" in str(info.value)
    assert (
        "rows (CSV line numbers or sheet row numbers, as shown in an editor or in Excel): 5, 6"
        in str(info.value)
    )


def test_missing_file_and_wrong_encoding(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_extract(tmp_path / "nope.csv")
    latin = (header() + GOOD_ROW.replace("L1", "L\u00e9")).encode("cp1252")
    with pytest.raises(InputError, match="UTF-8"):
        read_extract(write(tmp_path, latin, mode="wb"))
