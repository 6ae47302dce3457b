"""Shared fixtures: the repository's config, a tiny canonical extract, and the shared data folder."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def repo_config() -> dict:
    """The demo config as committed (read-only: tests copy before changing it)."""
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())


@pytest.fixture
def config(repo_config: dict) -> dict:
    """A private deep copy of the demo config that a test may change."""
    return copy.deepcopy(repo_config)


@pytest.fixture
def shared_dir() -> Path:
    """../shared, or skip the test when it is absent (CI machines may not have it)."""
    if not SHARED.exists():
        pytest.skip("../shared is not available")
    return SHARED


def make_births(rows: list[dict]) -> pd.DataFrame:
    """A canonical extract from partial rows; unspecified columns take plausible defaults."""
    defaults = {
        "baby_id": None,
        "birth_date": "2020-06-15",
        "birth_outcome": "live",
        "gestation_weeks": 39,
        "gestation_days": 2,
        "birth_weight_g": 3400,
        "baby_sex": "F",
        "plurality": 1,
        "mother_age": 29,
        "mother_ethnic_category": "A",
        "mother_lsoa": "L1",
        "area_code": "X1",
    }
    records = []
    for i, row in enumerate(rows):
        record = {**defaults, **row}
        record["baby_id"] = record["baby_id"] or f"B{i:05d}"
        records.append(record)
    frame = pd.DataFrame(records)
    frame["birth_date"] = pd.to_datetime(frame["birth_date"]).astype("datetime64[ns]")
    for column in (
        "gestation_weeks",
        "gestation_days",
        "birth_weight_g",
        "plurality",
        "mother_age",
    ):
        frame[column] = frame[column].astype("Int64")
    for column in (
        "baby_id",
        "birth_outcome",
        "baby_sex",
        "mother_ethnic_category",
        "mother_lsoa",
        "area_code",
    ):
        frame[column] = frame[column].astype("string")
    return frame


@pytest.fixture
def lookup() -> pd.DataFrame:
    """Tiny LSOA -> IMD decile lookup: L1 decile 1 (quintile 1) ... L5 decile 10 (quintile 5)."""
    return pd.DataFrame(
        {"lsoa_code": ["L1", "L2", "L3", "L4", "L5"], "imd_decile": [1, 3, 6, 8, 10]}
    )


@pytest.fixture
def ranked_lookup() -> pd.DataFrame:
    """Ten LSOAs R01..R10 with national IMD ranks (1 = most deprived) and consistent deciles."""
    ranks = [150, 2900, 5000, 9000, 12000, 15500, 20000, 24000, 28000, 32000]
    return pd.DataFrame(
        {
            "lsoa_code": [f"R{i:02d}" for i in range(1, 11)],
            "imd_decile": [min(10, 1 + (r - 1) * 10 // 32844) for r in ranks],
            "imd_rank": ranks,
        }
    )


# ---------------------------------------------------------------------------------------------
# Fake published tables (rates, models, exclusion flow) in the contract formats of
# docs/architecture.md, for the figures and report tests. Session-scoped: treat them as read-only
# (copy before changing). Three areas plus ALL; Northbrook has a steep deprivation gradient,
# Southwick none; small groups give suppressed rows; one model level has "too few events".
# ---------------------------------------------------------------------------------------------

FAKE_AREAS = {"X06000001": "Northbrook", "X06000002": "Eastmere", "X06000003": "Southwick"}
FAKE_YEARS = [2019, 2020, 2021, 2022, 2023, 2024]
_FAKE_IMD_OR = {
    "X06000001": [1.8, 1.55, 1.3, 1.12, 1.0],
    "X06000002": [1.3, 1.2, 1.1, 1.05, 1.0],
    "X06000003": [1.0, 1.0, 1.0, 1.0, 1.0],
}
_FAKE_IMD_SHARE = {
    "X06000001": [0.36, 0.25, 0.18, 0.12, 0.08],
    "X06000002": [0.2, 0.2, 0.2, 0.2, 0.19],
    "X06000003": [0.06, 0.1, 0.2, 0.3, 0.33],
}
_FAKE_ETHNIC = {  # share, odds ratio
    "Asian": (0.14, 1.25),
    "Black": (0.06, 1.5),
    "Mixed": (0.04, 1.1),
    "White": (0.72, 1.0),
    "Other": (0.003, 1.05),
    "Not stated": (0.037, 1.0),
}
_FAKE_AGE = {
    "<20": 0.04,
    "20-24": 0.15,
    "25-29": 0.28,
    "30-34": 0.32,
    "35-39": 0.17,
    "40+": 0.039,
    "Unknown": 0.001,
}
_FAKE_BASE = {"preterm": 0.06, "lbw": 0.055, "term_lbw": 0.022}


def _fake_cells() -> pd.DataFrame:
    import numpy as np

    rng = np.random.default_rng(20261126)
    rows = []
    for area in FAKE_AREAS:
        quintiles = ["1", "2", "3", "4", "5", "Unknown"]
        q_share = [*_FAKE_IMD_SHARE[area], 1 - sum(_FAKE_IMD_SHARE[area])]
        q_or = [*_FAKE_IMD_OR[area], 1.0]
        for year in FAKE_YEARS:
            for quintile, qs, qor in zip(quintiles, q_share, q_or, strict=True):
                for ethnic, (es, eor) in _FAKE_ETHNIC.items():
                    for age, ageshare in _FAKE_AGE.items():
                        n = int(rng.poisson(3300 * qs * es * ageshare))
                        if n == 0:
                            continue
                        for outcome, base in _FAKE_BASE.items():
                            odds = base / (1 - base) * qor * eor
                            p = odds / (1 + odds)
                            denominator = n if outcome != "term_lbw" else max(1, round(n * 0.93))
                            rows.append(
                                {
                                    "area_code": area,
                                    "year": year,
                                    "imd_quintile": quintile,
                                    "ethnic_group": ethnic,
                                    "age_band": age,
                                    "outcome": outcome,
                                    "events": int(rng.binomial(denominator, p)),
                                    "denominator": denominator,
                                }
                            )
    return pd.DataFrame(rows)


def _build_fake_rates() -> pd.DataFrame:
    import numpy as np
    from statsmodels.stats.proportion import proportion_confint

    cells = _fake_cells()
    scoped = pd.concat([cells, cells.assign(area_code="ALL")], ignore_index=True)
    frames = []
    for dimension in [
        "overall",
        "imd_quintile",
        "ethnic_group",
        "age_band",
        "year",
        "imd_quintile_by_ethnic_group",
    ]:
        part = scoped[["area_code", "outcome", "events", "denominator"]].copy()
        if dimension == "overall":
            part["group"] = "All"
        elif dimension == "imd_quintile_by_ethnic_group":
            part["group"] = scoped["imd_quintile"] + " | " + scoped["ethnic_group"]
        else:
            part["group"] = scoped[dimension].astype(str)
        summed = part.groupby(["area_code", "outcome", "group"], sort=True)[
            ["events", "denominator"]
        ].sum()
        summed = summed.reset_index()
        summed.insert(2, "dimension", dimension)
        frames.append(summed)
    rates = pd.concat(frames, ignore_index=True)
    rates.insert(1, "area_name", rates["area_code"].map({**FAKE_AREAS, "ALL": "All areas"}))
    lower, upper = proportion_confint(rates["events"], rates["denominator"], method="wilson")
    events, denominator = rates["events"], rates["denominator"]

    def small(x):
        return (x >= 1) & (x <= 7)

    suppressed = small(events) | small(denominator) | small(denominator - events)
    rounded_e = (np.floor(events / 5 + 0.5) * 5).astype("Int64").mask(suppressed)
    rounded_d = (np.floor(denominator / 5 + 0.5) * 5).astype("Int64").mask(suppressed)
    rates["events"] = rounded_e
    rates["denominator"] = rounded_d
    percent = 100 * rounded_e.astype("Float64") / rounded_d.astype("Float64")
    rates["percent"] = percent.round(2).mask(suppressed)
    rates["lower_95"] = pd.Series(100 * lower, dtype="Float64").round(2).mask(suppressed)
    rates["upper_95"] = pd.Series(100 * upper, dtype="Float64").round(2).mask(suppressed)
    rates["suppressed"] = suppressed.astype(bool)
    rates["flag"] = suppressed.map({True: "c", False: ""}).astype("string")
    for column in ("area_code", "area_name", "outcome", "dimension", "group"):
        rates[column] = rates[column].astype("string")
    return rates


def _build_fake_models() -> pd.DataFrame:
    import math

    from scipy.stats import norm

    levels = {
        "imd_quintile": (["1", "2", "3", "4"], "5"),
        "ethnic_group": (["Asian", "Black", "Mixed", "Other"], "White"),
        "age_band": (["<20", "20-24", "30-34", "35-39", "40+"], "25-29"),
        "year": ([str(y) for y in FAKE_YEARS[1:]], str(FAKE_YEARS[0])),
    }
    ethnic_or = {g: v[1] for g, v in _FAKE_ETHNIC.items()}
    age_or = {"<20": 1.25, "20-24": 1.08, "30-34": 1.02, "35-39": 1.15, "40+": 1.4}
    rows = []
    for area in [*FAKE_AREAS, "ALL"]:
        imd_or = _FAKE_IMD_OR.get(area, [1.45, 1.3, 1.15, 1.06, 1.0])
        scale = 0.5 if area == "ALL" else 1.0
        for outcome in ("preterm", "lbw"):
            for model in ("crude", "adjusted"):
                terms = ["imd_quintile", "ethnic_group"] + (
                    ["age_band", "year"] if model == "adjusted" else []
                )
                for term in terms:
                    names, reference = levels[term]
                    for level in names:
                        if term == "imd_quintile":
                            true = imd_or[int(level) - 1] * (1.04 if model == "crude" else 1.0)
                            se = 0.07
                        elif term == "ethnic_group":
                            true = ethnic_or[level] * (1.06 if model == "crude" else 1.0)
                            se = {"Other": 0.35, "Black": 0.12, "Mixed": 0.14}.get(level, 0.08)
                        elif term == "age_band":
                            true, se = age_or[level], 0.09
                        else:
                            true, se = 1.0 + 0.01 * (int(level) - FAKE_YEARS[0]), 0.08
                        se *= scale
                        row = {
                            "area_code": area,
                            "outcome": outcome,
                            "model": model,
                            "term": term,
                            "level": level,
                            "reference": reference,
                            "n_births": 18500,
                            "n_events": 1200,
                            "note": "",
                        }
                        if area == "X06000003" and term == "ethnic_group" and level == "Other":
                            row.update(
                                odds_ratio=None,
                                lower_95=None,
                                upper_95=None,
                                log_or=None,
                                se=None,
                                p_value=None,
                                note="too few events",
                            )
                        else:
                            log_or = math.log(true)
                            row.update(
                                odds_ratio=true,
                                lower_95=math.exp(log_or - 1.96 * se),
                                upper_95=math.exp(log_or + 1.96 * se),
                                log_or=log_or,
                                se=se,
                                p_value=float(2 * norm.sf(abs(log_or / se))),
                            )
                        rows.append(row)
    models = pd.DataFrame(rows)
    models.loc[0, "note"] = (
        "complete cases: 1,105 of 19,605 births (5.6%) left out (imd_quintile, ethnic_group)"
    )
    columns = [
        "area_code",
        "outcome",
        "model",
        "term",
        "level",
        "reference",
        "odds_ratio",
        "lower_95",
        "upper_95",
        "log_or",
        "se",
        "p_value",
        "n_births",
        "n_events",
        "note",
    ]
    models = models[columns]
    for column in ("odds_ratio", "lower_95", "upper_95", "log_or", "se", "p_value"):
        models[column] = models[column].astype("float64")
    for column in ("area_code", "outcome", "model", "term", "level", "reference", "note"):
        models[column] = models[column].astype("string")
    return models


def _build_fake_flow() -> pd.DataFrame:
    """The published flow in the format of clean.publish_flow (whole extract, rounded, c = 1-7)."""
    rows = [
        ("received", "Birth records in the extract", 60180, 60180),
        ("duplicates", "Duplicate records of the same baby removed", 180, 60000),
        ("stillbirths", "Stillbirths (not in live-birth denominators)", 210, 59790),
        ("other_areas", "Mother resident outside the study areas", None, None),
        ("other_years", "Birth date missing or outside the release years", 0, 59790),
        ("gestation_not_stated", "Gestation not stated (missing or sentinel code)", 835, None),
        ("gestation_implausible", "Gestation outside 22+0 to 44+6 weeks", None, None),
        (
            "preterm_denominator",
            "Live births with stated gestation (preterm denominator)",
            58900,
            58900,
        ),
        ("weight_not_stated", "Birth weight not stated (missing or sentinel code)", 655, None),
        (
            "lbw_denominator",
            "Live births with stated weight (low birth weight denominator)",
            59075,
            59075,
        ),
        (
            "lsoa_unmatched",
            "Mother's LSOA missing or not in the IMD lookup (kept as Unknown)",
            600,
            None,
        ),
        ("live_births", "Live births in the study", 59790, 59790),
    ]
    flow = pd.DataFrame(rows, columns=["step", "description", "count", "remaining"])
    flow["count"] = flow["count"].astype("Int64")
    flow["remaining"] = flow["remaining"].astype("Int64")
    flow["suppressed"] = flow["step"].isin(["other_areas", "gestation_implausible"])
    flow["flag"] = flow["suppressed"].map({True: "c", False: ""}).astype("string")
    return flow


@pytest.fixture(scope="session")
def fake_rates() -> pd.DataFrame:
    """Published rates table (after disclosure control) for three fake areas and ALL."""
    return _build_fake_rates()


@pytest.fixture(scope="session")
def fake_models() -> pd.DataFrame:
    """Published models table: crude and adjusted ORs; one "too few events" row (Southwick)."""
    return _build_fake_models()


@pytest.fixture(scope="session")
def fake_flow() -> pd.DataFrame:
    """Published exclusion flow (clean.publish_flow format) with two suppressed rows."""
    return _build_fake_flow()


# ---------------------------------------------------------------------------------------------
# Fake indicator tables (trends, inequality, funnel) and a rates table with the benchmark columns,
# made by the package from the same fake cells, for the figures and report tests (session-scoped,
# read-only). The SII uses 2,000 simulations to stay quick.
# ---------------------------------------------------------------------------------------------

FAKE_STATISTICS = {
    "confidence": [0.95, 0.998],
    "sii": {"reps": 2000, "seed": 20261126},
    "benchmark": {"label": "All study areas", "source": "pooled"},
}
FAKE_DISCLOSURE = {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5}


@pytest.fixture(scope="session")
def fake_indicator_tables() -> dict[str, pd.DataFrame]:
    """Published rates (with 99.8% CIs, reliability and benchmark comparison), trends, inequality
    and funnel tables of the three fake areas, as the pipeline writes them."""
    from birthgaps import indicators, rates

    cells = _fake_cells()
    published_rates = rates.publish_rates(
        rates.compute_rates(cells, FAKE_AREAS, FAKE_STATISTICS), FAKE_DISCLOSURE, FAKE_STATISTICS
    )
    return {
        "rates": published_rates,
        "trends": indicators.trends_table(cells, FAKE_AREAS, FAKE_STATISTICS, FAKE_DISCLOSURE),
        "inequality": indicators.publish_inequality(
            indicators.inequality_table(cells, FAKE_AREAS, FAKE_STATISTICS), FAKE_DISCLOSURE
        ),
        "funnel": indicators.publish_funnel(
            indicators.funnel_points(cells, FAKE_AREAS), FAKE_DISCLOSURE
        ),
    }
