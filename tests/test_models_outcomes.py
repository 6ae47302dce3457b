"""Models of the registry's new outcomes on synthetic births with known truth.

Infant mortality (per 1,000 live births, rare: about 4 deaths per 1,000, log-linear truth: risk
ratios), emergency caesarean and smoking at delivery (per maternity, logistic truth: odds ratios).
The births are generated here, record by record (twins share their maternity), counted into cells
by the registry (``clean.cells.make_cells``) and fitted by the models rule's code: the estimates
must recover the true ratios, their 95% intervals must cover them about 95% of the time, the
excess explained by deprivation must appear where ethnicity and deprivation are confounded, and
small groups must be reported as "too few events".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit

from birthgaps.clean.cells import make_cells
from birthgaps.core.outcomes import declare, outcome_items
from birthgaps.core.settings import schema_defaults
from birthgaps.models.areas import model_tables
from birthgaps.models.notes import NOTE_TOO_FEW
from birthgaps.models.ratios import fit_models, fit_risk_ratios

DEFINITIONS = schema_defaults("definitions")
EXPOSURES = ["imd_quintile", "ethnic_group"]
ADJUST = ["age_band", "year"]
REFERENCE = {"imd_quintile": "5", "ethnic_group": "White", "age_band": "25-29", "year": "first"}
MODEL_CONFIG = {
    "outcomes": ["infant", "emergency_caesarean", "smoking_at_delivery"],
    "exposures": EXPOSURES,
    "adjust_for": ADJUST,
    "reference": REFERENCE,
    "min_events": 5,
}
COMPLETE_TO = pd.Timestamp("2023-12-31")
QUINTILES = ["1", "2", "3", "4", "5"]
GROUPS = ["White", "Asian", "Black"]

#: The truth. Infant mortality: log-linear (risk ratios) against quintile 5 and White babies,
#: 2.5 per 1,000 in the reference (about 4 per 1,000 overall). Emergency caesarean and smoking:
#: logistic (odds ratios), per maternity.
TRUTH = {
    "infant": {
        "base": 0.0025,
        "imd_quintile": {"1": 1.8, "2": 1.5, "3": 1.3, "4": 1.1},
        "ethnic_group": {"Asian": 1.6, "Black": 2.2},
    },
    "emergency_caesarean": {
        "base": 0.15,
        "imd_quintile": {"1": 1.3, "2": 1.2, "3": 1.1, "4": 1.05},
        "ethnic_group": {"Asian": 1.4, "Black": 1.6},
    },
    "smoking_at_delivery": {
        "base": 0.05,
        "imd_quintile": {"1": 4.0, "2": 3.0, "3": 2.0, "4": 1.4},
        "ethnic_group": {"Asian": 0.3, "Black": 0.5},
    },
}
#: Share of infant deaths that were preterm (the markers' truth), whatever the group.
PRETERM_AMONG_DEATHS = 0.55


def _ratio(outcome: str, term: str, levels: np.ndarray) -> np.ndarray:
    table = TRUTH[outcome][term]
    return np.array([table.get(str(v), 1.0) for v in levels])


def risk(outcome: str, imd: np.ndarray, ethnic: np.ndarray) -> np.ndarray:
    """The true risk of each birth (or maternity) of the outcome."""
    truth = TRUTH[outcome]
    if outcome == "infant":
        return (
            truth["base"]
            * _ratio(outcome, "imd_quintile", imd)
            * _ratio(outcome, "ethnic_group", ethnic)
        )
    eta = (
        logit(truth["base"])
        + np.log(_ratio(outcome, "imd_quintile", imd))
        + np.log(_ratio(outcome, "ethnic_group", ethnic))
    )
    return expit(eta)


def simulate_births(maternities: int, seed: int, area: str = "X1") -> pd.DataFrame:
    """Cleaned records with known truth: 3% twins, 0.4% stillbirths, some values not stated.

    Deprivation depends on ethnic group (Black and Asian mothers live more often in quintile 1),
    so the crude ethnic ratios include some of the deprivation gradient.
    """
    rng = np.random.default_rng(seed)
    ethnic = rng.choice(GROUPS, maternities, p=[0.7, 0.18, 0.12])
    weights = {
        "White": [0.15, 0.18, 0.2, 0.22, 0.25],
        "Asian": [0.4, 0.25, 0.15, 0.12, 0.08],
        "Black": [0.45, 0.25, 0.15, 0.1, 0.05],
    }
    imd = np.empty(maternities, dtype=object)
    for group, p in weights.items():
        mine = ethnic == group
        imd[mine] = rng.choice(QUINTILES, mine.sum(), p=p)
    imd = imd.astype(str)
    age = rng.choice(["20-24", "25-29", "30-34"], maternities)
    year = rng.choice([2019, 2020, 2021], maternities)
    caesarean = rng.random(maternities) < risk("emergency_caesarean", imd, ethnic)
    method = np.where(caesarean, "8", rng.choice(["0", "4", "7"], maternities)).astype(object)
    method[rng.random(maternities) < 0.01] = None
    smoking = pd.array(
        rng.random(maternities) < risk("smoking_at_delivery", imd, ethnic), dtype="boolean"
    )
    smoking[rng.random(maternities) < 0.02] = pd.NA
    babies = np.where(rng.random(maternities) < 0.03, 2, 1)
    index = np.repeat(np.arange(maternities), babies)
    first = np.ones(len(index), dtype=bool)
    first[1:] = index[1:] != index[:-1]
    n = len(index)
    live = rng.random(n) >= 0.004
    died = live & (rng.random(n) < risk("infant", imd[index], ethnic[index]))
    preterm_p = np.where(died, PRETERM_AMONG_DEATHS, 0.07)
    preterm = rng.random(n) < preterm_p
    lbw = rng.random(n) < np.where(preterm, 0.6, 0.03)
    gestation = pd.array(np.where(preterm, 34, 39), dtype="Int64")
    gestation[rng.random(n) < 0.02] = pd.NA
    day_of_year = rng.integers(0, 365, n)
    births = pd.DataFrame(
        {
            "area_code": area,
            "year": year[index].astype("int64"),
            "imd_quintile": imd[index],
            "ethnic_group": ethnic[index],
            "age_band": age[index],
            "birth_date": pd.to_datetime(year[index].astype(str))
            + pd.to_timedelta(day_of_year, "D"),
            "live": live,
            "stillbirth": ~live,
            "maternity_first": pd.array(first, dtype="boolean"),
            "multiple_birth": babies[index] > 1,
            "gestation_weeks": gestation,
            "birth_weight_g": pd.array(np.where(lbw, 2200, 3400), dtype="Int64"),
            "age_at_death_days": pd.array(
                np.where(died, rng.integers(0, 365, n), np.nan), dtype="Float64"
            ).astype("Int64"),
            "delivery_method": pd.array(method[index], dtype="string"),
            "smoking_at_delivery": smoking[index],
        }
    )
    return births


def outcomes(ids: list[str]):
    """The built-in declarations of ``ids``, as the registry gives them."""
    return [declare(i, fields, DEFINITIONS) for i, fields in outcome_items(ids)]


@pytest.fixture(scope="module")
def births() -> pd.DataFrame:
    return simulate_births(400_000, seed=12)


@pytest.fixture(scope="module")
def cells(births) -> pd.DataFrame:
    ids = ["preterm", "lbw", *MODEL_CONFIG["outcomes"]]
    return make_cells(births, outcomes(ids), definitions=DEFINITIONS, complete_to=COMPLETE_TO)


def _adjusted(table: pd.DataFrame, ratio: str) -> pd.DataFrame:
    return table[table["model"] == "adjusted"].set_index(["term", "level"])[
        [ratio, "lower_95", "upper_95", "se"]
    ]


def test_denominators_follow_the_registry(births, cells):
    """Infant: live births only; maternity outcomes: one per maternity (twins counted once)."""
    total = cells.groupby("outcome")[["events", "denominator"]].sum()
    live = int(births["live"].sum())
    assert total.loc["infant", "denominator"] == live
    assert total.loc["infant", "events"] == int(births["age_at_death_days"].notna().sum())
    stated = births["maternity_first"].to_numpy(dtype=bool) & births["delivery_method"].notna()
    assert total.loc["emergency_caesarean", "denominator"] == int(stated.sum())
    assert total.loc["emergency_caesarean", "denominator"] < len(births)
    per_1000 = 1000 * total.loc["infant", "events"] / live
    assert 3 < per_1000 < 5.5  # about 4 per 1,000, as England


@pytest.mark.parametrize(
    ("outcome", "ratio"),
    [
        ("infant", "risk_ratio"),
        ("emergency_caesarean", "odds_ratio"),
        ("smoking_at_delivery", "odds_ratio"),
    ],
)
def test_adjusted_ratios_recover_the_truth(cells, outcome, ratio):
    """Every adjusted ratio lies within 3.3 standard errors (99.9%) of the truth."""
    fit = fit_risk_ratios if ratio == "risk_ratio" else fit_models
    table = _adjusted(fit(cells, outcome, EXPOSURES, ADJUST, REFERENCE), ratio)
    for term in EXPOSURES:
        for level, true in TRUTH[outcome][term].items():
            row = table.loc[(term, level)]
            z = (np.log(row[ratio]) - np.log(true)) / row["se"]
            assert abs(z) < 3.3, (outcome, term, level, row[ratio], true)


def _expected_cells(cells: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The outcome's cells with their true risks (the denominators kept, events to redraw)."""
    mine = cells[cells["outcome"] == outcome].reset_index(drop=True)
    return mine.assign(
        p=risk(outcome, mine["imd_quintile"].to_numpy(), mine["ethnic_group"].to_numpy())
    )


