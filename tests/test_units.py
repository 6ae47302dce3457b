"""Units declared in the source mapping are converted exactly: birth weight in g (decimals rounded
half up), kg, lb, oz, pounds and ounces as text or in two columns; gestation in total days."""

from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest
from support.implausible import GRAMS, N, extract

from birthgaps.core.errors import InputError
from birthgaps.ingest.extract import ingest_release
from birthgaps.ingest.sources import load_source

LB = Fraction("453.59237")
OZ = Fraction("28.349523125")


def half_up(grams: Fraction) -> int:
    """Whole grams, halves up: the rounding the docs promise (docs/sources.md, Units)."""
    return int((grams + Fraction(1, 2)) // 1)


def whole(series: pd.Series) -> list:
    """Values as Python ints, None where missing."""
    return [None if pd.isna(v) else int(v) for v in series]


def weights_read(tmp_path, values: list[str], unit: str | None = None, **frame_columns) -> list:
    """Birth weights read from a canonical extract whose weight column holds ``values``."""
    frame = extract(len(values))
    frame["birth_weight_g"] = values
    for name, column in frame_columns.items():
        frame[name] = column
    path = tmp_path / "births.csv"
    frame.to_csv(path, index=False)
    source = {"birth_weight": {"unit": unit}} if unit else {}
    births, _ = ingest_release([str(path)], source)
    return whole(births["birth_weight_g"])


def test_decimal_grams_are_rounded_half_up_not_rejected(tmp_path):
    values = ["3250.4", "3250.5", "3250.49", "3,250.5", "3300.0", "999.5", "3251"]
    values += ["3300"] * 3
    assert weights_read(tmp_path, values) == [3250, 3251, 3250, 3251, 3300, 1000, 3251, *[3300] * 3]


def test_kilograms_convert_exactly(tmp_path):
    values = ["3.25", "3.2505", "0.9", "3", "4.0004", "3.2494999", "1.0005", "2.5"] + ["3.3"] * 2
    expected = [3250, 3251, 900, 3000, 4000, 3249, 1001, 2500, 3300, 3300]
    assert weights_read(tmp_path, values, "kg") == expected


def test_pounds_and_ounces_as_numbers_convert_exactly(tmp_path):
    # 7.25 lb = 116 oz = 3,288.5446825 g; 6 lb = 2,721.55422 g; 100 oz = 2,834.9523125 g
    assert weights_read(tmp_path, ["7.25", "6", "7.25"] * 4, "lb") == [3289, 2722, 3289] * 4
    assert weights_read(tmp_path, ["116", "100", "116.5"] * 4, "oz") == [3289, 2835, 3303] * 4


def test_pounds_and_ounces_text_in_every_written_form(tmp_path):
    forms = {
        "7lb 4oz": 3289,  # 3,175.14659 + 113.3980925 = 3,288.5446825
        "7 lb 4 oz": 3289,
        "7 lbs 4 ozs": 3289,
        "7-04": 3289,
        "7-4": 3289,
        "7LB4OZ": 3289,
        "7lb 4.5oz": 3303,  # 3,302.7194440625
        "7lb": 3175,
        "6 pounds 15 ounces": 3147,  # 2,721.55422 + 425.242846875 = 3,146.797066875
        "0lb 12oz": 340,  # 340.1942775
    }
    assert weights_read(tmp_path, list(forms), "lb_oz") == list(forms.values())


def test_every_pounds_and_ounces_pair_matches_exact_arithmetic(tmp_path):
    pairs = [(lb, oz) for lb in range(0, 16) for oz in range(0, 16)]
    values = [f"{lb}lb {oz}oz" for lb, oz in pairs]
    expected = [half_up(lb * LB + oz * OZ) for lb, oz in pairs]
    weights = weights_read(tmp_path, values, "lb_oz")
    assert weights == expected


def test_pounds_and_ounces_in_two_columns(tmp_path):
    frame = extract(12).drop(columns="birth_weight_g")
    frame["Weight lb"] = ["7", "7", "", "6", "0", ""] * 2
    frame["Weight oz"] = ["4", "", "12", "15", "12.5", ""] * 2
    path = tmp_path / "births.csv"
    frame.to_csv(path, index=False)
    source = {
        "columns": {"Weight lb": "birth_weight_lb", "Weight oz": "birth_weight_oz"},
        "birth_weight": {"unit": "lb_oz_columns"},
    }
    births, _ = ingest_release([str(path)], source)
    expected = [3289, 3175, 340, 3147, half_up(Fraction("12.5") * OZ), None] * 2
    assert whole(births["birth_weight_g"]) == expected


def test_unreadable_pounds_and_ounces_stop_with_the_rule(tmp_path):
    values = ["7lb 4oz"] * 10 + ["7lb 17oz", "heavy"]
    with pytest.raises(InputError) as info:
        weights_read(tmp_path, values, "lb_oz")
    message = str(info.value)
    assert "[check: weight_format]" in message and "column: birth_weight_g" in message
    assert "rows affected: 2" in message and "12, 13" in message  # CSV lines


def test_the_same_wrong_units_read_right_once_declared(tmp_path):
    """The data of the wrong-unit cases give exactly the right grams with the unit declared."""
    grams = list(GRAMS)
    kilograms = [f"{g / 1000:g}" for g in grams]
    assert weights_read(tmp_path, kilograms, "kg") == grams
    ounces = [f"{float(Fraction(g) / OZ):.6f}" for g in grams]
    assert weights_read(tmp_path, ounces, "oz") == grams
    pounds = [f"{float(Fraction(g) / LB):.7f}" for g in grams]
    assert weights_read(tmp_path, pounds, "lb") == grams


def gestation_read(tmp_path, days: list[str]) -> pd.DataFrame:
    frame = extract(len(days)).drop(columns=["gestation_weeks", "gestation_days"])
    frame["Gestation (days)"] = days
    path = tmp_path / "births.csv"
    frame.to_csv(path, index=False)
    source = {"columns": {"Gestation (days)": "gestation"}, "gestation": {"format": "days"}}
    births, _ = ingest_release([str(path)], source)
    return births


def test_gestation_in_days_becomes_completed_weeks_and_days(tmp_path):
    births = gestation_read(tmp_path, ["276", "154", "259", "260", "", "308", "1,001"] * 2)
    assert whole(births["gestation_weeks"])[:7] == [39, 22, 37, 37, None, 44, 143]
    assert whole(births["gestation_days"])[:7] == [3, 0, 0, 1, None, 0, 0]


def test_gestation_days_data_of_the_wrong_column_case_read_right(tmp_path):
    days = [str(7 * (37 + k % 5) + k % 7) for k in range(N)]
    births = gestation_read(tmp_path, days)
    assert births["gestation_weeks"].tolist() == [37 + k % 5 for k in range(N)]
    assert births["gestation_days"].tolist() == [k % 7 for k in range(N)]


@pytest.mark.parametrize(
    ("mapping", "key"),
    [
        ({"birth_weight": {"unit": "stone"}}, "source.birth_weight.unit"),
        (
            {"columns": {"Lb": "birth_weight_lb", "Oz": "birth_weight_oz"}},
            "source.birth_weight.unit",
        ),
        ({"columns": {"Days": "gestation"}}, "source.gestation.format"),
        ({"gestation": {"format": "months"}}, "source.gestation.format"),
    ],
)
def test_units_that_do_not_fit_the_mapping_stop_naming_the_key(mapping, key):
    with pytest.raises(InputError) as info:
        load_source(mapping)
    assert key in str(info.value)


def test_units_change_the_expected_columns():
    from birthgaps.ingest.sources import expected_columns

    days = load_source({"columns": {"D": "gestation"}, "gestation": {"format": "days"}})
    assert "gestation" in expected_columns(days) and "gestation_weeks" not in expected_columns(days)
    two = load_source(
        {
            "columns": {"Lb": "birth_weight_lb", "Oz": "birth_weight_oz"},
            "birth_weight": {"unit": "lb_oz_columns"},
        }
    )
    wanted = expected_columns(two)
    assert wanted[wanted.index("birth_weight_lb") + 1] == "birth_weight_oz"
    assert "birth_weight_g" not in wanted
    unmapped = load_source({"birth_weight": {"unit": "lb_oz_columns"}})  # looked for by name
    assert {"birth_weight_lb", "birth_weight_oz"} <= set(expected_columns(unmapped))


def test_pounds_all_missing_stop_as_an_empty_column(tmp_path):
    frame = extract(12).drop(columns="birth_weight_g")
    frame["birth_weight_lb"], frame["birth_weight_oz"] = "", "4"
    path = tmp_path / "births.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError) as info:
        ingest_release([str(path)], {"birth_weight": {"unit": "lb_oz_columns"}})
    assert "[check: all_missing]" in str(info.value)
    assert "column: birth_weight_lb" in str(info.value) and "rows affected: 12" in str(info.value)


def test_to_layout_writes_days_and_kilograms_that_read_back_exactly(tmp_path):
    from support.births import synthetic_births

    from birthgaps.ingest.sources import to_layout

    births = synthetic_births().head(300).reset_index(drop=True)
    source = {
        "columns": {"Gestation (days)": "gestation", "Weight (kg)": "birth_weight_g"},
        "gestation": {"format": "days"},
        "birth_weight": {"unit": "kg"},
    }
    path = tmp_path / "births.csv"
    to_layout(births, source).to_csv(path, index=False)
    read, _ = ingest_release([str(path)], source)
    assert whole(read["birth_weight_g"]) == whole(births["birth_weight_g"])
    stated = births["gestation_weeks"].notna().to_numpy()
    assert whole(read["gestation_weeks"][stated]) == whole(births["gestation_weeks"][stated])
    days = births["gestation_days"].fillna(0)[stated]
    assert whole(read["gestation_days"][stated]) == whole(days)
