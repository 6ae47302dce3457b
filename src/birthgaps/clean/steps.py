"""The clean stage's rules, one function each: canonical births and the LSOA -> IMD lookup (paths) in; clean
births, the exclusion flow (restricted and published) and the cell table written out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from birthgaps.clean.cells import make_cells
from birthgaps.clean.cleaning import clean_births, read_lookup
from birthgaps.clean.flow import publish_flow
from birthgaps.core.provenance import label_table


def clean_step(
    births: str | Path,
    imd_lookup: str | Path,
    clean_out: str | Path,
    flow_out: str | Path,
    published_flow_out: str | Path,
    *,
    areas: Sequence[str],
    years: Sequence[int],
    definitions: Mapping,
    deprivation: Mapping,
    implausible_share: float,
    disclosure: Mapping,
    release: str,
    synthetic: bool,
    previous_flow: str | Path | None = None,
    previous_flow_restricted: str | Path | None = None,
) -> None:
    """Births -> clean live births (restricted parquet), exclusion flow (restricted and published CSV)."""
    clean, flow = clean_births(
        pd.read_parquet(births),
        read_lookup(imd_lookup),
        areas=areas,
        years=years,
        definitions=definitions,
        deprivation=deprivation,
        implausible_share=implausible_share,
    )
    clean.to_parquet(clean_out, index=False)
    flow.to_csv(flow_out, index=False)
    previous = None
    if previous_flow:
        previous = (
            pd.read_csv(previous_flow, dtype={"step": "string"}),
            pd.read_csv(previous_flow_restricted, dtype={"step": "string"}),
        )
    published = publish_flow(flow, disclosure, previous)
    label_table(published, release, synthetic).to_csv(published_flow_out, index=False)


def cells_step(clean: str | Path, cells_out: str | Path, *, outcomes: Sequence[str]) -> None:
    """Clean births -> the cell table (restricted parquet)."""
    make_cells(pd.read_parquet(clean), outcomes).to_parquet(cells_out, index=False)
