"""The optional canonical columns (maternity, delivery method, booking gestation, smoking at
delivery, BMI, the linked death): each conversion from an extract's text, unreadable values and
whole wrong columns stopping with file/column/rule/count, and the presets' names and recodes."""

from __future__ import annotations

import pandas as pd
import pytest
from support.births import make_births

from birthgaps.core.codes import CANONICAL_COLUMNS, OPTIONAL_COLUMNS
from birthgaps.core.errors import InputError
from birthgaps.ingest.extract import ingest_release
from birthgaps.ingest.sources import to_layout

N = 40


def write_extract(tmp_path, extra: dict[str, list], name: str = "births.csv") -> str:
    """A canonical CSV of ``N`` live births with the ``extra`` text columns appended."""
    births = make_births([{"mother_lsoa": "E01000001"}] * N)
    frame = births.astype({"birth_date": "string"}).astype("string")
    frame["birth_date"] = births["birth_date"].dt.strftime("%Y-%m-%d")
    for column, values in extra.items():
        frame[column] = (values * N)[:N]
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


def ingest(path: str, source: str | dict = "canonical", **kwargs) -> pd.DataFrame:
    births, _ = ingest_release([path], source, **kwargs)
    return births


def test_an_extract_without_the_optional_columns_stages_them_all_missing(tmp_path):
    births = ingest(write_extract(tmp_path, {}))
    assert list(births.columns) == CANONICAL_COLUMNS
    assert births[OPTIONAL_COLUMNS].isna().all().all()
    assert [str(births[c].dtype) for c in OPTIONAL_COLUMNS] == [
        "string",
        "string",
        "Int64",
        "boolean",
        "Float64",
        "datetime64[ns]",
        "Int64",
    ]


def test_each_optional_column_is_converted(tmp_path):
    extra = {
        "maternity_id": ["M1", "M1", "M2", ""],
        "delivery_method": ["0", "07", "8.0", ""],
        "booking_gestation_days": ["70", "91", "", "200"],
        "smoking_at_delivery": ["Y", "no", "1", "Not known"],
        "mother_bmi": ["24.5", "31", "", "99.9"],
        "death_date": ["", "2020-07-01", "", ""],
        "age_at_death_days": ["", "16", "", ""],
    }
    births = ingest(write_extract(tmp_path, extra))
    head = births.head(4)
    assert head["maternity_id"].tolist()[:3] == ["M1", "M1", "M2"]
    assert pd.isna(head["maternity_id"].iloc[3])
    assert head["delivery_method"].tolist()[:3] == ["0", "7", "8"]
    assert head["booking_gestation_days"].tolist()[:2] == [70, 91]
    assert head["booking_gestation_days"].iloc[3] == 200
    assert head["smoking_at_delivery"].tolist()[:3] == [True, False, True]
    assert pd.isna(head["smoking_at_delivery"].iloc[3])  # "Not known" is missing
    assert head["mother_bmi"].tolist()[:2] == [24.5, 31.0]
    assert head["mother_bmi"].iloc[3] == 99.9  # a sentinel is kept here, blanked by clean
    assert head["death_date"].iloc[1] == pd.Timestamp("2020-07-01")
    assert head["age_at_death_days"].iloc[1] == 16
    assert births["death_date"].notna().sum() == N // 4


@pytest.mark.parametrize(
    ("form", "values", "days"),
    [
        ("weeks_plus_days_text", ["10+3", "12", "8w 2d"], [73, 84, 58]),
        ("weeks", ["10", "12", "8"], [70, 84, 56]),
        ("days", ["73", "84", "58"], [73, 84, 58]),
    ],
)
def test_booking_gestation_formats(tmp_path, form, values, days):
    path = write_extract(tmp_path, {"booking_gestation_days": values})
    births = ingest(path, {"booking_gestation": {"format": form}})
    assert births["booking_gestation_days"].head(3).tolist() == days


