"""Interaction test, stratified estimates, excess explained and fit summaries on the cell table.

Each grouped-count quantity is checked against the same quantity computed on one row per birth
(statsmodels record-level fits, numpy/scipy rank statistics), and the LR test's size under no
interaction is checked by simulation.
"""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy.stats import binom, chi2, rankdata
from support.models import (
    ADJUST,
    ETHNIC_SHARE,
    EXPOSURES,
    LOG_OR,
    MODEL_CONFIG,
    REFERENCE,
    expand_to_records,
    published_rates_of,
)

from birthgaps.core.errors import InputError
from birthgaps.core.settings import validate_config
from birthgaps.models.areas import model_tables
from birthgaps.models.excess import excess_explained
from birthgaps.models.fitting import c_statistic
from birthgaps.models.interaction import interaction_test
from birthgaps.models.notes import (
    NOTE_BASE_BELOW_ONE,
    NOTE_BASE_NEAR_ONE,
    NOTE_NO_INTERACTION,
    NOTE_TOO_FEW,
    NOTE_WITHHELD,
    NOTE_WORKING_LIKELIHOOD,
)
from birthgaps.models.ratios import fit_models, fit_risk_ratios
from birthgaps.models.stratified import stratified_estimates
from birthgaps.models.summaries import fit_summaries
from birthgaps.models.tables import (
    EXCESS_COLUMNS,
    FIT_COLUMNS,
    INTERACTION_COLUMNS,
    STRATIFIED_COLUMNS,
    TABLE_KEYS,
)

REFS = {"imd_quintile": "5", "ethnic_group": "White", "age_band": "25-29", "year": "2019"}
TERMS = ["imd_quintile", "ethnic_group", "age_band", "year"]
QUINTILES = ["1", "2", "3", "4", "5"]
GROUPS = list(ETHNIC_SHARE)
BANDS = list(LOG_OR["age_band"])


def simulate(
    n_births: int,
    seed: int,
    *,
    interaction: dict[tuple[str, str], float] | None = None,
    confounded: bool = False,
    ethnic_log_or: dict[str, float] | None = None,
    years: tuple[int, ...] = (2019, 2020, 2021),
    expected: bool = False,
) -> pd.DataFrame:
    """Preterm cells from a logistic model, optionally with (quintile, group) interaction log ORs.

    With ``confounded`` the non-White groups live mostly in deprived quintiles (as in English
    births), so part of a crude ethnic difference is deprivation. With ``expected`` the births
    and events are their expected values (rounded): estimates then equal the truth up to rounding.
    """
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        list(itertools.product(QUINTILES, GROUPS, BANDS, years)),
        columns=["imd_quintile", "ethnic_group", "age_band", "year"],
    )
    share_g = frame["ethnic_group"].map(ETHNIC_SHARE).to_numpy()
    if confounded:
        tilt = (3 - frame["imd_quintile"].astype(int).to_numpy()) / 2
        share_g = share_g * np.exp(np.where(frame["ethnic_group"] == "White", 0.0, 1.2) * tilt)
    weights = share_g / share_g.sum()
    births = (
        np.round(n_births * weights).astype(int) if expected else rng.multinomial(n_births, weights)
    )
    eth = ethnic_log_or or LOG_OR["ethnic_group"]
    eta = (
        np.log(0.08 / 0.92)
        + frame["imd_quintile"].map(LOG_OR["imd_quintile"]).to_numpy()
        + frame["ethnic_group"].map(eth).to_numpy()
        + frame["age_band"].map(LOG_OR["age_band"]).to_numpy()
    )
    for (q, g), value in (interaction or {}).items():
        eta = eta + value * ((frame["imd_quintile"] == q) & (frame["ethnic_group"] == g))
    risk = 1 / (1 + np.exp(-np.asarray(eta, dtype=float)))
    events = np.round(births * risk).astype(int) if expected else rng.binomial(births, risk)
    cells = frame.assign(
        area_code="X06000001", outcome="preterm", events=events, denominator=births
    )
    return cells[cells["denominator"] > 0].reset_index(drop=True)


