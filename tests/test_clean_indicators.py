"""Cleaning of the maternity indicator columns and of the linked deaths: implausible values set
to missing, maternity-level conflicts resolved, ages at death derived, deaths outside follow-up
blanked, each counted in flow rows checked against hand-counted values."""

from __future__ import annotations

import pandas as pd
import pytest
from support.births import make_births, with_optional

from birthgaps.clean.deaths import death_ages
from birthgaps.clean.indicators import clean_indicator_columns
from birthgaps.core.settings import deaths_complete_to, schema_defaults


def births_with(**columns) -> pd.DataFrame:
    """Canonical births (one per value) with the given optional columns, the rest missing."""
    n = len(next(iter(columns.values())))
    births = with_optional(make_births([{}] * n))
    for column, values in columns.items():
        births[column] = pd.array(values, dtype=births[column].dtype)
    return births


def flow(rows):
    return {step: count for step, _, count in rows}


def test_implausible_values_are_blanked_and_counted():
    births = births_with(
        delivery_method=["0", "7", "8", "X", None, "12"],
        booking_gestation_days=[70, -1, 400, 90, None, 300],  # 300 > 39+2 of the birth
        smoking_at_delivery=[True, False, None, None, True, False],
        mother_bmi=[24.0, 11.9, 70.0, 99.9, None, 71.5],
    )
    out, rows = clean_indicator_columns(births, {})
    assert out["delivery_method"].tolist()[:3] == ["0", "7", "8"]
    assert out["delivery_method"].isna().tolist() == [False, False, False, True, True, True]
    assert out["booking_gestation_days"].isna().tolist() == [False, True, True, False, True, True]
    assert out["mother_bmi"].isna().tolist() == [False, True, False, True, True, True]
    assert flow(rows) == {
        "delivery_method_not_stated": 1,
        "delivery_method_implausible": 2,
        "booking_not_stated": 1,
        "booking_implausible": 3,
        "smoking_not_stated": 2,
        "bmi_not_stated": 2,  # missing and the 99.9 sentinel
        "bmi_implausible": 2,
    }
    assert births["mother_bmi"].iloc[1] == 11.9  # the input is not changed


def test_thresholds_come_from_the_definitions():
    births = births_with(mother_bmi=[13.0, 65.0], booking_gestation_days=[200, 260])
    _, rows = clean_indicator_columns(births, {})
    assert flow(rows)["bmi_implausible"] == 0
    out, rows = clean_indicator_columns(
        births, {"bmi_min": 15, "bmi_max": 60, "booking_max_weeks": 30}
    )
    assert flow(rows)["bmi_implausible"] == 2
    assert flow(rows)["booking_implausible"] == 1  # 260 days > 30+6 weeks = 216
    assert schema_defaults("definitions")["bmi_max"] == 70


def test_columns_not_carried_give_no_rows():
    births = births_with(smoking_at_delivery=[True, None])
    _, rows = clean_indicator_columns(births, {})
    assert flow(rows) == {"smoking_not_stated": 1}
    _, rows = clean_indicator_columns(make_births([{}]), {})  # no optional columns at all
    assert rows == []


def test_conflicting_values_within_a_maternity_take_the_first_babys():
    births = births_with(
        maternity_id=["M1", "M1", "M2", "M2", "M3", None],
        delivery_method=["8", "7", "0", "0", None, "7"],
        smoking_at_delivery=[True, True, None, False, False, True],
    )
    out, rows = clean_indicator_columns(births, {})
    assert out["delivery_method"].tolist()[:4] == ["8", "8", "0", "0"]
    assert out["smoking_at_delivery"].tolist()[:4] == [True, True, False, False]
    assert flow(rows)["delivery_method_conflicts"] == 1
    assert flow(rows)["smoking_conflicts"] == 0  # a missing value is no conflict
    assert out["delivery_method"].iloc[5] == "7"  # no maternity: its own value


# ----------------------------------------------------------------------------------- deaths


def deaths_of(dates, ages, outcomes=None) -> pd.DataFrame:
    n = len(dates)
    births = births_with(
        death_date=pd.to_datetime(pd.Series(dates)).astype("datetime64[ns]").tolist(),
        age_at_death_days=ages,
    )
    births["birth_date"] = pd.Timestamp("2020-06-15")
    if outcomes:
        births["birth_outcome"] = pd.array(outcomes, dtype="string")
    assert len(births) == n
    return births


END = pd.Timestamp("2021-12-31")


def test_age_at_death_is_derived_and_the_dates_are_trusted():
    births = deaths_of(
        ["2020-06-20", "2020-06-20", None, None, "2020-07-15"],
        [None, 9, 30, None, 30],
    )
    out, rows = death_ages(births, END)
    assert out["age_at_death_days"].tolist()[:3] == [5, 5, 30]
    assert out["death_date"].iloc[2] == pd.Timestamp("2020-07-15")  # from the age
    assert out["age_at_death_days"].iloc[4] == 30
    assert pd.isna(out["death_date"].iloc[3])
    assert flow(rows)["death_age_disagrees"] == 1
    assert flow(rows)["deaths"] == 4
    assert flow(rows)["deaths_in_follow_up"] == 4


def test_deaths_before_birth_after_follow_up_and_of_stillbirths_are_blanked():
    births = deaths_of(
        ["2020-06-10", "2022-01-05", "2020-06-15", "2021-12-31", None],
        [None, None, 0, None, -2],
        ["live", "live", "still", "live", "live"],
    )
    out, rows = death_ages(births, END)
    assert out["death_date"].isna().tolist() == [True, True, True, False, True]
    assert out["age_at_death_days"].isna().tolist() == [True, True, True, False, True]
    assert flow(rows) == {
        "deaths": 5,
        "death_age_disagrees": 0,
        "death_before_birth": 2,
        "stillbirth_with_death": 1,
        "death_after_follow_up": 1,
        "death_age_unknown": 0,
        "deaths_in_follow_up": 1,
    }
    assert "31 December 2021" in dict((s, d) for s, d, _ in rows)["death_after_follow_up"]


def test_a_death_without_a_birth_date_is_kept_without_an_age():
    births = deaths_of(["2020-06-20"], [None])
    births["birth_date"] = pd.NaT
    out, rows = death_ages(births, END)
    assert out["death_date"].notna().all() and out["age_at_death_days"].isna().all()
    assert flow(rows)["death_age_unknown"] == 1


def test_no_deaths_no_counts():
    _, rows = death_ages(with_optional(make_births([{}] * 3)), END)
    assert {step: count for step, _, count in rows if count} == {}
    assert death_ages(make_births([{}]), END)[1] == []  # no death columns at all


@pytest.mark.parametrize(
    ("spec", "end"),
    [
        ({"years": [2019, 2020]}, "2020-12-31"),
        ({"years": [2019, 2020], "deaths_complete_to": "2021-06-30"}, "2021-06-30"),
    ],
)
def test_the_follow_up_end(spec, end):
    assert pd.Timestamp(
        deaths_complete_to({"release": "r", "releases": {"r": spec}})
    ) == pd.Timestamp(end)
