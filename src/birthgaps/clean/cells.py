"""The cell table: births and events per covariate pattern, the only input of later stages."""

from __future__ import annotations

import pandas as pd

from birthgaps.core.codes import CELL_DIMENSIONS, DETAILED_CELL_DIMENSIONS

CELL_COLUMNS = [*CELL_DIMENSIONS, "outcome", "events", "denominator"]


def make_cells(
    clean: pd.DataFrame, outcomes: list[str], dimensions: list[str] = CELL_DIMENSIONS
) -> pd.DataFrame:
    """Count events and denominators of each outcome per area x year x IMD x ethnicity x age band.

    Births outside an outcome's denominator (flag <NA>) are not counted for that outcome; cells with
    an empty denominator are not written. Other ``dimensions`` give another cell table of the same
    births (``DETAILED_CELL_DIMENSIONS``: :func:`make_detailed_cells`).
    """
    columns = [*dimensions, "outcome", "events", "denominator"]
    frames = []
    for outcome in outcomes:
        flag = clean[outcome]
        keep = flag.notna()
        part = clean.loc[keep, dimensions].copy()
        part["events"] = flag[keep].astype("int64").to_numpy()
        grouped = part.groupby(dimensions, sort=True, observed=True)["events"].agg(
            events="sum", denominator="size"
        )
        grouped = grouped.reset_index()
        grouped.insert(len(dimensions), "outcome", outcome)
        frames.append(grouped)
    cells = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    for column in [*dimensions, "outcome"]:
        if column != "year":
            cells[column] = cells[column].astype("string")
    cells["year"] = cells["year"].astype("int64")
    cells["events"] = cells["events"].astype("int64")
    cells["denominator"] = cells["denominator"].astype("int64")
    return cells[columns]


def make_detailed_cells(clean: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Events and denominators per area x year x high-level x detailed ethnic group and outcome.

    The input of the optional detailed ethnic group breakdown (config ``ethnicity.detailed``);
    restricted like the cell table, and summing to it over every other dimension.
    """
    return make_cells(clean, outcomes, DETAILED_CELL_DIMENSIONS)
