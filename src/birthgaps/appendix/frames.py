"""Rows of the published tables for the appendix: the columns each table must have, and one area's
rows of rates, models, trends, inequality, funnel and flow tables as typed frames."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from birthgaps.core.codes import (
    AGE_BAND_ORDER,
    ETHNIC_GROUPS,
    ETHNIC_GROUPS_DETAILED,
    IMD_QUINTILES,
    UNKNOWN,
)
from birthgaps.core.errors import InputError
from birthgaps.core.labels import known_outcomes

#: Columns each published table must have.
RATES_COLUMNS = [
    "area_code",
    "outcome",
    "dimension",
    "group",
    "value",
    "lower_95",
    "upper_95",
    "suppressed",
]

#: Columns of the published odds-ratio (models) table.
MODELS_COLUMNS = [
    "area_code",
    "outcome",
    "model",
    "term",
    "level",
    "reference",
    "odds_ratio",
    "lower_95",
    "upper_95",
    "note",
]

#: Columns of the published risk-ratio table (``risk_ratios.csv``, same layout as the odds ratios).
RISK_RATIOS_COLUMNS = [c if c != "odds_ratio" else "risk_ratio" for c in MODELS_COLUMNS]

#: Columns the indicator tables must have (birthgaps.stats.indicators; docs/architecture.md).
TRENDS_COLUMNS = [
    "area_code",
    "outcome",
    "dimension",
    "group",
    "first_year",
    "last_year",
    "direction",
    "label",
    "reason",
]

INEQUALITY_COLUMNS = [
    "area_code",
    "outcome",
    "measure",
    "dimension",
    "group",
    "value",
    "lower_95",
    "upper_95",
    "note",
]

FUNNEL_COLUMNS = [
    "outcome",
    "row_type",
    "area_code",
    "year",
    "denominator",
    "value",
    "significance",
    "axis_denominator",
    "lower_95",
    "upper_95",
    "lower_99_8",
    "upper_99_8",
    "baseline",
]


@dataclass(frozen=True)
class RatioMeasure:
    """Wording of one ratio measure of the model tables (odds ratio or risk ratio)."""

    column: str  # estimate column of the published table
    table: str  # name of the published table, for error messages
    noun: str  # "odds" / "risk"
    verb: str  # "are" / "is": agrees with the noun in titles
    name: str  # "odds ratio" / "risk ratio"
    short: str  # "OR" / "RR"
    method: str  # the regression, for captions
    columns: tuple[str, ...]


#: The ratio measures the forest plot can draw, by the estimate column of their table.
RATIO_MEASURES: dict[str, RatioMeasure] = {
    "odds_ratio": RatioMeasure(
        "odds_ratio",
        "models",
        "odds",
        "are",
        "odds ratio",
        "OR",
        "Binomial (logistic) regression",
        tuple(MODELS_COLUMNS),
    ),
    "risk_ratio": RatioMeasure(
        "risk_ratio",
        "risk ratios",
        "risk",
        "is",
        "risk ratio",
        "RR",
        "Modified Poisson regression (log link, robust sandwich standard errors)",
        tuple(RISK_RATIOS_COLUMNS),
    ),
}


def ratio_measure(measure: str) -> RatioMeasure:
    """The wording of ``odds_ratio`` or ``risk_ratio``; anything else is an error."""
    if measure not in RATIO_MEASURES:
        raise ValueError(f"measure must be one of {', '.join(RATIO_MEASURES)}, not {measure!r}")
    return RATIO_MEASURES[measure]


def require_columns(table: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    """Raise InputError naming the columns ``table`` (the published ``name`` table) lacks."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(
            f"the {name} table lacks column(s) {', '.join(missing)}",
            column=", ".join(missing),
            hint=f"pass the published {name} table in the format of docs/architecture.md",
        )


def as_bool(values: pd.Series) -> pd.Series:
    """Booleans from a bool column or its CSV spelling; missing counts as False."""
    if pd.api.types.is_bool_dtype(values):
        return values.fillna(False).astype(bool)
    text = values.astype("string").str.strip().str.lower()
    return text.isin(["true", "1", "yes", "t"]).fillna(False).astype(bool)


