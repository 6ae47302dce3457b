"""Validation rules (pandera) one at a time, the report table and files, and the fatal error."""

from __future__ import annotations

import pandas as pd
import pytest
from support.births import make_births

from birthgaps.core.codes import REQUIRED_COLUMNS
from birthgaps.core.errors import InputError
from birthgaps.ingest.extract import ingest_release
from birthgaps.ingest.validation import (
    REPORT_COLUMNS,
    Issue,
    check_births,
    fatal_error,
    report_frame,
    write_report,
)


@pytest.mark.parametrize(
    ("rows", "rule", "column", "severity"),
    [
        ([{"baby_id": "B00001"}], "duplicate_baby_id", "baby_id", "exclusion"),
        ([{"birth_date": None}], "birth_date_missing", "birth_date", "exclusion"),
        ([{"gestation_weeks": None}], "gestation_missing", "gestation_weeks", "exclusion"),
        ([{"gestation_weeks": 99}], "gestation_sentinel", "gestation_weeks", "exclusion"),
        ([{"gestation_weeks": 21}], "gestation_out_of_range", "gestation_weeks", "exclusion"),
        ([{"gestation_weeks": 45}], "gestation_out_of_range", "gestation_weeks", "exclusion"),
        ([{"gestation_days": 7}], "gestation_days_out_of_range", "gestation_days", "exclusion"),
        ([{"birth_weight_g": None}], "birth_weight_missing", "birth_weight_g", "exclusion"),
        ([{"birth_weight_g": 9999}], "birth_weight_sentinel", "birth_weight_g", "exclusion"),
        ([{"birth_weight_g": 249}], "birth_weight_out_of_range", "birth_weight_g", "exclusion"),
        ([{"birth_weight_g": 6501}], "birth_weight_out_of_range", "birth_weight_g", "exclusion"),
        ([{"mother_age": None}], "mother_age_missing", "mother_age", "exclusion"),
        (
            [{"mother_ethnic_category": "Z"}],
            "ethnicity_not_stated",
            "mother_ethnic_category",
            "exclusion",
        ),
        (
            [{"mother_ethnic_category": "Q"}],
            "ethnic_code_unknown",
            "mother_ethnic_category",
            "exclusion",
        ),
        ([{"mother_lsoa": None}], "lsoa_missing", "mother_lsoa", "exclusion"),
        ([{"mother_lsoa": "E0100"}], "lsoa_code_format", "mother_lsoa", "exclusion"),
        ([{"baby_id": ""}], "baby_id_missing", "baby_id", "fatal"),
        ([{"birth_outcome": "alive"}], "birth_outcome_code", "birth_outcome", "fatal"),
        ([{"baby_sex": "1"}], "sex_code", "baby_sex", "fatal"),
        ([{"plurality": 9}], "plurality_range", "plurality", "fatal"),
        ([{"mother_age": 99}], "mother_age_range", "mother_age", "fatal"),
        ([{"area_code": None}], "area_code_missing", "area_code", "exclusion"),
    ],
)
def test_each_rule_on_its_own(rows, rule, column, severity):
    row = {"mother_lsoa": "E01000001", **rows[0]}
    births = make_births([{"mother_lsoa": "E01000001"}] * 4 + [row])
    if row.get("baby_id") == "":
        births.loc[4, "baby_id"] = pd.NA  # make_births fills a missing id
    found = {i.rule: i for i in check_births(births, "x.csv")}
    assert set(found) == {rule}, found
    issue = found[rule]
    assert (issue.column, issue.severity, issue.rows, issue.example_rows) == (
        column,
        severity,
        1,
        [5],
    )


def test_a_clean_table_breaks_no_rule():
    assert check_births(make_births([{"mother_lsoa": "E01000001"}] * 5), "x.csv") == []


def test_thresholds_come_from_the_definitions():
    rows = [{"mother_lsoa": "E01000001"}] * 3 + [
        {"mother_lsoa": "E01000001", "gestation_weeks": 23, "birth_weight_g": 400}
    ]
    births = make_births(rows)
    assert check_births(births, "x.csv") == []
    strict = {"gestation_min_weeks": 24, "birth_weight_min_g": 500}
    rules = {i.rule: i.rows for i in check_births(births, "x.csv", strict)}
    assert rules == {"gestation_out_of_range": 1, "birth_weight_out_of_range": 1}


def test_counts_and_row_numbers_of_many_breaches():
    rows = [{"mother_lsoa": "E01000001"}] * 30
    for i in (3, 7, 11, 12, 13, 14, 15, 16, 17, 18, 19, 25):
        rows[i] = {**rows[i], "gestation_weeks": None}
    found = {i.rule: i for i in check_births(make_births(rows), "x.csv")}
    issue = found["gestation_missing"]
    assert issue.rows == 12
    assert issue.example_rows == [4, 8, 12, 13, 14, 15, 16, 17, 18, 19]  # first 10 only


def test_columns_that_failed_conversion_are_not_counted_again():
    births = make_births([{"gestation_weeks": None, "mother_lsoa": "E01000001"}] * 2)
    assert "gestation_missing" in {i.rule for i in check_births(births, "x.csv")}
    skipped = check_births(births, "x.csv", skip_columns={"gestation_weeks"})
    assert "gestation_missing" not in {i.rule for i in skipped}


