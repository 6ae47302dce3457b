"""Cleaning rules, each on its own, and the exclusion flow arithmetic."""

from __future__ import annotations

import pandas as pd
import pytest
from support.births import make_births, with_optional
from support.cleaned import BIRTH_OUTCOMES, clean_births

from birthgaps.clean.flow import publish_flow
from birthgaps.core.codes import CANONICAL_COLUMNS
from birthgaps.core.errors import InputError


def run(rows, lookup, config):
    return clean_births(
        with_optional(make_births(rows)),  # staged births carry every canonical column
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


def test_output_columns_and_flow_steps_follow_the_contract(lookup, config):
    """docs/architecture.md: derived columns, their values, and the flow steps in order."""
    clean, flow = run([{}, {"mother_lsoa": "L3", "mother_ethnic_category": "K"}], lookup, config)
    derived = [
        "year",
        "imd_decile",
        "imd_quintile",
        "imd_quintile_national",
        "imd_quintile_local",
        "ethnic_group",
        "ethnic_group_detailed",
        "age_band",
        "live",
        "stillbirth",
        "maternity_first",
        "multiple_birth",
        "weight_gestation_implausible",
        *BIRTH_OUTCOMES,
    ]
    assert list(clean.columns) == [*CANONICAL_COLUMNS, *derived]
    for column in ("imd_decile", "imd_quintile", "imd_quintile_national", "imd_quintile_local"):
        assert clean[column].dtype == "string", column
    assert clean["ethnic_group_detailed"].tolist() == ["White British", "Bangladeshi"]
    assert clean["imd_quintile_local"].tolist() == ["Unknown", "Unknown"]  # lookup has no ranks
    assert clean["multiple_birth"].dtype == bool
    assert clean["weight_gestation_implausible"].dtype == bool
    assert flow["step"].tolist() == [
        "received",
        "duplicates",
        "conflicting_records",
        "stillbirths",
        "area_not_stated",
        "other_areas",
        "other_years",
        "gestation_not_stated",
        "gestation_implausible",
        "weight_not_stated",
        "weight_implausible",
        "weight_for_gestation",
        "weight_for_gestation_unchecked",
        "preterm_denominator",
        "lbw_denominator",
        "term_lbw_denominator",
        "lsoa_unmatched",
        "ethnicity_not_stated",
        "ethnicity_unrecognised",
        "age_unknown",
        "multiple_births",
        "live_births",
        "stillbirths_in_study",
        "total_births",
    ]
    # removal steps carry a remaining count; flag-only steps do not
    flags = flow.set_index("step")["remaining"]
    assert flags[["duplicates", "conflicting_records", "other_years"]].notna().all()
    assert flags[["weight_for_gestation", "lsoa_unmatched", "multiple_births"]].isna().all()


def test_clean_does_not_change_its_input(lookup, config):
    births = make_births([{"baby_id": "A"}, {"baby_id": "A"}, {"birth_outcome": "still"}])
    before = births.copy()
    run_births = clean_births(
        births, lookup, areas=["X1"], years=[2020], definitions=config["definitions"]
    )
    assert len(run_births[0]) == 1
    pd.testing.assert_frame_equal(births, before)


def test_published_flow_hides_no_count_that_its_running_totals_give_back(lookup, config):
    from birthgaps.clean.flow import _flow_sets

    rows = [{}] * 40 + [{"birth_outcome": "still"}] * 3 + [{"area_code": "X9"}] * 12
    rows += [{"gestation_weeks": 99}] * 2 + [{"birth_weight_g": 9999}] * 9
    _, flow = run(rows, lookup, config)
    published = publish_flow(flow, config["disclosure"])
    cells = (
        published[["count", "remaining"]].to_numpy(dtype="float64", na_value=float("nan")).ravel()
    )
    hidden = [v != v for v in cells]  # NaN: withheld (or not applicable)
    unrounded = (
        flow[["count", "remaining"]].to_numpy(dtype="float64", na_value=float("nan")).ravel()
    )
    sets = _flow_sets(flow)
    assert any(s.label == "stillbirths" for s in sets)
    for additive in sets:
        withheld = [hidden[c] and unrounded[c] == unrounded[c] for c in additive.cells]
        assert sum(withheld) != 1, additive  # one hidden cell in a sum could be worked out
    still = published.set_index("step").loc["stillbirths"]
    assert pd.isna(still["count"]) and still["flag"] == "c"
    assert published.set_index("step").loc["received", "count"] == 65  # 66 rounded
