"""Risk ratios by modified Poisson on the cell table: equal to record-level robust fits, valid CIs.

The grouped Poisson fit (events, log(denominator) offset) must give the record-level point
estimates, and the sandwich computed from the cells must equal statsmodels' record-level
``GLM(y, X, family=Poisson()).fit(cov_type="HC0")`` standard errors.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy.stats import binom, norm
from support.models import (
    ADJUST,
    AREAS,
    EXPOSURES,
    MODEL_CONFIG,
    REFERENCE,
    expand_to_records,
    formula_name,
    published_rates_of,
    simulate_cells,
)

from birthgaps.core import codes as definitions
from birthgaps.models.areas import (
    COMPLETE_CASE_COLUMNS,
    model_tables,
    models_table,
    risk_ratio_table,
)
from birthgaps.models.fitting import fit_modified_poisson, grouped_sandwich
from birthgaps.models.notes import NOTE_RISK_ABOVE_ONE, NOTE_TOO_FEW
from birthgaps.models.protect import publish_model_tables
from birthgaps.models.ratios import fit_models, fit_risk_ratios
from birthgaps.models.tables import (
    ALL_AREAS,
    COMPLETE_CASES,
    EMPTY_REASONS,
    PUBLISHED_COLUMNS,
    RISK_RATIO_COLUMNS,
    RISK_RATIO_TABLE_COLUMNS,
    TABLE_KEYS,
    UNPUBLISHED_COLUMNS,
)

TERMS = ["imd_quintile", "ethnic_group", "age_band", "year"]
REFS = {"imd_quintile": "5", "ethnic_group": "White", "age_band": "25-29", "year": "2019"}
RULES = {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5}


@pytest.fixture(scope="module")
def cells() -> pd.DataFrame:
    return simulate_cells(6000, seed=21)


@pytest.fixture(scope="module")
def record_fit(cells: pd.DataFrame):
    """Record-level modified Poisson of the adjusted preterm model (formula interface, HC0)."""
    records = expand_to_records(cells[cells["outcome"] == "preterm"])
    formula = "y ~ " + " + ".join(f"C({t}, Treatment({REFS[t]!r}))" for t in TERMS)
    return smf.glm(formula, records, family=sm.families.Poisson()).fit(cov_type="HC0")


def test_grouped_modified_poisson_equals_record_level_hc0(cells, record_fit) -> None:
    one = cells[cells["outcome"] == "preterm"]
    grouped = fit_modified_poisson(one, TERMS, REFERENCE)
    assert len(grouped.params) == len(record_fit.params)
    for name in grouped.params.index:
        if name == "Intercept":
            other = "Intercept"
        else:
            term, level = name.split("[T.")
            other = formula_name(term, REFS[term], level.rstrip("]"))
        assert grouped.params[name] == pytest.approx(record_fit.params[other], abs=1e-8)
        assert grouped.bse[name] == pytest.approx(record_fit.bse[other], abs=1e-8)
    # The model-based Poisson errors are too large for a binary outcome: the test can tell.
    naive = grouped.result.bse
    assert (naive - grouped.bse).min() > 1e-4


def test_risk_ratio_rows_equal_record_level_fit(cells, record_fit) -> None:
    one = cells[cells["outcome"] == "preterm"]
    table = fit_risk_ratios(one, "preterm", EXPOSURES, ADJUST, REFERENCE)
    assert list(table.columns) == RISK_RATIO_COLUMNS
    adjusted = table[table["model"] == "adjusted"]
    assert len(adjusted) == 4 + 4 + 5 + 2
    lower, upper = record_fit.conf_int().T.to_numpy()
    ci = dict(zip(record_fit.params.index, zip(lower, upper, strict=True), strict=True))
    for row in adjusted.itertuples():
        other = formula_name(row.term, REFS[row.term], row.level)
        assert row.log_rr == pytest.approx(record_fit.params[other], abs=1e-8)
        assert row.se == pytest.approx(record_fit.bse[other], abs=1e-8)
        assert row.risk_ratio == pytest.approx(np.exp(record_fit.params[other]), rel=1e-8)
        assert row.lower_95 == pytest.approx(np.exp(ci[other][0]), rel=1e-8)
        assert row.upper_95 == pytest.approx(np.exp(ci[other][1]), rel=1e-8)
        assert row.p_value == pytest.approx(record_fit.pvalues[other], rel=1e-6, abs=1e-12)


def test_crude_risk_ratio_is_the_ratio_of_proportions(cells) -> None:
    """One categorical term: RR = (e1/n1)/(e0/n0) and HC0 var(log RR) = 1/e1 - 1/n1 + 1/e0 - 1/n0."""
    one = cells[cells["outcome"] == "lbw"]
    table = fit_risk_ratios(one, "lbw", EXPOSURES, ADJUST, REFERENCE)
    totals = one.groupby("ethnic_group")[["events", "denominator"]].sum()
    e0, n0 = totals.loc["White"]
    crude = table[(table["model"] == "crude") & (table["term"] == "ethnic_group")]
    for row in crude.itertuples():
        e1, n1 = totals.loc[row.level]
        assert row.risk_ratio == pytest.approx((e1 / n1) / (e0 / n0), rel=1e-9)
        assert row.se == pytest.approx(np.sqrt(1 / e1 - 1 / n1 + 1 / e0 - 1 / n0), rel=1e-8)


def test_grouped_sandwich_of_a_logistic_fit_equals_record_level_hc0(cells) -> None:
    """The same exact-from-cells meat serves the logit link (robust logistic errors)."""
    from birthgaps.models.frame import collapse, design

    one = cells[cells["outcome"] == "preterm"]
    collapsed = collapse(one, ["imd_quintile", "age_band"])
    endog, exog, _ = design(collapsed, ["imd_quintile", "age_band"], REFERENCE)
    grouped = sm.GLM(endog, exog, family=sm.families.Binomial()).fit()
    x = exog.to_numpy()
    n = endog.sum(axis=1)
    cov = grouped_sandwich(x, endog[:, 0], n, grouped.fittedvalues.to_numpy(), "logit")
    # Records: each pattern repeated n times, the first e rows events.
    rows = np.repeat(np.arange(len(x)), n.astype(int))
    first = np.repeat(np.cumsum(n) - n, n.astype(int))
    y = ((np.arange(len(rows)) - first) < np.repeat(endog[:, 0], n.astype(int))).astype(float)
    record = sm.GLM(y, x[rows], family=sm.families.Binomial()).fit(cov_type="HC0")
    assert np.sqrt(np.diag(cov)) == pytest.approx(record.bse, abs=1e-8)


def test_same_births_levels_and_notes_as_odds_ratios() -> None:
    cells = simulate_cells(8000, seed=23, unknown_share=0.05)
    odds = fit_models(cells, "preterm", EXPOSURES, ADJUST, REFERENCE)
    risks = fit_risk_ratios(cells, "preterm", EXPOSURES, ADJUST, REFERENCE)
    keys = ["outcome", "model", "term", "level", "reference", "n_births", "n_events", "note"]
    pd.testing.assert_frame_equal(odds[keys], risks[keys])
    assert risks["note"].iloc[0].startswith("complete cases: ")
    # Crude: OR = RR (1 - p0) / (1 - p1), so each crude RR lies strictly between 1 and its OR.
    crude = risks["model"] == "crude"
    assert (risks.loc[crude, "log_rr"].abs() < odds.loc[crude, "log_or"].abs()).all()
    assert (np.sign(risks.loc[crude, "log_rr"]) == np.sign(odds.loc[crude, "log_or"])).all()


def test_zero_events_level_is_too_few_not_an_absurd_risk_ratio(cells) -> None:
    one = cells[cells["outcome"] == "preterm"].copy()
    one.loc[one["ethnic_group"] == "Other", "events"] = 0
    table = fit_risk_ratios(one, "preterm", EXPOSURES, ADJUST, REFERENCE)
    rows = table[(table["term"] == "ethnic_group") & (table["level"] == "Other")]
    assert len(rows) == 2 and rows["note"].str.startswith(NOTE_TOO_FEW).all()
    assert rows["risk_ratio"].isna().all()
    rest = table.drop(index=rows.index)
    assert rest["risk_ratio"].between(0.2, 5).all() and rest["se"].lt(1).all()


def test_quasi_separation_gives_notes_not_absurd_risk_ratios(cells) -> None:
    """An empty level of a combination (no events for 40+ mothers in quintile 2) with min_events=0."""
    one = cells[cells["outcome"] == "preterm"].copy()
    one.loc[one["imd_quintile"] == "2", "events"] = 0
    table = fit_risk_ratios(one, "preterm", EXPOSURES, ADJUST, REFERENCE, min_events=0)
    q2 = table[table["level"] == "2"]
    assert q2["risk_ratio"].isna().all()
    assert q2["note"].str.contains("separation").all()
    assert table["risk_ratio"].dropna().between(1e-3, 1e3).all()
    assert table["se"].dropna().lt(5).all()


def test_fitted_risk_above_one_is_noted() -> None:
    """Two factors each raising a 45% risk to 90% predict 180% where they meet."""
    rows = []
    for q, g in itertools.product(["1", "5"], ["White", "Black"]):
        n = 200
        risk = 0.45 * (2 if q == "1" else 1) * (2 if g == "Black" else 1)
        events = int(round(min(risk, 0.97) * n))
        rows.append(
            {
                "area_code": "X06000001",
                "year": 2020,
                "imd_quintile": q,
                "ethnic_group": g,
                "age_band": "25-29",
                "outcome": "preterm",
                "events": events,
                "denominator": n,
            }
        )
    cells = pd.DataFrame(rows)
    table = fit_risk_ratios(cells, "preterm", EXPOSURES, [], REFERENCE)
    adjusted = table[(table["model"] == "adjusted") & table["risk_ratio"].notna()]
    assert len(adjusted) == 2
    assert adjusted["note"].str.contains(NOTE_RISK_ABOVE_ONE).all()
    assert not table.loc[table["model"] == "crude", "note"].str.contains(NOTE_RISK_ABOVE_ONE).any()


def test_risk_ratio_table_layout_and_determinism() -> None:
    cells = simulate_cells(9000, seed=25, areas=list(AREAS))
    first = risk_ratio_table(cells, MODEL_CONFIG, AREAS)
    second = risk_ratio_table(cells.sample(frac=1.0, random_state=4), MODEL_CONFIG, AREAS)
    assert list(first.columns) == RISK_RATIO_TABLE_COLUMNS
    assert list(dict.fromkeys(first["area_code"])) == [*AREAS, ALL_AREAS]
    pd.testing.assert_frame_equal(first, second)
    direct = fit_risk_ratios(cells, "lbw", EXPOSURES, ADJUST, REFERENCE)
    pooled = first[(first["area_code"] == ALL_AREAS) & (first["outcome"] == "lbw")]
    pd.testing.assert_frame_equal(pooled.drop(columns="area_code").reset_index(drop=True), direct)


def test_model_tables_keys_and_agreement_with_single_tables() -> None:
    cells = simulate_cells(9000, seed=26, areas=list(AREAS), unknown_share=0.03)
    tables = model_tables(cells, MODEL_CONFIG, AREAS)
    assert tuple(tables) == (*TABLE_KEYS, COMPLETE_CASES, EMPTY_REASONS)
    assert list(tables[COMPLETE_CASES].columns) == COMPLETE_CASE_COLUMNS
    assert tables.pop(EMPTY_REASONS).empty  # every table has rows here
    pd.testing.assert_frame_equal(tables["odds_ratios"], models_table(cells, MODEL_CONFIG, AREAS))
    pd.testing.assert_frame_equal(
        tables["risk_ratios"], risk_ratio_table(cells, MODEL_CONFIG, AREAS)
    )
    for key, table in tables.items():
        assert table.columns[0] == "area_code", key
        assert list(dict.fromkeys(table["area_code"])) == [*AREAS, ALL_AREAS], key


def test_publish_model_tables_controls_every_count() -> None:
    cells = simulate_cells(8000, seed=27, unknown_share=0.05)
    areas = {"X06000001": "Northbrook"}
    rates = published_rates_of(cells, areas)
    tables = model_tables(cells, MODEL_CONFIG, areas, rates)
    tables["risk_ratios"].loc[10, "n_events"] = 6
    published = publish_model_tables(tables, RULES, rates)
    assert tuple(published) == TABLE_KEYS
    for key, table in published.items():
        assert list(table.columns) == PUBLISHED_COLUMNS[key], key
        assert not set(table.columns) & UNPUBLISHED_COLUMNS, key
        for column in ("n_births", "n_events"):
            values = table[column].dropna()
            assert (values % 5 == 0).all(), (key, column)
        for note in table["note"]:
            for part in re.findall(r"complete cases: [^;]*", note):
                counts = [int(n.replace(",", "")) for n in re.findall(r"\b[\d,]+\b(?![.%])", part)]
                assert counts and all(n % 5 == 0 for n in counts), (key, part)
    assert pd.isna(published["risk_ratios"].loc[10, "n_events"])
    for column in ("risk_ratio", "lower_95", "upper_95"):
        pd.testing.assert_series_equal(
            published["risk_ratios"][column], tables["risk_ratios"][column].round(2)
        )
    # precision: ratios and limits 2 dp, p-values 2 significant figures, % whole numbers
    excess = published["excess_explained"]
    assert (excess["pct_explained"].dropna() % 1 == 0).all()
    for p in published["stratified"]["p_value"].dropna():
        assert p == float(f"{p:.2g}")
    fit = published["fit"]
    assert "crude" not in set(fit["model"])  # crude fits come from the published counts
    assert (fit["c_statistic"].dropna().round(2) == fit["c_statistic"].dropna()).all()
    note = published["risk_ratios"].loc[0, "note"]
    assert "complete cases: " in note and note == published["odds_ratios"].loc[0, "note"]


def test_unknown_levels_never_become_model_levels() -> None:
    cells = simulate_cells(5000, seed=28, unknown_share=0.05)
    table = fit_risk_ratios(cells, "lbw", EXPOSURES, ADJUST, REFERENCE)
    assert not table["level"].isin([definitions.UNKNOWN, definitions.NOT_STATED]).any()


# ---------------------------------------------------------------------------------------------
# Coverage of the robust 95% CIs with a log-linear truth (the full study: benchmarks/coverage_study.py)
# ---------------------------------------------------------------------------------------------

#: True risk ratios of the log-linear (log-binomial) model; the baseline risk keeps every risk < 0.2.
TRUE_RR = {
    "imd_quintile": {"1": 1.45, "2": 1.30, "3": 1.18, "4": 1.08, "5": 1.0},
    "ethnic_group": {"White": 1.0, "Asian": 1.20, "Black": 1.45, "Mixed": 1.10, "Other": 1.05},
    "age_band": {
        "<20": 1.25,
        "20-24": 1.08,
        "25-29": 1.0,
        "30-34": 1.02,
        "35-39": 1.15,
        "40+": 1.4,
    },
}
BASE_RISK = 0.05
COVERAGE_SEEDS = list(range(7001, 7151))  # 150 replications, fixed before the first run


def _pattern_table() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Quintile x group x band x year patterns, birth shares (ethnicity/age depend on quintile)."""
    quintiles, groups = list(TRUE_RR["imd_quintile"]), list(TRUE_RR["ethnic_group"])
    bands, years = list(TRUE_RR["age_band"]), [2019, 2020, 2021, 2022]
    frame = pd.DataFrame(
        list(itertools.product(quintiles, groups, bands, years)),
        columns=["imd_quintile", "ethnic_group", "age_band", "year"],
    )
    score = (3 - frame["imd_quintile"].astype(int).to_numpy()) / 2
    base_g = np.array([0.72, 0.15, 0.06, 0.04, 0.03])
    tilt_g = np.array([0.0, 1.2, 1.3, 0.6, 0.5])
    g = frame["ethnic_group"].map({k: i for i, k in enumerate(groups)}).to_numpy()
    pg = base_g[None, :] * np.exp(tilt_g[None, :] * score[:, None])
    share = pg[np.arange(len(frame)), g] / pg.sum(axis=1)
    share = (
        share
        * np.array([0.03, 0.14, 0.28, 0.32, 0.18, 0.05])[
            frame["age_band"].map({k: i for i, k in enumerate(bands)}).to_numpy()
        ]
    )
    risk = BASE_RISK * np.ones(len(frame))
    for term in ("imd_quintile", "ethnic_group", "age_band"):
        risk = risk * frame[term].map(TRUE_RR[term]).to_numpy()
    return frame, share / share.sum(), risk


