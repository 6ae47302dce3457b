"""The clean stage's rules, one function each: canonical births and the LSOA -> IMD lookup (paths) in; clean
births, the exclusion flow (restricted and published) and the cell table written out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from birthgaps.clean.cells import make_cells, make_detailed_cells
from birthgaps.clean.cleaning import clean_births, read_lookup
from birthgaps.clean.flow import publish_flow
from birthgaps.clean.markers import make_marker_cells
from birthgaps.core.outcomes import from_params
from birthgaps.core.provenance import label_table
from birthgaps.core.tables import read_table, write_table
from birthgaps.ingest.deaths import deaths_flow


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
    complete_to: str | None = None,
    report: str | Path | None = None,
) -> None:
    """Births -> clean births (restricted parquet), exclusion flow (restricted and published CSV).

    ``complete_to`` is the deaths' follow-up end; ``report`` the ingest validation report, whose
    deaths-link counts join the flow."""
    link_rows = deaths_flow(pd.read_csv(report)) if report else []
    clean, flow = clean_births(
        read_table("births", births),
        read_lookup(imd_lookup),
        areas=areas,
        years=years,
        definitions=definitions,
        deprivation=deprivation,
        implausible_share=implausible_share,
        complete_to=pd.Timestamp(complete_to) if complete_to else None,
        link_rows=link_rows,
    )
    write_table(clean, "births_clean", clean_out)
    write_table(flow, "exclusion_flow_restricted", flow_out)
    previous = None
    if previous_flow:
        previous = (
            pd.read_csv(previous_flow, dtype={"step": "string"}),
            pd.read_csv(previous_flow_restricted, dtype={"step": "string"}),
        )
    published = publish_flow(flow, disclosure, previous)
    write_table(label_table(published, release, synthetic), "exclusion_flow", published_flow_out)


def cells_step(
    clean: str | Path,
    cells_out: str | Path,
    *,
    outcomes: Sequence[Mapping | str],
    definitions: Mapping | None = None,
    complete_to: str | None = None,
    detailed_out: str | Path | None = None,
    markers_out: str | Path | None = None,
) -> None:
    """Clean births -> the cell table and, with ``detailed_out``, the detailed-ethnicity cells;
    with ``markers_out``, deaths by preterm / low birth weight marker (``clean.markers``).

    ``outcomes`` are the registry's declarations (``Outcome.as_params``) or built-in ids;
    ``complete_to`` is the date up to which linked deaths are complete (the follow-up end)."""
    births = read_table("births_clean", clean)
    declared = [o if isinstance(o, str) else from_params([o])[o["id"]] for o in outcomes]
    until = pd.Timestamp(complete_to) if complete_to else None
    options = {"definitions": definitions, "complete_to": until}
    write_table(make_cells(births, declared, **options), "cells", cells_out)
    if detailed_out is not None:
        write_table(
            make_detailed_cells(births, declared, **options), "cells_detailed", detailed_out
        )
    if markers_out is not None:
        markers = make_marker_cells(births, declared, **options)
        write_table(markers, "death_marker_cells", markers_out)
