"""The cleaning rules of issue 3, each on its own with hand-made rows, and the flow arithmetic."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import yaml
from support import REPO
from support.births import make_births
from support.cleaned import clean_births

from birthgaps.clean.cells import make_cells
from birthgaps.clean.cleaning import (
    DEFINITION_DEFAULTS,
    find_duplicates,
    quintile_basis,
    resolve_definitions,
    weight_for_gestation_fences,
    weight_for_gestation_flags,
)
from birthgaps.clean.groups import (
    check_lookup,
    ethnic_group,
    ethnic_group_detailed,
    local_quintiles,
)
from birthgaps.core.codes import (
    DETAILED_TO_GROUP,
    ETHNIC_CATEGORY_TO_DETAILED,
    ETHNIC_CATEGORY_TO_GROUP,
    ETHNIC_GROUPS,
    ETHNIC_GROUPS_DETAILED,
)
from birthgaps.core.errors import InputError
from birthgaps.ingest.synth import simulate_release
from birthgaps.ingest.synth_model import NATIONAL_LSOAS

YEARS = [2020, 2021]


def definitions(config: dict, **changes) -> dict:
    """The demo definitions with some keys replaced (nested dicts merged one level deep)."""
    d = copy.deepcopy(config["definitions"])
    for key, value in changes.items():
        d[key] = {**d[key], **value} if isinstance(value, dict) else value
    return d


def run(rows, lookup, defs, deprivation=None, areas=("X1",)):
    return clean_births(
        make_births(rows),
        lookup,
        areas=list(areas),
        years=YEARS,
        definitions=defs,
        deprivation=deprivation,
    )


def count(flow: pd.DataFrame, step: str) -> int:
    return int(flow.loc[flow["step"] == step, "count"].iloc[0])


def spread_rows(week: int, centre: float, n: int, cv: float = 0.12) -> list[dict]:
    """n births of one week whose weights spread evenly (log scale) around centre grams."""
    z = np.linspace(-1.8, 1.8, n)
    grams = np.round(centre * np.exp(cv * z)).astype(int)
    return [{"gestation_weeks": week, "birth_weight_g": int(g)} for g in grams]


# ------------------------------------------------------------------------------- duplicates


def test_exact_copies_keep_one_and_are_counted(lookup, config):
    rows = [{"baby_id": "A"}, {"baby_id": "A"}, {"baby_id": "A"}, {"baby_id": "B"}]
    clean, flow = run(rows, lookup, config["definitions"])
    assert count(flow, "duplicates") == 2
    assert count(flow, "conflicting_records") == 0
    assert sorted(clean["baby_id"]) == ["A", "B"]


@pytest.mark.parametrize(
    ("policy", "kept_weights", "removed"),
    [("drop_all", [], 2), ("keep_first", [3000], 1), ("keep_last", [3600], 1)],
)
def test_conflicting_records_follow_the_policy(lookup, config, policy, kept_weights, removed):
    rows = [
        {"baby_id": "A", "birth_weight_g": 3000},
        {"baby_id": "A", "birth_weight_g": 3000},  # exact copy: removed as a duplicate
        {"baby_id": "A", "birth_weight_g": 3600},  # differs: a conflict
        {"baby_id": "B"},
    ]
    defs = definitions(config, duplicate_conflicts=policy)
    clean, flow = run(rows, lookup, defs)
    assert count(flow, "duplicates") == 1
    assert count(flow, "conflicting_records") == removed
    assert clean.loc[clean["baby_id"] == "A", "birth_weight_g"].tolist() == kept_weights
    assert "B" in set(clean["baby_id"])


def test_find_duplicates_ignores_records_without_an_id():
    births = make_births([{"baby_id": "X"}, {}, {}])
    births.loc[1:, "baby_id"] = pd.NA
    exact, conflict = find_duplicates(births)
    assert not exact.any() and not conflict.any()


def test_twins_with_their_own_ids_are_not_duplicates(lookup, config):
    twin = {"plurality": 2, "birth_weight_g": 2600}
    clean, flow = run(
        [{**twin, "baby_id": "T1"}, {**twin, "baby_id": "T2"}], lookup, config["definitions"]
    )
    assert len(clean) == 2
    assert count(flow, "duplicates") == 0 and count(flow, "conflicting_records") == 0


# ----------------------------------------------------------------- weight for gestational age


def test_heavy_baby_at_an_early_week_and_light_baby_at_term_are_flagged(lookup, config):
    defs = definitions(config, weight_for_gestation={"min_births": 50, "pool_weeks": 0})
    rows = spread_rows(28, 1100, 120) + spread_rows(40, 3500, 200)
    rows += [
        {"baby_id": "HEAVY28", "gestation_weeks": 28, "birth_weight_g": 3600},
        {"baby_id": "LIGHT40", "gestation_weeks": 40, "birth_weight_g": 900},
    ]
    clean, flow = run(rows, lookup, defs)
    flagged = clean.loc[clean["weight_gestation_implausible"], "baby_id"]
    assert sorted(flagged) == ["HEAVY28", "LIGHT40"]
    assert count(flow, "weight_for_gestation") == 2
    bad = clean["weight_gestation_implausible"]
    # out of gestation- AND weight-based denominators, but still a live birth in the study
    for outcome in ("preterm", "very_preterm", "lbw", "very_lbw", "term_lbw"):
        assert clean.loc[bad, outcome].isna().all(), outcome
    assert clean.loc[~bad, "preterm"].notna().all() and clean.loc[~bad, "lbw"].notna().all()
    assert count(flow, "preterm_denominator") == len(rows) - 2
    assert count(flow, "lbw_denominator") == len(rows) - 2
    assert count(flow, "live_births") == len(rows)


def test_fences_are_tukey_fences_of_log_weight():
    rng = np.random.default_rng(7)
    grams = np.round(np.exp(rng.normal(np.log(3400), 0.13, 500)))
    weeks = np.full(500, 39)
    fences = weight_for_gestation_fences(weeks, grams, fence_k=3, min_births=100, pool_weeks=0)
    q1, q3 = np.quantile(np.log(grams), [0.25, 0.75])
    row = fences.iloc[0]
    assert row["lower_g"] == pytest.approx(np.exp(q1 - 3 * (q3 - q1)))
    assert row["upper_g"] == pytest.approx(np.exp(q3 + 3 * (q3 - q1)))
    assert row["births"] == row["reference_births"] == 500


def test_sparse_week_borrows_neighbours_or_stays_unchecked(lookup, config):
    base = spread_rows(31, 1650, 40) + spread_rows(32, 1800, 70)
    lone = spread_rows(24, 650, 5)
    pooled = definitions(config, weight_for_gestation={"min_births": 100, "pool_weeks": 1})
    clean, flow = run(base + lone, lookup, pooled)
    assert count(flow, "weight_for_gestation_unchecked") == 5  # week 24 has no neighbours
    weeks = clean["gestation_weeks"].to_numpy(dtype=int)
    grams = clean["birth_weight_g"].to_numpy(dtype=int)
    fences = weight_for_gestation_fences(weeks, grams, fence_k=3, min_births=100, pool_weeks=1)
    week31 = fences.set_index("week").loc[31]
    assert (week31["pooled_from"], week31["pooled_to"], week31["reference_births"]) == (31, 32, 110)
    strict = definitions(config, weight_for_gestation={"min_births": 100, "pool_weeks": 0})
    _, flow = run(base + lone, lookup, strict)
    assert count(flow, "weight_for_gestation_unchecked") == len(base) + 5


def test_no_spread_means_no_check(lookup, config):
    defs = definitions(config, weight_for_gestation={"min_births": 10})
    rows = [{"birth_weight_g": 3400}] * 30 + [{"birth_weight_g": 2000}] * 3
    clean, flow = run(rows, lookup, defs)
    assert not clean["weight_gestation_implausible"].any()
    assert count(flow, "weight_for_gestation_unchecked") == 33


def test_method_none_switches_the_check_off(lookup, config):
    defs = definitions(config, weight_for_gestation={"method": "none", "min_births": 50})
    rows = spread_rows(40, 3500, 200) + [{"gestation_weeks": 40, "birth_weight_g": 900}]
    clean, flow = run(rows, lookup, defs)
    assert count(flow, "weight_for_gestation") == 0
    assert "switched off" in flow.loc[flow["step"] == "weight_for_gestation", "description"].iloc[0]
    assert clean["lbw"].notna().all()


def test_only_individually_plausible_pairs_are_judged(config):
    weeks = np.array([40] * 200)
    grams = np.exp(np.linspace(np.log(3000), np.log(4000), 200))
    bad, unchecked, fences = weight_for_gestation_flags(
        weeks, grams, resolve_definitions(config["definitions"])["weight_for_gestation"]
    )
    assert not bad.any() and not unchecked.any()
    assert list(fences["week"]) == [40]


# ------------------------------------------------------------------ multiple births, stillbirths


def test_multiple_births_flagged_or_excluded(lookup, config):
    rows = [{"plurality": 2}, {"plurality": 2}, {"plurality": 3}, {}, {}]
    clean, flow = run(rows, lookup, config["definitions"])
    assert count(flow, "multiple_births") == 3
    assert clean["multiple_birth"].sum() == 3 and len(clean) == 5
    assert "multiple_births_excluded" not in set(flow["step"])
    clean, flow = run(rows, lookup, definitions(config, multiple_births="exclude"))
    assert count(flow, "multiple_births_excluded") == 3
    assert count(flow, "multiple_births") == 0
    assert len(clean) == 2 and count(flow, "live_births") == 2


def test_stillbirths_leave_every_live_birth_denominator(lookup, config):
    rows = [{"birth_outcome": "still", "gestation_weeks": 30, "birth_weight_g": 1200}] * 2 + [{}]
    clean, flow = run(rows, lookup, config["definitions"])
    assert count(flow, "stillbirths") == 2
    assert len(clean) == 1 and count(flow, "preterm_denominator") == 1


def test_missing_birth_outcome_is_removed_and_counted(lookup, config):
    births = make_births([{}, {}, {}])
    births.loc[0, "birth_outcome"] = pd.NA
    clean, flow = clean_births(
        births, lookup, areas=["X1"], years=YEARS, definitions=config["definitions"]
    )
    assert count(flow, "stillbirths") == 1 and len(clean) == 2
    assert flow.loc[flow["step"] == "stillbirths", "remaining"].iloc[0] == 2


# ------------------------------------------------------------------------------------ ethnicity


def test_every_nhs_code_has_a_detailed_group_in_the_ons_order():
    codes = pd.Series(list(ETHNIC_CATEGORY_TO_DETAILED), dtype="string")
    detailed = ethnic_group_detailed(codes)
    high, unrecognised = ethnic_group(codes)
    assert set(detailed) == set(ETHNIC_GROUPS_DETAILED)
    assert not unrecognised.any()
    for d, h in zip(detailed, high, strict=True):
        assert DETAILED_TO_GROUP[d] == h
    # detailed groups are listed in the order of their high-level groups (ONS 2021)
    rank = [ETHNIC_GROUPS.index(DETAILED_TO_GROUP[d]) for d in ETHNIC_GROUPS_DETAILED]
    assert rank == sorted(rank)
    assert ETHNIC_GROUPS_DETAILED[-1] == "Not stated"
    assert set(ETHNIC_CATEGORY_TO_DETAILED) == set(ETHNIC_CATEGORY_TO_GROUP)


@pytest.mark.parametrize(
    ("code", "high", "detailed"),
    [
        ("A", "White", "White British"),
        ("b", "White", "White Irish"),
        ("C", "White", "Other White"),
        ("D", "Mixed", "White and Black Caribbean"),
        ("G", "Mixed", "Other Mixed"),
        ("K", "Asian", "Bangladeshi"),
        ("R", "Asian", "Chinese"),
        ("M", "Black", "Caribbean"),
        ("N ", "Black", "African"),
        ("S", "Other", "Any other ethnic group"),
        ("Z", "Not stated", "Not stated"),
        ("99", "Not stated", "Not stated"),
        ("", "Not stated", "Not stated"),
        (None, "Not stated", "Not stated"),
        ("Q", "Not stated", "Not stated"),
    ],
)
def test_ethnic_code_to_groups(lookup, config, code, high, detailed):
    clean, _ = run([{"mother_ethnic_category": code}], lookup, config["definitions"])
    assert clean["ethnic_group"].iloc[0] == high
    assert clean["ethnic_group_detailed"].iloc[0] == detailed


# ---------------------------------------------------------------------------------- deprivation


def test_local_quintiles_are_fifths_of_the_study_lsoas(ranked_lookup, config):
    # births in 5 of the 10 LSOAs: R02 R04 R06 R08 R10 (national deciles 1, 3, 5, 8, 10)
    rows = [{"mother_lsoa": f"R{i:02d}"} for i in (2, 4, 6, 8, 10, 10, 2)]
    rows += [{"mother_lsoa": "NOPE"}, {"mother_lsoa": None}]
    rows += [{"mother_lsoa": "R01", "area_code": "X9"}]  # outside the study: not in the ranking
    clean, flow = run(rows, ranked_lookup, config["definitions"])
    assert (
        clean["imd_quintile_local"].tolist()
        == ["1", "2", "3", "4", "5", "5", "1"] + ["Unknown"] * 2
    )
    assert (
        clean["imd_quintile_national"].tolist()
        == ["1", "2", "3", "4", "5", "5", "1"] + ["Unknown"] * 2
    )
    assert clean["imd_quintile"].tolist() == clean["imd_quintile_national"].tolist()
    assert count(flow, "lsoa_unmatched") == 2


def test_deprivation_local_fills_imd_quintile_and_cells(ranked_lookup, config):
    # births only in the 4 most deprived LSOAs (national quintiles 1, 1, 1, 2)
    rows = [{"mother_lsoa": f"R{i:02d}", "gestation_weeks": 30 + i} for i in (1, 2, 3, 4)]
    clean, _ = run(rows, ranked_lookup, config["definitions"], {"quintiles": "local"})
    assert clean["imd_quintile_national"].tolist() == ["1", "1", "1", "2"]
    assert clean["imd_quintile_local"].tolist() == ["1", "2", "3", "4"]  # floor(5 (r-1) / 4) + 1
    assert clean["imd_quintile"].tolist() == ["1", "2", "3", "4"]
    cells = make_cells(clean, ["preterm"])
    assert sorted(cells["imd_quintile"]) == ["1", "2", "3", "4"]


def test_local_quintile_ties_share_a_quintile():
    ranks = np.array([10, 10, 10, 40, 50, 60, 70, 80, 90, 100], dtype=float)
    quintiles = local_quintiles(np.arange(10), ranks)
    assert quintiles.tolist() == [1, 1, 1, 2, 3, 3, 4, 4, 5, 5]
    assert local_quintiles(np.array([-1, 3, 3]), ranks).tolist() == [0, 1, 1]


def test_local_quintiles_need_ranks_and_a_known_basis(lookup, ranked_lookup, config):
    with pytest.raises(InputError, match="rank") as info:
        run([{}], lookup, config["definitions"], {"quintiles": "local"})
    assert info.value.key == "deprivation.quintiles" and info.value.column == "imd_rank"
    with pytest.raises(InputError) as info:
        run([{}], lookup, config["definitions"], {"quintiles": "regional"})
    assert info.value.key == "deprivation.quintiles"
    clean, _ = run([{}], lookup, config["definitions"])  # no ranks, national: fine
    assert clean["imd_quintile_local"].tolist() == ["Unknown"]


def test_quintile_basis_labels():
    assert quintile_basis(None) == "national"
    assert quintile_basis({}) == "national"
    assert quintile_basis({"quintiles": "national", "source": "IoD2019"}) == "national"
    assert quintile_basis({"quintiles": "local"}) == "local (within the study areas)"


@pytest.mark.parametrize("bad", [0, -3, 2.5, None])
def test_bad_ranks_in_the_lookup_are_fatal(ranked_lookup, bad):
    broken = ranked_lookup.astype({"imd_rank": "object"})
    broken.loc[4, "imd_rank"] = bad
    with pytest.raises(InputError, match="IMD ranks") as info:
        check_lookup(broken)
    assert info.value.rows == 1 and info.value.column == "imd_rank"


# ------------------------------------------------------------------------------------ config


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"weight_for_gestation": {"method": "zscore"}}, "definitions.weight_for_gestation.method"),
        ({"weight_for_gestation": {"fence_k": 0}}, "definitions.weight_for_gestation.fence_k"),
        (
            {"weight_for_gestation": {"min_births": 3}},
            "definitions.weight_for_gestation.min_births",
        ),
        (
            {"weight_for_gestation": {"pool_weeks": -1}},
            "definitions.weight_for_gestation.pool_weeks",
        ),
        ({"duplicate_conflicts": "keep_best"}, "definitions.duplicate_conflicts"),
        ({"multiple_births": "drop"}, "definitions.multiple_births"),
    ],
)
def test_bad_rule_settings_stop_with_the_key(lookup, config, changes, key):
    with pytest.raises(InputError) as info:
        run([{}], lookup, definitions(config, **changes))
    assert info.value.key == key


def test_old_definitions_without_new_keys_get_defaults(lookup, config):
    old = {k: v for k, v in config["definitions"].items() if k not in DEFINITION_DEFAULTS}
    resolved = resolve_definitions(old)
    for key, value in DEFINITION_DEFAULTS.items():
        assert resolved[key] == value
    clean, flow = run([{}], lookup, old)
    assert len(clean) == 1


def test_demo_config_sets_every_rule_explicitly():
    demo = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["definitions"]
    for key in DEFINITION_DEFAULTS:
        assert key in demo


# ------------------------------------------------------------- every count equals what was injected


def test_flow_counts_equal_the_injected_problems(ranked_lookup, config):
    defs = definitions(config, weight_for_gestation={"min_births": 50, "pool_weeks": 0})
    good = spread_rows(39, 3400, 300)
    for i, row in enumerate(good):
        row["mother_lsoa"] = f"R{1 + i % 10:02d}"
    injected = {
        "duplicates": [{"baby_id": "DUP"}] * 4,  # 3 copies removed
        "conflicting_records": [{"baby_id": "CON", "mother_age": a} for a in (20, 21, 22)],
        "stillbirths": [{"birth_outcome": "still"}] * 5,
        "other_areas": [{"area_code": "X7"}] * 6,
        "other_years": [{"birth_date": "2018-05-01"}] * 7 + [{"birth_date": None}],
        "gestation_not_stated": [{"gestation_weeks": 99}] * 2 + [{"gestation_weeks": None}] * 3,
        "gestation_implausible": [{"gestation_weeks": 20}, {"gestation_weeks": 47}],
        "weight_not_stated": [{"birth_weight_g": 9999}] * 4,
        "weight_implausible": [{"birth_weight_g": 120}, {"birth_weight_g": 7100}] * 2,
        "weight_for_gestation": [{"birth_weight_g": 700}, {"birth_weight_g": 1100}],
        "weight_for_gestation_unchecked": [{"gestation_weeks": 25, "birth_weight_g": 800}] * 3,
        "lsoa_unmatched": [{"mother_lsoa": "E01999999"}, {"mother_lsoa": None}],
        "ethnicity_not_stated": [{"mother_ethnic_category": c} for c in ("Z", "99", None)],
        "ethnicity_unrecognised": [{"mother_ethnic_category": "T"}] * 2,
        "age_unknown": [{"mother_age": None}] * 3,
        "multiple_births": [{"plurality": 2}] * 4,
    }
    rows = [{"mother_lsoa": "R05", **r} for part in injected.values() for r in part] + good
    clean, flow = run(rows, ranked_lookup, defs)
    expected = {step: len(part) for step, part in injected.items()}
    expected["duplicates"] = 3
    expected["other_years"] = 8
    for step, n in expected.items():
        assert count(flow, step) == n, step
    received = len(rows)
    removed = sum(expected[s] for s in ("duplicates", "conflicting_records", "stillbirths"))
    removed += expected["other_areas"] + expected["other_years"]
    live = received - removed
    assert count(flow, "received") == received
    assert count(flow, "live_births") == live == len(clean)
    ga_out = expected["gestation_not_stated"] + expected["gestation_implausible"]
    bw_out = expected["weight_not_stated"] + expected["weight_implausible"]
    pair = expected["weight_for_gestation"]
    assert count(flow, "preterm_denominator") == live - ga_out - pair
    assert count(flow, "lbw_denominator") == live - bw_out - pair
    assert count(flow, "preterm_denominator") == clean["preterm"].notna().sum()
    assert count(flow, "lbw_denominator") == clean["lbw"].notna().sum()
    # the removal steps chain: remaining = previous remaining - count
    removal = flow.iloc[: flow.index[flow["step"] == "other_years"][0] + 1]
    chained = removal["remaining"].shift(1) - removal["count"]
    assert (chained.iloc[1:] == removal["remaining"].iloc[1:]).all()


# -------------------------------------------------------------------------------- synthetic data


def test_synthetic_lookup_ranks_agree_with_deciles(config):
    _, lookup = simulate_release(config["synthetic"], config["areas"], [2020])
    assert lookup["imd_rank"].is_unique
    bounds = np.floor(np.arange(11) * NATIONAL_LSOAS / 10)
    low = bounds[lookup["imd_decile"] - 1] + 1
    high = bounds[lookup["imd_decile"]]
    assert lookup["imd_rank"].between(low, high).all()
    check_lookup(lookup)


def test_sparse_recording_errors_in_a_synthetic_release_are_caught(config):
    """Gestation or weight mistyped in 30 of 60,000 births: the weight-for-gestation rule finds
    nearly all of them and flags few correct births."""
    years = config["releases"]["demo"]["years"]
    extract, lookup = simulate_release(config["synthetic"], config["areas"], years)
    extract = extract.drop_duplicates().reset_index(drop=True)
    ok = (
        (extract["birth_outcome"] == "live")
        & extract["gestation_weeks"].between(38, 41)
        & extract["birth_weight_g"].between(3000, 4000)
    ).fillna(False)
    chosen = np.random.default_rng(11).choice(np.flatnonzero(ok), 30, replace=False)
    wrong_week, wrong_weight = chosen[:15], chosen[15:]
    extract.loc[wrong_week, "gestation_weeks"] -= 10  # e.g. 39 typed as 29
    extract.loc[wrong_weight, "birth_weight_g"] //= 10  # e.g. 3,450 g typed as 345 g
    clean, flow = clean_births(
        extract, lookup, areas=list(config["areas"]), years=years, definitions=config["definitions"]
    )
    flagged = set(clean.loc[clean["weight_gestation_implausible"], "baby_id"])
    assert set(extract.loc[wrong_weight, "baby_id"]) <= flagged
    assert len(flagged & set(extract.loc[wrong_week, "baby_id"])) >= 12
    assert len(flagged - set(extract.loc[chosen, "baby_id"])) <= 0.0005 * len(clean)
    assert count(flow, "weight_for_gestation") == len(flagged)
