"""Rates of every declared outcome by each dimension (percentages with Wilson limits, rates per 1,000
with exact/Byar's limits), each outcome's small-number rules, rolling three-year periods for pooled
outcomes, the comparison with a benchmark (Fingertips comparator method 1), and their published,
disclosure-controlled form.

The statistics themselves are those of ``birthgaps.stats.measures`` (docs/statistics.md); this module only groups
the cell table and lays the results out as the rates table of docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from birthgaps.core.codes import DETAILED_TO_GROUP, ETHNIC_DETAILED, NOT_STATED, UNKNOWN
from birthgaps.core.disclosure import protect_counts as protect_counts_primary
from birthgaps.core.disclosure import rates_additive_sets, secondary_suppress
from birthgaps.core.errors import InputError
from birthgaps.core.outcomes import Outcome, builtin_declarations
from birthgaps.core.settings import schema_defaults
from birthgaps.stats.comparators import (
    COMPARATOR_COLUMNS,
    REFERENCE_SOURCES,
    benchmark_lookup,
    default_comparators,
)
from birthgaps.stats.linked_counts import linked_withheld, rolling_withheld
from birthgaps.stats.measures import (
    apply_small_number_rules,
    compare_with_benchmark,
    level_suffix,
    proportion_ci,
    rate_ci,
    statistics_settings,
)
from birthgaps.stats.outcome_specs import POLARITY_WORDS, resolve_outcomes, rolling_counts

ALL_AREAS = "ALL"
#: Groups that are not a category of their dimension (left out of trends and inequality measures).
NOT_A_GROUP = (UNKNOWN, NOT_STATED)
CROSS = "imd_quintile_by_ethnic_group"
DIMENSIONS = ["overall", "imd_quintile", "ethnic_group", "age_band", "year", CROSS]

#: Fingertips polarity of an outcome declared ``lower_is_better`` (every built-in outcome); the
#: rates themselves take each outcome's own (``birthgaps.stats.outcome_specs.POLARITY_WORDS``).
POLARITY = POLARITY_WORDS["lower_is_better"]

#: The benchmark when config ``statistics.benchmark`` is absent: England (``birthgaps.stats.comparators``).
DEFAULT_BENCHMARK: dict = {**schema_defaults("statistics", "benchmark"), "values": {}}
BENCHMARK_SOURCES = ("england", "region", "pooled", "values")

#: Key of ``statistics.benchmark.values.<outcome>`` holding the value for the whole period.
WHOLE_PERIOD = "all"

KEY_COLUMNS = ["area_code", "area_name", "outcome", "dimension", "group"]
RATE_COLUMNS = [
    *KEY_COLUMNS,
    "events",
    "denominator",
    "unit",
    "value",
    "lower_95",
    "upper_95",
]
#: Columns after the CI columns: ONS reliability flag and the benchmark comparison.
COMPARISON_COLUMNS = ["reliability", "benchmark_label", "benchmark", "comparison"]


def resolved_statistics(statistics: Mapping | None) -> dict:
    """A rule's ``statistics`` parameters as a whole ``statistics`` block (``statistics_settings``)."""
    return statistics_settings({"statistics": dict(statistics or {})})


def confidence_levels(statistics: Mapping | None) -> tuple[float, ...]:
    """Published CI levels: 95% always (figures and tables use it) plus ``statistics.confidence``."""
    settings = resolved_statistics(statistics)
    return tuple(sorted({0.95, *(float(level) for level in settings["confidence"])}))


def ci_columns(levels: Sequence[float]) -> list[str]:
    """``lower_95``, ``upper_95``, ``lower_99_8``, ... for the levels, in order."""
    return [f"{side}_{level_suffix(level)}" for level in levels for side in ("lower", "upper")]