@pytest.mark.slow
def test_robust_risk_ratio_ci_coverage_with_a_log_linear_truth() -> None:
    """150 tables of 60,000 births from the log-linear truth: 13 adjusted RRs each.

    Per parameter the number of covering intervals is Binomial(150, 0.95) if the method is right:
    each must lie in its two-sided band at family-wise level 0.001 (Bonferroni over 13). Pooled,
    the replication totals are iid, so the mean coverage is tested against 0.95 with their
    empirical standard error (|z| < 3.29, two-sided 0.001).
    """
    frame, share, risk = _pattern_table()
    truth = {
        (t, lv): np.log(v) for t, levels in TRUE_RR.items() for lv, v in levels.items() if v != 1.0
    }
    assert max(risk) < 0.2
    covered = {key: 0 for key in truth}
    per_rep = []
    for seed in COVERAGE_SEEDS:
        rng = np.random.default_rng(seed)
        births = rng.multinomial(60_000, share)
        cells = frame.assign(
            area_code="X06000001",
            outcome="preterm",
            events=rng.binomial(births, risk),
            denominator=births,
        )
        cells = cells[cells["denominator"] > 0]
        table = fit_risk_ratios(cells, "preterm", EXPOSURES, ADJUST, REFERENCE)
        rows = table[(table["model"] == "adjusted") & (table["term"] != "year")]
        assert len(rows) == len(truth) and rows["se"].notna().all()
        hits = 0
        for row in rows.itertuples():
            true = truth[(row.term, row.level)]
            hit = abs(row.log_rr - true) <= norm.ppf(0.975) * row.se
            covered[(row.term, row.level)] += int(hit)
            hits += int(hit)
        per_rep.append(hits)
    reps, k = len(COVERAGE_SEEDS), len(truth)
    alpha = 0.001 / k
    low, high = binom.ppf(alpha / 2, reps, 0.95), binom.ppf(1 - alpha / 2, reps, 0.95)
    for key, count in covered.items():
        assert low <= count <= high, f"{key}: {count}/{reps} covered, band {low:.0f}-{high:.0f}"
    totals = np.array(per_rep, dtype=float) / k
    z = (totals.mean() - 0.95) / (totals.std(ddof=1) / np.sqrt(reps))
    assert abs(z) < 3.29, f"pooled coverage {totals.mean():.4f}, z = {z:.2f}"
