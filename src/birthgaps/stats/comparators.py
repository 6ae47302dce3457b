"""The England or region value each area is compared with, per outcome and period, chosen from the
published reference (and a Fingertips snapshot): the published comparators table, and the check that
no release compares an area with itself.

Rules (docs/statistics.md, "Comparators"): a year of the release is compared with the comparator's
value for that year, or not at all (never a value from another year); the whole period with the
comparator pooled over the release years it covers (numerators and denominators summed), labelled
with those years when they differ from the release's, e.g. "England (2019-2022)".
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from birthgaps.core.errors import InputError
from birthgaps.core.outcomes import MEASURES, Outcome, builtin_declarations
from birthgaps.core.settings import schema_defaults
from birthgaps.ingest.national import ENGLAND, read_reference
from birthgaps.stats.outcome_specs import resolve_outcomes, rolling_periods

#: Key of a whole-period comparator row (as ``birthgaps.stats.rates.WHOLE_PERIOD``).
WHOLE_PERIOD = "all"
#: Benchmark sources that read the comparator reference.
REFERENCE_SOURCES = ("england", "region")
COMPARATOR_COLUMNS = [
    "area_code",
    "area_name",
    "outcome",
    "period",
    "benchmark_label",
    "geography_code",
    "geography_name",
    "geography_type",
    "years",
    "reference_numerator",
    "reference_denominator",
    "value",
    "unit",
    "source",
    "note",
]


def year_span(years: Iterable[int]) -> str:
    """``2019-2022`` for consecutive years, ``2019, 2021`` otherwise, ``2022`` for one year."""
    years = sorted({int(y) for y in years})
    if not years:
        return ""
    if len(years) > 1 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}-{years[-1]}"
    return ", ".join(str(y) for y in years)


def _pooled(
    rows: pd.DataFrame, multiplier: int = 100
) -> tuple[float | None, float | None, float | None]:
    """(numerator, denominator, value) pooled over ``rows``, the value times ``multiplier`` (100 for
    a percentage, 1,000 for a rate per 1,000): counts summed where every row has them; one row
    without counts stands alone (its published value); else nothing."""
    if rows.empty:
        return None, None, None
    counted = rows["numerator"].notna().all() and rows["denominator"].notna().all()
    if counted:
        numerator = float(rows["numerator"].astype("float64").sum())
        denominator = float(rows["denominator"].astype("float64").sum())
        return numerator, denominator, round(multiplier * numerator / denominator, 4)
    if len(rows) == 1:
        return None, None, round(float(rows["percent"].iloc[0]) * multiplier / 100, 4)
    return None, None, None


def _geography_for(area: str, source: str, regions: Mapping[str, str]) -> str | None:
    """The comparator geography of an area: England, or the area's region (None when it has none)."""
    return ENGLAND if source == "england" else regions.get(area)


