"""Births with known truth for the models of the registry's outcomes (issue 12), record by record.

Infant mortality (log-linear truth: risk ratios) and emergency caesarean and smoking at delivery
(per maternity, logistic truth: odds ratios), with deprivation confounded with ethnic group and a
known share of infant deaths that were preterm (the markers' truth). Shared by
``test_models_outcomes`` and ``test_models_markers``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from birthgaps.core.outcomes import declare, outcome_items
from birthgaps.core.settings import schema_defaults

DEFINITIONS = schema_defaults("definitions")
EXPOSURES = ["imd_quintile", "ethnic_group"]
ADJUST = ["age_band", "year"]
REFERENCE = {"imd_quintile": "5", "ethnic_group": "White", "age_band": "25-29", "year": "first"}
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
