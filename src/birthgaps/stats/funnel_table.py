"""Funnel plots (PHE) from the published rates: each area's (and area-year's or area-period's) protected counts in,
its value in the outcome's unit against England (or the pooled average), funnel limits (binomial for a percentage,
exact Poisson for a rate per 1,000) along the denominator axis out, and the published form."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from birthgaps.core.disclosure import is_small, round_to_base
from birthgaps.core.errors import InputError
from birthgaps.core.outcomes import Outcome
from birthgaps.stats.funnel import poisson_funnel_limits
from birthgaps.stats.indicator_outcomes import indicator_outcomes
from birthgaps.stats.measures import (
    funnel_axis,
    funnel_limits,
    funnel_significance,
)
from birthgaps.stats.rates import ALL_AREAS

# --------------------------------------------------------------------------------------------
# Funnel plots (PHE)
# --------------------------------------------------------------------------------------------

FUNNEL_COLUMNS = [
    "outcome",
    "row_type",
    "area_code",
    "area_name",
    "year",
    "period",
    "events",
    "denominator",
    "value",
    "unit",
    "significance",
    "axis_denominator",
    "lower_95",
    "upper_95",
    "lower_99_8",
    "upper_99_8",
    "baseline",
    "baseline_label",
    "suppressed",
    "flag",
]

#: What the funnel's target is called when no comparator is shared by every area.
AVERAGE_LABEL = "Average of the study areas"


def _period_end(text: str) -> int:
    """The last year of a period: 2022 for "2022" or "2020-2022"."""
    return int(str(text).split("-")[-1])


def _outcome_points(scoped: pd.DataFrame, pool_years: int) -> pd.DataFrame:
    """One outcome's points: ``area`` rows (the whole period; the latest period for an outcome pooled
    over several years, when the release has one) and ``area_year`` rows (each year, or each rolling
    period), with ``period`` (blank when the rates table gives no years)."""
    dimension = scoped["dimension"].astype("string")
    year_rows = scoped[dimension == "year"].assign(row_type="area_year")
    year_rows["period"] = year_rows["group"].astype("string")
    year_rows["year"] = [_period_end(g) for g in year_rows["period"]]
    if pool_years == 1 or year_rows.empty:
        # the whole period (also for a pooled outcome whose release is shorter than one period)
        area_rows = scoped[dimension == "overall"].assign(row_type="area", year=pd.NA)
        span = sorted({y for p in year_rows["period"] for y in map(int, str(p).split("-"))})
        area_rows["period"] = f"{span[0]}-{span[-1]}" if len(span) > 1 else "".join(map(str, span))
        area_rows["period"] = area_rows["period"].replace("", pd.NA)
    else:
        latest = year_rows[year_rows["year"] == year_rows["year"].max()]
        area_rows = latest.assign(row_type="area")
    columns = ["area_code", "outcome", "row_type", "year", "period", "events", "denominator"]
    return pd.concat([area_rows[columns], year_rows[columns]], ignore_index=True)


def _pooled_average(counts: pd.DataFrame, points: pd.DataFrame, outcome: str) -> float:
    """The study areas' average of an outcome (a rate per person): the ``ALL`` row of the area
    points' period, else the shown area points' counts."""
    area_points = points[(points["outcome"] == outcome) & (points["row_type"] == "area")]
    pooled = counts[(counts["area_code"] == ALL_AREAS) & (counts["outcome"] == outcome)]
    latest = area_points["year"].dropna()
    if latest.empty:
        source = pooled[pooled["dimension"] == "overall"]
    else:
        period = area_points["period"].iloc[0]
        source = pooled[(pooled["dimension"] == "year") & (pooled["group"] == period)]
    source = source.dropna(subset=["events", "denominator"])
    if source.empty:
        source = area_points.dropna(subset=["events", "denominator"])
    events, births = (
        pd.to_numeric(source[c]).astype("float64").sum() for c in ("events", "denominator")
    )
    return events / births if births > 0 else np.nan


def funnel_points(
    counts: pd.DataFrame,
    areas: Mapping[str, str],
    targets: Mapping[str, tuple[float, str]] | None = None,
    outcomes: Mapping[str, Outcome] | list[Mapping] | None = None,
) -> pd.DataFrame:
    """Each area's value (``row_type`` "area") and each area-year's ("area_year") in the outcome's
    unit (``value``, ``unit``; ``outcomes``: the rule's declarations, else the built-ins) with its PHE
    funnel significance against the target: ``targets[outcome]`` (a proportion or rate per person and
    its label, e.g. England's, from ``birthgaps.stats.comparators.funnel_targets``) or else the
    pooled average, labelled :data:`AVERAGE_LABEL`; ``baseline_label`` says which.

    An outcome pooled over three years (``pooling: rolling_3``) is shown on its latest three-year
    period (the ``area`` rows) and its rolling periods (the ``area_year`` rows, ``year`` = the
    period's last year); ``period`` names the years of every point ("2022-2024"). Significance:
    binomial (Wilson) limits for a percentage, exact Poisson limits for a rate per 1,000
    (``funnel_significance`` "proportion" or "rate").

    ``counts`` is a rates-shaped table: in the pipeline the **published** rates table, whose
    ``overall`` rows are the area points and ``year`` rows the area-year points, so points,
    average and significance are functions of the protected counts and a row withheld there is
    withheld here (blank counts). The pooled average is the ``ALL`` row of the same period (all
    study areas), or the shown area rows' when that row is withheld.
    """
    scoped = counts[counts["area_code"].isin(list(areas))]
    if scoped.empty:
        raise InputError("no counts for the configured areas", column="area_code", rows=0)
    specs = indicator_outcomes(scoped["outcome"].astype(str).unique(), outcomes)
    points = pd.concat(
        [
            _outcome_points(part, specs[str(outcome)].pool_years)
            for outcome, part in scoped.groupby("outcome", sort=False, observed=True)
        ],
        ignore_index=True,
    )
    points["year"] = pd.array(points["year"], dtype="Int64")
    points["period"] = points["period"].astype("string")
    for column in ("events", "denominator"):
        points[column] = pd.to_numeric(points[column]).astype("float64")
    average, label = {}, {}
    for outcome in points["outcome"].unique():
        if (targets or {}).get(str(outcome)) is not None:
            average[outcome], label[outcome] = targets[str(outcome)]
        else:
            average[outcome] = _pooled_average(counts, points, outcome)
            label[outcome] = AVERAGE_LABEL
    points["average"] = points["outcome"].map(average).astype("float64")
    points["baseline_label"] = points["outcome"].map(label).astype("string")
    spec_of = points["outcome"].astype(str).map(specs)
    points["multiplier"] = [s.multiplier for s in spec_of]
    points["unit"] = pd.array([s.unit for s in spec_of], dtype="string")
    points["statistic"] = ["rate" if s.is_rate else "proportion" for s in spec_of]
    points["value"] = points["multiplier"] * points["events"] / points["denominator"]
    points["significance"] = pd.Series(pd.NA, index=points.index, dtype="string")
    shown = points.dropna(subset=["events", "denominator"])
    shown = shown[(shown["denominator"] > 0) & shown["average"].notna()]
    for outcome, part in shown.groupby("outcome", observed=True):
        points.loc[part.index, "significance"] = funnel_significance(
            part["events"], part["denominator"], part["statistic"].iloc[0], average=average[outcome]
        ).to_numpy()
    points["area_name"] = points["area_code"].map(dict(areas)).astype("string")
    area_rank = {a: i for i, a in enumerate(areas)}
    points = points.assign(
        _a=points["area_code"].map(area_rank),
        _t=points["row_type"].map({"area": 0, "area_year": 1}),
    )
    points = points.sort_values(["outcome", "_t", "_a", "year"], kind="stable").drop(
        columns=["_a", "_t"]
    )
    for column in ("outcome", "row_type", "area_code"):
        points[column] = points[column].astype("string")
    return points.reset_index(drop=True)


def _limits(
    denominators: pd.Series, average: float, statistic: str, multiplier: float
) -> pd.DataFrame:
    """Funnel limits at the denominators: binomial for a proportion, exact Poisson for a rate."""
    if statistic == "rate":
        return poisson_funnel_limits(denominators, average, multiplier)
    return funnel_limits(denominators, average, "proportion", multiplier=multiplier)


def publish_funnel(points: pd.DataFrame, rules: Mapping, axis_points: int = 100) -> pd.DataFrame:
    """Funnel points (from protected counts, :func:`funnel_points`) plus the 95%/99.8% limit lines.

    Points: the counts pass through, rounded to the base (idempotent on protected counts); a point
    with blank counts, or with a count in the suppression range (unprotected input), is withheld
    with its value, significance and limits. ``lower_*``/``upper_*`` are the funnel limits at
    the point's published denominator, in the outcome's unit (binomial limits for a percentage,
    exact Poisson limits for a rate per 1,000). Limit rows (``row_type`` "limits"): PHE's geometric
    axis of ``axis_points`` denominators over the published denominators (``axis_denominator``) and
    the limits there; ``baseline`` is the target in the outcome's unit.
    """
    low, high = rules["suppress_min"], rules["suppress_max"]
    out = points.copy()
    suppressed = out["events"].isna() | out["denominator"].isna()
    suppressed |= is_small(out["events"], low, high) | is_small(out["denominator"], low, high)
    for column in ("events", "denominator"):
        out[column] = round_to_base(out[column], rules["rounding_base"]).mask(suppressed)
    out["suppressed"] = suppressed.to_numpy()
    ratio = out["events"].astype("Float64") / out["denominator"].astype("Float64")
    out["value"] = (out["multiplier"] * ratio).round(2).mask(suppressed)
    out["significance"] = out["significance"].astype("string").mask(suppressed, "")
    frames = []
    for outcome, part in out.groupby("outcome", sort=True, observed=True):
        average = float(part["average"].iloc[0])
        multiplier = float(part["multiplier"].iloc[0])
        statistic = str(part["statistic"].iloc[0])
        shown = part[~part["suppressed"]]
        limits_at = _limits(shown["denominator"].astype("float64"), average, statistic, multiplier)
        part = part.copy()
        for column in ("lower_95", "upper_95", "lower_99_8", "upper_99_8"):
            part[column] = pd.Series(np.nan, index=part.index, dtype="Float64")
            part.loc[shown.index, column] = limits_at[column].to_numpy()
        part["baseline"] = multiplier * average
        frames.append(part)
        baseline_label = part["baseline_label"].iloc[0]
        if shown.empty:
            continue
        axis = funnel_axis(shown["denominator"].astype("float64"), "proportion", points=axis_points)
        limits = _limits(pd.Series(axis), average, statistic, multiplier)
        limits = limits.rename(columns={"denominator": "axis_denominator"})
        limits["outcome"] = outcome
        limits["row_type"] = "limits"
        limits["unit"] = part["unit"].iloc[0]
        limits["baseline_label"] = baseline_label
        limits["suppressed"] = False
        frames.append(limits)
    table = pd.concat(frames, ignore_index=True)
    table["flag"] = table["suppressed"].map({True: "c", False: ""}).astype("string")
    for column in FUNNEL_COLUMNS:
        if column not in table.columns:
            table[column] = pd.NA
    table = table[FUNNEL_COLUMNS]
    for column in ("events", "denominator", "year"):
        table[column] = pd.array(table[column], dtype="Int64")
    table["axis_denominator"] = pd.to_numeric(table["axis_denominator"]).astype("Float64")
    for column in ("value", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "baseline"):
        table[column] = pd.to_numeric(table[column]).astype("Float64").round(4)
    for column in (
        "outcome",
        "row_type",
        "area_code",
        "area_name",
        "period",
        "unit",
        "significance",
        "baseline_label",
    ):
        table[column] = table[column].astype("string")
    table["significance"] = table["significance"].fillna("")
    table["suppressed"] = table["suppressed"].astype(bool)
    return table