def formula(interaction: bool) -> str:
    main = " + ".join(f"C({t}, Treatment({REFS[t]!r}))" for t in TERMS)
    if interaction:
        main += " + C(imd_quintile, Treatment('5')):C(ethnic_group, Treatment('White'))"
    return "y ~ " + main


def record_fit(records: pd.DataFrame, text: str, drop: list[str] | None = None, family=None):
    """Record-level GLM from a formula, optionally without some design columns (e.g. all-zero)."""
    model = smf.glm(text, records)
    names = list(model.exog_names)
    keep = [i for i, n in enumerate(names) if n not in (drop or [])]
    exog = model.exog[:, keep]
    fit = sm.GLM(model.endog, exog, family=family or sm.families.Binomial()).fit()
    return fit, [names[i] for i in keep], exog


def interaction_name(q: str, g: str) -> str:
    return f"C(imd_quintile, Treatment('5'))[T.{q}]:C(ethnic_group, Treatment('White'))[T.{g}]"


@pytest.fixture(scope="module")
def big() -> pd.DataFrame:
    """40,000 births: every (quintile, group) combination has well over 5 events."""
    return simulate(40_000, seed=31)


@pytest.fixture(scope="module")
def big_records(big: pd.DataFrame) -> pd.DataFrame:
    return expand_to_records(big)


# ---------------------------------------------------------------------------------------------
# Likelihood-ratio test of the interaction
# ---------------------------------------------------------------------------------------------


def test_lr_test_equals_record_level_fits(big, big_records) -> None:
    row = interaction_test(big, "preterm", EXPOSURES, ADJUST, REFERENCE).iloc[0]
    assert list(row.index) == INTERACTION_COLUMNS
    main, _, _ = record_fit(big_records, formula(False))
    full, names, _ = record_fit(big_records, formula(True))
    assert row["n_sparse_combinations"] == 0 and row["n_empty_combinations"] == 0
    assert row["df"] == 16 == len(names) - len(main.params)
    lr = 2 * (full.llf - main.llf)
    assert row["lr_statistic"] == pytest.approx(lr, rel=1e-7, abs=1e-7)
    assert row["p_value"] == pytest.approx(float(chi2.sf(lr, 16)), rel=1e-6)
    assert row["significant"] == (row["p_value"] < 0.05)
    assert row["terms"] == "imd_quintile x ethnic_group"
    assert row["n_births"] == big["denominator"].sum()


def test_sparse_and_empty_combinations_reduce_df(big, big_records) -> None:
    """(1, Black) without births and (2, Other) with 2 events: 14 interaction parameters."""
    cells = big[~((big["imd_quintile"] == "1") & (big["ethnic_group"] == "Black"))].copy()
    sparse = (cells["imd_quintile"] == "2") & (cells["ethnic_group"] == "Other")
    cells.loc[sparse, "events"] = 0
    cells.loc[cells.index[sparse][:2], "events"] = 1
    row = interaction_test(cells, "preterm", EXPOSURES, ADJUST, REFERENCE).iloc[0]
    assert row["df"] == 14
    assert row["n_combinations"] == 16
    assert row["n_empty_combinations"] == 1 and row["n_sparse_combinations"] == 1
    assert "1 of 16 combinations" in row["note"] and "1 combinations have no births" in row["note"]
    records = expand_to_records(cells)
    main, _, _ = record_fit(records, formula(False))
    drop = [interaction_name("1", "Black"), interaction_name("2", "Other")]
    full, names, _ = record_fit(records, formula(True), drop=drop)
    assert len(names) - len(main.params) == 14
    assert row["lr_statistic"] == pytest.approx(2 * (full.llf - main.llf), rel=1e-7, abs=1e-7)


