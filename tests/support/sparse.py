"""A deprived city's cell table whose least deprived quintile is nearly empty, and its model config."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

QUINTILE_SHARE = {"1": 0.46, "2": 0.30, "3": 0.15, "4": 0.0892, "5": 0.0008}


ETHNIC_SHARE = {"Asian": 0.25, "Black": 0.15, "Mixed": 0.06, "White": 0.48, "Other": 0.06}


AGE_SHARE = {"<20": 0.05, "20-24": 0.2, "25-29": 0.3, "30-34": 0.28, "35-39": 0.13, "40+": 0.04}


TRUE_LOG_OR = {
    "imd_quintile": {"1": np.log(1.6), "2": np.log(1.4), "3": np.log(1.25), "4": np.log(1.1)},
    "ethnic_group": {"Asian": np.log(1.5), "Black": np.log(1.7), "Mixed": np.log(1.2)},
    "age_band": {"<20": np.log(1.3), "40+": np.log(1.4)},
}


REFERENCE = {"imd_quintile": "5", "ethnic_group": "White", "age_band": "25-29", "year": "first"}


CONFIG = {
    "outcomes": ["preterm"],
    "exposures": ["imd_quintile", "ethnic_group"],
    "adjust_for": ["age_band", "year"],
    "reference": REFERENCE,
    "min_events": 5,
}


AREA = {"E08000099": "Deprived city"}


def city_cells(n_births: int = 40_000, seed: int = 7) -> pd.DataFrame:
    """Cells of one deprived city drawn from a logistic model of known odds ratios."""
    rng = np.random.default_rng(seed)
    years = [2022, 2023]
    patterns = list(itertools.product(years, QUINTILE_SHARE, ETHNIC_SHARE, AGE_SHARE))
    weights = np.array(
        [QUINTILE_SHARE[q] * ETHNIC_SHARE[e] * AGE_SHARE[a] / 2 for _, q, e, a in patterns]
    )
    births = rng.multinomial(n_births, weights / weights.sum())
    eta = np.array(
        [
            np.log(0.08 / 0.92)
            + TRUE_LOG_OR["imd_quintile"].get(q, 0.0)
            + TRUE_LOG_OR["ethnic_group"].get(e, 0.0)
            + TRUE_LOG_OR["age_band"].get(a, 0.0)
            for _, q, e, a in patterns
        ]
    )
    events = rng.binomial(births, 1 / (1 + np.exp(-eta)))
    cells = pd.DataFrame(patterns, columns=["year", "imd_quintile", "ethnic_group", "age_band"])
    cells.insert(0, "area_code", next(iter(AREA)))
    cells["outcome"] = "preterm"
    cells["events"] = events
    cells["denominator"] = births
    return cells[cells["denominator"] > 0].reset_index(drop=True)
