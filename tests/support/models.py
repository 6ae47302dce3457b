"""Cell tables drawn from a known logistic model, their record-level expansion and published rates."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from birthgaps.core import codes as definitions
from birthgaps.models.tables import ALL_AREAS

REFERENCE = {"imd_quintile": "5", "ethnic_group": "White", "age_band": "25-29", "year": "first"}


EXPOSURES = ["imd_quintile", "ethnic_group"]


ADJUST = ["age_band", "year"]


MODEL_CONFIG = {
    "outcomes": ["preterm", "lbw"],
    "exposures": EXPOSURES,
    "adjust_for": ADJUST,
    "reference": REFERENCE,
    "min_events": 5,
}


AREAS = {"X06000001": "Northbrook", "X06000002": "Eastmere", "X06000003": "Southwick"}


YEARS = [2019, 2020, 2021]


# Log odds ratios used to simulate; any moderate values will do for these unit tests.
LOG_OR = {
    "imd_quintile": {"1": 0.4, "2": 0.3, "3": 0.15, "4": 0.08, "5": 0.0},
    "ethnic_group": {"White": 0.0, "Asian": 0.3, "Black": 0.4, "Mixed": 0.1, "Other": 0.05},
    "age_band": {"<20": 0.2, "20-24": 0.1, "25-29": 0.0, "30-34": 0.0, "35-39": 0.1, "40+": 0.3},
}


ETHNIC_SHARE = {"White": 0.7, "Asian": 0.15, "Black": 0.07, "Mixed": 0.05, "Other": 0.03}


def simulate_cells(
    n_births: int,
    seed: int,
    *,
    areas: list[str] | None = None,
    years: list[int] | None = None,
    unknown_share: float = 0.0,
    outcomes: tuple[str, ...] = ("preterm", "lbw"),
) -> pd.DataFrame:
    """A cell table drawn from a logistic model: multinomial births per pattern, binomial events.

    With ``unknown_share`` > 0 some births get Unknown IMD / Not stated ethnicity / Unknown age.
    """
    rng = np.random.default_rng(seed)
    areas = areas or ["X06000001"]
    years = years or YEARS
    imd = [*definitions.IMD_QUINTILES] + ([definitions.UNKNOWN] if unknown_share else [])
    eth = list(ETHNIC_SHARE) + ([definitions.NOT_STATED] if unknown_share else [])
    age = list(definitions.AGE_BANDS) + ([definitions.UNKNOWN] if unknown_share else [])
    patterns = list(itertools.product(areas, years, imd, eth, age))
    weights = []
    for _, _, q, e, a in patterns:
        w_q = unknown_share if q == definitions.UNKNOWN else 1 / 5
        w_e = unknown_share if e == definitions.NOT_STATED else ETHNIC_SHARE[e]
        w_a = unknown_share if a == definitions.UNKNOWN else 1 / 6
        weights.append(w_q * w_e * w_a)
    probs = np.array(weights) / np.sum(weights)
    births = rng.multinomial(n_births, probs)
    frames = []
    for outcome in outcomes:
        eta = np.full(len(patterns), np.log(0.08 / 0.92))
        for i, (_, _, q, e, a) in enumerate(patterns):
            eta[i] += LOG_OR["imd_quintile"].get(q, 0.0)
            eta[i] += LOG_OR["ethnic_group"].get(e, 0.0)
            eta[i] += LOG_OR["age_band"].get(a, 0.0)
        events = rng.binomial(births, 1 / (1 + np.exp(-eta)))
        frame = pd.DataFrame(
            patterns, columns=["area_code", "year", "imd_quintile", "ethnic_group", "age_band"]
        )
        frame["outcome"] = outcome
        frame["events"] = events
        frame["denominator"] = births
        frames.append(frame[frame["denominator"] > 0])
    cells = pd.concat(frames, ignore_index=True)
    cells["year"] = cells["year"].astype("int64")
    return cells


def expand_to_records(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per birth with a 0/1 outcome ``y`` (the record-level data the cells summarise)."""
    dims = ["year", "imd_quintile", "ethnic_group", "age_band"]
    rows = cells.loc[cells.index.repeat(cells["denominator"]), dims].reset_index(drop=True)
    pairs = zip(cells["events"], cells["denominator"], strict=True)
    y = np.concatenate([np.r_[np.ones(e), np.zeros(n - e)] for e, n in pairs])
    rows["y"] = y
    rows["year"] = rows["year"].astype(str)
    return rows


def formula_name(term: str, ref: str, level: str) -> str:
    return f"C({term}, Treatment({ref!r}))[T.{level}]"


RULES = {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5}


#: The breakdowns of the published rates table the models read (docs/disclosure.md).
RATES_DIMENSIONS = ("imd_quintile", "ethnic_group", "age_band", "year")


def published_rates_of(
    cells: pd.DataFrame,
    areas: dict[str, str],
    withhold: set[tuple[str, str, str, str]] = frozenset(),
    rules: dict = RULES,
) -> pd.DataFrame:
    """A published rates table of ``cells`` in the layout of rates.csv: counts rounded to 5, rows
    with a count (events, non-events or births) of 1 to 7 withheld, and the (area, outcome,
    dimension, group) keys in ``withhold`` withheld too (as secondary suppression would)."""
    pooled = cells[cells["area_code"].isin(list(areas))].assign(area_code=ALL_AREAS)
    frames = []
    for data in (cells[cells["area_code"].isin(list(areas))], pooled):
        data = data.assign(overall="All")
        data["imd_quintile_by_ethnic_group"] = (
            data["imd_quintile"].astype(str) + " | " + data["ethnic_group"].astype(str)
        )
        for dimension in ("overall", *RATES_DIMENSIONS, "imd_quintile_by_ethnic_group"):
            sums = (
                data.assign(group=data[dimension].astype(str))
                .groupby(["area_code", "outcome", "group"], observed=True)[
                    ["events", "denominator"]
                ]
                .sum()
                .reset_index()
            )
            frames.append(sums.assign(dimension=dimension))
    table = pd.concat(frames, ignore_index=True)
    low, high, base = rules["suppress_min"], rules["suppress_max"], rules["rounding_base"]
    counts = table[["events", "denominator"]].assign(non=table["denominator"] - table["events"])
    small = counts.apply(lambda c: c.between(low, high)).any(axis=1)
    keys = zip(
        table["area_code"], table["outcome"], table["dimension"], table["group"], strict=True
    )
    table["suppressed"] = small.to_numpy() | np.array([k in withhold for k in keys], dtype=bool)
    for column in ("events", "denominator"):
        rounded = (np.floor(table[column] / base + 0.5) * base).astype("Int64")
        table[column] = rounded.mask(table["suppressed"])
    return table[
        ["area_code", "outcome", "dimension", "group", "events", "denominator", "suppressed"]
    ]