def test_sparse_reference_cell_pools_with_the_groups_largest_cell(big) -> None:
    """(5, Mixed) without events: with all four Mixed columns its main effect would diverge.

    The largest Mixed combination loses its own column (pools with the reference cell); the LR
    statistic is then the record-level one without that column, and finite.
    """
    cells = big.copy()
    ref_mixed = (cells["imd_quintile"] == "5") & (cells["ethnic_group"] == "Mixed")
    cells.loc[ref_mixed, "events"] = 0
    row = interaction_test(cells, "preterm", EXPOSURES, ADJUST, REFERENCE).iloc[0]
    assert row["df"] == 15 and row["n_sparse_combinations"] == 1
    assert np.isfinite(row["p_value"]) and "share the main effects" in row["note"]
    mixed = cells[(cells["ethnic_group"] == "Mixed") & (cells["imd_quintile"] != "5")]
    largest = mixed.groupby("imd_quintile")["denominator"].sum().idxmax()
    records = expand_to_records(cells)
    main, _, _ = record_fit(records, formula(False))
    full, _, _ = record_fit(records, formula(True), drop=[interaction_name(largest, "Mixed")])
    assert row["lr_statistic"] == pytest.approx(2 * (full.llf - main.llf), rel=1e-7, abs=1e-7)


def test_diverging_interaction_columns_are_dropped_not_reported(big) -> None:
    """With the sparse rule off (min_events=0) a combination without events gets a column whose
    coefficient runs to minus infinity; the safety net drops it and the p-value stays finite."""
    cells = big.copy()
    hole = (cells["imd_quintile"] == "2") & (cells["ethnic_group"] == "Other")
    cells.loc[hole, "events"] = 0
    row = interaction_test(cells, "preterm", EXPOSURES, ADJUST, REFERENCE, min_events=0).iloc[0]
    assert row["df"] == 15 and row["n_sparse_combinations"] == 1
    assert np.isfinite(row["p_value"]) and np.isfinite(row["lr_statistic"])
    fits = fit_summaries(cells, "preterm", EXPOSURES, ADJUST, REFERENCE, min_events=0)
    assert fits.loc[fits["model"] == "interaction", "n_parameters"].item() == 16 + 15


def test_no_estimable_combination_gives_a_note_not_a_p_value(big) -> None:
    """Non-White mothers only in quintile 5: every interaction combination is empty, df 0."""
    cells = big[(big["ethnic_group"] == "White") | (big["imd_quintile"] == "5")]
    row = interaction_test(cells, "preterm", EXPOSURES, ADJUST, REFERENCE).iloc[0]
    assert row["df"] == 0 and row["n_empty_combinations"] == 16
    assert row["note"].startswith(NOTE_NO_INTERACTION)
    assert np.isnan(row["p_value"]) and not row["significant"]
    odds = fit_models(cells, "preterm", EXPOSURES, ADJUST, REFERENCE)
    assert odds["odds_ratio"].notna().all()  # the main effects are still estimable


def test_tiny_population_gives_notes_everywhere() -> None:
    cells = simulate(60, seed=32)
    config = copy.deepcopy(MODEL_CONFIG)
    config["outcomes"] = ["preterm"]
    tables = model_tables(cells, config, {"X06000001": "Tiny"})
    assert tables["interaction"]["note"].str.startswith(NOTE_TOO_FEW).all()
    assert tables["interaction"]["p_value"].isna().all()
    assert tables["stratified"]["odds_ratio"].isna().all()
    assert tables["stratified"]["note"].str.len().gt(0).all()
    assert tables["excess_explained"]["pct_explained"].isna().all()
    joint = tables["fit"][tables["fit"]["model"].isin(["adjusted", "interaction"])]
    assert len(joint) == 2 * 3 and joint["c_statistic"].isna().all()
    assert joint["note"].str.startswith(NOTE_TOO_FEW).all()


def test_strong_interaction_is_detected_and_shows_in_the_strata() -> None:
    cells = simulate(40_000, seed=33, interaction={("1", "Black"): 0.9, ("2", "Black"): 0.7})
    row = interaction_test(cells, "preterm", EXPOSURES, ADJUST, REFERENCE).iloc[0]
    assert row["p_value"] < 1e-3 and row["significant"]
    strata = stratified_estimates(cells, "preterm", EXPOSURES, ADJUST, REFERENCE)
    q1 = strata[(strata["term"] == "imd_quintile") & (strata["level"] == "1")]
    q1 = q1.set_index("stratum")["log_or"]
    assert q1["Black"] - q1["White"] > 0.2  # truth 0.9; the difference's SE is about 0.2
    assert strata["interaction_significant"].all()