def as_float(values: pd.Series) -> np.ndarray:
    """Numbers of a published column as float64 (text and blanks become NaN)."""
    return pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()


def cell_text(value: object) -> str:
    """A table cell as text ('' for missing)."""
    return "" if value is None or pd.isna(value) else str(value)


def select_rates(
    rates: pd.DataFrame, area_code: str, outcome: str, dimension: str, *, required: bool = True
) -> pd.DataFrame:
    """Rows of one area, outcome and dimension with typed columns ``group``, numbers and ``suppressed``."""
    require_columns(rates, RATES_COLUMNS, "rates")
    mask = (
        (rates["area_code"].astype("string") == str(area_code))
        & (rates["outcome"].astype("string") == outcome)
        & (rates["dimension"].astype("string") == dimension)
    )
    rows = rates.loc[mask.fillna(False).astype(bool)]
    if rows.empty and required:
        raise InputError(
            f"the rates table has no rows for area {area_code}, outcome {outcome!r}, "
            f"dimension {dimension!r}",
            column="area_code, outcome, dimension",
            rows=0,
            hint="check the area code and that the rates stage produced this outcome and dimension",
        )
    out = pd.DataFrame(
        {
            "group": rows["group"].astype("string").str.strip().to_numpy(dtype=object),
            "value": as_float(rows["value"]),
            "lower_95": as_float(rows["lower_95"]),
            "upper_95": as_float(rows["upper_95"]),
            "suppressed": as_bool(rows["suppressed"]).to_numpy(),
        }
    )
    # A value that is missing is treated like a suppressed one: it is never drawn.
    out["suppressed"] = out["suppressed"] | np.isnan(out["value"].to_numpy())
    return out.reset_index(drop=True)


def area_name_of(rates: pd.DataFrame, area_code: str) -> str:
    """The area's name from the rates table (``area_name``), else the code itself."""
    if "area_name" in rates.columns:
        names = rates.loc[rates["area_code"].astype("string") == str(area_code), "area_name"]
        names = names.dropna().astype(str)
        if not names.empty:
            return names.iloc[0]
    return "All study areas" if str(area_code) == "ALL" else str(area_code)


def period_of(rates: pd.DataFrame, area_code: str | None = None) -> str | None:
    """``2019–2024`` from the years of the ``year`` dimension (None when there is none)."""
    require_columns(rates, ["area_code", "dimension", "group"], "rates")
    mask = rates["dimension"].astype("string") == "year"
    if area_code is not None:
        mask &= rates["area_code"].astype("string") == str(area_code)
    years = pd.to_numeric(
        rates.loc[mask.fillna(False).astype(bool), "group"], errors="coerce"
    ).dropna()
    if years.empty:
        return None
    first, last = int(years.min()), int(years.max())
    return str(first) if first == last else f"{first}–{last}"


def overall_row(rates: pd.DataFrame, area_code: str, outcome: str) -> pd.Series | None:
    """The unsuppressed ``overall`` row of an area and outcome (None when withheld or absent)."""
    rows = select_rates(rates, area_code, outcome, "overall", required=False)
    rows = rows[~rows["suppressed"]]
    return None if rows.empty else rows.iloc[0]


def order_groups(dimension: str, groups: Iterable[str]) -> list[str]:
    """Groups of a dimension in publication order (known groups first, others sorted)."""
    groups = list(dict.fromkeys(groups))
    if dimension == "ethnic_group":
        known = ETHNIC_GROUPS
    elif dimension == "ethnic_group_detailed":
        known = ETHNIC_GROUPS_DETAILED
    elif dimension == "age_band":
        known = AGE_BAND_ORDER
    elif dimension == "imd_quintile":
        known = [*IMD_QUINTILES, UNKNOWN]
    else:
        return sorted(groups, key=lambda g: (pd.to_numeric(g, errors="coerce"), g))
    return [g for g in known if g in groups] + sorted(g for g in groups if g not in known)


def outcomes_with_years(rates: pd.DataFrame, area_code: str) -> set[str]:
    """Outcomes with a year (or rolling-period) breakdown for an area: a pooled outcome has none
    in a release shorter than one period, so it gets no trend chart or yearly table."""
    rows = rates[
        (rates["area_code"].astype("string") == str(area_code)) & (rates["dimension"] == "year")
    ]
    return set(rows["outcome"].dropna())