# --------------------------------------------------------------------------------------------
# Report table, files and the fatal error
# --------------------------------------------------------------------------------------------


SECRET_ID = "SECRETBABY42"
SECRET_LSOA = "E01099999"
SECRET_DATE = "2022-07-19"


def extract_with_secrets(tmp_path, fatal: bool):
    header = ",".join(REQUIRED_COLUMNS)
    good = "B{i},2022-01-01,live,39,1,3300,F,1,30,A,E01000001,X1"
    rows = [good.format(i=i) for i in range(5)]
    rows.append(f"{SECRET_ID},{SECRET_DATE},live,21,1,9999,F,1,30,Kurdish,{SECRET_LSOA}x,X1")
    rows.append(f"{SECRET_ID},{SECRET_DATE},live,39,1,3300,F,1,{'x' if fatal else 30},A,,X1")
    path = tmp_path / "births.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def assert_no_secrets(text: str) -> None:
    for secret in (SECRET_ID, SECRET_LSOA, SECRET_DATE, "19/07/2022"):
        assert secret not in text


def test_report_lists_rules_with_counts_and_rows_but_never_identifying_values(tmp_path):
    path = extract_with_secrets(tmp_path, fatal=False)
    births, report = ingest_release([str(path)], "canonical")
    assert list(report.columns) == REPORT_COLUMNS
    rules = {r.rule: (r.severity, int(r.rows), r.example_rows) for r in report.itertuples()}
    assert rules["duplicate_baby_id"] == ("exclusion", 1, "8")
    assert rules["gestation_out_of_range"] == ("exclusion", 1, "7")
    assert rules["birth_weight_sentinel"] == ("exclusion", 1, "7")
    assert rules["ethnic_code_unknown"] == ("exclusion", 1, "7")
    assert rules["lsoa_code_format"] == ("exclusion", 1, "7")
    assert rules["lsoa_missing"] == ("exclusion", 1, "8")
    assert rules["records_read"][:2] == ("info", 7)
    write_report(report, tmp_path / "r.csv", tmp_path / "r.html", title="Demo <release>")
    for name in ("r.csv", "r.html"):
        assert_no_secrets((tmp_path / name).read_text())
    html = (tmp_path / "r.html").read_text()
    assert "Demo &lt;release&gt;" in html and "ethnic_code_unknown" in html
    assert "No fatal rule broken" in html


def test_fatal_report_is_written_before_the_error(tmp_path):
    path = extract_with_secrets(tmp_path, fatal=True)
    with pytest.raises(InputError) as info:
        ingest_release([str(path)], "canonical", report_dir=tmp_path / "logs", rule="ingest")
    message = str(info.value)
    assert_no_secrets(message)
    assert "whole numbers" in message and "column: mother_age" in message
    assert (
        "rows affected: 1" in message
        and "(CSV line numbers or sheet row numbers, as shown in an editor or in Excel): 8"
        in message
    )
    assert str(tmp_path / "logs" / "validation_report.html") in message
    report = pd.read_csv(tmp_path / "logs" / "validation_report.csv")
    assert report.loc[0, "rule"] == "whole_number" and report.loc[0, "severity"] == "fatal"
    assert "exclusion" in set(report["severity"])  # the other rules are listed too
    html = (tmp_path / "logs" / "validation_report.html").read_text()
    assert "the run stopped" in html
    assert_no_secrets(html + report.to_csv())


def test_several_fatal_rules_are_all_named_in_the_error(tmp_path):
    path = tmp_path / "b.csv"
    header = ",".join(REQUIRED_COLUMNS)
    path.write_text(
        header
        + "\nB1,2022-01-01,alive,39,1,heavy,F,1,30,A,E01000001,X1"
        + "\nB2,01/01/2022,live,39,1,3300,F,1,30,A,E01000001,X1\n"
    )
    with pytest.raises(InputError) as info:
        ingest_release([str(path)], "canonical")
    message = str(info.value)
    assert "3 fatal rules broken" in message
    for rule in ("whole_number", "date_format", "birth_outcome_code"):
        assert rule in message


def test_empty_report_and_ordering():
    empty = report_frame([])
    assert list(empty.columns) == REPORT_COLUMNS and empty.empty
    issues = [
        Issue("b.csv", "mother_lsoa", "lsoa_missing", "exclusion", 2, "x", [1, 2]),
        Issue("a.csv", "baby_id", "duplicate_baby_id", "exclusion", 1, "x", [3]),
        Issue("b.csv", "birth_date", "date_format", "fatal", 1, "x", [4]),
    ]
    report = report_frame(issues, ["a.csv", "b.csv"])
    assert report["rule"].tolist() == ["duplicate_baby_id", "date_format", "lsoa_missing"]
    assert report["example_rows"].tolist() == ["3", "4", "1, 2"]
    error = fatal_error(report, rule="ingest")
    assert (error.file, error.column, error.rows) == ("b.csv", "birth_date", 1)
