"""The synthetic release's maternity-level columns: dtypes, calibrated national levels (on the demo's
60,000 births), identical values within a twin delivery, gradients, dirt shares and independence
of the columns that existed before."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

from birthgaps.core.codes import ETHNIC_CATEGORY_TO_GROUP
from birthgaps.ingest.synth import BASE_COLUMNS, simulate_release
from birthgaps.ingest.synth_maternity import MATERNITY_COLUMNS

CONFIG = yaml.safe_load((Path(__file__).parents[1] / "config/config.yaml").read_text("utf-8"))
SETTINGS = CONFIG["synthetic"]
AREAS = CONFIG["areas"]
YEARS = CONFIG["releases"]["demo"]["years"]
TARGET = SETTINGS["target_rates"]
DIRT = SETTINGS["dirt"]
CODES = [str(k) for k in range(10)]


@pytest.fixture(scope="module")
def demo() -> tuple[pd.DataFrame, pd.DataFrame]:
    return simulate_release(SETTINGS, AREAS, YEARS)


@pytest.fixture(scope="module")
def maternities(demo) -> pd.DataFrame:
    """One row per delivery (the first baby's record), with IMD quintile and ethnic group."""
    extract, lookup = demo
    births = extract.drop_duplicates()
    first = births[births["maternity_id"].notna()].drop_duplicates("maternity_id")
    deciles = dict(zip(lookup["lsoa_code"], lookup["imd_decile"], strict=True))
    decile = first["mother_lsoa"].map(deciles)
    return first.assign(
        quintile=(decile + 1) // 2,
        group=first["mother_ethnic_category"].map(ETHNIC_CATEGORY_TO_GROUP),
    )


def test_dtypes_and_codes(demo):
    extract, _ = demo
    assert list(extract.columns[-5:]) == MATERNITY_COLUMNS
    assert extract["maternity_id"].dtype == "string"
    assert extract["delivery_method"].dtype == "string"
    assert extract["booking_gestation_days"].dtype == "Int64"
    assert extract["smoking_at_delivery"].dtype == "boolean"
    assert extract["mother_bmi"].dtype == "Float64"
    ids = extract["maternity_id"].dropna()
    assert ids.str.fullmatch(r"MAT[0-9A-F]{10}").all()
    assert not ids.isin(extract["baby_id"]).any()
    assert set(extract["delivery_method"].dropna()) <= {*CODES, "X", "10"}
    assert set(CODES) <= set(extract["delivery_method"].dropna())


def test_calibrated_national_levels(maternities):
    """Levels of the demo release near the published national figures the config cites."""
    m = maternities
    method = m["delivery_method"][m["delivery_method"].isin(CODES)]
    assert abs((method == "8").mean() - TARGET["emergency_caesarean"]) < 0.008
    assert abs((method == "7").mean() - TARGET["elective_caesarean"]) < 0.008
    assert 0.37 < method.isin(["7", "8"]).mean() < 0.42  # NHS Maternity Statistics 2022-23: 39%
    assert 0.44 < (method == "0").mean() < 0.50
    assert 0.09 < method.isin(["2", "3", "4"]).mean() < 0.15  # instrumental
    smoking = m["smoking_at_delivery"].dropna()
    assert abs(smoking.mean() - TARGET["smoking_at_delivery"]) < 0.005
    bmi = m["mother_bmi"][m["mother_bmi"].between(12, 70).fillna(False)]
    assert abs((bmi >= 30).mean() - TARGET["obesity"]) < 0.01
    assert 25.0 < bmi.mean() < 28.5
    booking = m["booking_gestation_days"]
    gest = m["gestation_weeks"] * 7 + m["gestation_days"]
    ok = booking.between(0, 308).fillna(False) & ~(booking > gest).fillna(False)
    booking = booking[ok]
    assert abs((booking > 90).mean() - TARGET["booking_after_12_6_weeks"]) < 0.008
    assert 0.34 < (booking > 70).mean() < 0.42  # MSDS: about 62% booked by 10 weeks
    assert 0.03 < (booking > 140).mean() < 0.08  # MSDS: about 8% after 20 weeks


def test_twins_share_every_maternity_value(demo):
    extract, _ = demo
    births = extract.drop_duplicates()
    twins = births[births["plurality"] == 2].reset_index(drop=True)
    first, second = twins.iloc[0::2].reset_index(drop=True), twins.iloc[1::2].reset_index(drop=True)
    assert len(first) > 300
    for col in MATERNITY_COLUMNS:
        a, b = first[col], second[col]
        assert ((a == b).fillna(False) | (a.isna() & b.isna())).all(), col
    # a maternity id names exactly one delivery: twins share it, no one else does
    ids = births["maternity_id"].dropna()
    counts = ids.value_counts()
    per_id = births.dropna(subset=["maternity_id"]).groupby("maternity_id")["plurality"].first()
    assert (counts == per_id[counts.index]).all()


def test_gradients_point_the_right_way(maternities):
    m = maternities
    by_q = m.groupby("quintile")
    by_g = m[m["group"] != "Not stated"].groupby("group")
    smoking_q = by_q["smoking_at_delivery"].mean()
    assert smoking_q[1] > 3 * smoking_q[5]
    smoking_g = by_g["smoking_at_delivery"].mean()
    assert smoking_g["Asian"] < 0.5 * smoking_g["White"]
    assert smoking_g["Black"] < 0.6 * smoking_g["White"]
    emergency = m.assign(em=m["delivery_method"] == "8")
    em_g = emergency[emergency["group"] != "Not stated"].groupby("group")["em"].mean()
    assert em_g.idxmax() == "Black"
    assert em_g["Asian"] > em_g["White"]
    em_q = emergency.groupby("quintile")["em"].mean()
    assert em_q[1] > em_q[5]
    em_pre = emergency.groupby(emergency["gestation_weeks"] < 37)["em"].mean()
    assert em_pre[True] > 1.5 * em_pre[False]
    obese = m.assign(o=m["mother_bmi"].between(30, 70)).groupby("quintile")["o"].mean()
    assert obese[1] > 1.3 * obese[5]
    late = m.assign(late=m["booking_gestation_days"].between(91, 308)).groupby("quintile")["late"]
    assert late.mean()[1] > 1.5 * late.mean()[5]
    # smokers' babies are more often under 2,500 g (a within-cell modifier)
    lbw = m[m["birth_weight_g"].between(250, 6500).fillna(False)]
    lbw_by_smoking = (lbw["birth_weight_g"] < 2500).groupby(lbw["smoking_at_delivery"]).mean()
    assert lbw_by_smoking[True] > 1.4 * lbw_by_smoking[False]


def test_dirt_shares(demo):
    extract, _ = demo
    births = extract.drop_duplicates()
    n = len(births)

    def share(mask: pd.Series) -> float:
        return float(mask.fillna(False).sum() / n)

    assert abs(share(births["maternity_id"].isna()) - DIRT["maternity_id_missing"]) < 0.001
    method = births["delivery_method"]
    assert abs(share(method.isna()) - DIRT["delivery_method_missing"]) < 0.002
    invalid = method.isin(["X", "10"])
    assert abs(share(invalid) - DIRT["delivery_method_invalid"]) < 0.001 and invalid.any()
    booking = births["booking_gestation_days"]
    gest = births["gestation_weeks"] * 7 + births["gestation_days"]
    gest_ok = births["gestation_weeks"].between(22, 44).fillna(False)
    assert abs(share(booking.isna()) - DIRT["booking_missing"]) < 0.003
    implausible = (booking < 0) | (booking > 308)
    assert abs(share(implausible) - DIRT["booking_implausible"]) < 0.0007 and implausible.any()
    after = gest_ok & (booking > gest) & ~implausible
    assert abs(share(after) - DIRT["booking_after_delivery"]) < 0.001 and after.any()
    assert abs(share(births["smoking_at_delivery"].isna()) - DIRT["smoking_missing"]) < 0.002
    bmi = births["mother_bmi"]
    assert abs(share(bmi.isna()) - DIRT["bmi_missing"]) < 0.003
    sentinel = bmi.isin([0.0, 99.9])
    assert abs(share(sentinel) - DIRT["bmi_sentinel"]) < 0.001 and sentinel.any()
    implausible = ~bmi.between(12, 70) & ~sentinel & bmi.notna()
    assert abs(share(implausible) - DIRT["bmi_implausible"]) < 0.0007 and implausible.any()


def test_clean_values_without_dirt_are_plausible():
    tidy, _ = simulate_release({**SETTINGS, "live_births": 20_000, "dirt": {}}, AREAS, YEARS)
    for col in MATERNITY_COLUMNS:
        assert tidy[col].notna().all(), col
    assert tidy["delivery_method"].isin(CODES).all()
    gest = tidy["gestation_weeks"] * 7 + tidy["gestation_days"]
    assert tidy["booking_gestation_days"].between(35, 308).all()
    assert (tidy["booking_gestation_days"] <= gest).all()
    assert tidy["mother_bmi"].between(16, 65).all()
    assert (tidy["mother_bmi"] * 10 == (tidy["mother_bmi"] * 10).round()).all()  # one decimal


def test_existing_columns_do_not_depend_on_the_new_settings(demo):
    """The new columns use their own random stream: the columns that existed before are the same
    whatever the maternity settings and dirt (the demo figures pinned elsewhere stay put)."""
    extract, lookup = demo
    other = copy.deepcopy(SETTINGS)
    other["target_rates"]["smoking_at_delivery"] = 0.2
    other["true_odds_ratios"]["obesity"]["imd_quintile"]["1"] = 3.0
    for key in ("bmi_missing", "delivery_method_invalid", "death_unlinked"):
        other["dirt"][key] = 0.05
    again, lookup_again = simulate_release(other, AREAS, YEARS)
    pd.testing.assert_frame_equal(extract[BASE_COLUMNS], again[BASE_COLUMNS])
    pd.testing.assert_frame_equal(lookup, lookup_again)
    assert not extract["smoking_at_delivery"].equals(again["smoking_at_delivery"])


def test_same_seed_same_columns(demo):
    extract, _ = demo
    again, _ = simulate_release(copy.deepcopy(SETTINGS), dict(AREAS), list(YEARS))
    pd.testing.assert_frame_equal(extract[MATERNITY_COLUMNS], again[MATERNITY_COLUMNS])
    other, _ = simulate_release({**SETTINGS, "seed": SETTINGS["seed"] + 1}, AREAS, YEARS)
    assert not other["maternity_id"].dropna().isin(extract["maternity_id"].dropna()).any()