@pytest.mark.parametrize(
    ("outcome", "ratio", "scale"),
    [("infant", "risk_ratio", 1.0), ("emergency_caesarean", "odds_ratio", 0.1)],
)
def test_coverage_of_the_95_intervals(cells, outcome, ratio, scale):
    """Over 150 redraws of the events the 95% intervals cover each true ratio 90-99% of the time.

    Emergency caesarean is redrawn on a tenth of the births, so that its intervals are as wide as
    a single council's."""
    expected = _expected_cells(cells, outcome)
    births = np.maximum(np.round(expected["denominator"] * scale), 1).astype("int64")
    rng = np.random.default_rng(7)
    fit = fit_risk_ratios if ratio == "risk_ratio" else fit_models
    truths = {(t, lv): v for t in EXPOSURES for lv, v in TRUTH[outcome][t].items()}
    covered = dict.fromkeys(truths, 0)
    draws = 150
    for _ in range(draws):
        redrawn = expected.assign(
            denominator=births, events=rng.binomial(births, expected["p"].to_numpy())
        )
        table = _adjusted(fit(redrawn, outcome, EXPOSURES, ADJUST, REFERENCE), ratio)
        for key, true in truths.items():
            row = table.loc[key]
            covered[key] += bool(row["lower_95"] <= true <= row["upper_95"])
    rates = {k: v / draws for k, v in covered.items()}
    assert all(0.90 <= r <= 0.99 for r in rates.values()), rates