@pytest.mark.slow
def test_lr_test_size_under_no_interaction() -> None:
    """200 tables without interaction: rejections at 0.05 are Binomial(200, 0.05) if the test holds."""
    seeds = range(9001, 9201)  # fixed before the first run
    p_values = []
    for seed in seeds:
        cells = simulate(20_000, seed=seed, years=(2019, 2020))
        row = interaction_test(cells, "preterm", EXPOSURES, ADJUST, REFERENCE).iloc[0]
        p_values.append(row["p_value"])
    p = np.array(p_values)
    assert np.isfinite(p).all()
    rejected = int((p < 0.05).sum())
    low, high = binom.ppf(0.0005, len(p), 0.05), binom.ppf(0.9995, len(p), 0.05)
    assert low <= rejected <= high, f"{rejected}/{len(p)} rejected, band {low:.0f}-{high:.0f}"


# ---------------------------------------------------------------------------------------------
# Stratified estimates
# ---------------------------------------------------------------------------------------------


def test_stratum_estimates_equal_a_model_fitted_in_the_stratum(big) -> None:
    strata = stratified_estimates(big, "preterm", EXPOSURES, ADJUST, REFERENCE)
    assert list(strata.columns) == STRATIFIED_COLUMNS
    blocks = list(dict.fromkeys(zip(strata["stratum_term"], strata["term"], strict=True)))
    assert blocks == [("ethnic_group", "imd_quintile"), ("imd_quintile", "ethnic_group")]
    assert strata.loc[strata["stratum_term"] == "ethnic_group", "stratum"].unique().tolist() == [
        "Asian",
        "Black",
        "Mixed",
        "White",
        "Other",
    ]
    black = big[big["ethnic_group"] == "Black"]
    direct = fit_models(black, "preterm", ["imd_quintile"], ADJUST, REFERENCE)
    direct = direct[direct["model"] == "adjusted"]
    direct = direct[direct["term"] == "imd_quintile"].reset_index(drop=True)
    mine = strata[strata["stratum"] == "Black"].reset_index(drop=True)
    for column in ("level", "odds_ratio", "lower_95", "upper_95", "se", "n_births", "n_events"):
        pd.testing.assert_series_equal(mine[column], direct[column], check_names=False)
    q3 = big[big["imd_quintile"] == "3"]
    direct = fit_models(q3, "preterm", ["ethnic_group"], ADJUST, REFERENCE)
    direct = direct[(direct["model"] == "adjusted") & (direct["term"] == "ethnic_group")]
    mine = strata[(strata["stratum_term"] == "imd_quintile") & (strata["stratum"] == "3")]
    assert mine["log_or"].to_numpy() == pytest.approx(direct["log_or"].to_numpy(), abs=1e-12)


def test_stratified_rows_follow_the_configured_rule(big) -> None:
    areas = {"X06000001": "Northbrook"}
    config = copy.deepcopy(MODEL_CONFIG)
    config["outcomes"] = ["preterm"]
    config["interaction"] = {"terms": ["imd_quintile", "ethnic_group"], "p_threshold": 1e-12}
    always = model_tables(big, config, areas)
    assert len(always["stratified"]) == 2 * (4 * 5 + 4 * 5)  # area and ALL
    assert not always["stratified"]["interaction_significant"].any()
    assert (always["interaction"]["p_threshold"] == 1e-12).all()
    config["interaction"]["stratified"] = "when_significant"
    only = model_tables(big, config, areas)
    assert len(only["stratified"]) == 0
    assert list(only["stratified"].columns) == ["area_code", *STRATIFIED_COLUMNS]
    config["interaction"]["p_threshold"] = 1.0  # every finite p-value is below 1
    everything = model_tables(big, config, areas)
    assert len(everything["stratified"]) == len(always["stratified"])