@pytest.mark.parametrize(
    ("column", "values", "rule", "source"),
    [
        ("smoking_at_delivery", ["Y", "occasionally"], "smoking_code", {}),
        ("mother_bmi", ["24.5", "twenty"], "number", {}),
        ("booking_gestation_days", ["70", "ten weeks"], "booking_gestation_format", {}),
        ("death_date", ["2020-07-01", "01/07/2020"], "date_format", {}),
        ("age_at_death_days", ["16", "2.5"], "whole_number", {}),
    ],
)
def test_unreadable_values_stop_naming_file_column_rule_and_count(
    tmp_path, column, values, rule, source
):
    values = [values[0]] * 15 + [values[1]] * 5  # a quarter unreadable: not a wrong column
    path = write_extract(tmp_path, {column: values})
    with pytest.raises(InputError) as info:
        ingest(path, source or "canonical")
    error = info.value
    assert (error.file, error.column, error.check, error.rows) == (path, column, rule, N // 4)


def test_a_mapped_source_column_is_named_in_the_stop(tmp_path):
    path = write_extract(tmp_path, {"SATOD": ["Y"] * 15 + ["sometimes"] * 5})
    with pytest.raises(InputError) as info:
        ingest(path, {"columns": {"SATOD": "smoking_at_delivery"}})
    assert "source column `SATOD`" in str(info.value)
    assert "recodes" in str(info.value)


@pytest.mark.parametrize(
    ("column", "values", "source", "hint"),
    [
        # the mother's weight in kg mapped as her BMI
        ("mother_bmi", [str(71 + i) for i in range(40)], {}, "weight in kg"),
        # booking in weeks read as days
        ("booking_gestation_days", [str(8 + i % 10) for i in range(40)], {}, "format: weeks"),
        # booking in days declared as weeks
        (
            "booking_gestation_days",
            [str(60 + i) for i in range(40)],
            {"booking_gestation": {"format": "weeks"}},
            "format: days",
        ),
        ("delivery_method", ["Caesarean"] * 40, {}, "recodes"),
        ("age_at_death_days", ["-3"] * 40, {}, "right column"),
    ],
)
def test_a_wrong_column_or_unit_stops_as_column_implausible(tmp_path, column, values, source, hint):
    path = write_extract(tmp_path, {column: values})
    with pytest.raises(InputError) as info:
        ingest(path, source or "canonical")
    error = info.value
    assert (error.file, error.column, error.check, error.rows) == (
        path,
        column,
        "column_implausible",
        N,
    )
    assert hint in str(info.value)


def test_a_few_implausible_values_do_not_stop(tmp_path):
    bmi = ["24"] * 36 + ["150"] * 4  # 10%: counted by clean, not a wrong column
    births = ingest(write_extract(tmp_path, {"mother_bmi": bmi}))
    assert (births["mother_bmi"] == 150).sum() == 4


def test_the_share_that_stops_is_the_configured_one(tmp_path):
    bmi = ["24"] * 16 + ["150"] * 24  # 60%: over the default share of 0.5
    path = write_extract(tmp_path, {"mother_bmi": bmi})
    with pytest.raises(InputError):
        ingest(path)
    assert (ingest(path, implausible_share=0.7)["mother_bmi"] == 150).sum() == 24


def test_an_empty_death_column_is_no_deaths_not_a_wrong_column(tmp_path):
    births = ingest(write_extract(tmp_path, {"death_date": [""], "age_at_death_days": [""]}))
    assert births["death_date"].isna().all()


def test_local_maternity_export_labels_and_weeks_plus_days(tmp_path):
    births = make_births([{"mother_lsoa": "E01000001"}] * 8)
    layout = to_layout(births, "local_maternity_export")
    layout["Maternity ID"] = ["A", "A", "B", "C", "D", "E", "F", "G"]
    layout["Delivery Method"] = [
        "Spontaneous vertex",
        "Spontaneous vertex",
        "Elective caesarean section",
        "Emergency caesarean section",
        "Ventouse",
        "Breech",
        "Not known",
        "Low forceps",
    ]
    layout["Gestation at Booking"] = ["10+3", "10+3", "12+6", "13", "9+0", "", "8+1", "11+2"]
    layout["Smoking at Delivery"] = [
        "Yes",
        "Yes",
        "No",
        "Current smoker",
        "Ex-smoker",
        "",
        "N",
        "Y",
    ]
    layout["BMI at Booking"] = ["22.4", "22.4", "31.0", "", "45.2", "19", "27", "30"]
    path = tmp_path / "export.csv"
    layout.to_csv(path, index=False)
    got = ingest(str(path), "local_maternity_export")
    assert got["delivery_method"].fillna("-").tolist() == ["0", "0", "7", "8", "4", "5", "-", "2"]
    assert got["booking_gestation_days"].fillna(-1).tolist() == [73, 73, 90, 91, 63, -1, 57, 79]
    assert got["smoking_at_delivery"].astype("string").fillna("-").tolist() == [
        "True", "True", "False", "True", "False", "-", "False", "True",
    ]  # fmt: skip
    assert got["mother_bmi"].iloc[2] == 31.0
    assert got["maternity_id"].iloc[0] == got["maternity_id"].iloc[1] == "A"


def test_optional_columns_round_trip_through_to_layout(tmp_path):
    births = make_births([{"mother_lsoa": "E01000001"}] * 6)
    births["maternity_id"] = pd.array(["M1", "M1", "M2", "M3", "M4", "M5"], dtype="string")
    births["delivery_method"] = pd.array(["0", "0", "7", "8", None, "9"], dtype="string")
    births["booking_gestation_days"] = pd.array([70, 70, 91, None, 60, 100], dtype="Int64")
    births["smoking_at_delivery"] = pd.array(
        [True, True, False, None, False, True], dtype="boolean"
    )
    births["mother_bmi"] = pd.array([22.5, 22.5, 31.0, None, 18.2, 40.0], dtype="Float64")
    births["death_date"] = pd.to_datetime([None, "2020-06-20", None, None, None, None]).astype(
        "datetime64[ns]"
    )
    births["age_at_death_days"] = pd.array([None, 5, None, None, None, None], dtype="Int64")
    births = births[CANONICAL_COLUMNS]
    for preset in ("canonical", "ons_births", "local_maternity_export"):
        path = tmp_path / f"{preset}.csv"
        to_layout(births, preset).to_csv(path, index=False)
        got = ingest(str(path), preset)
        pd.testing.assert_frame_equal(got[OPTIONAL_COLUMNS], births[OPTIONAL_COLUMNS], obj=preset)
