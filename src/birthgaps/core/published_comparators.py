"""The catalogue entries of the tables that compare areas with a target: ``tables/comparators.csv``
(the England or region values the rates are compared with) and ``tables/funnel.csv`` (each area
against England or the areas' average), kept apart so ``published_tables`` stays small."""

from __future__ import annotations

from birthgaps.core.columns import (
    AREA_CODE,
    AREA_NAME,
    DENOMINATOR,
    EVENTS,
    FLAG,
    OUTCOME,
    SUPPRESSED,
    Rule,
    TableSpec,
    ci_columns,
    col,
    label_columns,
    rows_in,
    rows_not_in,
)

COMPARATORS = TableSpec(
    key="comparators",
    sheet="Comparators",
    title="England and region values the areas are compared with",
    scope="The published value used for each area, outcome and period (each year, then "
    "`all`), with its source and the years it covers; empty with a note where none exists",
    columns={
        **label_columns(imd=False),
        "area_code": AREA_CODE,
        "area_name": AREA_NAME,
        "outcome": OUTCOME,
        "period": col("Period", "A year of birth, or `all` for the whole period"),
        "benchmark_label": col("Benchmark", "The name used in the rates table"),
        "geography_code": col("Comparator code", "ONS code of England or the region"),
        "geography_name": col("Comparator name", "England, or the name of the region"),
        "geography_type": col("Comparator type", "`country`, `region` or an area"),
        "years": col("Years", "Years the value covers (pooled over them for `all`)"),
        "reference_numerator": col(
            "Reference numerator",
            "Published national count with the outcome",
            "",
            "integer",
        ),
        "reference_denominator": col(
            "Reference base", "Published national denominator", "", "integer"
        ),
        "percent": col("Percentage", "The comparator's value", "%", "number", decimals=4),
        "source": col("Source", "The published dataset and table, or Fingertips indicator"),
        "note": col(
            "Note",
            "Why there is no value (no figure for the year, none published for the outcome, "
            "or no region); empty otherwise",
            kind="note",
        ),
    },
)

FUNNEL = TableSpec(
    key="funnel",
    sheet="Funnel",
    title="Funnel plot of each area's value against England (or the areas' average)",
    scope="Areas (whole period, or the latest three-year period for an outcome published in "
    "three-year periods) and area-years (or area-periods) with their significance, and the 95% "
    "and 99.8% control limits (binomial for a percentage, exact Poisson for a rate per 1,000)",
    columns={
        **label_columns(imd=False),
        "outcome": OUTCOME,
        "row_type": col(
            "Row type",
            "`area` (whole period), `area_year` (one year) or `limits` (a point of the "
            "control-limit lines)",
        ),
        "area_code": AREA_CODE,
        "area_name": AREA_NAME,
        "year": col(
            "Year",
            "Year (area_year rows; the last year of a three-year period)",
            "year",
            "integer",
        ),
        "period": col("Period", "The years the point covers, e.g. 2022 or 2022-2024"),
        "events": EVENTS,
        "denominator": DENOMINATOR,
        "value": col(
            "Value",
            "Events per 100 (%) or per 1,000 of the denominator, from the rounded counts",
            "see Unit column",
            "number",
            decimals=2,
        ),
        "unit": col("Unit", "The outcome's unit: `%` or `per 1,000`"),
        "significance": col(
            "Significance",
            "`High`/`Low` at 0.025 (outside the 95% limits) or 0.001 (outside the 99.8% "
            "limits), or `Not significant`; the workbook and the appendix say it in words "
            "(`Above the upper 99.8% limit`, `Within the 95% limits`)",
        ),
        "axis_denominator": col(
            "Limit denominator",
            "Limits rows: the denominator at which the limits are given (a point of the "
            "funnel's axis, not a count of births)",
            "births",
            "number",
            decimals=1,
        ),
        **ci_columns("", "funnel limit", "see Unit column", 4),
        "baseline": col(
            "Target",
            "The target: England's value for the period, else the study areas' average, in the "
            "outcome's unit",
            "see Unit column",
            "number",
            decimals=4,
        ),
        "baseline_label": col("Target is", "What the target is, e.g. England (2019-2022)"),
        "suppressed": SUPPRESSED,
        "flag": FLAG,
    },
    not_applicable=(
        Rule(
            (
                "area_code",
                "area_name",
                "year",
                "period",
                "events",
                "denominator",
                "value",
                "significance",
            ),
            rows_in("row_type", "limits"),
            "limits rows are points of the limit lines, not areas",
        ),
        Rule(("year",), rows_in("row_type", "area"), "area rows cover the whole period"),
        Rule(("axis_denominator",), rows_not_in("row_type", "limits"), "limits rows only"),
    ),
    notes=("funnel",),
    column_notes={"events": "rounding"},
)
