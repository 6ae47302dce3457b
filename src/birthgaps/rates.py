"""Proportions with Wilson 95% confidence intervals by each dimension, and their published form."""

from __future__ import annotations

import pandas as pd

from birthgaps.disclosure import control_counts
from birthgaps.stats import wilson_ci

ALL_AREAS = "ALL"
CROSS = "imd_quintile_by_ethnic_group"
DIMENSIONS = ["overall", "imd_quintile", "ethnic_group", "age_band", "year", CROSS]
RATE_COLUMNS = [
    "area_code",
    "area_name",
    "outcome",
    "dimension",
    "group",
    "events",
    "denominator",
    "percent",
    "lower_95",
    "upper_95",
]


def _group_labels(cells: pd.DataFrame, dimension: str) -> pd.Series:
    """The ``group`` label of each cell for a dimension (the cross joins quintile and ethnic group)."""
    if dimension == "overall":
        return pd.Series("All", index=cells.index, dtype="string")
    if dimension == CROSS:
        return cells["imd_quintile"] + " | " + cells["ethnic_group"]
    return cells[dimension].astype("string")


def compute_rates(cells: pd.DataFrame, areas: dict[str, str]) -> pd.DataFrame:
    """Unrounded rates (percent) with Wilson 95% CIs for each area, all areas pooled, and dimension."""
    pooled = cells.assign(area_code=ALL_AREAS)
    scoped = pd.concat([cells[cells["area_code"].isin(list(areas))], pooled], ignore_index=True)
    frames = []
    for dimension in DIMENSIONS:
        part = scoped[["area_code", "outcome", "events", "denominator"]].copy()
        part["group"] = _group_labels(scoped, dimension).to_numpy()
        summed = part.groupby(["area_code", "outcome", "group"], sort=True, observed=True)[
            ["events", "denominator"]
        ].sum()
        summed = summed.reset_index()
        summed.insert(2, "dimension", dimension)
        frames.append(summed)
    rates = pd.concat(frames, ignore_index=True)
    names = {**areas, ALL_AREAS: "All areas"}
    rates.insert(1, "area_name", rates["area_code"].map(names).astype("string"))
    lower, upper = wilson_ci(rates["events"], rates["denominator"])
    rates["percent"] = 100 * rates["events"] / rates["denominator"]
    rates["lower_95"] = 100 * lower
    rates["upper_95"] = 100 * upper
    area_order = {code: i for i, code in enumerate([*areas, ALL_AREAS])}
    rates["_area"] = rates["area_code"].map(area_order)
    rates["_dimension"] = rates["dimension"].map(DIMENSIONS.index)
    rates = rates.sort_values(["_area", "outcome", "_dimension", "group"], kind="stable")
    return rates[RATE_COLUMNS].reset_index(drop=True)


def publish_rates(rates: pd.DataFrame, rules: dict) -> pd.DataFrame:
    """Apply disclosure control: suppress small counts, round the rest, percent from rounded counts.

    CIs stay those of the unrounded data (NHS England practice) but go with a suppressed rate.
    """
    non_events = rates["denominator"] - rates["events"]
    out = control_counts(rates, ["events", "denominator"], rules, extra_small=[non_events])
    suppressed = out["suppressed"]
    rounded_pct = 100 * out["events"].astype("Float64") / out["denominator"].astype("Float64")
    out["percent"] = rounded_pct.round(2).mask(suppressed)
    for column in ("lower_95", "upper_95"):
        out[column] = out[column].astype("Float64").round(2).mask(suppressed)
    out["flag"] = suppressed.map({True: "c", False: ""}).astype("string")
    return out