def test_bad_interaction_settings_are_input_errors(big) -> None:
    config = copy.deepcopy(MODEL_CONFIG)
    config["interaction"] = {"terms": ["imd_quintile", "imd_quintile"]}
    with pytest.raises(InputError, match="models.interaction.terms"):
        model_tables(big, config, {"X06000001": "Northbrook"})
    config["interaction"] = {"stratified": "sometimes"}
    with pytest.raises(InputError, match="models.interaction.stratified"):
        model_tables(big, config, {"X06000001": "Northbrook"})
    config = copy.deepcopy(MODEL_CONFIG)
    config["excess_explained"] = {"exposure": "ethnic_group", "explained_by": ["ethnic_group"]}
    with pytest.raises(InputError, match="models.excess_explained"):
        model_tables(big, config, {"X06000001": "Northbrook"})
    with pytest.raises(InputError, match="models.interaction.terms"):
        interaction_test(big, "preterm", ["imd_quintile"], ["year"], REFERENCE)


def test_tables_without_ethnicity_are_empty_but_typed(big) -> None:
    config = copy.deepcopy(MODEL_CONFIG)
    config["exposures"] = ["imd_quintile"]
    tables = model_tables(big, config, {"X06000001": "Northbrook"})
    assert tuple(tables) == (*TABLE_KEYS, "complete_cases", "empty_reasons")
    for key in ("interaction", "stratified", "excess_explained"):
        assert len(tables[key]) == 0 and tables[key].columns[0] == "area_code"
    assert len(tables["odds_ratios"]) > 0 and len(tables["fit"]) > 0


def test_config_schema_accepts_the_new_keys(repo_config: dict) -> None:
    config = copy.deepcopy(repo_config)
    config["models"]["interaction"] = {
        "terms": ["imd_quintile", "ethnic_group"],
        "p_threshold": 0.01,
        "stratified": "when_significant",
    }
    config["models"]["excess_explained"] = {
        "exposure": "ethnic_group",
        "explained_by": ["imd_quintile"],
    }
    validate_config(config)
    config["models"]["interaction"]["stratified"] = "sometimes"
    with pytest.raises(InputError, match="models.interaction.stratified"):
        validate_config(config)


# ---------------------------------------------------------------------------------------------
# How much of each ethnic group's excess deprivation explains
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def confounded() -> pd.DataFrame:
    """Minorities concentrated in deprived quintiles; Black has no effect beyond deprivation.

    Expected counts of 4 million births: no sampling noise, so the answer is known.
    """
    eth = {**LOG_OR["ethnic_group"], "Black": 0.0}
    return simulate(4_000_000, seed=34, confounded=True, ethnic_log_or=eth, expected=True)


def test_excess_explained_uses_the_adjusted_and_base_models(confounded) -> None:
    table = excess_explained(confounded, "preterm", EXPOSURES, ADJUST, REFERENCE)
    assert list(table.columns) == EXCESS_COLUMNS
    assert table["measure"].tolist() == ["odds_ratio"] * 4 + ["risk_ratio"] * 4
    assert table["base_terms"].eq("ethnic_group + age_band + year").all()
    odds = fit_models(confounded, "preterm", EXPOSURES, ADJUST, REFERENCE)
    risks = fit_risk_ratios(confounded, "preterm", EXPOSURES, ADJUST, REFERENCE)
    base_odds = fit_models(confounded, "preterm", ["ethnic_group"], ADJUST, REFERENCE)
    base_risks = fit_risk_ratios(confounded, "preterm", ["ethnic_group"], ADJUST, REFERENCE)
    for measure, full, base in (
        ("odds_ratio", odds, base_odds),
        ("risk_ratio", risks, base_risks),
    ):
        mine = table[table["measure"] == measure].reset_index(drop=True)
        adj = full[(full["model"] == "adjusted") & (full["term"] == "ethnic_group")]
        ref = base[(base["model"] == "adjusted") & (base["term"] == "ethnic_group")]
        assert mine["adjusted_ratio"].to_numpy() == pytest.approx(
            adj[measure].to_numpy(), rel=1e-10
        )
        assert mine["base_ratio"].to_numpy() == pytest.approx(ref[measure].to_numpy(), rel=1e-10)
        assert mine["base_lower_95"].to_numpy() == pytest.approx(ref["lower_95"].to_numpy())
        log_b, log_a = np.log(mine["base_ratio"]), np.log(mine["adjusted_ratio"])
        assert mine["log_ratio_change"].to_numpy() == pytest.approx((log_b - log_a).to_numpy())
        shown = mine["pct_explained"].notna()
        expected = 100 * (log_b - log_a) / log_b
        assert mine.loc[shown, "pct_explained"].to_numpy() == pytest.approx(
            expected[shown].to_numpy()
        )
    # Black's excess is deprivation only: all of it is explained (the OR up to non-collapsibility).
    black = table[table["level"] == "Black"].set_index("measure")
    assert (black["base_ratio"] > 1.05).all()  # 1.11 (OR), 1.10 (RR) by construction
    assert black["adjusted_ratio"].to_numpy() == pytest.approx([1.0, 1.0], abs=0.01)
    assert black["pct_explained"].to_numpy() == pytest.approx([100.0, 100.0], abs=10)
    assert (black["pct_lower_95"] < black["pct_explained"]).all()
    assert (black["pct_explained"] < black["pct_upper_95"]).all()
    # Asian has an effect of its own (log OR 0.3) on top of deprivation: part is explained.
    asian = table[table["level"] == "Asian"].set_index("measure")
    assert (asian["pct_explained"].between(5, 95)).all()


