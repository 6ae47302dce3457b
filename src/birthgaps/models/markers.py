"""The share of deaths that were preterm or of low birth weight, by area, IMD quintile and ethnic
group, with Wilson limits, under disclosure control.

The restricted deaths-by-marker cells (``clean.markers``), the study areas, the ``disclosure:``
block and the published rates table enter :func:`death_markers_table`; the published
``death_markers`` table leaves. Protect first, derive after: a row is withheld when its deaths with
the marker, without it, or with it stated are in the suppression range, or when the rates row of
the same deaths is withheld; secondary suppression across groups and across areas stops a withheld
row being worked out by subtraction; the other counts are rounded and the percentages and limits
are computed from the rounded counts. Read with the collider-bias caution
(:data:`birthgaps.models.notes.COLLIDER_CAUTION`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from birthgaps.core.catalogue import LABEL_COLUMNS, TABLES
from birthgaps.core.disclosure import AdditiveSet, is_small, round_to_base, secondary_mask
from birthgaps.models.notes import NOTE_WITHHELD
from birthgaps.models.published import published_rates
from birthgaps.models.tables import ALL_AREAS
from birthgaps.stats.intervals import proportion_ci

#: Breakdowns of the markers table (whole period).
MARKER_BREAKDOWNS = ("overall", "imd_quintile", "ethnic_group")
#: Fewer deaths with the marker stated than this: no percentage (ONS: no rate from fewer than 3).
MIN_DEATHS = 3
NOTE_TOO_FEW_DEATHS = "too few deaths with the marker stated"
#: The published table's key, and why it has no rows when no outcome has marked deaths.
MARKERS_TABLE = "death_markers"
NOTE_NO_MARKED_DEATHS = (
    "no deaths to describe: the release models no mortality outcome of live births "
    "(an outcome of group mortality with `modelled: true`, such as infant), or it has no deaths"
)
_KEYS = ["area_code", "outcome", "marker", "dimension", "group"]


def marker_counts(cells: pd.DataFrame, areas: dict[str, str]) -> pd.DataFrame:
    """Exact deaths with the marker (``events``), with it stated (``denominator``) and all deaths
    (``deaths``) per area (config order, then ``ALL``), outcome, marker, breakdown and group."""
    cells = cells[cells["area_code"].astype(str).isin(list(areas))]
    frames = []
    for code, part in [*((c, cells[cells["area_code"] == c]) for c in areas), (ALL_AREAS, cells)]:
        for dimension in MARKER_BREAKDOWNS:
            group = "All" if dimension == "overall" else part[dimension].astype(str)
            frame = part.assign(
                group=group,
                deaths=part["events"],
                events=part["events"].where(part["status"] == "yes", 0),
                denominator=part["events"].where(part["status"] != "not stated", 0),
            )
            summed = frame.groupby(["outcome", "marker", "group"], sort=False, observed=True)[
                ["events", "denominator", "deaths"]
            ].sum()
            summed = summed.reset_index()
            summed.insert(0, "area_code", code)
            summed.insert(3, "dimension", dimension)
            frames.append(summed)
    columns = [*_KEYS, "events", "denominator", "deaths"]
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)[columns]
    return out.sort_values(["outcome", "marker"], kind="stable").reset_index(drop=True)


def _additive_sets(table: pd.DataFrame, areas: dict[str, str]) -> list[AdditiveSet]:
    """Groups sum to the ``overall`` row of their breakdown; areas sum to ``ALL``."""
    position = {tuple(row): i for i, row in enumerate(table[_KEYS].astype(str).to_numpy())}
    sets = []
    for key, i in position.items():
        area, outcome, marker, dimension, group = key
        if dimension == "overall":
            for breakdown in MARKER_BREAKDOWNS[1:]:
                members = tuple(
                    j for k, j in position.items() if k[:3] == key[:3] and k[3] == breakdown
                )
                if members:
                    sets.append(AdditiveSet(i, members, f"{area} {outcome} {marker} {breakdown}"))
        if area == ALL_AREAS:
            members = tuple(
                position[(code, outcome, marker, dimension, group)]
                for code in areas
                if (code, outcome, marker, dimension, group) in position
            )
            if members:
                sets.append(
                    AdditiveSet(i, members, f"areas {outcome} {marker} {dimension} {group}")
                )
    return sets


def death_markers_table(
    cells: pd.DataFrame,
    areas: dict[str, str],
    disclosure: dict,
    rates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The published ``death_markers`` table (columns of the catalogue, without label columns).

    ``cells`` is the restricted ``death_marker_cells`` table; ``rates`` the published rates table,
    whose withheld rows withhold the markers of the same deaths (area, outcome, breakdown, group).
    """
    low, high, base = (
        disclosure["suppress_min"],
        disclosure["suppress_max"],
        disclosure["rounding_base"],
    )
    table = marker_counts(cells, areas)
    events, stated = table["events"], table["denominator"]
    primary = np.zeros(len(table), dtype=bool)
    for values in (events, stated - events, stated, table["deaths"]):
        primary |= is_small(values, low, high).to_numpy()
    if rates is not None:
        published = published_rates(rates)
        for i, (area, outcome, _, dimension, group) in enumerate(table[_KEYS].to_numpy()):
            row = published.get((str(area), str(outcome)), {}).get((dimension, str(group)))
            primary[i] |= row is not None and row.withheld
    zero = ((events == 0) | (stated - events == 0)).to_numpy()
    size = stated.to_numpy(dtype="float64")
    withheld = secondary_mask(primary, _additive_sets(table, areas), size, zero)
    hide = pd.Series(withheld, index=table.index)
    out = table[_KEYS].copy()
    out.insert(1, "area_name", out["area_code"].map({**areas, ALL_AREAS: "All areas"}))
    out["events"] = round_to_base(events, base).mask(hide)
    out["denominator"] = round_to_base(stated, base).mask(hide)
    shown = out["denominator"].fillna(0) >= MIN_DEATHS
    ci = proportion_ci(
        out["events"].fillna(0).to_numpy(dtype=float),
        out["denominator"].fillna(0).to_numpy(dtype=float),
        0.95,
        multiplier=100,
    )
    for column, source in (
        ("percent", "value"),
        ("lower_95", "lower_95"),
        ("upper_95", "upper_95"),
    ):
        out[column] = ci[source].where(shown.to_numpy()).round(1).to_numpy()
    out["note"] = np.where(withheld, NOTE_WITHHELD, np.where(shown, "", NOTE_TOO_FEW_DEATHS))
    out["suppressed"] = withheld
    out["flag"] = np.where(withheld, "c", "")
    columns = [c for c in TABLES[MARKERS_TABLE].columns if c not in LABEL_COLUMNS]
    return out[columns].reset_index(drop=True)
