"""The ingest stage's rules, one function each: the raw extract(s) or the official lookups in; the canonical
births table, its validation report and the release's LSOA -> IMD table written out."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from birthgaps.core.outcomes import extract_needs, from_params
from birthgaps.core.tables import write_table
from birthgaps.ingest.extract import ingest_release
from birthgaps.ingest.lookups import imd_lookup_for_release, match_counts
from birthgaps.ingest.residence import load_area_lookup
from birthgaps.ingest.validation import write_report


def ingest_step(
    extracts: Sequence[str],
    births_out: str | Path,
    report_csv: str | Path,
    report_html: str | Path,
    *,
    source: Mapping,
    rule: str,
    definitions: Mapping,
    report_dir: str | Path,
    release: str,
    years: Sequence[int],
    implausible_share: float,
    area_lookup: Mapping | None,
    deaths: Mapping | None = None,
    outcomes: Sequence[Mapping] = (),
) -> None:
    """Raw extract(s) -> canonical births (restricted parquet) and the validation report (CSV, HTML).

    ``deaths`` (config ``releases.<name>.deaths``) is a deaths extract joined on ``baby_id``;
    ``outcomes`` (the registry's declarations) say which optional columns the extract must have."""
    title = f"Validation report: release {release}"
    births, report = ingest_release(
        list(extracts),
        source,
        rule=rule,
        definitions=definitions,
        report_dir=report_dir,
        report_title=title,
        years=list(years),
        implausible_share=implausible_share,
        area_lookup=load_area_lookup(area_lookup),
        deaths=deaths,
        needs=extract_needs(from_params(outcomes).values()),
    )
    write_table(births, "births", births_out)
    write_report(report, report_csv, report_html, title=title)


def lookups_step(config: dict, lookup_out: str | Path) -> None:
    """Fetch and verify the official lookups; write the release's LSOA -> IMD table (CSV)."""
    lookup = imd_lookup_for_release(config)
    logging.getLogger("birthgaps").info("LSOA matches: %s", match_counts(lookup))
    lookup.to_csv(lookup_out, index=False)
