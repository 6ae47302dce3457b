"""The stats stage's rules, one function each: the cell table or published rates (paths) in, the rates,
trends, inequality and funnel tables written out (restricted parquet, published CSV)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from birthgaps.clean.cleaning import quintile_basis
from birthgaps.core.errors import InputError
from birthgaps.core.labels import outcomes_table
from birthgaps.core.outcomes import from_params
from birthgaps.core.provenance import label_table
from birthgaps.core.settings import default_disclosure
from birthgaps.core.tables import read_table
from birthgaps.ingest.fingertips import read_snapshot, with_snapshot
from birthgaps.ingest.national import read_lad_regions, read_reference
from birthgaps.stats.comparators import (
    REFERENCE_SOURCES,
    comparator_table,
    configured_comparators,
    funnel_targets,
    read_comparators,
    with_comparators,
)
from birthgaps.stats.funnel_table import funnel_points, publish_funnel
from birthgaps.stats.inequality_table import inequality_table, publish_inequality
from birthgaps.stats.rates import (
    compute_rates,
    detailed_ethnicity,
    hidden_groups,
    previous_release,
    publish_rates,
)
from birthgaps.stats.run_comparators import read_regions, run_reference
from birthgaps.stats.trend_table import trend_counts, trends_table

#: Columns the published rates table must have to be read back by the later rules.
PUBLISHED_RATES_REQUIRED = [
    "area_code",
    "outcome",
    "dimension",
    "group",
    "value",
    "lower_95",
    "upper_95",
    "suppressed",
]


def read_published_rates(path: str | Path) -> pd.DataFrame:
    """The published rates table with text columns as strings (group "1" stays "1")."""
    path = Path(path)
    if not path.exists():
        raise InputError(
            "the published rates table is missing",
            file=str(path),
            hint="run the rule that writes the rates table first",
        )
    text = {
        c: "string"
        for c in ("area_code", "area_name", "outcome", "dimension", "group", "unit", "flag")
    }
    try:
        table = pd.read_csv(
            path, dtype={**text, "events": "Int64", "denominator": "Int64"}, keep_default_na=True
        )
    except (ValueError, pd.errors.ParserError) as error:
        raise InputError(f"the rates table cannot be read: {error}", file=str(path)) from error
    if "value" not in table.columns and "percent" in table.columns:
        # a release published before per-1,000 outcomes (a previous release): all percentages
        table = table.rename(columns={"percent": "value"}).assign(unit="%")
    missing = [c for c in PUBLISHED_RATES_REQUIRED if c not in table.columns]
    if missing:
        raise InputError(
            f"the rates table lacks column(s) {', '.join(missing)}",
            file=str(path),
            column=", ".join(missing),
            hint="see docs/architecture.md for the table's format",
        )
    table["flag"] = table["flag"].fillna("") if "flag" in table.columns else ""
    return table


def _write_published(
    table: pd.DataFrame, path: str | Path, release: str, synthetic: bool, basis: str | None = None
) -> None:
    """Label a published table with its release (and quintile basis) and write it as CSV."""
    label_table(table, release, synthetic, basis).to_csv(path, index=False)


def comparators_step(
    reference: str | Path,
    regions: str | Path,
    comparators_out: str | Path,
    *,
    areas: Mapping[str, str],
    years: list[int],
    outcomes: list[Mapping],
    benchmark: Mapping,
    snapshot: str | Path | None,
    release: str,
    synthetic: bool,
    cells: str | Path | None = None,
    disclosure: Mapping | None = None,
) -> None:
    """Published reference (and Fingertips snapshot) -> the comparator rows the benchmark uses, in
    each outcome's unit (CSV; ``outcomes``: the registry as rule params, ``outcome_params``).

    With ``cells`` (config ``comparators.from_run``) England and the regions are summed from the
    run's own cells instead (``birthgaps.stats.run_comparators``)."""
    declared = from_params(outcomes)
    source = benchmark["source"]
    if source in REFERENCE_SOURCES:
        if cells is not None:
            rules = dict(disclosure or default_disclosure())
            table = run_reference(
                read_table("cells", cells), read_regions(regions), declared, rules
            )
        else:
            table = read_reference(reference)
        if snapshot and cells is None:
            table = with_snapshot(table, read_snapshot(snapshot))
        out = comparator_table(table, areas, years, declared, source, read_lad_regions(regions))
    else:
        out = configured_comparators(areas, years, declared, benchmark)
    _write_published(out, comparators_out, release, synthetic)


