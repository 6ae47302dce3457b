"""Recent trends (Fingertips) from the cell table: yearly counts (three-year rolling sums for an outcome
pooled over three years) protected like the published rates (restricted) in, the published trend table per
area (and ALL), outcome and group out, each slope in its outcome's unit (docs/statistics.md)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from birthgaps.core.disclosure import protect_counts
from birthgaps.core.methods import suppressed_range
from birthgaps.core.outcomes import Outcome
from birthgaps.core.settings import default_disclosure
from birthgaps.stats.indicator_outcomes import IndicatorOutcome, indicator_outcomes
from birthgaps.stats.measures import (
    recent_trend_table,
)
from birthgaps.stats.rates import (
    ALL_AREAS,
    NOT_A_GROUP,
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
    "first_period",
    "last_period",
    "points",
    "direction",
    "label",
    "method",
    "statistic",
    "slope_per_year",
    "unit",
    "chi2_statistic",
    "wls_statistic",
    "sign_stable",
    "reason",
]


def suppressed_point(rules: Mapping, pool_years: int = 1) -> str:
    """The trend table's reason for a window with a withheld year (or period of ``pool_years``
    years), in the run's disclosure terms."""
    count = "a yearly count" if pool_years == 1 else f"a {pool_years}-year count"
    return f"{count} is suppressed ({suppressed_range(rules)}) or below the small-number threshold"


#: The reason under the default disclosure rules (NHS England: "1 to 7").
SUPPRESSED_POINT = suppressed_point(default_disclosure())
# --------------------------------------------------------------------------------------------
# Recent trends (Fingertips)
# --------------------------------------------------------------------------------------------


WITHHELD_TREND = "withheld to protect confidentiality: the group is withheld in the rates table"


TREND_KEYS = ["area_code", "area_name", "outcome", "dimension", "group"]


#: How the method column names the test on overlapping three-year periods.
OVERLAPPING = "overlapping three-year periods"


def period_label(last_year: int, pool_years: int) -> str:
    """A period named by its years: "2022" for one year, "2020-2022" for three ending in 2022."""
    last_year = int(last_year)
    if pool_years == 1:
        return str(last_year)
    return f"{last_year - pool_years + 1}-{last_year}"


def _pooled_years(full: pd.DataFrame, pool_years: int) -> pd.DataFrame:
    """Rolling ``pool_years`` sums of each key's yearly counts, one row per period of consecutive
    release years (``year`` = its last year); a year with no births in the group adds 0; a period
    with no births is missing."""
    if pool_years == 1:
        return full
    ordered = full.sort_values([*TREND_KEYS, "year"], kind="stable").reset_index(drop=True)
    groups = ordered.groupby(TREND_KEYS, sort=False, observed=True, dropna=False)
    counts = ordered[["events", "denominator"]].astype("float64").fillna(0.0)
    summed = counts.copy()
    for lag in range(1, pool_years):
        summed += counts.groupby([ordered[k] for k in TREND_KEYS], dropna=False).shift(lag)
    # a period counts only when its years are consecutive (a release year may be missing)
    first = groups["year"].shift(pool_years - 1)
    whole = (ordered["year"].astype("float64") - first) == pool_years - 1
    pooled = ordered.assign(events=summed["events"], denominator=summed["denominator"])
    pooled = pooled[whole.to_numpy()].reset_index(drop=True)
    empty = ~(pooled["denominator"] > 0)
    for column in ("events", "denominator"):
        pooled[column] = pooled[column].mask(empty)
    return pooled


def trend_counts(
    cells: pd.DataFrame,
    areas: Mapping[str, str],
    rules: Mapping | None = None,
    previous: pd.DataFrame | None = None,
    outcomes: Mapping[str, Outcome] | list[Mapping] | None = None,
) -> pd.DataFrame:
    """Protected counts of each area (and ALL), outcome and trend group, every year or period.

    An outcome pooled over three years (``pooling: rolling_3``) is counted over rolling three-year
    periods (``year`` = the period's last year, ``period`` "2019-2021"), summed before protection as
    in the published rates; the others by single year (``period`` "2019").
    ``birthgaps.core.disclosure.protect_counts``: a row whose events, non-events or births are 1-7 is
    suppressed, the others rounded to the base and kept consistent with the ``previous``
    release's table of the same kind (when given). The exact counts are kept beside them
    (``events_unrounded``, ``denominator_unrounded``): the table is restricted, written so the next
    release can be kept consistent with it; only the trend statistics derived from it are published.
    """
    rules = rules or default_disclosure()
    specs = indicator_outcomes(cells["outcome"].unique(), outcomes)
    counts = grouped_counts(cells, areas, TREND_DIMENSIONS, by_year=True)
    counts = counts[~counts["group"].isin(NOT_A_GROUP)]
    years = sorted(int(y) for y in cells["year"].unique())
    grid = counts[TREND_KEYS].drop_duplicates().merge(pd.DataFrame({"year": years}), how="cross")
    full = grid.merge(counts, on=[*TREND_KEYS, "year"], how="left")
    frames = []
    for outcome, part in full.groupby("outcome", sort=False, observed=True):
        pool = specs[str(outcome)].pool_years
        part = _pooled_years(part, pool)
        part = part.assign(period=[period_label(y, pool) for y in part["year"]])
        frames.append(part)
    full = pd.concat(frames, ignore_index=True)
    full["period"] = full["period"].astype("string")
    match = ["area_code", "outcome", "dimension", "group", "year"]
    protected = protect_counts(full, rules, previous=previous, keys=match)
    protected["events_unrounded"] = full["events"].astype("Float64").to_numpy()
    protected["denominator_unrounded"] = full["denominator"].astype("Float64").to_numpy()
    return protected.drop(columns="previously_withheld").reset_index(drop=True)


