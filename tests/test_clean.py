"""Cleaning rules, each on its own, and the exclusion flow arithmetic."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import make_births

from birthgaps.clean import clean_births, publish_flow
from birthgaps.errors import InputError


def run(rows, lookup, config):
    return clean_births(
        make_births(rows),
        lookup,
        areas=["X1"],
        years=[2020, 2021],
        definitions=config["definitions"],
    )


def flow_count(flow: pd.DataFrame, step: str) -> int:
    return int(flow.loc[flow["step"] == step, "count"].iloc[0])


def test_duplicates_stillbirths_areas_and_years_are_removed_and_counted(lookup, config):
    rows = [
        {"baby_id": "A"},
        {"baby_id": "A"},  # duplicate record
        {"birth_outcome": "still"},
        {"area_code": "X9"},
        {"birth_date": "2019-12-31"},
        {},
    ]
    clean, flow = run(rows, lookup, config)
    assert len(clean) == 2
    assert flow_count(flow, "received") == 6
    assert flow_count(flow, "duplicates") == 1
    assert flow_count(flow, "stillbirths") == 1
    assert flow_count(flow, "other_areas") == 1
    assert flow_count(flow, "other_years") == 1
    assert flow_count(flow, "live_births") == 2


@pytest.mark.parametrize(
    ("weeks", "days", "preterm", "very_preterm"),
    [
        (36, 6, True, False),
        (37, 0, False, False),
        (31, 6, True, True),
        (32, 0, True, False),
        (22, 0, True, True),
        (44, 6, False, False),
    ],
)
def test_preterm_boundaries(lookup, config, weeks, days, preterm, very_preterm):
    clean, _ = run([{"gestation_weeks": weeks, "gestation_days": days}], lookup, config)
    assert bool(clean["preterm"].iloc[0]) is preterm
    assert bool(clean["very_preterm"].iloc[0]) is very_preterm


@pytest.mark.parametrize(
    ("weeks", "step"),
    [
        (None, "gestation_not_stated"),
        (99, "gestation_not_stated"),
        (21, "gestation_implausible"),
        (45, "gestation_implausible"),
    ],
)
def test_unusable_gestation_leaves_denominator_only(lookup, config, weeks, step):
    clean, flow = run([{"gestation_weeks": weeks}, {}], lookup, config)
    assert len(clean) == 2  # the birth stays for the weight-based outcomes
    assert clean["preterm"].isna().sum() == 1
    assert clean["term_lbw"].isna().sum() == 1
    assert clean["lbw"].notna().all()
    assert flow_count(flow, step) == 1
    assert flow_count(flow, "preterm_denominator") == 1


@pytest.mark.parametrize(
    ("grams", "lbw", "very_lbw"),
    [(2499, True, False), (2500, False, False), (1499, True, True), (1500, True, False)],
)
def test_lbw_boundaries(lookup, config, grams, lbw, very_lbw):
    clean, _ = run([{"birth_weight_g": grams}], lookup, config)
    assert bool(clean["lbw"].iloc[0]) is lbw
    assert bool(clean["very_lbw"].iloc[0]) is very_lbw


def test_unusable_weight_and_term_lbw_denominator(lookup, config):
    rows = [
        {"birth_weight_g": 9999},
        {"birth_weight_g": None},
        {"birth_weight_g": 100},
        {"birth_weight_g": 7000},
        {"gestation_weeks": 35, "birth_weight_g": 2200},  # preterm LBW: not in term LBW denominator
        {"gestation_weeks": 38, "birth_weight_g": 2200},  # term LBW
    ]
    clean, flow = run(rows, lookup, config)
    assert flow_count(flow, "weight_not_stated") == 2
    assert flow_count(flow, "weight_implausible") == 2
    assert flow_count(flow, "lbw_denominator") == 2
    assert clean["term_lbw"].sum() == 1
    assert clean["term_lbw"].notna().sum() == 1


def test_derived_groups(lookup, config):
    rows = [
        {"mother_ethnic_category": "N", "mother_lsoa": "L1", "mother_age": 19},
        {"mother_ethnic_category": "R", "mother_lsoa": "L5", "mother_age": 40},
        {"mother_ethnic_category": "z", "mother_lsoa": "NOPE", "mother_age": None},
        {"mother_ethnic_category": "Q", "mother_lsoa": None, "mother_age": 25},
    ]
    clean, flow = run(rows, lookup, config)
    assert clean["ethnic_group"].tolist() == ["Black", "Asian", "Not stated", "Not stated"]
    assert clean["imd_quintile"].tolist() == ["1", "5", "Unknown", "Unknown"]
    assert clean["age_band"].tolist() == ["<20", "40+", "Unknown", "25-29"]
    assert flow_count(flow, "ethnicity_not_stated") == 1
    assert flow_count(flow, "ethnicity_unrecognised") == 1
    assert flow_count(flow, "lsoa_unmatched") == 2


def test_bad_lookup_is_fatal(config):
    bad = pd.DataFrame({"lsoa_code": ["L1", "L1"], "imd_decile": [1, 2]})
    with pytest.raises(InputError, match="more than once"):
        run([{}], bad, config)
    with pytest.raises(InputError, match="1 to 10"):
        run([{}], pd.DataFrame({"lsoa_code": ["L1"], "imd_decile": [11]}), config)


def test_published_flow_suppresses_small_counts(lookup, config):
    rows = [{}] * 20 + [{"birth_outcome": "still"}] * 3
    _, flow = run(rows, lookup, config)
    published = publish_flow(flow, config["disclosure"])
    still = published.loc[published["step"] == "stillbirths"].iloc[0]
    assert pd.isna(still["count"]) and still["flag"] == "c"
    received = published.loc[published["step"] == "received"].iloc[0]
    assert received["count"] == 25  # 23 rounded to the nearest 5