def _stacked_record_covariance(records: pd.DataFrame, family) -> tuple[float, float, float]:
    """Record-level sandwich of (b_base, b_adj) for Black: V_bb, V_aa, V_ba from score_obs."""
    base_terms = ["ethnic_group", "age_band", "year"]
    text_b = "y ~ " + " + ".join(f"C({t}, Treatment({REFS[t]!r}))" for t in base_terms)
    fit_b, names_b, x_b = record_fit(records, text_b, family=family)
    fit_a, names_a, x_a = record_fit(records, formula(False), family=family)
    model_b = sm.GLM(records["y"].to_numpy(), x_b, family=family)
    model_a = sm.GLM(records["y"].to_numpy(), x_a, family=family)
    s_b, s_a = model_b.score_obs(fit_b.params), model_a.score_obs(fit_a.params)
    inv_b = np.linalg.inv(-model_b.hessian(fit_b.params))
    inv_a = np.linalg.inv(-model_a.hessian(fit_a.params))
    name = "C(ethnic_group, Treatment('White'))[T.Black]"
    i, j = names_b.index(name), names_a.index(name)
    v_bb = (inv_b @ s_b.T @ s_b @ inv_b)[i, i]
    v_aa = (inv_a @ s_a.T @ s_a @ inv_a)[j, j]
    v_ba = (inv_b @ s_b.T @ s_a @ inv_a)[i, j]
    return v_bb, v_aa, v_ba


@pytest.mark.parametrize(
    "measure,family",
    [("odds_ratio", sm.families.Binomial()), ("risk_ratio", sm.families.Poisson())],
)
def test_change_and_percentage_cis_equal_record_level_stacked_sandwich(measure, family) -> None:
    cells = simulate(12_000, seed=35, confounded=True)
    table = excess_explained(cells, "preterm", EXPOSURES, ADJUST, REFERENCE)
    row = table[(table["measure"] == measure) & (table["level"] == "Black")].iloc[0]
    v_bb, v_aa, v_ba = _stacked_record_covariance(expand_to_records(cells), family)
    z = 1.959963984540054
    se_change = (row["change_upper_95"] - row["change_lower_95"]) / (2 * z)
    assert se_change == pytest.approx(np.sqrt(v_bb + v_aa - 2 * v_ba), rel=1e-8)
    assert pd.notna(row["pct_explained"])
    b, a = np.log(row["base_ratio"]), np.log(row["adjusted_ratio"])
    g_b, g_a = 100 * a / b**2, -100 / b
    se_pct = np.sqrt(g_b**2 * v_bb + g_a**2 * v_aa + 2 * g_b * g_a * v_ba)
    assert (row["pct_upper_95"] - row["pct_lower_95"]) / (2 * z) == pytest.approx(se_pct, rel=1e-8)


