"""Known truth of the new synthetic outcomes: the mutually adjusted ratios in config are recovered
from a large synthetic release through its dirty extract (rate ratios of infant death by Poisson
regression on live births; odds ratios of the maternity indicators by logistic regression on
maternities), and the crude ethnic ratios are larger (confounding by deprivation)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import yaml

from birthgaps.core.codes import ETHNIC_CATEGORY_TO_GROUP, age_band
from birthgaps.ingest.synth import simulate_linked_release

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Perfect separation"),
    pytest.mark.filterwarnings("ignore:divide by zero"),
]

CONFIG = yaml.safe_load((Path(__file__).parents[1] / "config/config.yaml").read_text("utf-8"))
SETTINGS = CONFIG["synthetic"]
RELEASE = CONFIG["releases"]["demo"]
TERMS = {"quintile": "imd_quintile", "group": "ethnic_group", "band": "age_band"}
REFERENCE = {"quintile": "5", "group": "White", "band": "25-29"}
CODES = [str(k) for k in range(10)]


@pytest.fixture(scope="module")
def release() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Live births with their infant death, and maternities, from 600,000 live births (demo seed)."""
    settings = {**SETTINGS, "live_births": 600_000}
    extract, lookup, deaths = simulate_linked_release(
        settings, CONFIG["areas"], RELEASE["years"], RELEASE["deaths_complete_to"]
    )
    births = extract.drop_duplicates()
    deciles = dict(zip(lookup["lsoa_code"], lookup["imd_decile"], strict=True))
    births = births.assign(
        quintile=((births["mother_lsoa"].map(deciles) + 1) // 2).astype("Int64").astype("string"),
        group=births["mother_ethnic_category"].map(ETHNIC_CATEGORY_TO_GROUP),
        band=births["mother_age"].map(age_band, na_action="ignore"),
    )
    births = births.dropna(subset=["quintile", "group", "band"])
    births = births[births["group"] != "Not stated"]
    live = births[births["birth_outcome"] == "live"]
    d = deaths.drop_duplicates().merge(live[["baby_id", "birth_date"]], on="baby_id")
    age = (d["death_date"] - d["birth_date"]).dt.days
    dead = d.loc[(age >= 0) & (age < 365) & (d["death_date"] <= RELEASE["deaths_complete_to"])]
    live = live.assign(infant=live["baby_id"].isin(dead["baby_id"]))
    maternities = births[births["maternity_id"].notna()].drop_duplicates("maternity_id")
    return live, maternities


def fit(units: pd.DataFrame, outcome: str, terms: list[str], family: str) -> pd.DataFrame:
    """GLM on grouped counts with treatment dummies: log ratio and SE by term=level."""
    cells = (
        units.assign(y=units[outcome].astype(int))
        .groupby(terms)
        .agg(n=("y", "size"), events=("y", "sum"))
        .reset_index()
    )
    design = {
        f"{t}={lv}": (cells[t] == lv).astype(float)
        for t in terms
        for lv in sorted(set(cells[t]) - {REFERENCE[t]})
    }
    x = sm.add_constant(pd.DataFrame(design))
    if family == "poisson":
        model = sm.GLM(cells["events"], x, family=sm.families.Poisson(), offset=np.log(cells["n"]))
    else:
        y = np.column_stack([cells["events"], cells["n"] - cells["events"]])
        model = sm.GLM(y, x, family=sm.families.Binomial())
    result = model.fit()
    return pd.DataFrame({"log": result.params, "se": result.bse}).drop(index="const")


def check_truth(units: pd.DataFrame, outcome: str, truth: dict, family: str) -> None:
    """Every adjusted ratio within 3.5 standard errors of the truth; crude ethnic ratios larger."""
    est = fit(units, outcome, list(TERMS), family)
    for label, row in est.iterrows():
        term, level = label.split("=")
        z = (row["log"] - np.log(truth[TERMS[term]][level])) / row["se"]
        assert abs(z) < 3.5, f"{outcome} {label}: {np.exp(row['log']):.3f} z={z:.2f}"
    crude = fit(units, outcome, ["group"], family)
    for group in ("Asian", "Black"):
        if truth["ethnic_group"][group] > 1:
            assert crude.loc[f"group={group}", "log"] > est.loc[f"group={group}", "log"]


def test_infant_rate_ratios_recovered(release):
    live, _ = release
    assert live["infant"].sum() > 1500
    check_truth(live, "infant", SETTINGS["true_rate_ratios"]["infant"], "poisson")


@pytest.mark.parametrize(
    "outcome", ["emergency_caesarean", "smoking_at_delivery", "booking_after_12_6_weeks", "obesity"]
)
def test_maternity_odds_ratios_recovered(release, outcome):
    _, m = release
    if outcome == "emergency_caesarean":
        m = m[m["delivery_method"].isin(CODES)]
        m = m.assign(emergency_caesarean=m["delivery_method"] == "8")
    elif outcome == "smoking_at_delivery":
        m = m[m["smoking_at_delivery"].notna()]
    elif outcome == "booking_after_12_6_weeks":
        booking = m["booking_gestation_days"]
        gest = m["gestation_weeks"] * 7 + m["gestation_days"]
        m = m[booking.between(0, 308).fillna(False) & ~(booking > gest).fillna(False)]
        m = m.assign(booking_after_12_6_weeks=m["booking_gestation_days"] > 90)
    else:
        m = m[m["mother_bmi"].between(12, 70).fillna(False)]
        m = m.assign(obesity=m["mother_bmi"] >= 30)
    assert len(m) > 500_000
    check_truth(m, outcome, SETTINGS["true_odds_ratios"][outcome], "binomial")
