"""Funnel plots (PHE) from the published rates: each area's (and area-year's) protected counts in, its proportion
against England (or the pooled average), funnel limits along the denominator axis out, and the published form."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from birthgaps.core.disclosure import is_small, round_to_base
from birthgaps.core.errors import InputError
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
    "events",
    "denominator",
    "percent",
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


def funnel_points(
    counts: pd.DataFrame,
    areas: Mapping[str, str],
    targets: Mapping[str, tuple[float, str]] | None = None,
) -> pd.DataFrame:
    """Each area's proportion (``row_type`` "area", whole period) and each area-year's ("area_year")
    with its PHE funnel significance against the target: ``targets[outcome]`` (a proportion and its
    label, e.g. England's, from ``birthgaps.stats.comparators.funnel_targets``) or else the pooled
    average, labelled :data:`AVERAGE_LABEL`; ``baseline_label`` says which.

    ``counts`` is a rates-shaped table: in the pipeline the **published** rates table, whose
    ``overall`` rows are the area points and ``year`` rows the area-year points, so points,
    average and significance are functions of the protected counts and a row withheld there is
    withheld here (blank counts). The average of an outcome is the ``ALL`` overall row's events over
    its births (all study areas and years), or the shown area rows' when that row is withheld;
    ``funnel_significance`` labels each point "High (0.001)", ..., "Not significant".
    """
    scoped = counts[counts["area_code"].isin(list(areas))]
    if scoped.empty:
        raise InputError("no counts for the configured areas", column="area_code", rows=0)
    dimension = scoped["dimension"].astype("string")
    area_rows = scoped[dimension == "overall"].assign(row_type="area", year=pd.NA)
    year_rows = scoped[dimension == "year"].assign(row_type="area_year")
    year_rows["year"] = pd.to_numeric(year_rows["group"])
    columns = ["area_code", "outcome", "row_type", "year", "events", "denominator"]
    points = pd.concat([area_rows[columns], year_rows[columns]], ignore_index=True)
    points["year"] = pd.array(points["year"], dtype="Int64")
    for column in ("events", "denominator"):
        points[column] = pd.to_numeric(points[column]).astype("float64")
    pooled = counts[(counts["area_code"] == ALL_AREAS) & (counts["dimension"] == "overall")]
    average, label = {}, {}
    for outcome in points["outcome"].unique():
        if (targets or {}).get(str(outcome)) is not None:
            average[outcome], label[outcome] = targets[str(outcome)]
            continue
        label[outcome] = AVERAGE_LABEL
        source = pooled[pooled["outcome"] == outcome].dropna(subset=["events", "denominator"])
        if source.empty:
            source = points[(points["outcome"] == outcome) & (points["row_type"] == "area")]
            source = source.dropna(subset=["events", "denominator"])
        events, births = (pd.to_numeric(source[c]).sum() for c in ("events", "denominator"))
        average[outcome] = events / births if births > 0 else np.nan
    points["average"] = points["outcome"].map(average).astype("float64")
    points["baseline_label"] = points["outcome"].map(label).astype("string")
    points["percent"] = 100 * points["events"] / points["denominator"]
    points["significance"] = pd.Series(pd.NA, index=points.index, dtype="string")
    shown = points.dropna(subset=["events", "denominator"])
    shown = shown[(shown["denominator"] > 0) & shown["average"].notna()]
    for outcome, part in shown.groupby("outcome", observed=True):
        points.loc[part.index, "significance"] = funnel_significance(
            part["events"], part["denominator"], "proportion", average=average[outcome]
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


def publish_funnel(points: pd.DataFrame, rules: Mapping, axis_points: int = 100) -> pd.DataFrame:
    """Funnel points (from protected counts, :func:`funnel_points`) plus the 95%/99.8% limit lines.

    Points: the counts pass through, rounded to the base (idempotent on protected counts); a point
    with blank counts, or with a count in the suppression range (unprotected input), is withheld
    with its percentage, significance and limits. ``lower_*``/``upper_*`` are the funnel limits at
    the point's published denominator. Limit rows (``row_type`` "limits"): PHE's geometric axis of
    ``axis_points`` denominators over the published denominators (``axis_denominator``) and the
    limits there; ``baseline`` is the pooled average (%).
    """
    low, high = rules["suppress_min"], rules["suppress_max"]
    out = points.copy()
    suppressed = out["events"].isna() | out["denominator"].isna()
    suppressed |= is_small(out["events"], low, high) | is_small(out["denominator"], low, high)
    for column in ("events", "denominator"):
        out[column] = round_to_base(out[column], rules["rounding_base"]).mask(suppressed)
    out["suppressed"] = suppressed.to_numpy()
    out["percent"] = (
        (100 * out["events"].astype("Float64") / out["denominator"].astype("Float64"))
        .round(2)
        .mask(suppressed)
    )
    out["significance"] = out["significance"].astype("string").mask(suppressed, "")
    frames = []
    for outcome, part in out.groupby("outcome", sort=True, observed=True):
        average = float(part["average"].iloc[0])
        shown = part[~part["suppressed"]]
        limits_at = funnel_limits(
            shown["denominator"].astype("float64"), average, "proportion", multiplier=100
        )
        part = part.copy()
        for column in ("lower_95", "upper_95", "lower_99_8", "upper_99_8"):
            part[column] = pd.Series(np.nan, index=part.index, dtype="Float64")
            part.loc[shown.index, column] = limits_at[column].to_numpy()
        part["baseline"] = 100 * average
        frames.append(part)
        baseline_label = part["baseline_label"].iloc[0]
        if shown.empty:
            continue
        axis = funnel_axis(shown["denominator"].astype("float64"), "proportion", points=axis_points)
        limits = funnel_limits(axis, average, "proportion", multiplier=100)
        limits = limits.rename(columns={"denominator": "axis_denominator"})
        limits["outcome"] = outcome
        limits["row_type"] = "limits"
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
    for column in ("percent", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "baseline"):
        table[column] = pd.to_numeric(table[column]).astype("Float64").round(4)
    for column in (
        "outcome",
        "row_type",
        "area_code",
        "area_name",
        "significance",
        "baseline_label",
    ):
        table[column] = table[column].astype("string")
    table["significance"] = table["significance"].fillna("")
    table["suppressed"] = table["suppressed"].astype(bool)
    return table