def test_base_near_one_or_below_one_is_noted(big) -> None:
    cells = big.copy()
    white = cells["ethnic_group"] == "White"
    rate = cells.loc[white, "events"].sum() / cells.loc[white, "denominator"].sum()
    other = cells["ethnic_group"] == "Other"
    cells.loc[other, "events"] = np.round(cells.loc[other, "denominator"] * rate).astype(int)
    mixed = cells["ethnic_group"] == "Mixed"
    cells.loc[mixed, "events"] = np.round(cells.loc[mixed, "denominator"] * rate / 3).astype(int)
    table = excess_explained(cells, "preterm", EXPOSURES, ADJUST, REFERENCE)
    near = table[table["level"] == "Other"]
    assert near["note"].str.contains(NOTE_BASE_NEAR_ONE, regex=False).all()
    assert near["pct_explained"].isna().all() and near["log_ratio_change"].notna().all()
    below = table[table["level"] == "Mixed"]
    assert below["note"].str.contains(NOTE_BASE_BELOW_ONE).all()
    assert below["base_ratio"].lt(0.5).all() and below["pct_explained"].notna().all()
    # pct is not given exactly when the base CI includes 1
    includes_one = (table["base_lower_95"] <= 1) & (table["base_upper_95"] >= 1)
    assert (table["pct_explained"].isna() == includes_one).all()


# ---------------------------------------------------------------------------------------------
# Fit summaries and the c-statistic
# ---------------------------------------------------------------------------------------------


def record_auc(y: np.ndarray, score: np.ndarray) -> float:
    """Mann-Whitney AUC on one row per birth: mid-ranks give ties 1/2."""
    ranks = rankdata(score)
    events, non_events = y.sum(), len(y) - y.sum()
    return float((ranks[y == 1].sum() - events * (events + 1) / 2) / (events * non_events))


def test_c_statistic_small_cases() -> None:
    # By hand: events at risk 0.3 (1) and 0.2 (2); non-events at 0.3 (1), 0.2 (1 + 1), 0.1 (2).
    events, births, risk = [1, 2, 0, 0], [2, 3, 2, 1], [0.3, 0.2, 0.1, 0.2]
    # The 0.3 event beats 4 non-events and ties 1: 4.5. Each 0.2 event beats 2, ties 2: 3.
    expected = (4.5 + 2 * 3) / (3 * 5)
    assert c_statistic(events, births, risk) == pytest.approx(expected, abs=1e-15)
    assert c_statistic([5, 0], [5, 5], [0.9, 0.1]) == 1.0
    assert c_statistic([2, 3], [10, 10], [0.2, 0.2]) == 0.5
    assert np.isnan(c_statistic([0, 0], [3, 4], [0.1, 0.2]))


@pytest.mark.slow
def test_fit_summaries_equal_record_level_fits(big, big_records) -> None:
    table = fit_summaries(big, "preterm", EXPOSURES, ADJUST, REFERENCE)
    assert list(table.columns) == FIT_COLUMNS
    assert list(zip(table["measure"], table["model"], strict=True)) == [
        ("odds_ratio", "crude"),
        ("odds_ratio", "crude"),
        ("odds_ratio", "adjusted"),
        ("odds_ratio", "interaction"),
        ("risk_ratio", "crude"),
        ("risk_ratio", "crude"),
        ("risk_ratio", "adjusted"),
    ]
    y = big_records["y"].to_numpy()
    cases = [
        ("odds_ratio", "adjusted", formula(False), sm.families.Binomial()),
        ("odds_ratio", "interaction", formula(True), sm.families.Binomial()),
        ("odds_ratio", "crude", "y ~ C(ethnic_group, Treatment('White'))", sm.families.Binomial()),
        ("risk_ratio", "adjusted", formula(False), sm.families.Poisson()),
    ]
    for measure, model, text, family in cases:
        row = table[(table["measure"] == measure) & (table["model"] == model)]
        row = row[row["terms"] != "imd_quintile"].iloc[0]
        fit, names, _ = record_fit(big_records, text, family=family)
        assert row["n_parameters"] == len(names)
        auc = record_auc(y, fit.fittedvalues)
        assert row["c_statistic"] == pytest.approx(auc, abs=1e-10), (measure, model)
        if measure == "odds_ratio":
            assert row["log_likelihood"] == pytest.approx(fit.llf, rel=1e-10)
            assert row["aic"] == pytest.approx(fit.aic, rel=1e-10)
            assert row["deviance"] == pytest.approx(fit.deviance, rel=1e-10)
        else:
            assert np.isnan(row["aic"]) and row["note"].startswith(NOTE_WORKING_LIKELIHOOD)
    adjusted = table[(table["measure"] == "odds_ratio") & (table["model"] == "adjusted")].iloc[0]
    assert adjusted["pattern_df"] == adjusted["n_patterns"] - adjusted["n_parameters"]
    # freq_weights on the patterns reproduce the record-level AIC too (FIELD-NOTES)
    from birthgaps.models.frame import collapse, design

    collapsed = collapse(big, TERMS)
    long = pd.concat(
        [
            collapsed.assign(y=1.0, w=collapsed["events"]),
            collapsed.assign(y=0.0, w=collapsed["denominator"] - collapsed["events"]),
        ],
        ignore_index=True,
    )
    long = long[long["w"] > 0]
    _, exog, _ = design(long, TERMS, REFERENCE)
    weighted = sm.GLM(
        long["y"], exog, family=sm.families.Binomial(), freq_weights=long["w"].to_numpy(float)
    ).fit()
    assert adjusted["aic"] == pytest.approx(weighted.aic, rel=1e-10)
    # the interaction model has df more parameters than the adjusted one
    inter = table[table["model"] == "interaction"].iloc[0]
    assert inter["n_parameters"] - adjusted["n_parameters"] == 16


