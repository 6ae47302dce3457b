"""England and region values from the run's own cells (config ``comparators.from_run``), the way
OHID computes them when a release covers every upper-tier local authority of England: each
outcome's events and denominators summed over all areas (England) and over each region's areas,
per year, in the layout of the published reference so ``comparator_table`` picks them as it picks
the ONS values.

The sums are disclosure-controlled like every published count (counts in the suppression range
withheld, the rest rounded) and the value is computed from the rounded counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from birthgaps.core.disclosure import is_small, round_to_base
from birthgaps.core.outcomes import MEASURES
from birthgaps.ingest.national import ENGLAND, REFERENCE_COLUMNS, read_region_table

#: The ``source`` of every comparator summed from the run.
RUN_SOURCE = "this release: all areas of England summed (comparators.from_run)"
RUN_REGION_SOURCE = "this release: the region's areas summed (comparators.from_run)"


def run_reference(
    cells: pd.DataFrame,
    regions: pd.DataFrame,
    outcomes: Mapping[str, object],
    disclosure: Mapping[str, int],
) -> pd.DataFrame:
    """Reference rows (``ingest.national.REFERENCE_COLUMNS``) for England and every region the
    areas of ``cells`` fall in, per outcome and year. ``regions``: ``lad_code``, ``region_code``,
    ``region_name``; ``outcomes``: declarations with ``measure`` (their unit)."""
    cells = cells[cells["outcome"].astype(str).isin(list(outcomes))]
    region_of = dict(zip(regions["lad_code"].astype(str), regions["region_code"], strict=False))
    region_name = dict(zip(regions["region_code"], regions["region_name"], strict=False))
    keys = ["outcome", "year"]
    england = cells.groupby(keys, as_index=False, observed=True)[["events", "denominator"]].sum()
    england["geography_code"] = ENGLAND
    england["geography_name"] = "England"
    england["geography_type"] = "country"
    england["source"] = RUN_SOURCE
    located = cells.assign(geography_code=cells["area_code"].astype(str).map(region_of))
    located = located.dropna(subset=["geography_code"])
    by_region = located.groupby(["geography_code", *keys], as_index=False, observed=True)[
        ["events", "denominator"]
    ].sum()
    by_region["geography_name"] = by_region["geography_code"].map(region_name)
    by_region["geography_type"] = "region"
    by_region["source"] = RUN_REGION_SOURCE
    frame = pd.concat([england, by_region], ignore_index=True)
    low, high = disclosure["suppress_min"], disclosure["suppress_max"]
    small = is_small(frame["events"], low, high) | is_small(frame["denominator"], low, high)
    frame = frame[~small & (frame["denominator"] > 0)].copy()
    frame["numerator"] = round_to_base(frame["events"], disclosure["rounding_base"])
    frame["denominator"] = round_to_base(frame["denominator"], disclosure["rounding_base"])
    frame = frame[frame["denominator"] > 0]
    measure = frame["outcome"].map(
        {k: getattr(v, "measure", "percent") for k, v in outcomes.items()}
    )
    frame["measure"] = measure.fillna("percent")
    share = frame["numerator"].astype("float64") / frame["denominator"].astype("float64")
    frame["percent"] = (100 * share).round(4)
    multiplier = frame["measure"].map({k: m for k, (m, _) in MEASURES.items()})
    frame["rate"] = (multiplier * share).round(4)
    frame["year"] = frame["year"].astype("int64")
    frame["period"] = frame["year"].astype(str)
    return frame.reindex(columns=REFERENCE_COLUMNS).reset_index(drop=True)


def read_regions(path: str | Path) -> pd.DataFrame:
    """The area -> region map (``lad_code``, ``lad_name``, ``region_code``, ``region_name``), read
    and checked by the one reader of the shipped map (``ingest.national.read_region_table``)."""
    return read_region_table(path)


def area_regions(path: str | Path) -> dict[str, str]:
    """Area code -> region name from the area -> region map (the index groups areas by it)."""
    frame = read_regions(path)
    return dict(zip(frame["lad_code"].str.strip(), frame["region_name"].str.strip(), strict=True))
