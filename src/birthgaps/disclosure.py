"""Disclosure control for published tables (NHS England rule for maternity-sourced counts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


def is_small(counts: pd.Series, low: int, high: int) -> pd.Series:
    """True where a count lies in the suppression range [low, high] (zero is not disclosive)."""
    values = pd.to_numeric(counts, errors="coerce")
    return values.between(low, high).fillna(False).astype(bool)


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
    primary: np.ndarray, sets: Sequence[AdditiveSet], size: np.ndarray
) -> np.ndarray:
    """Primary mask plus complementary suppressions, until no set has exactly one suppressed cell.

    In each offending set the unsuppressed member with the smallest ``size`` is suppressed (ties go
    to the earlier row); the total only when no member is left. Sets are revisited until nothing
    changes, so a suppression made for one set is protected in every other set it belongs to.
    Deterministic: the result depends only on the inputs and the order of rows.
    """
    suppressed = np.asarray(primary, dtype=bool).copy()
    size = np.asarray(size, dtype="float64")
    changed = True
    while changed:
        changed = False
        for additive in sets:
            cells = np.array(additive.cells)
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
) -> pd.DataFrame:
    """Extend the ``suppressed`` rows of a primary-controlled table so no set gives a cell away.

    Newly suppressed rows lose ``value_columns`` (<NA>); ``suppression`` records ``primary``,
    ``secondary`` or "". ``size_column`` (unrounded where available) chooses the complement.
    """
    out = table.copy()
    primary = out["suppressed"].to_numpy(dtype=bool)
    size = pd.to_numeric(out[size_column], errors="coerce").fillna(np.inf).to_numpy("float64")
    mask = secondary_mask(primary, additive_sets, size)
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


def rates_additive_sets(
    table: pd.DataFrame,
    *,
    all_areas: str = "ALL",
    cross: str = "imd_quintile_by_ethnic_group",
    separator: str = " | ",
    check: Sequence[str] = ("events", "denominator"),
) -> list[AdditiveSet]:
    """Every additive set of a rates-shaped table (area, outcome, dimension, group rows).

    Within an area and outcome: the groups of each dimension sum to ``overall`` (the cross
    dimension too); cross groups sum over ethnic groups to the ``imd_quintile`` row and over
    quintiles to the ``ethnic_group`` row. Across areas: the area rows of each outcome, dimension
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