def outcomes_in(table: pd.DataFrame, area_code: str) -> list[str]:
    """Outcomes with rows for an area, in the order of the definitions table (the config's)."""
    present = set(
        table.loc[table["area_code"].astype("string") == str(area_code), "outcome"].dropna()
    )
    order = known_outcomes()
    return [o for o in order if o in present] + sorted(present - set(order))


def period_end(groups: pd.Series) -> pd.Series:
    """The (last) year of each ``year`` group: ``2022`` of ``2022``, ``2024`` of a rolling
    three-year period ``2022-2024`` (an outcome with ``pooling: rolling_3``)."""
    text = groups.astype("string").str.strip().str.split(r"[-–]").str[-1]
    return pd.to_numeric(text, errors="coerce")


def year_rows(rates: pd.DataFrame, area_code: str, outcome: str) -> pd.DataFrame:
    """Year rows of an area with value, CI, benchmark and comparison (benchmark columns optional)."""
    rows = select_rates(rates, area_code, outcome, "year")
    mask = (
        (rates["area_code"].astype("string") == str(area_code))
        & (rates["outcome"].astype("string") == outcome)
        & (rates["dimension"].astype("string") == "year")
    )
    raw = rates.loc[mask.fillna(False).astype(bool)]
    rows["year"] = period_end(rows["group"])
    if "benchmark" in raw.columns:
        rows["benchmark"] = as_float(raw["benchmark"])
    else:
        rows["benchmark"] = np.nan
    if "comparison" in raw.columns:
        rows["comparison"] = raw["comparison"].astype("string").fillna("").to_numpy(dtype=object)
    else:
        rows["comparison"] = ""
    return rows.dropna(subset=["year"]).sort_values("year").reset_index(drop=True)


def benchmark_label_of(
    rates: pd.DataFrame, outcome: str | None = None, area_code: str | None = None
) -> str:
    """The benchmark's name from the rates table (``benchmark_label``), else "the benchmark".

    With ``outcome``: the label of that outcome's whole-period rows, years included (e.g.
    ``England (2019-2022)``: England's years differ by outcome). Without: the name alone (``England``,
    a region's name), for sentences about every outcome. ``area_code`` keeps one area's rows (a
    region benchmark differs by area)."""
    if "benchmark_label" not in rates.columns:
        return "the benchmark"
    rows = rates
    if area_code is not None and "area_code" in rows.columns:
        rows = rows[rows["area_code"].astype(str) == str(area_code)]
    if outcome is not None and "outcome" in rows.columns:
        rows = rows[rows["outcome"].astype(str) == str(outcome)]
        if "dimension" in rows.columns and (rows["dimension"].astype(str) != "year").any():
            rows = rows[rows["dimension"].astype(str) != "year"]
    labels = rows["benchmark_label"].dropna().astype(str)
    labels = labels[labels != ""]
    if labels.empty:
        return "the benchmark"
    return labels.iloc[0] if outcome is not None else benchmark_name(labels.iloc[0])


def benchmark_name(label: str) -> str:
    """A benchmark label without the years it covers: ``England (2019-2022)`` -> ``England``."""
    return re.sub(r"\s*\((?:\d{4}[-–, \d]*)\)$", "", label)


def select_models(
    models: pd.DataFrame, area_code: str, outcome: str, measure: str = "odds_ratio"
) -> pd.DataFrame:
    """Rows of one area and outcome of a ratio table (``measure`` names its estimate column)."""
    spec = ratio_measure(measure)
    require_columns(models, spec.columns, spec.table)
    mask = (models["area_code"].astype("string") == str(area_code)) & (
        models["outcome"].astype("string") == outcome
    )
    rows = models.loc[mask.fillna(False).astype(bool)]
    if rows.empty:
        raise InputError(
            f"the {spec.table} table has no rows for area {area_code}, outcome {outcome!r}",
            column="area_code, outcome",
            rows=0,
            hint="check the area code and the models: outcomes list in the config",
        )
    out = pd.DataFrame(
        {
            "model": rows["model"].astype("string").to_numpy(dtype=object),
            "term": rows["term"].astype("string").to_numpy(dtype=object),
            "level": rows["level"].astype("string").str.strip().to_numpy(dtype=object),
            "reference": rows["reference"].astype("string").str.strip().to_numpy(dtype=object),
            measure: as_float(rows[measure]),
            "lower_95": as_float(rows["lower_95"]),
            "upper_95": as_float(rows["upper_95"]),
            "note": rows["note"].astype("string").fillna("").to_numpy(dtype=object),
        }
    )
    # Levels written as numbers ("5.0") by a spreadsheet round trip read back as "5".
    for column in ("level", "reference"):
        out[column] = out[column].map(tidy_level)
    return out