def rates_step(
    cells: str | Path,
    rates_out: str | Path,
    published_out: str | Path,
    *,
    outcomes: list[Mapping],
    areas: Mapping[str, str],
    statistics: Mapping,
    disclosure: Mapping,
    release: str,
    synthetic: bool,
    deprivation: Mapping,
    previous_rates: str | Path | None = None,
    previous_rates_unrounded: str | Path | None = None,
    comparators: str | Path | None = None,
    ethnicity: Mapping | None = None,
    cells_detailed: str | Path | None = None,
    definitions_out: str | Path | None = None,
) -> None:
    """Cell table -> rates of every declared outcome (unrounded, restricted parquet) and published
    rates (CSV), compared with the comparators (England, a region) when given, and the published
    definitions of the outcomes (``definitions_out``, tables/outcomes.csv).

    ``outcomes`` is the registry as rule params (``birthgaps.core.settings.outcome_params``). With
    config ``ethnicity.detailed`` the detailed-ethnicity cells add the detailed breakdown.
    """
    declared = from_params(outcomes)
    statistics = with_comparators(
        statistics, read_comparators(comparators) if comparators else None
    )
    detailed = None
    if detailed_ethnicity(ethnicity):
        if cells_detailed is None:
            raise InputError(
                "ethnicity.detailed is on but the detailed-ethnicity cells were not given",
                key="ethnicity.detailed",
                hint="the rates rule reads restricted/cells_detailed.parquet (rule cells)",
            )
        detailed = read_table("cells_detailed", cells_detailed)
    rates = compute_rates(
        read_table("cells", cells), areas, statistics, detailed=detailed, outcomes=declared
    )
    rates.to_parquet(rates_out, index=False)
    previous = None
    if previous_rates:
        previous = previous_release(
            read_published_rates(previous_rates), pd.read_parquet(previous_rates_unrounded)
        )
    published = publish_rates(rates, disclosure, statistics, previous=previous, outcomes=declared)
    _write_published(published, published_out, release, synthetic, quintile_basis(deprivation))
    if definitions_out is not None:
        _write_published(outcomes_table(declared), definitions_out, release, synthetic)


def trends_step(
    cells: str | Path,
    rates: str | Path,
    counts_out: str | Path,
    trends_out: str | Path,
    *,
    areas: Mapping[str, str],
    statistics: Mapping,
    disclosure: Mapping,
    release: str,
    synthetic: bool,
    deprivation: Mapping,
    previous_trend_counts: str | Path | None = None,
    outcomes: list[Mapping] | None = None,
) -> None:
    """Cell table -> protected yearly (or rolling three-year) counts (restricted parquet) and
    published recent trends (CSV), each outcome in its unit (``outcomes``: ``outcome_params``)."""
    frame = read_table("cells", cells)
    previous = pd.read_parquet(previous_trend_counts) if previous_trend_counts else None
    trend_counts(frame, areas, disclosure, previous, outcomes).to_parquet(counts_out, index=False)
    hidden = hidden_groups(read_published_rates(rates))
    table = trends_table(frame, areas, statistics, disclosure, hidden, previous, outcomes)
    _write_published(table, trends_out, release, synthetic, quintile_basis(deprivation))


def inequality_step(
    rates: str | Path,
    inequality_out: str | Path,
    *,
    areas: Mapping[str, str],
    statistics: Mapping,
    disclosure: Mapping,
    release: str,
    synthetic: bool,
    deprivation: Mapping,
    outcomes: list[Mapping] | None = None,
) -> None:
    """Published rates (protected counts) -> published inequality measures (CSV), each outcome
    in its unit (``outcomes``: ``outcome_params``)."""
    published_rates = read_published_rates(rates)
    table = inequality_table(published_rates, areas, statistics, outcomes)
    published = publish_inequality(table, disclosure, hidden_groups(published_rates))
    _write_published(published, inequality_out, release, synthetic, quintile_basis(deprivation))


def funnel_step(
    rates: str | Path,
    funnel_out: str | Path,
    *,
    areas: Mapping[str, str],
    disclosure: Mapping,
    release: str,
    synthetic: bool,
    comparators: str | Path | None = None,
    outcomes: list[Mapping] | None = None,
) -> None:
    """Published rates (protected counts) -> published funnel-plot points and limits (CSV), each
    outcome in its unit (``outcomes``: ``outcome_params``); the target is the comparator's value
    (England) when there is one, else the study areas' average."""
    targets = funnel_targets(read_comparators(comparators) if comparators else None, areas)
    points = funnel_points(read_published_rates(rates), areas, targets, outcomes)
    _write_published(publish_funnel(points, disclosure), funnel_out, release, synthetic)