def comparator_table(
    reference: pd.DataFrame,
    areas: Mapping[str, str],
    years: Sequence[int],
    outcomes: Mapping[str, Outcome] | Sequence[str],
    source: str,
    regions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per area, outcome and period (each release year, or each rolling period of an
    outcome pooled over three years, then ``all``): the comparator value used, in the outcome's
    unit, and where it comes from; ``value`` is blank, with a ``note``, when there is none.

    ``outcomes`` are the declarations (or built-in ids). A rolling period is compared with the
    comparator pooled over the same years only when the reference has all of them."""
    if source not in REFERENCE_SOURCES:
        raise InputError(
            f"comparators are read for sources {', '.join(REFERENCE_SOURCES)}, not {source!r}",
            key="statistics.benchmark.source",
        )
    declared = resolve_outcomes(
        outcomes if isinstance(outcomes, Mapping) else None,
        [] if isinstance(outcomes, Mapping) else outcomes,
    )
    release_years = sorted({int(y) for y in years})
    records = []
    for area, area_name in areas.items():
        code = _geography_for(str(area), source, regions or {})
        for outcome, spec in declared.items():
            rows = reference[
                (reference["geography_code"] == code)
                & (reference["outcome"] == reference_outcome(spec, set(reference["outcome"])))
            ]
            name = str(rows["geography_name"].iloc[0]) if len(rows) else ""
            base = {
                "area_code": str(area),
                "area_name": str(area_name),
                "outcome": outcome,
                "geography_code": code or "",
                "geography_name": name,
                "geography_type": str(rows["geography_type"].iloc[0]) if len(rows) else "",
            }
            why = _missing_reason(code, name, outcome, source)
            periods = [
                *rolling_periods(release_years, spec.pool_years),
                (WHOLE_PERIOD, tuple(release_years)),
            ]
            for period, period_years in periods:
                used = rows[rows["year"].isin(period_years)]
                covered = sorted(int(y) for y in used["year"])
                whole = period == WHOLE_PERIOD
                complete = whole or covered == list(period_years)
                numerator, denominator, value = (
                    _pooled(used, spec.multiplier) if complete else (None, None, None)
                )
                label = name
                if whole and covered and covered != release_years:
                    label = f"{name} ({year_span(covered)})"
                note = ""
                if value is None:
                    note = why or (
                        f"no {name} value for {period}"
                        if len(period_years) == 1 and not whole
                        else f"no {name} value for {year_span(period_years)} that can be pooled"
                    )
                    label = ""
                records.append(
                    {
                        **base,
                        "period": str(period),
                        "benchmark_label": label,
                        "years": year_span(covered) if value is not None else "",
                        "reference_numerator": numerator,
                        "reference_denominator": denominator,
                        "value": value,
                        "unit": spec.unit,
                        "source": "; ".join(sorted(set(used["source"])))
                        if value is not None
                        else "",
                        "note": note,
                    }
                )
    return _typed(pd.DataFrame.from_records(records, columns=COMPARATOR_COLUMNS))


def reference_outcome(spec: Outcome, available: set[str]) -> str:
    """The reference's outcome for a declared one: its own id, else a built-in outcome that counts
    the same events of the same population in the same unit (infant mortality by year of death
    reads the reference's infant rows: ONS counts deaths in the year they are registered)."""
    if spec.id in available:
        return spec.id
    same = (spec.numerator, spec.denominator, spec.measure, spec.restrict, tuple(spec.requires))
    for other in resolve_outcomes(None, builtin_declarations()).values():
        if other.id in available and same == (
            other.numerator,
            other.denominator,
            other.measure,
            other.restrict,
            tuple(other.requires),
        ):
            return other.id
    return spec.id


def _typed(out: pd.DataFrame) -> pd.DataFrame:
    """The comparators table with its count columns as Int64 and ``value`` as float."""
    for column in ("reference_numerator", "reference_denominator"):
        out[column] = pd.array(out[column], dtype="Int64")
    out["value"] = pd.to_numeric(out["value"]).astype("float64")
    out["unit"] = out["unit"].astype("string")
    return out


def _missing_reason(code: str | None, name: str, outcome: str, source: str) -> str:
    """Why an area has no comparator at all for an outcome, or "" when it has some rows."""
    if code is None:
        return "the area has no region in the LAD -> region map (region comparison absent)"
    if not name:
        return f"no published {source} comparator for {outcome}"
    return ""


def benchmark_lookup(comparators: pd.DataFrame) -> dict[tuple[str, str, str], tuple[str, float]]:
    """(area_code, outcome, period) -> (label, value in the outcome's unit) of the comparator rows
    that have a value."""
    shown = comparators[pd.to_numeric(comparators["value"], errors="coerce").notna()]
    return {
        (str(a), str(o), str(p)): (str(label), float(value))
        for a, o, p, label, value in zip(
            shown["area_code"],
            shown["outcome"],
            shown["period"],
            shown["benchmark_label"],
            shown["value"],
            strict=True,
        )
    }


def check_self_comparison(config: Mapping, *, warn: bool = True) -> None:
    """Stop (InputError) when a one-area release would compare the area with itself (``pooled``);
    with ``statistics.benchmark.self_comparison: warn`` only warn (when ``warn``). ``config`` is
    validated (``birthgaps.core.settings.validate_config`` filled the defaults)."""
    benchmark = config["statistics"]["benchmark"]
    if benchmark["source"] != "pooled" or len(config["areas"]) != 1:
        return
    problem = (
        "with one area, benchmark source 'pooled' compares the area with itself "
        "(its own value as the benchmark)"
    )
    if benchmark["self_comparison"] == "warn":
        if warn:
            warnings.warn(f"birthgaps: {problem}", stacklevel=2)
        return
    raise InputError(
        problem,
        key="statistics.benchmark.source",
        hint="use source: england (the default) or region, or set "
        "statistics.benchmark.self_comparison: warn to go ahead anyway",
    )


def read_comparators(path: str | Path) -> pd.DataFrame:
    """The published comparators table (rule comparators), checked for its columns."""
    path = Path(path)
    if not path.exists():
        raise InputError("the comparators table is missing", file=str(path), rule="comparators")
    frame = pd.read_csv(
        path, dtype={c: "string" for c in ("area_code", "period", "outcome")}, keep_default_na=True
    )
    if "value" not in frame.columns and "percent" in frame.columns:
        # a table written before per-1,000 outcomes: every value is a percentage
        frame = frame.rename(columns={"percent": "value"})
    if "unit" not in frame.columns:
        frame["unit"] = MEASURES["percent"][1]
    missing = [c for c in COMPARATOR_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            "the comparators table lacks a column", file=str(path), column=", ".join(missing)
        )
    frame["benchmark_label"] = frame["benchmark_label"].fillna("").astype(str)
    return frame[COMPARATOR_COLUMNS]


def with_comparators(statistics: Mapping, comparators: pd.DataFrame | None) -> dict:
    """The ``statistics`` block with the comparator rows under ``benchmark.comparators``."""
    out = dict(statistics or {})
    benchmark = dict(out.get("benchmark") or {})
    if comparators is not None:
        benchmark["comparators"] = comparators.to_dict("records")
    out["benchmark"] = benchmark
    return out


def funnel_targets(
    comparators: pd.DataFrame | None, areas: Iterable[str]
) -> dict[str, tuple[float, str]]:
    """Outcome -> (funnel target as a proportion, its label): the comparator's whole-period value
    (divided by 100 or 1,000 by its ``unit``) when every area shares it (England; a region holding
    all the areas), else none for that outcome (the funnel then uses the study areas' average)."""
    if comparators is None or comparators.empty:
        return {}
    rows = comparators[
        (comparators["period"].astype(str) == WHOLE_PERIOD)
        & comparators["area_code"].astype(str).isin([str(a) for a in areas])
    ]
    targets = {}
    for outcome, part in rows.groupby("outcome", sort=True):
        values = pd.to_numeric(part["value"], errors="coerce")
        labels = part["benchmark_label"].astype(str)
        scale = {unit: multiplier for multiplier, unit in MEASURES.values()}
        multiplier = scale.get(str(part["unit"].iloc[0]), 100)
        if values.notna().all() and values.nunique() == 1 and labels.nunique() == 1:
            targets[str(outcome)] = (float(values.iloc[0]) / multiplier, str(labels.iloc[0]))
    return targets


def shipped_reference_path() -> Path:
    """The shipped ONS reference (config ``comparators.reference`` default), from the working
    directory when it holds one, else from the repository the package sits in."""
    default = Path(schema_defaults("comparators")["reference"])
    if default.exists():
        return default
    return Path(__file__).resolve().parents[3] / default


def period_years(labels: Iterable[str]) -> list[int]:
    """The years the ``year`` groups of a rates table cover ("2019" or "2019-2021")."""
    years: set[int] = set()
    for label in labels:
        first, _, last = str(label).partition("-")
        years.update(range(int(first), int(last or first) + 1))
    return sorted(years)


def default_comparators(
    counts: pd.DataFrame, source: str, outcomes: Mapping[str, Outcome] | None = None
) -> pd.DataFrame:
    """Comparator rows for a rates-shaped table when none are given (library use, tests): England
    from the shipped reference for the table's areas, years and outcomes (``outcomes``: their
    declarations, else the built-ins; ``region`` needs the rule's region map, so it stops here)."""
    if source != "england":
        raise InputError(
            f"benchmark source {source!r} needs the comparators table (rule comparators)",
            key="statistics.benchmark.source",
        )
    areas = [a for a in counts["area_code"].astype(str).unique() if a != "ALL"]
    is_year = counts["dimension"].astype(str) == "year"
    years = period_years(counts.loc[is_year, "group"].astype(str).unique())
    ids = list(counts["outcome"].astype(str).unique())
    declared = resolve_outcomes(None, ids) if outcomes is None else dict(outcomes)
    present = {i: declared[i] for i in ids if i in declared}
    reference = read_reference(shipped_reference_path())
    return comparator_table(reference, {a: a for a in areas}, years, present, source)


def configured_comparators(
    areas: Mapping[str, str],
    years: Sequence[int],
    outcomes: Mapping[str, Outcome] | Sequence[str],
    benchmark: Mapping,
) -> pd.DataFrame:
    """The comparators table of a ``pooled`` or ``values`` benchmark: one row per area, outcome and
    period saying what the area is compared with (the pooled value is in the rates table's ``ALL``
    rows; given values, in the outcome's unit, with their period: a year, a rolling period such
    as "2019-2021", or ``all``)."""
    source = benchmark["source"]
    label = benchmark.get("label") or ("All study areas" if source == "pooled" else "England")
    given = {str(o): {str(k): v for k, v in (p or {}).items()} for o, p in
             (benchmark.get("values") or {}).items()}  # fmt: skip
    declared = resolve_outcomes(
        outcomes if isinstance(outcomes, Mapping) else None,
        [] if isinstance(outcomes, Mapping) else outcomes,
    )
    records = []
    for area, area_name in areas.items():
        for outcome, spec in declared.items():
            periods = [p for p, _ in rolling_periods(years, spec.pool_years)]
            for period in [*periods, WHOLE_PERIOD]:
                value = given.get(str(outcome), {}).get(period) if source == "values" else None
                note = (
                    "the study areas pooled: the ALL rows of the rates table"
                    if source == "pooled"
                    else ("" if value is not None else f"no value given for {period}")
                )
                records.append(
                    {
                        "area_code": str(area),
                        "area_name": str(area_name),
                        "outcome": outcome,
                        "period": period,
                        "benchmark_label": label,
                        "geography_code": "ALL" if source == "pooled" else "",
                        "geography_name": label,
                        "geography_type": "study areas" if source == "pooled" else "",
                        "years": "",
                        "reference_numerator": None,
                        "reference_denominator": None,
                        "value": value,
                        "unit": spec.unit,
                        "source": f"config statistics.benchmark.source: {source}",
                        "note": note,
                    }
                )
    return _typed(pd.DataFrame.from_records(records, columns=COMPARATOR_COLUMNS))