def benchmark_settings(statistics: Mapping | None) -> dict:
    """The ``statistics.benchmark`` block with defaults: ``label``, ``source``, ``values`` and the
    ``lookup`` of comparator values.

    ``source: england`` (the default) or ``region`` compares each area with the published value of
    England or of its region (``comparators``: the rows of the published comparators table, which
    the rates rule passes in; ``birthgaps.stats.comparators``); ``pooled`` with all study areas
    pooled; ``values`` with percentages given as ``values: {outcome: {year: percent, all: percent}}``.
    """
    given = dict((statistics or {}).get("benchmark") or {})
    source = given.get("source", DEFAULT_BENCHMARK["source"])
    if source not in BENCHMARK_SOURCES:
        raise InputError(
            f"benchmark source must be one of {', '.join(BENCHMARK_SOURCES)}, not {source!r}",
            key="statistics.benchmark.source",
        )
    default_label = {"pooled": "All study areas", "region": "Region"}.get(source, "England")
    label = given.get("label") or default_label
    values: dict[str, dict[str, float]] = {}
    for outcome, by_period in (given.get("values") or {}).items():
        values[str(outcome)] = {str(k): float(v) for k, v in (by_period or {}).items()}
    if source == "values" and not any(values.values()):
        raise InputError(
            "benchmark source 'values' needs published values (in each outcome's unit) under values",
            key="statistics.benchmark.values",
            hint="e.g. values: {preterm: {2022: 7.9, all: 7.8}}, or use source: england",
        )
    rows = given.get("comparators")
    lookup = None
    if source in REFERENCE_SOURCES and rows is not None:
        lookup = benchmark_lookup(pd.DataFrame(rows, columns=COMPARATOR_COLUMNS))
    return {"label": str(label), "source": source, "values": values, "lookup": lookup}


def _group_labels(cells: pd.DataFrame, dimension: str) -> pd.Series:
    """The ``group`` label of each cell for a dimension (the cross joins quintile and ethnic group)."""
    if dimension == "overall":
        return pd.Series("All", index=cells.index, dtype="string")
    if dimension == CROSS:
        return cells["imd_quintile"] + " | " + cells["ethnic_group"]
    return cells[dimension].astype("string")


