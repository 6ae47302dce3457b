"""Recent trends (Fingertips) from the cell table: yearly counts protected like the published rates (restricted)
in, the published trend table per area (and ALL), outcome and group out (docs/statistics.md)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from birthgaps.core.disclosure import protect_counts
from birthgaps.core.methods import suppressed_range
from birthgaps.core.settings import default_disclosure
from birthgaps.stats.measures import (
    recent_trend_table,
)
from birthgaps.stats.rates import (
    ALL_AREAS,
    NOT_A_GROUP,
    POLARITY,
    grouped_counts,
    resolved_statistics,
)

#: Groups of the trend table: the whole area, each IMD quintile and each ethnic group.
TREND_DIMENSIONS = ("overall", "imd_quintile", "ethnic_group")
TREND_COLUMNS = [
    "area_code",
    "area_name",
    "outcome",
    "dimension",
    "group",
    "first_year",
    "last_year",
    "points",
    "direction",
    "label",
    "method",
    "statistic",
    "slope_pp_per_year",
    "chi2_statistic",
    "wls_statistic",
    "sign_stable",
    "reason",
]


def suppressed_point(rules: Mapping) -> str:
    """The trend table's reason for a window with a withheld year, in the run's disclosure terms."""
    return f"a yearly count is suppressed ({suppressed_range(rules)}) or below the small-number threshold"


#: The reason under the default disclosure rules (NHS England: "1 to 7").
SUPPRESSED_POINT = suppressed_point(default_disclosure())
# --------------------------------------------------------------------------------------------
# Recent trends (Fingertips)
# --------------------------------------------------------------------------------------------


WITHHELD_TREND = "withheld to protect confidentiality: the group is withheld in the rates table"


TREND_KEYS = ["area_code", "area_name", "outcome", "dimension", "group"]


def trend_counts(
    cells: pd.DataFrame,
    areas: Mapping[str, str],
    rules: Mapping | None = None,
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Protected yearly counts of each area (and ALL), outcome and trend group, every year.

    ``birthgaps.core.disclosure.protect_counts``: a year whose events, non-events or births are 1-7 is
    suppressed, the others rounded to the base and kept consistent with the ``previous`` release's
    table of the same kind (when given). The exact counts are kept beside them
    (``events_unrounded``, ``denominator_unrounded``): the table is restricted, written so the next
    release can be kept consistent with it; only the trend statistics derived from it are published.
    """
    rules = rules or default_disclosure()
    counts = grouped_counts(cells, areas, TREND_DIMENSIONS, by_year=True)
    counts = counts[~counts["group"].isin(NOT_A_GROUP)]
    years = sorted(int(y) for y in cells["year"].unique())
    grid = counts[TREND_KEYS].drop_duplicates().merge(pd.DataFrame({"year": years}), how="cross")
    full = grid.merge(counts, on=[*TREND_KEYS, "year"], how="left")
    match = ["area_code", "outcome", "dimension", "group", "year"]
    protected = protect_counts(full, rules, previous=previous, keys=match)
    protected["events_unrounded"] = full["events"].astype("Float64").to_numpy()
    protected["denominator_unrounded"] = full["denominator"].astype("Float64").to_numpy()
    return protected.drop(columns="previously_withheld").reset_index(drop=True)


def trends_table(
    cells: pd.DataFrame,
    areas: Mapping[str, str],
    statistics: Mapping | None = None,
    rules: Mapping | None = None,
    hidden: set[tuple[str, str, str, str]] | None = None,
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Fingertips recent trend of each area (and ALL), outcome and group (overall, IMD quintile,
    ethnic group) over the most recent ``statistics.trend.points`` years (``recent_trend_table``,
    chi-squared test for trend in proportions, polarity low is good).

    The yearly counts are protected first (:func:`trend_counts`, consistent with the ``previous``
    release's yearly counts when given): a suppressed year, or one with fewer rounded events than
    ``statistics.small_numbers.min_events``, is missing, and the trend is computed from the rounded
    counts, so a trend whose window holds a missing year "cannot be calculated". A group withheld
    in the published rates table (``hidden``, from ``rates.hidden_groups``) gets no trend. No counts
    are published here.
    """
    settings = resolved_statistics(statistics)
    rules = rules or default_disclosure()
    keys = TREND_KEYS
    full = trend_counts(cells, areas, rules, previous)
    events = pd.to_numeric(full["events"]).astype("float64")
    usable = ~full["suppressed"] & (events >= settings["small_numbers"]["min_events"])
    full["events"] = events.where(usable)
    full["denominator"] = pd.to_numeric(full["denominator"]).astype("float64").where(usable)
    trend = settings["trend"]
    table = recent_trend_table(
        full,
        by=keys,
        polarity=POLARITY,
        points=trend["points"],
        threshold=trend["threshold"],
    )
    table["reason"] = table["reason"].replace(
        {"a missing count or denominator": suppressed_point(rules)}
    )
    table["slope_pp_per_year"] = 100 * table["slope"]
    rank = {a: i for i, a in enumerate([*areas, ALL_AREAS])}
    dim_rank = {d: i for i, d in enumerate(TREND_DIMENSIONS)}
    table = table.assign(_a=table["area_code"].map(rank), _d=table["dimension"].map(dim_rank))
    table = table.sort_values(["_a", "outcome", "_d", "group"], kind="stable")
    out = table[TREND_COLUMNS].reset_index(drop=True)
    for column in ("first_year", "last_year"):
        out[column] = pd.to_numeric(out[column]).round().astype("Int64")
    statistic_columns = ["statistic", "slope_pp_per_year", "chi2_statistic", "wls_statistic"]
    for column in statistic_columns:
        out[column] = out[column].astype("float64").round(4)
    for column in ("direction", "label", "method", "reason"):
        out[column] = out[column].astype("string")
    if hidden:
        withheld = pd.Series(
            [
                key in hidden
                for key in zip(
                    out["area_code"], out["outcome"], out["dimension"], out["group"], strict=True
                )
            ],
            index=out.index,
        )
        for column in statistic_columns:
            out[column] = out[column].mask(withheld)
        out["sign_stable"] = out["sign_stable"].astype("object").mask(withheld)
        out["direction"] = out["direction"].mask(withheld, "cannot be calculated")
        out["label"] = out["label"].mask(withheld, "Cannot be calculated")
        out["reason"] = out["reason"].mask(withheld, WITHHELD_TREND)
    return out
