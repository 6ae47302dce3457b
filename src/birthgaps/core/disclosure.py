"""Disclosure control for published tables, by the configured rule set (counts in a range withheld,
others rounded; secondary suppression; consistency with the previous release)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from birthgaps.core.codes import DETAILED_TO_GROUP, ETHNIC_DETAILED


def is_small(counts: pd.Series, low: int, high: int) -> pd.Series:
    """True where a count lies in the suppression range [low, high] (zero is not disclosive)."""
    values = pd.to_numeric(counts, errors="coerce")
    return values.between(low, high).fillna(False).astype(bool)


def round_significant(values: Any, digits: int) -> np.ndarray:
    """Round to ``digits`` significant figures (0 and NaN stay as they are).

    Through decimal notation, not ``x * 10**k``: a p-value of 1e-320 (a national model's or
    inequality table's) overflowed that scale to infinity and came out NaN, a missing p-value."""
    x = pd.to_numeric(pd.Series(values), errors="coerce").astype("float64").to_numpy()
    out = x.copy()
    ok = np.isfinite(x) & (x != 0)
    out[ok] = [float(f"{v:.{digits - 1}e}") for v in x[ok]]
    return out


def round_to_base(counts: pd.Series, base: int) -> pd.Series:
    """Round counts to the nearest multiple of ``base`` (halves round up, as NHS England does)."""
    values = pd.to_numeric(counts, errors="coerce").astype("Float64")
    rounded = np.floor(values / base + 0.5) * base
    return rounded.astype("Int64")


def control_counts(
    table: pd.DataFrame,
    count_columns: list[str],
    rules: dict,
    *,
    extra_small: list[pd.Series] | None = None,
) -> pd.DataFrame:
    """Suppress rows where any count (or extra series, e.g. non-events) is small; round the rest.

    Adds a boolean ``suppressed`` column; suppressed counts become <NA>. Rounded counts are Int64.
    """
    low, high, base = rules["suppress_min"], rules["suppress_max"], rules["rounding_base"]
    out = table.copy()
    small = pd.Series(False, index=out.index)
    for column in count_columns:
        small |= is_small(out[column], low, high)
    for series in extra_small or []:
        small |= is_small(series, low, high)
    for column in count_columns:
        out[column] = round_to_base(out[column], base).mask(small)
    out["suppressed"] = small.to_numpy()
    return out


# ------------------------------------------------------------------------------------------------
# Protected counts, consistent with the previous release (docs/disclosure.md, "Across releases")
# ------------------------------------------------------------------------------------------------


#: Columns of a previous release's table that :func:`protect_counts` reads: what was published
#: (``events``, ``denominator``, ``suppressed``) and, from its restricted tree, the exact counts.
PREVIOUS_EXACT = {"events": "events_unrounded", "denominator": "denominator_unrounded"}


def previous_counts(
    table: pd.DataFrame, previous: pd.DataFrame | None, keys: Sequence[str]
) -> pd.DataFrame:
    """The previous release's row matching each row of ``table`` on ``keys``: published
    ``events``, ``denominator`` and ``suppressed``, exact ``events_unrounded`` and
    ``denominator_unrounded`` (<NA> when not given), and ``has_previous``."""
    columns = ["events", "denominator", *PREVIOUS_EXACT.values()]
    if previous is None or previous.empty:
        out = pd.DataFrame(index=table.index)
        for column in columns:
            out[column] = pd.array([pd.NA] * len(table), dtype="Float64")
        out["suppressed"] = False
        out["has_previous"] = False
        return out

    def key_frame(frame: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            {k: frame[k].astype("string").fillna("").to_numpy() for k in keys}, index=frame.index
        )

    before = key_frame(previous)
    for column in columns:
        values = previous[column] if column in previous.columns else np.nan
        before[column] = pd.to_numeric(pd.Series(values, index=previous.index)).astype("Float64")
    flag = previous["suppressed"].astype("string").str.lower().isin(["true", "1"])
    before["suppressed"] = flag.to_numpy()
    before["has_previous"] = True
    before = before.drop_duplicates(subset=list(keys), keep="first")
    merged = key_frame(table).merge(before, on=list(keys), how="left")
    out = merged[columns].set_axis(table.index)
    out["suppressed"] = merged["suppressed"].fillna(False).astype(bool).to_numpy()
    out["has_previous"] = merged["has_previous"].fillna(False).astype(bool).to_numpy()
    return out


def protect_counts(
    table: pd.DataFrame,
    rules: Mapping,
    *,
    previous: pd.DataFrame | None = None,
    keys: Sequence[str] = (),
) -> pd.DataFrame:
    """Primary protection of ``events`` and ``denominator``, consistent with a previous release.

    A row is suppressed when its events, non-events or denominator is in the suppression range;
    other counts are rounded to the nearest multiple of the base. With ``previous`` (the previous
    release's table of the same rows, matched on ``keys``: what it published and, where given, its
    exact counts ``events_unrounded``/``denominator_unrounded``), the difference of the two
    releases is protected too (docs/disclosure.md, "Across releases"):

    - a row whose exact counts changed by less than the base keeps what was published before:
      withheld stays withheld, and a shown count keeps its value while it is within ``base - 1``
      of it; so a late record, or a handful, does not show in the difference;
    - any other count within ``base - 1`` of its previously published value keeps that value;
    - a row the previous release withheld stays withheld while any of its counts is within
      ``suppress_max + base - 1``, or its events or non-events are 0, so a small count (or a
      0 that was hidden) cannot surface by subtraction.

    Returns a copy with protected ``events``/``denominator`` (Int64, <NA> when suppressed),
    ``suppressed`` and ``previously_withheld`` (for choosing complements; not for publication).
    """
    low, high, base = rules["suppress_min"], rules["suppress_max"], rules["rounding_base"]
    out = table.copy()
    events = pd.to_numeric(out["events"]).astype("Float64")
    births = pd.to_numeric(out["denominator"]).astype("Float64")
    counts = (events, births - events, births)
    small = pd.Series(False, index=out.index)
    for values in counts:
        small |= is_small(values, low, high)
    before = previous_counts(out, previous, keys)
    was_withheld = before["has_previous"] & before["suppressed"]
    was_shown = before["has_previous"] & ~before["suppressed"]

    def close(new: pd.Series, old: pd.Series) -> pd.Series:
        return ((new - old).abs() <= base - 1).fillna(False).astype(bool)

    unchanged = (
        before["has_previous"]
        & close(events, before["events_unrounded"])
        & close(births, before["denominator_unrounded"])
    )
    published = {}
    for name, new in (("events", events), ("denominator", births)):
        old = before[name]
        published[name] = round_to_base(new, base).mask(was_shown & close(new, old), old)
    small |= was_withheld & unchanged
    # a 0 now says the withheld row had 0 before too (counts only grow with more data)
    small |= was_withheld & ((events == 0) | (births - events == 0)).fillna(False).astype(bool)
    for values in counts:
        small |= was_withheld & values.between(low, high + base - 1).fillna(False).astype(bool)
    out["events"] = published["events"].round().astype("Int64").mask(small)
    out["denominator"] = published["denominator"].round().astype("Int64").mask(small)
    out["suppressed"] = small.to_numpy(dtype=bool)
    out["previously_withheld"] = was_withheld.to_numpy(dtype=bool)
    return out


def carry_previous(
    values: np.ndarray,
    rules: Mapping,
    *,
    exact_before: np.ndarray,
    published_before: np.ndarray,
    hidden_before: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Single counts (e.g. the exclusion flow's) kept consistent with the previous release.

    Returns (published values before suppression, forced hidden): a count that changed by less
    than the base keeps what was published (hidden stays hidden; a value within ``base - 1``
    stays), any count within ``base - 1`` of its published value keeps it, and a count hidden
    before stays hidden while it is within ``suppress_max + base - 1``. NaN means no previous.
    """
    low, high, base = rules["suppress_min"], rules["suppress_max"], rules["rounding_base"]
    values = np.asarray(values, dtype="float64")
    exact_before = np.asarray(exact_before, dtype="float64")
    published_before = np.asarray(published_before, dtype="float64")
    hidden_before = np.asarray(hidden_before, dtype=bool)
    with np.errstate(invalid="ignore"):
        unchanged = np.abs(values - exact_before) <= base - 1
        near = ~hidden_before & (np.abs(values - published_before) <= base - 1)
        rounded = np.floor(values / base + 0.5) * base
        published = np.where(near, published_before, rounded)
        forced = hidden_before & (unchanged | ((values >= low) & (values <= high + base - 1)))
    return published, forced


#: Cell columns that identify a covariate pattern (birthgaps.clean.cells).
_CELL_KEYS = ["area_code", "year", "imd_quintile", "ethnic_group", "age_band", "outcome"]


def barely_changed_areas(
    cells: pd.DataFrame, previous_cells: pd.DataFrame, areas: Sequence[str], rules: Mapping
) -> set[str]:
    """Areas (and ``ALL``) whose cells differ from the previous release's by fewer than
    ``rounding_base`` births and events in all (sum of absolute differences over every cell).

    Figures fitted to exact counts (the adjusted models) of such an area would move only because
    of those few records, and so tell something about them: the previous release's are kept.
    """
    keys = [k for k in _CELL_KEYS if k in cells.columns and k in previous_cells.columns]
    new = cells.groupby(keys, observed=True)[["events", "denominator"]].sum()
    old = previous_cells.groupby(keys, observed=True)[["events", "denominator"]].sum()
    new.index = new.index.set_levels([lvl.astype(str) for lvl in new.index.levels])
    old.index = old.index.set_levels([lvl.astype(str) for lvl in old.index.levels])
    change = new.sub(old, fill_value=0).abs().sum(axis=1)
    by_area = change.groupby(level="area_code").sum()
    base = rules["rounding_base"]
    listed = [str(a) for a in areas]
    changed = {a: float(by_area.get(a, 0.0)) for a in listed}
    out = {a for a, v in changed.items() if v < base}
    if sum(changed.values()) < base:
        out.add("ALL")
    return out


def carry_rows(table: pd.DataFrame, previous: pd.DataFrame | None, areas: set[str]) -> pd.DataFrame:
    """``table`` with the rows of ``areas`` taken from the ``previous`` release's published table
    (read as text, so they are written back byte for byte). Without a previous table of the same
    columns the table is returned as it is."""
    if previous is None or not areas:
        return table
    previous = previous.drop(columns=["release", "data", "imd_quintiles"], errors="ignore")
    if list(previous.columns) != list(table.columns):
        return table
    parts = []
    for area in pd.unique(table["area_code"].astype(str)):
        source = previous if area in areas else table
        part = source[source["area_code"].astype(str) == area]
        parts.append(part.astype(object) if area in areas else part)
    return pd.concat(parts, ignore_index=True) if parts else table


# ------------------------------------------------------------------------------------------------
# Secondary suppression (docs/disclosure.md, "Secondary suppression")
# ------------------------------------------------------------------------------------------------

PRIMARY = "primary"
SECONDARY = "secondary"


@dataclass(frozen=True)
class AdditiveSet:
    """Rows whose counts add up: ``members`` sum to ``total`` (positions in the table)."""

    total: int
    members: tuple[int, ...]
    label: str = ""

    @property
    def cells(self) -> tuple[int, ...]:
        """The total followed by the members."""
        return (self.total, *self.members)


def exactly_one_suppressed(
    suppressed: np.ndarray, sets: Sequence[AdditiveSet]
) -> list[AdditiveSet]:
    """The sets in which exactly one cell (member or total) is suppressed: each gives it away.

    Such a cell equals total − sum(other members), or sum(members) when the total is the one hidden.
    """
    return [s for s in sets if int(suppressed[list(s.cells)].sum()) == 1]


def secondary_mask(
    primary: np.ndarray,
    sets: Sequence[AdditiveSet],
    size: np.ndarray,
    zero: np.ndarray | None = None,
) -> np.ndarray:
    """Primary mask plus complementary suppressions, until no set has exactly one suppressed cell.

    In each offending set the unsuppressed member with the smallest ``size`` is suppressed (ties go
    to the earlier row); the total only when no member is left. Sets are revisited until nothing
    changes, so a suppression made for one set is protected in every other set it belongs to.
    Deterministic: the result depends only on the inputs and the order of rows. ``zero`` marks
    rows with a count of 0 (events or non-events): such a total, shown, would say that every
    member has 0 too, so a set whose zero total has a withheld member has its total withheld.
    """
    suppressed = np.asarray(primary, dtype=bool).copy()
    size = np.asarray(size, dtype="float64")
    zero = np.zeros(len(suppressed), dtype=bool) if zero is None else np.asarray(zero, bool)
    changed = True
    while changed:
        changed = False
        for additive in sets:
            cells = np.array(additive.cells)
            total = additive.total
            if zero[total] and not suppressed[total] and suppressed[list(additive.members)].any():
                suppressed[total] = True
                changed = True
            if int(suppressed[cells].sum()) != 1:
                continue
            members = np.array(additive.members)
            candidates = members[~suppressed[members]]
            if candidates.size == 0:
                candidates = np.array([additive.total])
            order = np.lexsort((candidates, size[candidates]))  # smallest size, then first row
            suppressed[candidates[order[0]]] = True
            changed = True
    return suppressed


def secondary_suppress(
    table: pd.DataFrame,
    additive_sets: Sequence[AdditiveSet],
    *,
    value_columns: Sequence[str],
    size_column: str,
    zero: np.ndarray | None = None,
) -> pd.DataFrame:
    """Extend the ``suppressed`` rows of a primary-controlled table so no set gives a cell away.

    Newly suppressed rows lose ``value_columns`` (<NA>); ``suppression`` records ``primary``,
    ``secondary`` or "". ``size_column`` (unrounded where available) chooses the complement.
    """
    out = table.copy()
    primary = out["suppressed"].to_numpy(dtype=bool)
    size = pd.to_numeric(out[size_column], errors="coerce").fillna(np.inf).to_numpy("float64")
    mask = secondary_mask(primary, additive_sets, size, zero)
    extra = mask & ~primary
    for column in value_columns:
        out[column] = out[column].mask(pd.Series(extra, index=out.index))
    out["suppressed"] = mask
    kind = np.where(primary, PRIMARY, np.where(extra, SECONDARY, ""))
    out["suppression"] = pd.Series(kind, index=out.index, dtype="string")
    return out


def _key_positions(table: pd.DataFrame, keys: Sequence[str]) -> dict[tuple, int]:
    """Map each row's key tuple to its position (the rates table has one row per key)."""
    values = zip(*(table[k].astype("string").fillna("").tolist() for k in keys), strict=True)
    return {key: position for position, key in enumerate(values)}


#: Nested breakdowns of the rates table: dimension -> (parent dimension, group -> parent group).
#: The detailed ethnic groups within each high-level group sum to that group's row.
NESTED_DIMENSIONS: dict[str, tuple[str, Mapping[str, str]]] = {
    ETHNIC_DETAILED: ("ethnic_group", DETAILED_TO_GROUP),
}


def _nested_sets(
    part: pd.DataFrame,
    position: Mapping[tuple, int],
    area: str,
    outcome: str,
    nested: Mapping[str, tuple[str, Mapping[str, str]]],
) -> list[AdditiveSet]:
    """The sets of one area and outcome's nested breakdowns: the child groups of each parent group
    sum to the parent's row (a parent with one child gives a set of one member: the two rows are
    the same count, and are withheld together)."""
    out = []
    for dimension, (parent, mapping) in nested.items():
        children = part[part["dimension"] == dimension]
        if children.empty:
            continue
        parents = children["group"].map(lambda g, m=mapping: m.get(g, ""))
        for value, rows in children.groupby(parents.to_numpy(), sort=False).groups.items():
            total = position.get((area, outcome, parent, value)) if value else None
            if total is not None:
                label = f"{area} {outcome}: {dimension} -> {parent} {value}"
                out.append(AdditiveSet(total, tuple(int(r) for r in rows), label))
    return out


def rates_additive_sets(
    table: pd.DataFrame,
    *,
    all_areas: str = "ALL",
    cross: str = "imd_quintile_by_ethnic_group",
    separator: str = " | ",
    check: Sequence[str] = ("events", "denominator"),
    nested: Mapping[str, tuple[str, Mapping[str, str]]] = NESTED_DIMENSIONS,
) -> list[AdditiveSet]:
    """Every additive set of a rates-shaped table (area, outcome, dimension, group rows).

    Within an area and outcome: the groups of each dimension sum to ``overall`` (the cross
    dimension too); cross groups sum over ethnic groups to the ``imd_quintile`` row and over
    quintiles to the ``ethnic_group`` row; the groups of a ``nested`` breakdown (detailed ethnic
    groups) sum to their parent group's row. Across areas: the area rows of each outcome, dimension
    and group sum to the ``all_areas`` row. A set is kept only if its ``check`` columns really add up
    (so absent totals, or a pooled row over more than the listed areas, are left out).
    """
    if table.empty:
        return []
    keys = ["area_code", "outcome", "dimension", "group"]
    frame = table[keys].astype("string").fillna("").reset_index(drop=True)
    position = _key_positions(frame, keys)
    candidates: list[AdditiveSet] = []
    by_area = frame.groupby(["area_code", "outcome"], sort=False).groups
    for (area, outcome), index in by_area.items():
        part = frame.loc[index]
        # nested sets first: a complement found within the high-level group also protects the
        # set of all detailed groups, so fewer rows are withheld than the other way round
        candidates.extend(_nested_sets(part, position, area, outcome, nested))
        total = position.get((area, outcome, "overall", "All"))
        for dimension, rows in part.groupby("dimension", sort=False).groups.items():
            if dimension == "overall" or total is None:
                continue
            label = f"{area} {outcome}: {dimension} groups -> overall"
            candidates.append(AdditiveSet(total, tuple(int(r) for r in rows), label))
        crossed = part[part["dimension"] == cross]
        if crossed.empty:
            continue
        split = crossed["group"].str.split(separator, n=1, expand=True, regex=False)
        for dimension, column in (("imd_quintile", 0), ("ethnic_group", 1)):
            for value, rows in crossed.groupby(split[column].to_numpy(), sort=False).groups.items():
                margin = position.get((area, outcome, dimension, value))
                if margin is not None:
                    label = f"{area} {outcome}: {cross} -> {dimension} {value}"
                    candidates.append(AdditiveSet(margin, tuple(int(r) for r in rows), label))
    areas = frame[frame["area_code"] != all_areas]
    for (outcome, dimension, group), rows in areas.groupby(
        ["outcome", "dimension", "group"], sort=False
    ).groups.items():
        total = position.get((all_areas, outcome, dimension, group))
        if total is not None:
            label = f"areas -> {all_areas} {outcome}: {dimension} {group}"
            candidates.append(AdditiveSet(total, tuple(int(r) for r in rows), label))
    values = [pd.to_numeric(table[c], errors="coerce").to_numpy("float64") for c in check]
    return [
        s
        for s in candidates
        if all(np.isclose(v[list(s.members)].sum(), v[s.total]) for v in values)
    ]
