"""The workbook rule in one call: the published tables (CSV paths, read as text exactly as published)
and the reasons of tables empty by design in; the release's workbook (XLSX) and data dictionary out."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from birthgaps.core.catalogue import TABLE_KEYS
from birthgaps.core.manifest import read_manifest
from birthgaps.publish.changes import flag_revised
from birthgaps.publish.dictionary import published_dictionary
from birthgaps.publish.workbook import build_workbook


def workbook_step(
    tables: Mapping[str, str | Path],
    empty_tables: str | Path,
    workbook_out: str | Path,
    dictionary_out: str | Path,
    *,
    release: str,
    release_label: str,
    synthetic: bool,
    areas: Mapping,
    years: Sequence[int],
    disclosure: Mapping,
    statistics: Mapping,
    deprivation: Mapping,
    models: Mapping,
    definitions: Mapping | None = None,
    publication: Mapping | None = None,
    manifest: str | Path | None = None,
) -> None:
    """Build the workbook and the data dictionary from the published tables (``tables``: key → path);
    ``manifest`` (path of the provenance manifest) adds its lines to the cover."""
    # as text, exactly as published: the workbook decides how each column is shown
    frames = {key: pd.read_csv(tables[key], dtype=str, keep_default_na=False) for key in TABLE_KEYS}
    with open(empty_tables, encoding="utf-8") as handle:
        empty_notes = json.load(handle)
    # the rates sheet flags the revised rows [r] in a column of its own (not in the CSV)
    shown = {**frames, "rates": flag_revised(frames["rates"], frames["changes"])}
    build_workbook(
        shown,
        release=release,
        release_label=release_label,
        synthetic=synthetic,
        areas=areas,
        path=workbook_out,
        years=years,
        disclosure=disclosure,
        statistics=statistics,
        deprivation=deprivation,
        models=models,
        empty_notes=empty_notes,
        definitions=definitions,
        publication=publication,
        manifest=read_manifest(manifest) if manifest is not None else None,
    )
    published_dictionary(frames, release, synthetic, disclosure, statistics).to_csv(
        dictionary_out, index=False
    )