def _outcome_trends(
    full: pd.DataFrame, spec: IndicatorOutcome, points: int, threshold: float, rules: Mapping
) -> pd.DataFrame:
    """The recent-trend rows of one outcome, slope in its unit per year, periods named."""
    table = recent_trend_table(
        full,
        by=TREND_KEYS,
        polarity=spec.fingertips_polarity,
        points=points,
        threshold=threshold,
    )
    table["reason"] = table["reason"].replace(
        {"a missing count or denominator": suppressed_point(rules, spec.pool_years)}
    )
    table["slope_per_year"] = spec.multiplier * table["slope"].astype("float64")
    table["unit"] = spec.unit
    for side in ("first", "last"):
        table[f"{side}_period"] = [
            period_label(y, spec.pool_years) if pd.notna(y) else pd.NA
            for y in table[f"{side}_year"]
        ]
    if spec.pool_years > 1:
        table["method"] = table["method"] + f", {OVERLAPPING}"
    return table


def trends_table(
    cells: pd.DataFrame,
    areas: Mapping[str, str],
    statistics: Mapping | None = None,
    rules: Mapping | None = None,
    hidden: set[tuple[str, str, str, str]] | None = None,
    previous: pd.DataFrame | None = None,
    outcomes: Mapping[str, Outcome] | list[Mapping] | None = None,
) -> pd.DataFrame:
    """Fingertips recent trend of each area (and ALL), outcome and group (overall, IMD quintile,
    ethnic group) over the most recent ``statistics.trend.points`` years, or rolling three-year
    periods for an outcome pooled so (``recent_trend_table``, chi-squared test for trend in
    proportions, with the outcome's polarity for the wording).

    ``slope_per_year`` is in the outcome's unit per year (``unit``: percentage points for "%",
    per 1,000 for "per 1,000"; ``outcomes``: the rule's declarations, else the built-ins). Three-year
    periods overlap, so successive points share two years of counts: the test is the Fingertips rule
    applied to the published series, and the ``method`` says so. The counts are protected first
    (:func:`trend_counts`, consistent with the ``previous`` release's counts when given): a
    suppressed point, or one with fewer rounded events than the outcome's ``min_events`` (else
    ``statistics.small_numbers.min_events``),
    is missing, and the trend is computed from the rounded counts, so a trend whose window holds a
    missing point "cannot be calculated". A group withheld in the published rates table
    (``hidden``, from ``rates.hidden_groups``) gets no trend. No counts are published here.
    """
    settings = resolved_statistics(statistics)
    rules = rules or default_disclosure()
    specs = indicator_outcomes(cells["outcome"].unique(), outcomes)
    full = trend_counts(cells, areas, rules, previous, outcomes)
    events = pd.to_numeric(full["events"]).astype("float64")
    min_events = {o: spec.small_numbers(settings["small_numbers"])[0] for o, spec in specs.items()}
    usable = ~full["suppressed"] & (events >= full["outcome"].astype(str).map(min_events))
    full["events"] = events.where(usable)
    full["denominator"] = pd.to_numeric(full["denominator"]).astype("float64").where(usable)
    trend = settings["trend"]
    table = pd.concat(
        [
            _outcome_trends(part, specs[str(o)], trend["points"], trend["threshold"], rules)
            for o, part in full.groupby("outcome", sort=True, observed=True)
        ],
        ignore_index=True,
    )
    rank = {a: i for i, a in enumerate([*areas, ALL_AREAS])}
    dim_rank = {d: i for i, d in enumerate(TREND_DIMENSIONS)}
    table = table.assign(_a=table["area_code"].map(rank), _d=table["dimension"].map(dim_rank))
    table = table.sort_values(["_a", "outcome", "_d", "group"], kind="stable")
    out = table[TREND_COLUMNS].reset_index(drop=True)
    for column in ("first_year", "last_year"):
        out[column] = pd.to_numeric(out[column]).round().astype("Int64")
    statistic_columns = ["statistic", "slope_per_year", "chi2_statistic", "wls_statistic"]
    for column in statistic_columns:
        out[column] = out[column].astype("float64").round(4)
    for column in ("first_period", "last_period", "unit", "direction", "label", "method", "reason"):
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
