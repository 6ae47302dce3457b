"""Tests of the synthetic release generator: layout, determinism, realism, dirt and known truth."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import yaml

from birthgaps.core.codes import (
    AGE_BANDS,
    CANONICAL_COLUMNS,
    ETHNIC_CATEGORY_TO_GROUP,
    age_band,
)
from birthgaps.core.errors import InputError
from birthgaps.ingest.convert import INTEGER_COLUMNS, STRING_COLUMNS
from birthgaps.ingest.synth import EXTRACT_COLUMNS, simulate_release, write_release
from birthgaps.ingest.synth_maternity import MATERNITY_COLUMNS

CONFIG = yaml.safe_load((Path(__file__).parents[1] / "config/config.yaml").read_text("utf-8"))
SETTINGS = CONFIG["synthetic"]
AREAS = CONFIG["areas"]
YEARS = CONFIG["releases"]["demo"]["years"]

MOTHER_COLUMNS = ["birth_date", "mother_age", "mother_ethnic_category", "mother_lsoa", "area_code"]


def settings_with(**changes) -> dict:
    """A deep copy of the demo settings with some keys replaced."""
    out = copy.deepcopy(SETTINGS)
    out.update(changes)
    return out


@pytest.fixture(scope="module")
def demo() -> tuple[pd.DataFrame, pd.DataFrame]:
    return simulate_release(SETTINGS, AREAS, YEARS)


def clean(extract: pd.DataFrame, lookup: pd.DataFrame) -> pd.DataFrame:
    """Minimal cleaning (live births, de-duplicated) with covariates and outcome indicators."""
    defs = CONFIG["definitions"]
    live = extract[extract["birth_outcome"] == "live"].drop_duplicates()
    deciles = dict(zip(lookup["lsoa_code"], lookup["imd_decile"], strict=True))
    dec = live["mother_lsoa"].map(deciles).astype("Float64")
    gest = live["gestation_weeks"]
    weight = live["birth_weight_g"]
    gest_ok = gest.between(defs["gestation_min_weeks"], defs["gestation_max_weeks"]).fillna(False)
    weight_ok = weight.between(defs["birth_weight_min_g"], defs["birth_weight_max_g"]).fillna(False)
    out = pd.DataFrame(
        {
            "area_code": live["area_code"],
            "decile": dec,
            "quintile": ((dec + 1) // 2).astype("Int64").astype("string"),
            "group": live["mother_ethnic_category"].map(ETHNIC_CATEGORY_TO_GROUP),
            "age": live["mother_age"],
            "band": live["mother_age"].map(age_band, na_action="ignore"),
            "gest": gest.where(gest_ok),
            "weight": weight.where(weight_ok),
        }
    )
    out["preterm"] = (out["gest"] < 37).astype("boolean")
    out["lbw"] = (out["weight"] < 2500).astype("boolean")
    out["term_lbw"] = out["lbw"].where(out["gest"] >= 37)
    return out


# ------------------------------------------------------------------------ layout and determinism


def test_columns_and_dtypes(demo):
    extract, lookup = demo
    assert list(extract.columns) == EXTRACT_COLUMNS
    base = EXTRACT_COLUMNS[: -len(MATERNITY_COLUMNS)]
    assert base == [c for c in CANONICAL_COLUMNS if c in base]  # canonical order
    assert EXTRACT_COLUMNS[len(base) :] == MATERNITY_COLUMNS
    for col in INTEGER_COLUMNS:
        assert extract[col].dtype == "Int64", col
    for col in STRING_COLUMNS:
        assert extract[col].dtype == "string", col
    assert str(extract["birth_date"].dtype).startswith("datetime64")
    assert set(extract["birth_outcome"].unique()) == {"live", "still"}
    assert set(extract["baby_sex"].unique()) <= {"M", "F", "U"}
    assert set(extract["area_code"].unique()) == set(AREAS)
    assert set(extract["birth_date"].dt.year.unique()) == set(YEARS)
    assert extract["baby_id"].str.fullmatch(r"SYN[0-9A-F]{10}").all()
    codes = extract["mother_ethnic_category"].dropna()
    assert set(codes.unique()) <= set(ETHNIC_CATEGORY_TO_GROUP)
    assert list(lookup.columns) == ["lsoa_code", "area_code", "imd_decile", "imd_rank"]
    assert lookup["lsoa_code"].dtype == "string" and lookup["area_code"].dtype == "string"
    assert pd.api.types.is_integer_dtype(lookup["imd_decile"])


def test_same_seed_same_frame_and_other_seed_differs(demo):
    extract, lookup = demo
    again, lookup_again = simulate_release(copy.deepcopy(SETTINGS), dict(AREAS), list(YEARS))
    pd.testing.assert_frame_equal(extract, again)
    pd.testing.assert_frame_equal(lookup, lookup_again)
    other, _ = simulate_release(settings_with(seed=SETTINGS["seed"] + 1), AREAS, YEARS)
    assert not extract["baby_id"].isin(other["baby_id"]).any()
    assert len(other) != len(extract) or not other.equals(extract)


def test_write_release_is_byte_identical(tmp_path):
    paths = []
    for run in ("a", "b"):
        ex = tmp_path / run / "restricted" / "raw" / "births_extract.csv"
        lk = tmp_path / run / "lookup" / "lsoa_imd_lookup.csv"
        write_release(SETTINGS, AREAS, YEARS, ex, lk)
        paths.append((ex, lk))
    (ex_a, lk_a), (ex_b, lk_b) = paths
    assert ex_a.read_bytes() == ex_b.read_bytes()
    assert lk_a.read_bytes() == lk_b.read_bytes()
    assert not list(tmp_path.rglob("*.tmp"))
    back = pd.read_csv(ex_a, dtype=str, keep_default_na=False)
    assert list(back.columns) == EXTRACT_COLUMNS
    assert back["birth_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert (back["mother_ethnic_category"] == "99").any()  # "99" survives as text
    extract, _ = simulate_release(SETTINGS, AREAS, YEARS)
    assert len(back) == len(extract)
    assert (back["gestation_weeks"] == "").sum() == extract["gestation_weeks"].isna().sum()


# ------------------------------------------------------------------------ realism


def test_size_and_rates_on_demo_settings(demo):
    extract, lookup = demo
    births = extract.drop_duplicates()
    n_live = int((births["birth_outcome"] == "live").sum())
    n_still = int((births["birth_outcome"] == "still").sum())
    assert abs(n_live - SETTINGS["live_births"]) < 0.02 * SETTINGS["live_births"]
    assert 0.002 < n_still / (n_live + n_still) < 0.005
    c = clean(extract, lookup)
    assert 0.070 <= c["preterm"].mean() <= 0.082
    assert 0.063 <= c["lbw"].mean() <= 0.077
    assert 0.025 <= c["term_lbw"].mean() <= 0.037
    assert 0.008 <= (c["gest"] < 32).mean() <= 0.016
    assert (c["gest"] < 28).mean() < 0.006
    assert 0.006 <= (c["weight"] < 1500).mean() <= 0.014
    assert 30.0 <= c["age"].mean() <= 31.0
    assert 5.0 <= c["age"].std() <= 6.0
    assert c["age"].min() >= 15 and c["age"].max() <= 50
    twins = (births["plurality"] == 2).mean()
    assert 0.02 < twins < 0.04
    shares = c["group"].value_counts(normalize=True)
    stated = shares.drop("Not stated") / shares.drop("Not stated").sum()
    for group, share in SETTINGS["ethnic_mix"].items():
        assert abs(stated[group] - share) < 0.012, group


def test_gestation_and_weight_are_consistent(demo):
    extract, _ = demo
    live = extract[extract["birth_outcome"] == "live"]
    gest = live["gestation_weeks"]
    weight = live["birth_weight_g"]
    good = gest.between(22, 44).fillna(False) & weight.between(250, 6500).fillna(False)
    g, w = gest[good], weight[good]
    assert g.min() >= 22 and g.max() <= 42
    late = g[(g < 37) & (w >= 2500)]
    assert late.min() >= 34  # preterm babies of normal weight are late preterm only
    assert (w[g < 32] < 2500).all()
    assert (w[g < 28] < 1500).mean() > 0.99
    assert w[g >= 37].between(300, 5500).all()
    assert 3200 < w[g >= 37].mean() < 3600
    still = extract[extract["birth_outcome"] == "still"]
    sg = still["gestation_weeks"][still["gestation_weeks"].between(22, 44).fillna(False)]
    assert sg.min() >= 24 and (sg < 37).mean() > 0.5
    assert extract["gestation_days"].dropna().between(0, 6).all()


def test_deprivation_gradient(demo):
    extract, lookup = demo
    c = clean(extract, lookup)
    by_q = c.groupby("quintile")
    preterm = by_q["preterm"].mean()
    lbw = by_q["lbw"].mean()
    assert preterm["1"] > preterm["5"] * 1.2
    assert lbw["1"] > lbw["5"] * 1.3
    minority = c.assign(m=c["group"].isin(["Asian", "Black"])).groupby("quintile")["m"].mean()
    assert minority["1"] > 2 * minority["5"]
    age = by_q["age"].mean()
    assert age["1"] < age["5"] - 1.5
    # areas differ in deprivation profile: mostly deprived, mixed, affluent-ish
    mean_decile = lookup.groupby("area_code")["imd_decile"].mean()
    first, second, third = (mean_decile[a] for a in AREAS)
    assert first < 4.5 < second < 6.5 < third


# ------------------------------------------------------------------------ dirt


def test_dirt_shares(demo):
    extract, lookup = demo
    dirt = SETTINGS["dirt"]
    dup = extract.duplicated()
    assert extract.loc[dup, "baby_id"].isin(extract.loc[~dup, "baby_id"]).all()
    births = extract[~dup]
    n = len(births)
    assert abs(dup.sum() / n - dirt["duplicate_records"]) < 0.001
    assert births["baby_id"].is_unique

    def share(mask: pd.Series) -> float:
        return float(mask.fillna(False).mean())

    gest, weight = births["gestation_weeks"], births["birth_weight_g"]
    assert abs(share(gest.isna()) - dirt["gestation_missing"]) < 0.002
    assert abs(share(gest == 99) - dirt["gestation_sentinel"]) < 0.001
    odd_gest = gest.notna() & (gest != 99) & ~gest.between(22, 44).fillna(False)
    assert abs(share(odd_gest) - dirt["gestation_implausible"]) < 0.0005
    assert odd_gest.sum() > 0
    assert abs(share(weight.isna()) - dirt["weight_missing"]) < 0.002
    assert abs(share(weight == 9999) - dirt["weight_sentinel"]) < 0.001
    odd_weight = weight.notna() & (weight != 9999) & ~weight.between(250, 6500).fillna(False)
    assert abs(share(odd_weight) - dirt["weight_implausible"]) < 0.0005
    assert odd_weight.sum() > 0
    eth = births["mother_ethnic_category"]
    not_stated = eth.isna() | eth.isin(["Z", "99"])
    assert abs(share(not_stated) - dirt["ethnicity_not_stated"]) < 0.005
    assert (eth == "Z").any() and (eth == "99").any() and eth.isna().any()
    lsoa = births["mother_lsoa"]
    unknown = lsoa.isna() | ~lsoa.isin(lookup["lsoa_code"])
    assert abs(share(unknown) - dirt["lsoa_unknown"]) < 0.002
    assert lsoa.isna().any() and (lsoa.notna() & unknown).any()
    assert abs(share(births["mother_age"].isna()) - dirt["mother_age_missing"]) < 0.001


@pytest.mark.slow
def test_dirt_is_missing_completely_at_random():
    """Same seed with and without dirt: clean values agree, and dirt hits outcomes at random."""
    big = settings_with(live_births=200_000)
    dirty, _ = simulate_release(big, AREAS, YEARS)
    tidy, _ = simulate_release(settings_with(live_births=200_000, dirt={}), AREAS, YEARS)
    assert not tidy.duplicated().any()
    assert tidy["gestation_weeks"].between(22, 42).all()
    assert tidy["birth_weight_g"].between(250, 5500).all()
    assert tidy["mother_lsoa"].notna().all() and tidy["mother_age"].notna().all()
    merged = tidy.merge(dirty.drop_duplicates(), on="baby_id", suffixes=("", "_d"))
    assert len(merged) == len(tidy)
    for col in ("birth_date", "birth_outcome", "baby_sex", "plurality", "area_code"):
        assert (merged[col] == merged[col + "_d"]).all(), col
    live = merged[merged["birth_outcome"] == "live"]
    hit = (live["gestation_weeks_d"] != live["gestation_weeks"]).fillna(True)
    hit |= (live["birth_weight_g_d"] != live["birth_weight_g"]).fillna(True)
    hit |= (live["mother_lsoa_d"] != live["mother_lsoa"]).fillna(True)
    assert 0.02 < hit.mean() < 0.06
    preterm = live["gestation_weeks"] < 37
    p_all, p_hit = preterm.mean(), preterm[hit].mean()
    se = np.sqrt(p_all * (1 - p_all) / hit.sum())
    assert abs(p_hit - p_all) < 4 * se


# ------------------------------------------------------------------------ twins and lookup


def test_twins_share_mother_data(demo):
    extract, _ = demo
    twins = extract.drop_duplicates()
    twins = twins[twins["plurality"] == 2].reset_index(drop=True)
    assert len(twins) > 0 and len(twins) % 2 == 0
    first, second = twins.iloc[0::2].reset_index(drop=True), twins.iloc[1::2].reset_index(drop=True)
    assert (first["baby_id"] != second["baby_id"]).all()
    for col in MOTHER_COLUMNS:
        a, b = first[col], second[col]
        assert ((a == b).fillna(False) | (a.isna() & b.isna())).all(), col
    assert (first["birth_outcome"] == "live").all() and (second["birth_outcome"] == "live").all()
    both = first["gestation_weeks"].between(22, 44) & second["gestation_weeks"].between(22, 44)
    both = both.fillna(False)
    assert (first["gestation_weeks"][both] == second["gestation_weeks"][both]).all()
    deliveries = len(extract.drop_duplicates()) - len(twins) / 2
    assert abs(len(twins) / 2 / deliveries - SETTINGS["twin_rate"]) < 0.004


def test_lookup_covers_every_stated_lsoa():
    tidy, lookup = simulate_release(settings_with(dirt={}), AREAS, YEARS)
    assert tidy["mother_lsoa"].isin(lookup["lsoa_code"]).all()
    assert lookup["lsoa_code"].is_unique
    assert lookup["lsoa_code"].str.fullmatch(r"X01\d{6}").all()
    assert lookup["imd_decile"].between(1, 10).all()
    per_area = lookup["area_code"].value_counts()
    n = SETTINGS["n_lsoas_per_area"]
    assert set(per_area.index) == set(AREAS)
    assert per_area.between(0.8 * n, 1.2 * n).all()
    pairs = tidy[["mother_lsoa", "area_code"]].drop_duplicates()
    check = pairs.merge(lookup, left_on="mother_lsoa", right_on="lsoa_code")
    assert (check["area_code_x"] == check["area_code_y"]).all()


def test_bad_settings_fail_loudly():
    ors = copy.deepcopy(SETTINGS["true_odds_ratios"])
    del ors["lbw"]["age_band"]["40+"]
    with pytest.raises(InputError, match="40\\+"):
        simulate_release(settings_with(true_odds_ratios=ors), AREAS, YEARS)
    with pytest.raises(InputError, match="outcome_correlation"):
        simulate_release(settings_with(outcome_correlation=1.0), AREAS, YEARS)
    with pytest.raises(InputError, match="ethnic group"):
        simulate_release(settings_with(ethnic_mix={"Purple": 1.0}), AREAS, YEARS)
    with pytest.raises(InputError):
        simulate_release(SETTINGS, {}, YEARS)


# ------------------------------------------------------------------------ known truth


def fit_cells(cells: pd.DataFrame, terms: list[str], outcome: str) -> pd.DataFrame:
    """Binomial GLM on grouped counts with treatment dummies; returns log OR and SE by term."""
    refs = {"quintile": "5", "group": "White", "band": "25-29"}
    design = []
    for term in terms:
        levels = sorted(set(cells[term]) - {refs[term]})
        for level in levels:
            design.append((f"{term}={level}", (cells[term] == level).astype(float)))
    x = sm.add_constant(pd.DataFrame(dict(design)))
    y = np.column_stack([cells[outcome], cells["n"] - cells[outcome]])
    fit = sm.GLM(y, x, family=sm.families.Binomial()).fit()
    return pd.DataFrame({"log_or": fit.params, "se": fit.bse}).drop(index="const")


@pytest.mark.slow
def test_true_odds_ratios_are_recovered():
    extract, lookup = simulate_release(settings_with(live_births=400_000), AREAS, YEARS)
    c = clean(extract, lookup)
    c = c.dropna(subset=["quintile", "band"])
    c = c[c["group"].notna() & (c["group"] != "Not stated")]
    terms = ["quintile", "group", "band"]
    names = {"quintile": "imd_quintile", "group": "ethnic_group", "band": "age_band"}
    for outcome in ("preterm", "lbw"):
        sub = c[c[outcome].notna()]
        cells = (
            sub.assign(y=sub[outcome].astype(int))
            .groupby(terms)
            .agg(n=("y", "size"), **{outcome: ("y", "sum")})
            .reset_index()
        )
        assert cells["n"].sum() > 350_000
        est = fit_cells(cells, terms, outcome)
        truth = SETTINGS["true_odds_ratios"][outcome]
        for label, row in est.iterrows():
            term, level = label.split("=")
            true_log = np.log(truth[names[term]][level])
            z = (row["log_or"] - true_log) / row["se"]
            assert abs(z) < 3, f"{outcome} {label}: OR {np.exp(row['log_or']):.3f} z={z:.2f}"
        # realistic confounding: Asian and Black mothers live more often in deprived LSOAs,
        # so the crude ethnic OR is larger than the adjusted (true) one
        crude = fit_cells(cells, ["group"], outcome)
        for group in ("Asian", "Black"):
            assert (
                crude.loc[f"group={group}", "log_or"] > est.loc[f"group={group}", "log_or"] + 0.03
            )
    assert set(AGE_BANDS) == set(c["band"].unique())
