"""Tidy indicator tables from the cell table: recent trends, inequality measures and funnel plots.

Every number comes from a ``birthgaps.stats`` function (docs/statistics.md); this module groups the
cell table, calls them, and lays the results out as the published tables (docs/architecture.md):

- ``trends_table``: Fingertips recent trend per area (and ALL), outcome and group;
- ``inequality_table``: rate ratios against the least deprived quintile and White mothers, the slope
  and relative index of inequality over IMD quintiles, the attributable fraction and excess events;
- ``funnel_points`` / ``publish_funnel``: each area's (and area-year's) proportion against the pooled
  average, with PHE funnel limits along the denominator axis.

The ``publish_*`` functions apply disclosure control (``birthgaps.disclosure``): counts 1-7 suppressed,
other counts rounded to 5, percentages from rounded counts, statistics from unrounded counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from birthgaps.definitions import IMD_QUINTILES, NOT_STATED, UNKNOWN
from birthgaps.disclosure import control_counts, is_small, round_to_base
from birthgaps.errors import InputError
from birthgaps.rates import ALL_AREAS, POLARITY, confidence_levels, grouped_counts
from birthgaps.stats import (
    apply_small_number_rules,
    attributable_fraction,
    funnel_axis,
    funnel_limits,
    funnel_significance,
    level_suffix,
    proportion_ci,
    rate_ratio,
    recent_trend_table,
    sii_rii_table,
    statistics_settings,
)

#: Groups of the trend table: the whole area, each IMD quintile and each ethnic group.
TREND_DIMENSIONS = ("overall", "imd_quintile", "ethnic_group")
#: Reference group of each dimension's rate ratios (least deprived quintile; White mothers).
REFERENCES = {"imd_quintile": IMD_QUINTILES[-1], "ethnic_group": "White"}
#: Groups that are not a category of their dimension (left out of trends and inequality measures).
NOT_A_GROUP = (UNKNOWN, NOT_STATED)

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
SUPPRESSED_POINT = "a yearly count is suppressed (1 to 7) or below the small-number threshold"


def _settings(statistics: Mapping | None) -> dict:
    return statistics_settings({"statistics": dict(statistics or {})})


def _usable(
    events: pd.Series, denominator: pd.Series, rules: Mapping, min_events: int
) -> pd.Series:
    """True where a yearly value would be published: no count 1-7 and at least ``min_events`` events."""
    low, high = rules["suppress_min"], rules["suppress_max"]
    small = (
        is_small(events, low, high)
        | is_small(denominator, low, high)
        | is_small(denominator - events, low, high)
    )
    return ~small & (events >= min_events)


# --------------------------------------------------------------------------------------------
# Recent trends (Fingertips)
# --------------------------------------------------------------------------------------------


def trends_table(
    cells: pd.DataFrame,
    areas: Mapping[str, str],
    statistics: Mapping | None = None,
    rules: Mapping | None = None,
) -> pd.DataFrame:
    """Fingertips recent trend of each area (and ALL), outcome and group (overall, IMD quintile,
    ethnic group) over the most recent ``statistics.trend.points`` years (``recent_trend_table``,
    chi-squared test for trend in proportions, polarity low is good).

    A yearly value that would not be published (a count of 1-7 under ``rules``, or fewer events than
    ``statistics.small_numbers.min_events``) or a year without births counts as missing, so a trend
    whose window holds one "cannot be calculated". No counts are published here.
    """
    settings = _settings(statistics)
    rules = rules or {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5}
    counts = grouped_counts(cells, areas, TREND_DIMENSIONS, by_year=True)
    counts = counts[~counts["group"].isin(NOT_A_GROUP)]
    keys = ["area_code", "area_name", "outcome", "dimension", "group"]
    years = sorted(int(y) for y in cells["year"].unique())
    grid = counts[keys].drop_duplicates().merge(pd.DataFrame({"year": years}), how="cross")
    full = grid.merge(counts, on=[*keys, "year"], how="left")
    usable = _usable(
        full["events"], full["denominator"], rules, settings["small_numbers"]["min_events"]
    )
    full["events"] = full["events"].astype("float64").where(usable)
    full["denominator"] = full["denominator"].astype("float64").where(usable)
    trend = settings["trend"]
    table = recent_trend_table(
        full,
        by=keys,
        polarity=POLARITY,
        points=trend["points"],
        threshold=trend["threshold"],
    )
    table["reason"] = table["reason"].replace({"a missing count or denominator": SUPPRESSED_POINT})
    table["slope_pp_per_year"] = 100 * table["slope"]
    rank = {a: i for i, a in enumerate([*areas, ALL_AREAS])}
    dim_rank = {d: i for i, d in enumerate(TREND_DIMENSIONS)}
    table = table.assign(_a=table["area_code"].map(rank), _d=table["dimension"].map(dim_rank))
    table = table.sort_values(["_a", "outcome", "_d", "group"], kind="stable")
    out = table[TREND_COLUMNS].reset_index(drop=True)
    for column in ("first_year", "last_year"):
        out[column] = pd.to_numeric(out[column]).round().astype("Int64")
    for column in ("statistic", "chi2_statistic", "wls_statistic"):
        out[column] = out[column].astype("float64").round(4)
    out["slope_pp_per_year"] = out["slope_pp_per_year"].astype("float64").round(4)
    for column in ("direction", "label", "method", "reason"):
        out[column] = out[column].astype("string")
    return out


# --------------------------------------------------------------------------------------------
# Inequality: rate ratios, SII/RII, attributable fraction
# --------------------------------------------------------------------------------------------

INEQUALITY_KEYS = [
    "area_code",
    "area_name",
    "outcome",
    "measure",
    "dimension",
    "group",
    "reference",
]


def _level_columns(levels: Sequence[float]) -> list[str]:
    return [f"{side}_{level_suffix(level)}" for level in levels for side in ("lower", "upper")]


def _rate_ratios(
    counts: pd.DataFrame, levels: Sequence[float], min_events: int, unreliable_below: int
) -> pd.DataFrame:
    """Risk ratios of every group against its dimension's reference group (``rate_ratio``, Katz)."""
    frames = []
    for dimension, reference in REFERENCES.items():
        part = counts[(counts["dimension"] == dimension) & ~counts["group"].isin(NOT_A_GROUP)]
        ref = part[part["group"] == reference][["area_code", "outcome", "events", "denominator"]]
        ref = ref.rename(columns={"events": "ref_events", "denominator": "ref_denominator"})
        part = part[part["group"] != reference].merge(ref, on=["area_code", "outcome"], how="inner")
        if part.empty:
            continue
        part = part.assign(reference=reference)
        first = None
        for level in levels:
            ratio = rate_ratio(
                part["events"],
                part["denominator"],
                part["ref_events"],
                part["ref_denominator"],
                confidence=level,
                kind="risk",
            )
            suffix = level_suffix(level)
            part[f"lower_{suffix}"] = ratio[f"lower_{suffix}"].to_numpy()
            part[f"upper_{suffix}"] = ratio[f"upper_{suffix}"].to_numpy()
            first = ratio if first is None else first
        part["value"] = first["ratio"].to_numpy()
        part["p_value"] = first["p_value"].to_numpy()
        part["note"] = first["note"].to_numpy()
        # ONS small-number rule on the smaller of the two counts: no ratio from fewer than 3 events.
        part["_fewest"] = np.minimum(part["events"], part["ref_events"])
        part = apply_small_number_rules(
            part,
            events_col="_fewest",
            min_events=min_events,
            unreliable_below=unreliable_below,
            value_cols=["value", "p_value", *_level_columns(levels)],
        )
        part["note"] = (
            part["note"]
            .astype("string")
            .mask(part["reliability"] == "x", f"fewer than {min_events} events: not calculated")
        )
        part["measure"] = "rate_ratio"
        part["unit"] = "ratio"
        frames.append(part.drop(columns=["_fewest"]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _sii_rii(counts: pd.DataFrame, levels: Sequence[float], sii: Mapping) -> pd.DataFrame:
    """PHE SII and RII over IMD quintiles (``sii_rii_table``), most minus least deprived, in %."""
    quint = counts[(counts["dimension"] == "imd_quintile") & counts["group"].isin(IMD_QUINTILES)]
    quint = quint.copy()
    quint["proportion"] = quint["events"] / quint["denominator"]
    # 95% Wilson limits as fractions: their width on the logit scale gives each quintile's SE.
    ci = proportion_ci(quint["events"], quint["denominator"], confidence=0.95)
    quint["lower"], quint["upper"] = ci["lower_95"], ci["upper_95"]
    table = sii_rii_table(
        quint,
        by=["area_code", "area_name", "outcome"],
        quantile="group",
        population="denominator",
        value="proportion",
        lower="lower",
        upper="upper",
        value_type="proportion",
        multiplier=-100,
        confidence=tuple(levels),
        reps=int(sii["reps"]),
        seed=int(sii["seed"]),
    )
    totals = quint.groupby(["area_code", "outcome"], observed=True)[["events", "denominator"]].sum()
    table = table.merge(totals.reset_index(), on=["area_code", "outcome"], how="left")
    rows = []
    for _, row in table.iterrows():
        note = row.get("note")
        note = "" if note is None or pd.isna(note) else str(note)
        base = {
            "area_code": row["area_code"],
            "area_name": row["area_name"],
            "outcome": row["outcome"],
            "dimension": "imd_quintile",
            "group": "All",
            "reference": "",
            "events": row["events"],
            "denominator": row["denominator"],
            "note": note,
        }
        for measure, unit in (("sii", "percentage points"), ("rii", "ratio")):
            record = {**base, "measure": measure, "unit": unit, "value": row.get(measure, np.nan)}
            for level in levels:
                suffix = level_suffix(level)
                for side in ("lower", "upper"):
                    record[f"{side}_{suffix}"] = row.get(f"{measure}_{side}_{suffix}", np.nan)
            if measure == "sii":
                record["intercept"] = 100 * row.get("intercept", np.nan)
            if measure == "rii":
                _drop_meaningless_rii_limits(record, levels)
            rows.append(record)
    return pd.DataFrame(rows)


RII_LIMITS_NOTE = (
    "RII confidence limits not shown: in the simulation the fitted value at the least deprived "
    "end reached zero"
)


def _drop_meaningless_rii_limits(record: dict, levels: Sequence[float]) -> None:
    """Blank RII limits at a level whose lower limit is not positive (a ratio cannot be <= 0).

    With the PHE linear fit the simulated fitted value at the least deprived end (the RII's
    denominator) can reach zero when numbers are small, which gives limits of any sign and size.
    """
    dropped = False
    for level in levels:
        suffix = level_suffix(level)
        lower = record.get(f"lower_{suffix}", np.nan)
        if not (lower > 0):
            record[f"lower_{suffix}"] = record[f"upper_{suffix}"] = np.nan
            dropped = dropped or np.isfinite(record.get("value", np.nan))
    if dropped:
        record["note"] = "; ".join(n for n in (record.get("note", ""), RII_LIMITS_NOTE) if n)


def _attributable(counts: pd.DataFrame, levels: Sequence[float]) -> pd.DataFrame:
    """PAF and excess events against the least deprived quintile (``attributable_fraction``, risk)."""
    quint = counts[(counts["dimension"] == "imd_quintile") & counts["group"].isin(IMD_QUINTILES)]
    reference = REFERENCES["imd_quintile"]
    rows = []
    for (area, name, outcome), part in quint.groupby(
        ["area_code", "area_name", "outcome"], sort=False, observed=True
    ):
        if reference not in set(part["group"]):
            continue
        results = [
            attributable_fraction(
                part["events"],
                part["denominator"],
                list(part["group"]),
                reference,
                confidence=level,
                kind="risk",
            )
            for level in levels
        ]
        first = results[0]
        for i, result_row in first.iterrows():
            is_all = result_row["group"] == "All"
            record = {
                "area_code": area,
                "area_name": name,
                "outcome": outcome,
                "measure": "paf" if is_all else "paf_share",
                "dimension": "imd_quintile",
                "group": result_row["group"],
                "reference": reference,
                "unit": "percent",
                "events": result_row["events"],
                "denominator": result_row["denominator"],
                "value": 100 * (result_row["paf"] if is_all else result_row["paf_share"]),
                "excess_events": result_row["excess_events"],
                "note": result_row["note"],
            }
            for level, result in zip(levels, results, strict=True):
                suffix = level_suffix(level)
                for side in ("lower", "upper"):
                    record[f"{side}_{suffix}"] = 100 * result.loc[i, f"paf_{side}_{suffix}"]
                    record[f"excess_{side}_{suffix}"] = result.loc[i, f"excess_{side}_{suffix}"]
            rows.append(record)
    return pd.DataFrame(rows)


def inequality_columns(levels: Sequence[float]) -> list[str]:
    """Columns of the inequality table for the CI levels."""
    return [
        *INEQUALITY_KEYS,
        "unit",
        "events",
        "denominator",
        "value",
        *_level_columns(levels),
        "p_value",
        "intercept",
        "excess_events",
        *[f"excess_{c}" for c in _level_columns(levels)],
        "reliability",
        "note",
        "ref_events",
        "ref_denominator",
    ]


def inequality_table(
    cells: pd.DataFrame, areas: Mapping[str, str], statistics: Mapping | None = None
) -> pd.DataFrame:
    """Unrounded inequality measures per area (and ALL) and outcome, one row per measure and group.

    ``measure``: ``rate_ratio`` (risk ratio of an IMD quintile against quintile 5, or an ethnic
    group against White, Katz log CI), ``sii`` (PHE slope index, percentage points, most minus least
    deprived; ``intercept`` = fitted % at the most deprived end), ``rii`` (most / least deprived),
    ``paf`` (population attributable fraction, %, with excess events) and ``paf_share`` (each
    quintile's share of it, %, and its excess events). Unknown quintile and ethnicity not stated are
    left out. Counts are those of the group (``rate_ratio``, ``paf_share``) or of quintiles 1-5.
    """
    settings = _settings(statistics)
    levels = confidence_levels(statistics)
    small = settings["small_numbers"]
    counts = grouped_counts(cells, areas, ["imd_quintile", "ethnic_group"])
    frames = [
        _rate_ratios(counts, levels, small["min_events"], small["unreliable_below"]),
        _sii_rii(counts, levels, settings["sii"]),
        _attributable(counts, levels),
    ]
    table = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    columns = inequality_columns(levels)
    for column in columns:
        if column not in table.columns:
            table[column] = np.nan
    table = table[columns]
    measures = {m: i for i, m in enumerate(["rate_ratio", "sii", "rii", "paf", "paf_share"])}
    area_rank = {a: i for i, a in enumerate([*areas, ALL_AREAS])}
    dim_rank = {"imd_quintile": 0, "ethnic_group": 1}
    table = table.assign(
        _a=table["area_code"].map(area_rank),
        _m=table["measure"].map(measures),
        _d=table["dimension"].map(dim_rank),
    ).sort_values(["_a", "outcome", "_m", "_d", "group"], kind="stable")
    table = table.drop(columns=["_a", "_m", "_d"]).reset_index(drop=True)
    for column in [*INEQUALITY_KEYS, "unit", "reliability", "note"]:
        table[column] = table[column].astype("string").fillna("")
    for column in table.columns.difference([*INEQUALITY_KEYS, "unit", "reliability", "note"]):
        table[column] = pd.to_numeric(table[column]).astype("Float64").astype("float64")
    return table


def _control_signed(values: pd.Series, rules: Mapping) -> tuple[pd.Series, pd.Series]:
    """Signed counts (excess events) to the nearest integer, then |count| 1-7 suppressed and the
    rest rounded to the base; returns (published counts, suppressed)."""
    whole = pd.Series(
        np.rint(pd.to_numeric(values, errors="coerce").astype("float64")), index=values.index
    )
    small = is_small(whole.abs(), rules["suppress_min"], rules["suppress_max"])
    return round_to_base(whole, rules["rounding_base"]).mask(small), small


def _significant(values: pd.Series, digits: int) -> pd.Series:
    """Values rounded to ``digits`` significant figures (p-values keep their size when tiny)."""
    as_float = values.astype("float64").to_numpy(na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(
            as_float > 0, 10.0 ** (digits - 1 - np.floor(np.log10(np.abs(as_float)))), 1.0
        )
    return pd.Series(np.round(as_float * scale) / scale, index=values.index, dtype="Float64")


def publish_inequality(
    table: pd.DataFrame, rules: Mapping, hidden: set[tuple[str, str, str, str]] | None = None
) -> pd.DataFrame:
    """Disclosure control of the inequality table.

    Counts (events, denominators, excess events and their limits) are suppressed when 1-7 (excess by
    absolute value) and otherwise rounded to 5. A rate ratio is not shown when its group's or the
    reference group's events, non-events or births are 1-7; a PAF or PAF share is not shown when its
    excess events are suppressed (it would give them back). Statistics are rounded to 4 decimals.
    ``hidden`` holds the (area, outcome, dimension, group) keys withheld in the published rates
    (``rates.hidden_groups``): a row about such a group, or against such a reference, is withheld
    whole, counts included, so this table cannot undo the rates table's secondary suppression.
    """
    out = table.copy()
    withheld = pd.Series(False, index=out.index)
    if hidden:
        keys = list(
            zip(out["area_code"], out["outcome"], out["dimension"], out["group"], strict=True)
        )
        refs = list(
            zip(out["area_code"], out["outcome"], out["dimension"], out["reference"], strict=True)
        )
        withheld = pd.Series(
            [k in hidden or r in hidden for k, r in zip(keys, refs, strict=True)], index=out.index
        )
    low, high = rules["suppress_min"], rules["suppress_max"]
    non_events = pd.to_numeric(out["denominator"]) - pd.to_numeric(out["events"])
    controlled = control_counts(out, ["events", "denominator"], rules, extra_small=[non_events])
    suppressed = controlled["suppressed"].copy()
    if "ref_events" in out.columns:
        ref_events = pd.to_numeric(out["ref_events"])
        ref_denominator = pd.to_numeric(out["ref_denominator"])
        for counts in (ref_events, ref_denominator, ref_denominator - ref_events):
            suppressed |= is_small(counts, low, high)
        out = out.drop(columns=["ref_events", "ref_denominator"])
    out["events"], out["denominator"] = controlled["events"], controlled["denominator"]
    excess_columns = [c for c in out.columns if c.startswith("excess_")]
    excess_hidden = pd.Series(False, index=out.index)
    for column in excess_columns:
        published, small = _control_signed(out[column], rules)
        out[column] = published
        if column == "excess_events":
            excess_hidden = small
    statistic_columns = [
        c
        for c in out.columns
        if c in ("value", "p_value", "intercept") or c.startswith(("lower_", "upper_"))
    ]
    hide = suppressed | withheld | (out["measure"].isin(["paf", "paf_share"]) & excess_hidden)
    for column in ("events", "denominator"):
        out[column] = out[column].mask(withheld)
    for column in statistic_columns:
        values = pd.to_numeric(out[column]).astype("Float64")
        out[column] = (_significant(values, 3) if column == "p_value" else values.round(4)).mask(
            hide
        )
    for column in excess_columns:
        out[column] = out[column].mask(hide)
    # a suppressed row says nothing more: its note or reliability flag could narrow its counts
    for column in ("note", "reliability"):
        out[column] = out[column].astype("string").mask(hide, "")
    out["suppressed"] = hide.to_numpy()
    out["flag"] = out["suppressed"].map({True: "c", False: ""}).astype("string")
    return out


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
    "suppressed",
    "flag",
]


def funnel_points(cells: pd.DataFrame, areas: Mapping[str, str]) -> pd.DataFrame:
    """Each area's proportion (``row_type`` "area", whole period) and each area-year's ("area_year")
    with its PHE funnel significance against the pooled average of the study areas (unrounded).

    The average of an outcome is its events over its denominators in all study areas and years;
    ``funnel_significance`` labels each point "High (0.001)", ..., "Not significant".
    """
    scoped = cells[cells["area_code"].isin(list(areas))]
    if scoped.empty:
        raise InputError("no cells for the configured areas", column="area_code", rows=0)
    names = dict(areas)
    frames = []
    for row_type, keys in (
        ("area", ["area_code", "outcome"]),
        ("area_year", ["area_code", "outcome", "year"]),
    ):
        part = scoped.groupby(keys, observed=True)[["events", "denominator"]].sum().reset_index()
        part["row_type"] = row_type
        frames.append(part)
    points = pd.concat(frames, ignore_index=True)
    points["year"] = pd.array(points.get("year"), dtype="Int64")
    totals = scoped.groupby("outcome", observed=True)[["events", "denominator"]].sum()
    average = (totals["events"] / totals["denominator"]).to_dict()
    points["average"] = points["outcome"].map(average).astype("float64")
    points["percent"] = 100 * points["events"] / points["denominator"]
    points["significance"] = pd.Series(pd.NA, index=points.index, dtype="string")
    for outcome, part in points.groupby("outcome", observed=True):
        points.loc[part.index, "significance"] = funnel_significance(
            part["events"], part["denominator"], "proportion", average=average[outcome]
        ).to_numpy()
    points["area_name"] = points["area_code"].map(names).astype("string")
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
    """Disclosure-controlled funnel points plus the 95%/99.8% limit lines of each outcome.

    Points: counts 1-7 (events, non-events, births) suppressed, others rounded to 5, percent from
    rounded counts, significance from unrounded counts; ``lower_*``/``upper_*`` are the funnel limits
    at the point's published denominator. Limit rows (``row_type`` "limits"): PHE's geometric axis of
    ``axis_points`` denominators over the published denominators (``axis_denominator``) and the
    limits there; ``baseline`` is the pooled average (%).
    """
    out = control_counts(
        points,
        ["events", "denominator"],
        rules,
        extra_small=[points["denominator"] - points["events"]],
    )
    suppressed = out["suppressed"]
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
        if shown.empty:
            continue
        axis = funnel_axis(shown["denominator"].astype("float64"), "proportion", points=axis_points)
        limits = funnel_limits(axis, average, "proportion", multiplier=100)
        limits = limits.rename(columns={"denominator": "axis_denominator"})
        limits["outcome"] = outcome
        limits["row_type"] = "limits"
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
    for column in ("outcome", "row_type", "area_code", "area_name", "significance"):
        table[column] = table[column].astype("string")
    table["significance"] = table["significance"].fillna("")
    table["suppressed"] = table["suppressed"].astype(bool)
    return table
