"""The catalogue entries of the indicator tables derived from the rates: ``tables/trends.csv`` (recent
trends) and ``tables/inequality.csv`` (rate ratios, SII/RII, attributable fraction), each in the
outcome's unit, kept apart so ``published_tables`` stays small."""

from __future__ import annotations

from dataclasses import replace

from birthgaps.core.columns import (
    AREA_CODE,
    AREA_NAME,
    DENOMINATOR,
    DIMENSION,
    EVENTS,
    FLAG,
    GROUP,
    NOTE,
    OUTCOME,
    P_VALUE,
    REFERENCE,
    RELIABILITY,
    SUPPRESSED,
    Rule,
    TableSpec,
    ci_columns,
    col,
    label_columns,
    rows_in,
    rows_not_in,
)

TRENDS = TableSpec(
    key="trends",
    sheet="Trends",
    title="Recent trend in each outcome, by area, deprivation and ethnic group",
    scope="Fingertips recent-trend markers: chi-squared test for trend in proportions "
    "over the most recent years (five by default), or the most recent rolling three-year "
    "periods for an outcome published in three-year periods",
    columns={
        **label_columns(),
        "area_code": AREA_CODE,
        "area_name": AREA_NAME,
        "outcome": OUTCOME,
        "dimension": DIMENSION,
        "group": GROUP,
        "first_year": col(
            "First year",
            "First year of the trend (the last year of the first period, for periods)",
            "year",
            "integer",
        ),
        "last_year": col(
            "Last year",
            "Last year of the trend (the last year of the last period, for periods)",
            "year",
            "integer",
        ),
        "first_period": col(
            "First period", "The trend's first year or three-year period, e.g. 2018-2020"
        ),
        "last_period": col(
            "Last period", "The trend's last year or three-year period, e.g. 2022-2024"
        ),
        "points": col(
            "Points",
            "Number of yearly values (or three-year periods) in the trend",
            "years",
            "integer",
        ),
        "direction": col(
            "Direction",
            "`increasing`, `decreasing`, `no significant change` or `cannot be calculated`",
        ),
        "label": col("Trend", "The Fingertips wording of the trend marker"),
        "method": col(
            "Test",
            "The test that decides the trend; for three-year periods it says they "
            "overlap (successive points share two years of counts)",
        ),
        "statistic": col(
            "Test statistic",
            "Statistic of the deciding test (chi-squared, 1 degree of freedom); "
            "significant above {trend_threshold} (99.8%) when the slope's sign is stable",
            kind="number",
            decimals=4,
        ),
        "slope_per_year": col(
            "Slope",
            "Change in the value per year, in the outcome's unit (percentage points per "
            "year for a percentage, per 1,000 per year for a rate per 1,000)",
            "see Unit column, per year",
            "number",
            decimals=4,
        ),
        "unit": col("Unit", "The outcome's unit: `%` or `per 1,000`"),
        "chi2_statistic": col(
            "Chi-squared statistic",
            "Chi-squared test for linear trend in proportions (Armitage)",
            kind="number",
            decimals=4,
        ),
        "wls_statistic": col(
            "Weighted slope statistic",
            "Inverse-variance weighted slope test statistic, reported alongside",
            kind="number",
            decimals=4,
        ),
        "sign_stable": col(
            "Slope sign stable",
            "Whether the slope keeps its sign when any one year is left out",
            kind="boolean",
        ),
        "reason": col(
            "Reason",
            "Why the trend cannot be calculated; empty (`none` in the workbook) otherwise",
            kind="note",
        ),
    },
    notes=("trend", "ethnicity"),
)

INEQUALITY = TableSpec(
    key="inequality",
    sheet="Inequality",
    title="Inequality in each outcome by deprivation and ethnic group: rate ratios, "
    "slope and relative index of inequality, attributable fraction",
    scope="Whole period; rate ratios against the least deprived quintile or the White "
    "group; SII, RII and attributable fraction across deprivation quintiles",
    columns={
        **label_columns(),
        "area_code": AREA_CODE,
        "area_name": AREA_NAME,
        "outcome": OUTCOME,
        "measure": col(
            "Measure",
            "`rate_ratio` (group against reference), `sii` (slope index of inequality, "
            "most minus least deprived), `rii` (relative index of inequality), `paf` "
            "(population attributable fraction against the least deprived quintile), "
            "`paf_share` (the quintile's share of the attributable fraction)",
        ),
        "dimension": DIMENSION,
        "group": GROUP,
        "reference": REFERENCE,
        "unit": col(
            "Unit",
            "Unit of the value and its limits: `ratio`, `percentage points` (SII of a "
            "percentage), `per 1,000 live births` or `per 1,000 total births` (SII of a "
            "rate per 1,000), `percent` (attributable fraction)",
        ),
        "events": EVENTS,
        "denominator": DENOMINATOR,
        "value": col(
            "Value",
            "The measure's value, in the row's unit (4 decimal places)",
            "see Unit column",
            "number",
            decimals=4,
        ),
        **ci_columns("", "value", "see Unit column", 4),
        "p_value": P_VALUE,
        "intercept": col(
            "Most deprived end",
            "SII rows: the fitted value at the most deprived end of the scale, in the "
            "outcome's unit (% or per 1,000)",
            "see Unit column",
            "number",
            decimals=4,
        ),
        "excess_events": col(
            "Excess events",
            "Events (births, deaths or maternities, as the outcome counts) above what "
            "the least deprived quintile's rate would give, {rounded} (|{suppressed}| "
            "withheld)",
            "events",
            "count",
        ),
        **{
            name: replace(column, kind="count", decimals=None)
            for name, column in ci_columns("excess_", "excess events", "events", 0).items()
        },
        "reliability": RELIABILITY,
        "note": NOTE,
        "suppressed": SUPPRESSED,
        "flag": FLAG,
    },
    not_applicable=(
        Rule(("reference",), rows_in("measure", "sii", "rii"), "SII and RII: whole gradient"),
        Rule(
            ("lower_*", "upper_*"),
            rows_in("measure", "paf_share"),
            "shares have no interval",
        ),
        Rule(
            ("p_value",),
            rows_not_in("measure", "rate_ratio"),
            "only rate ratios are tested",
        ),
        Rule(("intercept",), rows_not_in("measure", "sii"), "only the SII has it"),
        Rule(
            ("excess_events",),
            rows_not_in("measure", "paf", "paf_share"),
            "only attributable fractions have excess events",
        ),
        Rule(
            ("excess_lower_*", "excess_upper_*"),
            rows_not_in("measure", "paf"),
            "only the PAF has limits",
        ),
    ),
    notes=("ci", "inequality", "ethnicity"),
    column_notes={"events": "rounding"},
)