# ---------------------------------------------------------------------------------------------
# Rows withheld in the published rates table: withheld here, never "too few events"
# ---------------------------------------------------------------------------------------------


def test_withheld_cross_rows_are_withheld_in_strata_and_interaction(big) -> None:
    areas = {"X06000001": "Northbrook"}
    config = copy.deepcopy(MODEL_CONFIG)
    config["outcomes"] = ["preterm"]
    cross = "imd_quintile_by_ethnic_group"
    withhold = {
        (
            "X06000001",
            "preterm",
            cross,
            "3 | Black",
        ),  # a large cell hidden by secondary suppression
        ("X06000001", "preterm", cross, "5 | Mixed"),  # the reference quintile of a stratum
        ("X06000001", "preterm", "ethnic_group", "Other"),  # a whole stratum
    }
    rates = published_rates_of(big, areas, withhold)
    tables = model_tables(big, config, areas, rates)
    plain = model_tables(big, config, areas)
    strata = tables["stratified"]
    strata = strata[strata["area_code"] == "X06000001"]

    def rows(stratum: str, level: str | None = None) -> pd.DataFrame:
        hit = strata[(strata["stratum_term"] == "ethnic_group") & (strata["stratum"] == stratum)]
        return hit if level is None else hit[hit["level"] == level]

    assert rows("Black", "3")["note"].iloc[0] == NOTE_WITHHELD
    assert rows("Black", "3")["odds_ratio"].isna().all()
    assert rows("Black", "1")["odds_ratio"].notna().all()
    # reference cell withheld: the stratum falls back to the nearest quintile, never "too few"
    mixed = rows("Mixed")
    assert mixed["reference"].eq("4").all()
    assert (mixed.loc[mixed["level"] == "5", "note"] == NOTE_WITHHELD).all()
    moved = mixed[mixed["level"] != "5"]
    assert moved["note"].str.startswith("imd_quintile reference 4, not 5").all()
    assert (rows("Other")["note"] == NOTE_WITHHELD).all()  # the stratum itself withheld
    assert rows("Other")["n_births"].isna().all()
    within_q3 = strata[(strata["stratum_term"] == "imd_quintile") & (strata["stratum"] == "3")]
    assert within_q3.loc[within_q3["level"] == "Black", "note"].iloc[0] == NOTE_WITHHELD
    assert not strata["note"].str.contains("too few events").any()

    # the interaction: no own column for a withheld combination, and the note says so
    inter = tables["interaction"].iloc[0]
    before = plain["interaction"].iloc[0]
    assert inter["df"] < before["df"]
    assert inter["n_sparse_combinations"] == before["n_sparse_combinations"]  # none are sparse
    assert "[c] 2 combinations share the main effects: withheld to protect" in inter["note"]
    assert inter["n_combinations"] == 12  # Other is withheld: 4 x 3
