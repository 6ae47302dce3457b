"""The cell table: births and events per covariate pattern, the only input of later stages."""

from __future__ import annotations

import pandas as pd

from birthgaps.core.codes import CELL_DIMENSIONS

CELL_COLUMNS = [*CELL_DIMENSIONS, "outcome", "events", "denominator"]


def make_cells(clean: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Count events and denominators of each outcome per area x year x IMD x ethnicity x age band.

    Births outside an outcome's denominator (flag <NA>) are not counted for that outcome; cells with
    an empty denominator are not written.
    """
    frames = []
    for outcome in outcomes:
        flag = clean[outcome]
        keep = flag.notna()
        part = clean.loc[keep, CELL_DIMENSIONS].copy()
        part["events"] = flag[keep].astype("int64").to_numpy()
        grouped = part.groupby(CELL_DIMENSIONS, sort=True, observed=True)["events"].agg(
            events="sum", denominator="size"
        )
        grouped = grouped.reset_index()
        grouped.insert(len(CELL_DIMENSIONS), "outcome", outcome)
        frames.append(grouped)
    cells = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CELL_COLUMNS)
    for column in ("area_code", "imd_quintile", "ethnic_group", "age_band", "outcome"):
        cells[column] = cells[column].astype("string")
    cells["year"] = cells["year"].astype("int64")
    cells["events"] = cells["events"].astype("int64")
    cells["denominator"] = cells["denominator"].astype("int64")
    return cells[CELL_COLUMNS]
