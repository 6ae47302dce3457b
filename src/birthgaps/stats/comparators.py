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
from birthgaps.core.settings import schema_defaults
from birthgaps.ingest.national import ENGLAND, read_reference

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
    "percent",
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


def _pooled(rows: pd.DataFrame) -> tuple[float | None, float | None, float | None]:
    """(numerator, denominator, percent) pooled over ``rows``: counts summed where every row has
    them; one row without counts stands alone (its published percentage); else nothing."""
    if rows.empty:
        return None, None, None
    counted = rows["numerator"].notna().all() and rows["denominator"].notna().all()
    if counted:
        numerator = float(rows["numerator"].astype("float64").sum())
        denominator = float(rows["denominator"].astype("float64").sum())
        return numerator, denominator, round(100 * numerator / denominator, 4)
    if len(rows) == 1:
        return None, None, float(rows["percent"].iloc[0])
    return None, None, None


def _geography_for(area: str, source: str, regions: Mapping[str, str]) -> str | None:
    """The comparator geography of an area: England, or the area's region (None when it has none)."""
    return ENGLAND if source == "england" else regions.get(area)


def comparator_table(
    reference: pd.DataFrame,
    areas: Mapping[str, str],
    years: Sequence[int],
    outcomes: Sequence[str],
    source: str,
    regions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per area, outcome and period (each release year, then ``all``): the comparator
    value used and where it comes from; ``percent`` is blank, with a ``note``, when there is none."""
    if source not in REFERENCE_SOURCES:
        raise InputError(
            f"comparators are read for sources {', '.join(REFERENCE_SOURCES)}, not {source!r}",
            key="statistics.benchmark.source",
        )
    release_years = sorted({int(y) for y in years})
    records = []
    for area, area_name in areas.items():
        code = _geography_for(str(area), source, regions or {})
        for outcome in outcomes:
            rows = reference[
                (reference["geography_code"] == code) & (reference["outcome"] == outcome)
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
            for period in [*release_years, WHOLE_PERIOD]:
                used = rows[
                    rows["year"].isin(release_years if period == WHOLE_PERIOD else [period])
                ]
                numerator, denominator, percent = _pooled(used)
                covered = sorted(int(y) for y in used["year"])
                label = name
                if period == WHOLE_PERIOD and covered and covered != release_years:
                    label = f"{name} ({year_span(covered)})"
                note = ""
                if percent is None:
                    note = why or (
                        f"no {name} value for {period}"
                        if period != WHOLE_PERIOD
                        else f"no {name} value for {year_span(release_years)} that can be pooled"
                    )
                    label = ""
                records.append(
                    {
                        **base,
                        "period": str(period),
                        "benchmark_label": label,
                        "years": year_span(covered) if percent is not None else "",
                        "reference_numerator": numerator,
                        "reference_denominator": denominator,
                        "percent": percent,
                        "source": "; ".join(sorted(set(used["source"])))
                        if percent is not None
                        else "",
                        "note": note,
                    }
                )
    out = pd.DataFrame.from_records(records, columns=COMPARATOR_COLUMNS)
    for column in ("reference_numerator", "reference_denominator"):
        out[column] = pd.array(out[column], dtype="Int64")
    out["percent"] = pd.to_numeric(out["percent"]).astype("float64")
    return out


def _missing_reason(code: str | None, name: str, outcome: str, source: str) -> str:
    """Why an area has no comparator at all for an outcome, or "" when it has some rows."""
    if code is None:
        return "the area has no region in the LAD -> region map (region comparison absent)"
    if not name:
        return f"no published {source} comparator for {outcome}"
    return ""


def benchmark_lookup(comparators: pd.DataFrame) -> dict[tuple[str, str, str], tuple[str, float]]:
    """(area_code, outcome, period) -> (label, percent) of the comparator rows that have a value."""
    shown = comparators[pd.to_numeric(comparators["percent"], errors="coerce").notna()]
    return {
        (str(a), str(o), str(p)): (str(label), float(value))
        for a, o, p, label, value in zip(
            shown["area_code"],
            shown["outcome"],
            shown["period"],
            shown["benchmark_label"],
            shown["percent"],
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
    when every area shares it (England; a region holding all the areas), else none for that
    outcome (the funnel then uses the study areas' average)."""
    if comparators is None or comparators.empty:
        return {}
    rows = comparators[
        (comparators["period"].astype(str) == WHOLE_PERIOD)
        & comparators["area_code"].astype(str).isin([str(a) for a in areas])
    ]
    targets = {}
    for outcome, part in rows.groupby("outcome", sort=True):
        values = pd.to_numeric(part["percent"], errors="coerce")
        labels = part["benchmark_label"].astype(str)
        if values.notna().all() and values.nunique() == 1 and labels.nunique() == 1:
            targets[str(outcome)] = (float(values.iloc[0]) / 100, str(labels.iloc[0]))
    return targets


def shipped_reference_path() -> Path:
    """The shipped ONS reference (config ``comparators.reference`` default), from the working
    directory when it holds one, else from the repository the package sits in."""
    default = Path(schema_defaults("comparators")["reference"])
    if default.exists():
        return default
    return Path(__file__).resolve().parents[3] / default


def default_comparators(counts: pd.DataFrame, source: str) -> pd.DataFrame:
    """Comparator rows for a rates-shaped table when none are given (library use, tests): England
    from the shipped reference for the table's areas, years and outcomes (``region`` needs the
    rule's region map, so it stops here)."""
    if source != "england":
        raise InputError(
            f"benchmark source {source!r} needs the comparators table (rule comparators)",
            key="statistics.benchmark.source",
        )
    areas = [a for a in counts["area_code"].astype(str).unique() if a != "ALL"]
    is_year = counts["dimension"].astype(str) == "year"
    years = sorted({int(y) for y in counts.loc[is_year, "group"].astype(str)})
    outcomes = list(counts["outcome"].astype(str).unique())
    reference = read_reference(shipped_reference_path())
    return comparator_table(reference, {a: a for a in areas}, years, outcomes, source)


def configured_comparators(
    areas: Mapping[str, str], years: Sequence[int], outcomes: Sequence[str], benchmark: Mapping
) -> pd.DataFrame:
    """The comparators table of a ``pooled`` or ``values`` benchmark: one row per area, outcome and
    period saying what the area is compared with (the pooled value is in the rates table's ``ALL``
    rows; given values with their period)."""
    source = benchmark["source"]
    label = benchmark.get("label") or ("All study areas" if source == "pooled" else "England")
    given = {str(o): {str(k): v for k, v in (p or {}).items()} for o, p in
             (benchmark.get("values") or {}).items()}  # fmt: skip
    records = []
    for area, area_name in areas.items():
        for outcome in outcomes:
            for period in [*(str(int(y)) for y in sorted(years)), WHOLE_PERIOD]:
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
                        "percent": value,
                        "source": f"config statistics.benchmark.source: {source}",
                        "note": note,
                    }
                )
    out = pd.DataFrame.from_records(records, columns=COMPARATOR_COLUMNS)
    for column in ("reference_numerator", "reference_denominator"):
        out[column] = pd.array(out[column], dtype="Int64")
    out["percent"] = pd.to_numeric(out["percent"]).astype("float64")
    return out