def grouped_counts(
    cells: pd.DataFrame,
    areas: Mapping[str, str],
    dimensions: Sequence[str] = DIMENSIONS,
    *,
    by_year: bool = False,
    pooling: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Events and denominators per area (and ``ALL`` pooled), outcome, dimension and group.

    With ``by_year`` also per year of birth (a ``year`` column after ``group``). Areas follow the
    config order, then ``ALL``; dimensions follow ``dimensions``. ``pooling`` (outcome -> years per
    period) gives an outcome pooled over three years its ``year`` breakdown as rolling periods
    ("2019-2021", "2020-2022", ...; none when the release is shorter than three years).
    """
    missing = [c for c in ("area_code", "outcome", "events", "denominator") if c not in cells]
    if missing:
        raise InputError("the cell table lacks a column", column=", ".join(missing))
    pooled = cells.assign(area_code=ALL_AREAS)
    scoped = pd.concat([cells[cells["area_code"].isin(list(areas))], pooled], ignore_index=True)
    keys = ["area_code", "outcome", "group", *(["year"] if by_year else [])]
    frames = []
    for dimension in dimensions:
        part = scoped[["area_code", "outcome", "events", "denominator"]].copy()
        if by_year:
            part["year"] = scoped["year"].to_numpy()
        part["group"] = _group_labels(scoped, dimension).to_numpy()
        summed = part.groupby(keys, sort=True, observed=True)[["events", "denominator"]].sum()
        summed = summed.reset_index()
        summed.insert(2, "dimension", dimension)
        if dimension == "year" and not by_year and pooling:
            summed = rolling_counts(summed, pooling)
        frames.append(summed)
    counts = pd.concat(frames, ignore_index=True)
    names = {**areas, ALL_AREAS: "All areas"}
    counts.insert(1, "area_name", counts["area_code"].map(names).astype("string"))
    area_order = {code: i for i, code in enumerate([*areas, ALL_AREAS])}
    counts["_area"] = counts["area_code"].map(area_order)
    counts["_dimension"] = counts["dimension"].map(list(dimensions).index)
    order = ["_area", "outcome", "_dimension", "group", *(["year"] if by_year else [])]
    counts = counts.sort_values(order, kind="stable").drop(columns=["_area", "_dimension"])
    for column in ("area_code", "outcome", "dimension", "group"):
        counts[column] = counts[column].astype("string")
    return counts.reset_index(drop=True)


def benchmark_values(rates: pd.DataFrame, benchmark: Mapping, value: str = "value") -> pd.Series:
    """The benchmark value of each row (in the outcome's unit): the same outcome over the row's
    period (a year, or a rolling period of a pooled outcome).

    A ``year`` row is compared with the benchmark for that year, every other row with the benchmark
    for the whole period (Fingertips compares subgroups with the benchmark's overall value). Pooled:
    the ``ALL`` rows' ``value`` (the pooled rows themselves get none); values: the configured
    values (missing where a year or ``all`` is not given; a one-year release may give the year);
    england/region: the area's comparator for the outcome and period (``lookup``; without one,
    England from the shipped reference, ``birthgaps.stats.comparators.default_comparators``) (none for ``ALL``, none for a
    year the comparator does not cover: never another year's value).
    """
    is_year = rates["dimension"].astype("string") == "year"
    period = rates["group"].astype("string").where(is_year, WHOLE_PERIOD)
    if benchmark["source"] in REFERENCE_SOURCES:
        lookup = benchmark["lookup"]
        out = pd.Series(
            [lookup.get(k, ("", np.nan))[1] for k in _comparator_keys(rates)], index=rates.index
        )
    elif benchmark["source"] == "pooled":
        pooled = rates[rates["area_code"] == ALL_AREAS]
        pooled = pooled[pooled["dimension"].isin(["overall", "year"])]
        keys = (
            pooled["outcome"].astype(str)
            + "\0"
            + pooled["group"].astype(str).replace("All", WHOLE_PERIOD)
        )
        lookup = dict(zip(keys, pd.to_numeric(pooled[value]).astype("float64"), strict=True))
        out = (rates["outcome"].astype(str) + "\0" + period.astype(str)).map(lookup)
        out = out.where(rates["area_code"] != ALL_AREAS)
    else:
        table = benchmark["values"]
        years = set(rates.loc[is_year, "group"].astype(str))
        only_year = next(iter(years)) if len(years) == 1 else None

        def lookup_value(outcome: str, key: str) -> float:
            given = table.get(str(outcome), {})
            if key == WHOLE_PERIOD and key not in given and only_year is not None:
                key = only_year  # a one-year release: its whole period is that year
            return given.get(key, np.nan)

        out = pd.Series(
            [lookup_value(o, str(p)) for o, p in zip(rates["outcome"], period, strict=True)],
            index=rates.index,
        )
    return pd.to_numeric(out, errors="coerce").astype("float64")


def _comparator_keys(rates: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(area_code, outcome, period) of each row: its year for a ``year`` row, else ``all``."""
    is_year = rates["dimension"].astype("string") == "year"
    period = rates["group"].astype("string").where(is_year, WHOLE_PERIOD).astype(str)
    areas, outcomes = rates["area_code"].astype(str), rates["outcome"].astype(str)
    return list(zip(areas, outcomes, period, strict=True))


def benchmark_labels(rates: pd.DataFrame, benchmark: Mapping) -> pd.Series:
    """The ``benchmark_label`` of each row: the configured label, or for england/region the
    comparator's name with the years pooled when they differ from the release's ("England
    (2019-2022)"); "" where there is no comparator value."""
    if benchmark["source"] not in REFERENCE_SOURCES:
        return pd.Series(benchmark["label"], index=rates.index, dtype="string")
    labels = [benchmark["lookup"].get(k, ("", np.nan))[0] for k in _comparator_keys(rates)]
    return pd.Series(labels, index=rates.index, dtype="string")


def _comparison(
    rates: pd.DataFrame, levels: Sequence[float], benchmark: Mapping, polarity: pd.Series
) -> pd.Series:
    """Fingertips comparison of each row with its benchmark, by the outcome's polarity (Better or
    Worse); "" for the rows that are the benchmark."""
    two_level = 0.998 in levels
    labels = pd.Series("", index=rates.index, dtype="string")
    for words in polarity.unique():
        rows = polarity == words
        part = rates[rows]
        labels[rows] = compare_with_benchmark(
            part["value"],
            part["lower_95"],
            part["upper_95"],
            part["benchmark"],
            polarity=POLARITY_WORDS[words],
            lower_998=part["lower_99_8"] if two_level else None,
            upper_998=part["upper_99_8"] if two_level else None,
        ).astype("string")
    if benchmark["source"] != "values":
        labels = labels.mask(rates["area_code"] == ALL_AREAS, "")
    return labels.astype("string")


def rate_limits(
    events: pd.Series, denominator: pd.Series, per_1000: np.ndarray, levels: Sequence[float]
) -> pd.DataFrame:
    """``value`` and limits of each row: a percentage with Wilson limits, or (``per_1000`` rows) a
    rate per 1,000 with exact Poisson limits below 10 events and Byar's above (PHE/OHID)."""
    out = proportion_ci(events, denominator, confidence=levels, multiplier=100)
    columns = ["value", *ci_columns(levels)]
    if per_1000.any():
        rows = out.index[per_1000]
        rates = rate_ci(events[rows], denominator[rows], confidence=levels, multiplier=1000)
        out.loc[rows, columns] = rates[columns].to_numpy()
    return out[columns]


def rate_statistics(
    counts: pd.DataFrame,
    statistics: Mapping | None = None,
    *,
    published: bool = False,
    outcomes: Mapping[str, Outcome] | None = None,
) -> pd.DataFrame:
    """Value in the outcome's unit, its limits, ONS small-number flag and benchmark comparison of
    each counts row.

    The one place the rates table's statistics are computed: on the unrounded counts for the
    restricted table, and on the protected (rounded, suppressed) counts for the published one, so
    that every published figure is a function of the published counts (docs/disclosure.md). Each
    outcome's declaration (``outcomes``; the built-ins when None) gives its measure (``unit`` "%"
    with Wilson limits, or "per 1,000" with exact/Byar's limits), its small-number rules and its
    polarity. A row with blank counts (withheld) gets blank statistics and ``comparison`` "Not
    compared". With ``published`` the value and limits are rounded to 2 decimals, as published.
    """
    statistics = dict(statistics or {})
    levels = confidence_levels(statistics)
    benchmark = benchmark_settings(statistics)
    ids = counts["outcome"].astype(str)
    declared = resolve_outcomes(outcomes, ids.unique(), statistics)
    unknown = sorted(set(ids) - set(declared))
    if unknown:
        raise InputError(
            f"rates of outcome(s) {', '.join(unknown)}, which are not declared",
            column="outcome",
            rows=int(ids.isin(unknown).sum()),
            hint="the cell table and the config's outcomes differ; rerun the cells rule",
        )
    if benchmark["source"] in REFERENCE_SOURCES and benchmark["lookup"] is None:
        rows = default_comparators(counts, benchmark["source"], declared)
        benchmark["lookup"] = benchmark_lookup(rows)
    out = counts.copy()
    events = pd.to_numeric(out["events"]).astype("float64")
    denominator = pd.to_numeric(out["denominator"]).astype("float64")
    per_1000 = ids.map({k: o.measure == "per_1000" for k, o in declared.items()})
    value_columns = ["value", *ci_columns(levels)]
    limits = rate_limits(events, denominator, per_1000.to_numpy(dtype=bool), levels)
    out["unit"] = ids.map({k: o.unit for k, o in declared.items()}).astype("string")
    for column in value_columns:
        out[column] = limits[column].astype("float64")
    out["reliability"] = pd.Series("", index=out.index, dtype="string")
    for outcome, rows in out.groupby(ids, sort=False).groups.items():
        spec = declared[str(outcome)]
        ruled = apply_small_number_rules(
            out.loc[rows, value_columns].assign(events=events[rows]),
            min_events=spec.min_events,
            unreliable_below=spec.unreliable_below,
            value_cols=value_columns,
        )
        for column in value_columns:
            out.loc[rows, column] = ruled[column].to_numpy(dtype="float64", na_value=np.nan)
        out.loc[rows, "reliability"] = ruled["reliability"]
    withheld = events.isna().to_numpy()
    out["reliability"] = out["reliability"].astype("string").mask(withheld, "")
    for column in value_columns:
        values = out[column].astype("float64")
        out[column] = values.round(2) if published else values
    out["benchmark_label"] = benchmark_labels(out, benchmark)
    out["benchmark"] = benchmark_values(out, benchmark)
    if published:
        out["benchmark"] = out["benchmark"].round(2)
    polarity = ids.map({k: o.polarity for k, o in declared.items()})
    comparison = _comparison(out, levels, benchmark, polarity)
    out["comparison"] = comparison.mask(withheld & (comparison != ""), "Not compared")
    keys = [c for c in KEY_COLUMNS if c in out.columns]
    columns = [*keys, "events", "denominator", "unit", *value_columns, *COMPARISON_COLUMNS]
    return out[columns]


def compute_rates(
    cells: pd.DataFrame,
    areas: Mapping[str, str],
    statistics: Mapping | None = None,
    *,
    detailed: pd.DataFrame | None = None,
    outcomes: Mapping[str, Outcome] | None = None,
) -> pd.DataFrame:
    """Unrounded rates of each declared outcome with their limits for each area, all areas pooled,
    and dimension.

    ``statistics`` is the config's ``statistics`` block: CI levels (95% always, 99.8% by default)
    and the benchmark (``benchmark_label``, ``benchmark`` in the outcome's unit, ``comparison``).
    ``outcomes`` (the registry; the built-ins of the cells' outcomes when None) gives each
    outcome's unit, small-number rules (``reliability`` "x": no rate from fewer than 3 events;
    "u": fewer than 20, by default), polarity and pooling (rolling three-year ``year`` rows); cells
    of an outcome not declared are left out. With ``detailed`` (the detailed-ethnicity cells,
    config ``ethnicity.detailed``) the table gains the ``ethnic_group_detailed`` breakdown
    (:func:`with_detailed_ethnicity`). This table is restricted: it holds exact counts.
    """
    if outcomes is not None:
        cells = cells[cells["outcome"].astype(str).isin(list(outcomes))]
        if detailed is not None:
            detailed = detailed[detailed["outcome"].astype(str).isin(list(outcomes))]
    declared = resolve_outcomes(outcomes, cells["outcome"].astype(str).unique(), statistics)
    pooling = {k: o.pool_years for k, o in declared.items()}
    counts = grouped_counts(cells, areas, DIMENSIONS, pooling=pooling)
    if detailed is not None:
        counts = with_detailed_ethnicity(counts, detailed, areas)
    return rate_statistics(counts, statistics, outcomes=declared)


# ------------------------------------------------------------------------------------------------
# Detailed ethnic groups (config ``ethnicity.detailed``; docs/disclosure.md, "Detailed ethnic groups")
# ------------------------------------------------------------------------------------------------

#: The optional breakdown by ONS 2021 detailed ethnic group, whole period only (after DIMENSIONS).
DETAILED = ETHNIC_DETAILED


def detailed_ethnicity(ethnicity: Mapping | None) -> bool:
    """Whether config ``ethnicity.detailed`` asks for the detailed ethnic group breakdown."""
    value = {**schema_defaults("ethnicity"), **(ethnicity or {})}["detailed"]
    if not isinstance(value, bool):
        raise InputError(
            f"ethnicity.detailed must be true or false, not {value!r}", key="ethnicity.detailed"
        )
    return value


def with_detailed_ethnicity(
    counts: pd.DataFrame, detailed: pd.DataFrame, areas: Mapping[str, str]
) -> pd.DataFrame:
    """``counts`` (of :func:`grouped_counts`) with the ``ethnic_group_detailed`` rows added after
    each area and outcome's other breakdowns.

    The detailed cells must hold the same births as the cell table, and each detailed group must
    sit in its ONS high-level group: the counts per area, outcome and high-level group must equal
    the ``ethnic_group`` rows, or the hierarchy the disclosure control relies on (detailed groups
    sum to their high-level group and to the total) would not hold.
    """
    where = {"file": "restricted/cells_detailed.parquet"}
    pairs = detailed[["ethnic_group", DETAILED]].drop_duplicates().astype(str)
    misplaced = pairs[pairs[DETAILED].map(DETAILED_TO_GROUP) != pairs["ethnic_group"]]
    if not misplaced.empty:
        raise InputError(
            "detailed ethnic groups outside their ONS high-level group",
            **where,
            column=f"ethnic_group, {DETAILED}",
            rows=len(misplaced),
            hint=f"e.g. {misplaced.iloc[0][DETAILED]!r} under {misplaced.iloc[0]['ethnic_group']!r}",
        )
    keys = ["area_code", "outcome", "group"]
    broad = counts.loc[counts["dimension"] == "ethnic_group", [*keys, "events", "denominator"]]
    summed = grouped_counts(detailed, areas, ["ethnic_group"])[[*keys, "events", "denominator"]]
    joined = broad.merge(summed, on=keys, how="outer", suffixes=("", "_detailed")).fillna(-1)
    bad = (joined["events"] != joined["events_detailed"]) | (
        joined["denominator"] != joined["denominator_detailed"]
    )
    if bad.any():
        raise InputError(
            "the detailed-ethnicity cells do not add up to the cell table",
            **where,
            column="events, denominator",
            rows=int(bad.sum()),
            hint="area, outcome and ethnic group totals differ; rerun the cells rule",
        )
    extra = grouped_counts(detailed, areas, [DETAILED])
    out = pd.concat([counts, extra], ignore_index=True)
    area_order = {code: i for i, code in enumerate([*areas, ALL_AREAS])}
    outcome_order = {o: i for i, o in enumerate(pd.unique(counts["outcome"]))}
    rank = {d: i for i, d in enumerate([*DIMENSIONS, DETAILED])}
    keys = pd.DataFrame(
        {
            "a": out["area_code"].map(area_order),
            "o": out["outcome"].map(outcome_order),
            "d": out["dimension"].map(rank),
        }
    )
    order = keys.sort_values(["a", "o", "d"], kind="stable").index
    return out.loc[order].reset_index(drop=True)


def protect_counts(
    rates: pd.DataFrame,
    rules: Mapping,
    *,
    secondary: bool = True,
    previous: pd.DataFrame | None = None,
    outcomes: Mapping[str, Outcome] | None = None,
) -> pd.DataFrame:
    """The protected counts of every rates row: primary rule, then secondary suppression.

    Counts 1-7 (events, non-events or births) suppress a row; other counts are rounded to the base
    (``birthgaps.core.disclosure.protect_counts``, which also keeps them consistent with the previous
    release's published ``previous`` rates, when given). Secondary suppression
    (``birthgaps.core.disclosure.secondary_suppress``) then hides further rows so that no additive set
    (groups to overall, cross to margins, areas to ``ALL``) has exactly one withheld row; rows the
    previous release withheld are chosen first, so the pattern stays stable from one release to
    the next. Outcomes with nested denominators (total births and live births: their difference
    is the stillbirths) are protected against each other too
    and so are overlapping rolling periods of a pooled outcome (``birthgaps.stats.linked_counts``;
    ``outcomes`` gives the declarations, the built-ins when None); secondary suppression runs again
    until none of them adds a row. Returns the key columns, ``events``, ``denominator`` (<NA> when withheld),
    ``suppressed`` and ``suppression`` (``primary``, ``secondary`` or "": quality assurance only,
    never published). Every other published table derives from these counts.
    """
    keys = [c for c in KEY_COLUMNS if c in rates.columns]
    counts = rates[[*keys, "events", "denominator"]].reset_index(drop=True)
    match = [k for k in ("area_code", "outcome", "dimension", "group") if k in keys]
    out = protect_counts_primary(counts, rules, previous=previous, keys=match)
    if secondary:
        sets = rates_additive_sets(counts)
        size = counts["denominator"].astype("float64").where(~out["previously_withheld"], -1.0)
        events = counts["events"].to_numpy(dtype="float64")
        zero = (events == 0) | (counts["denominator"].to_numpy(dtype="float64") == events)
        ids = counts["outcome"].astype(str).unique()
        if outcomes is None:  # library use: the built-ins among the table's outcomes
            ids = [i for i in ids if i in builtin_declarations()]
        declared = resolve_outcomes(outcomes, ids)
        primary = out["suppressed"].to_numpy(dtype=bool)
        while True:
            out = secondary_suppress(
                out.assign(_size=size.to_numpy()),
                sets,
                value_columns=["events", "denominator"],
                size_column="_size",
                zero=zero,
            ).drop(columns="_size")
            hidden = out["suppressed"].to_numpy(bool)
            extra = linked_withheld(counts, hidden, declared, rules)
            extra |= rolling_withheld(counts, hidden | extra, declared)
            if not extra.any():
                break
            for column in ("events", "denominator"):
                out[column] = out[column].mask(pd.Series(extra, index=out.index))
            out["suppressed"] = out["suppressed"].to_numpy(bool) | extra
        kind = np.where(primary, "primary", np.where(out["suppressed"], "secondary", ""))
        out["suppression"] = pd.Series(kind, index=out.index, dtype="string")
    else:
        kind = out["suppressed"].map({True: "primary", False: ""})
        out["suppression"] = kind.astype("string")
    return out.drop(columns="previously_withheld")


def publish_rates(
    rates: pd.DataFrame,
    rules: Mapping,
    statistics: Mapping | None = None,
    *,
    secondary: bool = True,
    show_kind: bool = False,
    previous: pd.DataFrame | None = None,
    outcomes: Mapping[str, Outcome] | None = None,
) -> pd.DataFrame:
    """The published rates table: protected counts (:func:`protect_counts`) and their statistics.

    Every statistic (value, confidence limits, reliability flag, benchmark and comparison) is
    computed by :func:`rate_statistics` from the rounded counts, never from the unrounded ones, so
    inverting a limit gives back only the published counts. A withheld row (``suppressed``, flag
    ``c``) is blank throughout and "Not compared". ``secondary=False`` only for tests that show the
    attack works without secondary suppression. With ``show_kind`` a ``suppression`` column says
    ``primary`` or ``secondary``; it is left out by default, as it would tell which withheld rows
    are the small ones. ``previous`` is the previous release's published rates table, when the
    release follows one (docs/disclosure.md, "Across releases").
    """
    protected = protect_counts(
        rates, rules, secondary=secondary, previous=previous, outcomes=outcomes
    )
    out = rate_statistics(protected, statistics, published=True, outcomes=outcomes)
    out["suppressed"] = protected["suppressed"].to_numpy(dtype=bool)
    out["flag"] = out["suppressed"].map({True: "c", False: ""}).astype("string")
    if show_kind:
        out["suppression"] = protected["suppression"].to_numpy()
    return out


def previous_release(published: pd.DataFrame, unrounded: pd.DataFrame) -> pd.DataFrame:
    """The previous release's rates as :func:`protect_counts` reads them: what it published plus
    its exact counts (``events_unrounded``, ``denominator_unrounded``) from its restricted table."""
    keys = ["area_code", "outcome", "dimension", "group"]
    exact = unrounded[[*keys, "events", "denominator"]].rename(
        columns={"events": "events_unrounded", "denominator": "denominator_unrounded"}
    )
    left = published[[*keys, "events", "denominator", "suppressed"]].copy()
    for frame in (left, exact):
        for key in keys:
            frame[key] = frame[key].astype("string")
    return left.merge(exact, on=keys, how="left", validate="one_to_one")


def hidden_groups(published: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    """(area, outcome, dimension, group) keys withheld in the published rates, for other tables."""
    rows = published.loc[published["suppressed"].astype(bool)]
    return set(
        zip(
            rows["area_code"].astype(str),
            rows["outcome"].astype(str),
            rows["dimension"].astype(str),
            rows["group"].astype(str),
            strict=True,
        )
    )