def tidy_level(value: object) -> object:
    """A model level as text, ``5.0`` read back from a spreadsheet as ``5``."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return value
    text = str(value)
    if text.endswith(".0") and text[:-2].isdigit():
        return text[:-2]
    return text


def too_few_events(note: object) -> bool:
    """True when a models-table note says the estimate was not made for lack of events."""
    return isinstance(note, str) and "too few events" in note.lower()


#: Parts of a models-table note that describe the population, not the estimate.
_POPULATION_NOTES = ("complete cases", "crude: from the published counts")


def estimate_note(note: object) -> str:
    """The part of a models-table note that explains a missing estimate (not the notes on the
    population: the complete-case note, the crude rows' "from the published counts")."""
    if not isinstance(note, str):
        return ""
    parts = [p.strip() for p in note.split(";")]
    return "; ".join(p for p in parts if p and not p.startswith(_POPULATION_NOTES))


def model_terms(
    models: pd.DataFrame, terms: Sequence[str]
) -> list[tuple[str, str | None, list[str]]]:
    """(term, reference, ordered levels including the reference) for the terms present."""
    out = []
    for term in terms:
        rows = models[models["term"] == term]
        if rows.empty:
            continue
        refs = rows["reference"].dropna()
        reference = str(refs.iloc[0]) if not refs.empty else None
        levels = list(rows["level"].dropna())
        if reference is not None:
            levels.append(reference)
        out.append((term, reference, order_groups(term, levels)))
    return out


def trend_row(
    trends: pd.DataFrame,
    area_code: str,
    outcome: str,
    dimension: str = "overall",
    group: str = "All",
) -> pd.Series | None:
    """The recent-trend row of one area, outcome and group (None when the table has none)."""
    require_columns(trends, TRENDS_COLUMNS, "trends")
    mask = (
        (trends["area_code"].astype("string") == str(area_code))
        & (trends["outcome"].astype("string") == outcome)
        & (trends["dimension"].astype("string") == dimension)
        & (trends["group"].astype("string") == str(group))
    )
    rows = trends.loc[mask.fillna(False).astype(bool)]
    return None if rows.empty else rows.iloc[0]


def inequality_rows(inequality: pd.DataFrame, area_code: str, outcome: str) -> pd.DataFrame:
    """Rows of one area and outcome of the published inequality table, numbers as floats."""
    require_columns(inequality, INEQUALITY_COLUMNS, "inequality")
    mask = (inequality["area_code"].astype("string") == str(area_code)) & (
        inequality["outcome"].astype("string") == outcome
    )
    rows = inequality.loc[mask.fillna(False).astype(bool)].copy()
    for column in rows.columns:
        if column in ("value", "p_value", "intercept", "excess_events") or column.startswith(
            ("lower_", "upper_", "excess_")
        ):
            rows[column] = pd.to_numeric(rows[column], errors="coerce").astype("float64")
    for column in ("measure", "dimension", "group", "note"):
        rows[column] = rows[column].astype("string").fillna("").str.strip()
    return rows.reset_index(drop=True)


def measure_row(
    rows: pd.DataFrame, measure: str, group: str = "All", dimension: str | None = None
) -> pd.Series | None:
    """One measure's row (e.g. ``sii``) from ``inequality_rows`` (None when absent)."""
    hit = rows[(rows["measure"] == measure) & (rows["group"] == str(group))]
    if dimension is not None:
        hit = hit[hit["dimension"] == dimension]
    return None if hit.empty else hit.iloc[0]


def funnel_target_of(rows: pd.DataFrame) -> str:
    """What a funnel's centre line is (``baseline_label``: ``England (2019-2022)``, or the study
    areas' average); a table from before the column existed had the study areas' average."""
    if "baseline_label" in rows.columns:
        labels = rows["baseline_label"].dropna().astype(str)
        labels = labels[labels != ""]
        if not labels.empty:
            return labels.iloc[0]
    return "Average of the study areas"


def funnel_rows(funnel: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The published funnel table's rows of one outcome, numbers as floats."""
    require_columns(funnel, FUNNEL_COLUMNS, "funnel")
    rows = funnel.loc[(funnel["outcome"].astype("string") == outcome).fillna(False).astype(bool)]
    if rows.empty:
        raise InputError(
            f"the funnel table has no rows for outcome {outcome!r}", column="outcome", rows=0
        )
    out = rows.copy()
    for column in (
        "year",
        "denominator",
        "value",
        "axis_denominator",
        "lower_95",
        "upper_95",
        "lower_99_8",
        "upper_99_8",
        "baseline",
    ):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    for column in ("row_type", "area_code", "significance"):
        out[column] = out[column].astype("string").fillna("").str.strip()
    if "area_name" not in out.columns:
        out["area_name"] = out["area_code"]
    out["area_name"] = out["area_name"].astype("string").fillna("")
    return out.reset_index(drop=True)


def normalise_flow(flow: pd.DataFrame, area_code: str | None = None) -> pd.DataFrame:
    """The published exclusion flow as ``step``, ``description``, ``count``, ``remaining``,
    ``suppressed`` and ``kind`` (``total``, ``excluded``, ``flagged``), in table order.

    The flow of ``clean.clean_births`` covers the whole extract; when a table has an ``area_code``
    column, the rows of ``area_code`` (else of ``ALL``) are used.
    """
    require_columns(flow, ["description", "count"], "exclusion flow")
    rows = flow
    if "area_code" in flow.columns:
        codes = flow["area_code"].astype("string")
        wanted = str(area_code) if area_code is not None else "ALL"
        if not (codes == wanted).any():
            wanted = "ALL"
        rows = flow[(codes == wanted).fillna(False).astype(bool)]
        if rows.empty:
            raise InputError(
                f"the exclusion flow table has no rows for area {area_code} or ALL",
                column="area_code",
                rows=0,
            )
    count = pd.to_numeric(rows["count"], errors="coerce").astype("Int64").reset_index(drop=True)
    if "remaining" in rows.columns:
        remaining = pd.to_numeric(rows["remaining"], errors="coerce").astype("Int64")
    else:
        remaining = pd.Series(pd.NA, index=rows.index, dtype="Int64")
    remaining = remaining.reset_index(drop=True)
    if "suppressed" in rows.columns:
        suppressed = as_bool(rows["suppressed"]).reset_index(drop=True)
    else:
        suppressed = count.isna()
    suppressed = (suppressed | count.isna()).astype(bool)
    kind = []
    for c, r, s in zip(count, remaining, suppressed, strict=True):
        if s or pd.isna(r):
            kind.append("flagged" if not s else "excluded")
        elif c == r:
            kind.append("total")
        else:
            kind.append("excluded")
    # A suppressed row's kind comes from its position: rows before the first flag-only row are
    # removal steps; later ones are flags (their remaining is always empty).
    first_flag = next((i for i, k in enumerate(kind) if k == "flagged"), len(kind))
    kind = [
        ("excluded" if i < first_flag else "flagged") if suppressed.iloc[i] else k
        for i, k in enumerate(kind)
    ]
    steps = (
        rows["step"].astype("string").fillna("").to_numpy(dtype=object)
        if "step" in rows.columns
        else np.array([str(i) for i in range(len(rows))], dtype=object)
    )
    return pd.DataFrame(
        {
            "step": steps,
            "description": rows["description"].astype("string").fillna("").to_numpy(dtype=object),
            "count": count,
            "remaining": remaining,
            "suppressed": suppressed.to_numpy(),
            "kind": kind,
        }
    )