def test_every_modelled_outcome_has_its_tables_and_excess_explained(cells):
    """Odds ratios, risk ratios and the excess explained by deprivation for each outcome; the
    adjusted ethnic ratios of the excess table recover the truth and deprivation explains part
    of the crude excess of the Black and Asian groups (confounded by construction)."""
    tables = model_tables(cells, MODEL_CONFIG, {"X1": "Area one"})
    for key in ("odds_ratios", "risk_ratios", "excess_explained", "interaction", "fit"):
        assert set(tables[key]["outcome"]) == set(MODEL_CONFIG["outcomes"]), key
    excess = tables["excess_explained"]
    for outcome in ("infant", "emergency_caesarean"):
        measure = "risk_ratio" if outcome == "infant" else "odds_ratio"
        rows = excess[
            (excess["area_code"] == "ALL")
            & (excess["outcome"] == outcome)
            & (excess["measure"] == measure)
        ].set_index("level")
        for group in ("Asian", "Black"):
            row = rows.loc[group]
            true = TRUTH[outcome]["ethnic_group"][group]
            assert row["adjusted_lower_95"] <= true <= row["adjusted_upper_95"], (outcome, group)
            assert row["base_ratio"] > row["adjusted_ratio"]
            assert 0 < row["pct_explained"] < 100
    # smoking: deprivation raises smoking and Black and Asian mothers smoke less, so adding
    # deprivation moves the ratio further below 1 (the base ratio is below 1: a "deficit")
    smoking = excess[
        (excess["outcome"] == "smoking_at_delivery")
        & (excess["area_code"] == "ALL")
        & excess["level"].isin(["Asian", "Black"])
    ]
    assert len(smoking) == 4  # two groups, two measures
    assert (smoking["adjusted_ratio"] < smoking["base_ratio"]).all()
    assert (smoking["note"].str.contains("deficit")).all()


def test_rare_deaths_in_a_small_area_give_too_few_events():
    """A small area: few infant deaths, levels under min_events are "too few events", no ratio."""
    small = simulate_births(6_000, seed=3, area="X2")
    cells = make_cells(
        small, outcomes(["infant"]), definitions=DEFINITIONS, complete_to=COMPLETE_TO
    )
    deaths = cells.groupby("ethnic_group")["events"].sum()
    table = fit_risk_ratios(cells, "infant", EXPOSURES, ADJUST, REFERENCE, min_events=5)
    sparse = [g for g in ("Asian", "Black") if deaths.get(g, 0) < 5]
    assert sparse, deaths  # the draw has at least one sparse group
    for group in sparse:
        rows = table[(table["term"] == "ethnic_group") & (table["level"] == group)]
        assert (rows["note"].str.contains(NOTE_TOO_FEW)).all()
        assert rows["risk_ratio"].isna().all()
