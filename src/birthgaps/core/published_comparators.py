"""The published comparators table's entry in the catalogue (``tables/comparators.csv``): the England
or region values the rates are compared with, kept apart so ``published_tables`` stays small."""

from __future__ import annotations

from birthgaps.core.columns import (
    AREA_CODE,
    AREA_NAME,
    OUTCOME,
    TableSpec,
    col,
    label_columns,
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
