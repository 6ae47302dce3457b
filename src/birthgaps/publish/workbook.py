"""The release's accessible statistical workbook (gptables) and the data dictionary of every
published table.

One place describes every published table and column (``TABLES``): the workbook's sheet titles and
column headings, ``tables/data_dictionary.csv`` and docs/outputs.md all come from it, so they cannot
disagree. The workbook follows the Analysis Function guidance on releasing statistics in
spreadsheets: a cover sheet, a contents sheet, a notes sheet, one table per sheet with its title,
source, notes and units in the column headings, no merged cells, no meaning carried by colour, and a
shorthand marker instead of a blank wherever a value is withheld or missing (docs/outputs.md).
"""

from __future__ import annotations

import fnmatch
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from birthgaps.core.codes import OUTCOMES
from birthgaps.core.errors import InputError
from birthgaps.core.provenance import SYNTHETIC_NOTICE, label_table

RULE = "workbook"

#: Creation date written into the workbook's properties: fixed, so that the same tables give a
#: byte-identical file (xlsxwriter already fixes the timestamps inside the zip container).
CREATED = datetime(2000, 1, 1, tzinfo=UTC)

#: Shorthand markers (Analysis Function "Symbols in tables") -> key of the note that explains them.
MARKERS: dict[str, str] = {
    "[c]": "suppressed",
    "[u]": "unreliable",
    "[x]": "not_calculated",
    "[z]": "not_applicable",
}

#: What an empty text cell that only means "nothing to report" (a note, a reason) shows instead.
NOTHING = "none"

#: Columns every published table may start with; the workbook states them in each sheet's
#: subtitles instead of repeating them on every row. ``suppressed`` and ``flag`` are shown as the
#: [c] marker in the withheld cells themselves.
LABEL_COLUMNS = ("release", "data", "imd_quintiles")
DROPPED_IN_WORKBOOK = (*LABEL_COLUMNS, "suppressed", "flag")

#: Kinds of column: how a value is shown in the workbook.
#: text: as it is; note: as it is, "none" when empty; marker: "u" -> "[u]", "x" -> "[x]";
#: count: whole number of births (disclosure-controlled); integer: other whole numbers;
#: number: rounded to ``decimals`` places, or ``significant`` figures; boolean: Yes or No.
KINDS = ("text", "note", "marker", "count", "integer", "number", "boolean")


@dataclass(frozen=True)
class Column:
    """One column of a published table: its workbook heading, meaning, unit and display."""

    heading: str
    description: str
    unit: str = ""
    kind: str = "text"
    decimals: int | None = None
    significant: int | None = None


@dataclass(frozen=True)
class Rule:
    """Cells of the ``columns`` (names or shell patterns such as ``lower_*``) that do not apply to
    the rows where ``rows`` is true; shown as [z] when empty."""

    columns: tuple[str, ...]
    rows: Callable[[pd.DataFrame], pd.Series]
    why: str

    def applies_to(self, column: str) -> bool:
        """Whether the rule covers ``column``."""
        return any(fnmatch.fnmatchcase(column, pattern) for pattern in self.columns)


@dataclass(frozen=True)
class TableSpec:
    """A published table: file stem, workbook sheet, title, one-line scope, columns, notes."""

    key: str
    sheet: str
    title: str
    scope: str
    columns: dict[str, Column]
    not_applicable: tuple[Rule, ...] = ()
    #: notes the whole table refers to (keys of the notes sheet), shown after the scope
    notes: tuple[str, ...] = ()
    #: column -> note key, shown under the column heading as [note N]
    column_notes: dict[str, str] = field(default_factory=dict)


# ------------------------------------------------------------------------------ column catalogue


def _col(heading: str, description: str, unit: str = "", kind: str = "text", **kw: Any) -> Column:
    return Column(heading, description, unit, kind, **kw)


def _ci(
    prefix: str, of: str, unit: str, decimals: int, levels: Sequence[str] = ("95", "99.8")
) -> dict[str, Column]:
    """Lower and upper confidence limits of ``of`` at each level, named ``<prefix>lower_95`` etc."""
    out: dict[str, Column] = {}
    for level in levels:
        suffix = level.replace(".", "_")
        for side in ("lower", "upper"):
            out[f"{prefix}{side}_{suffix}"] = _col(
                f"{of[0].upper()}{of[1:]}: {side} {level}% confidence limit",
                f"{side.capitalize()} limit of the {level}% confidence interval of the {of}",
                unit,
                "number",
                decimals=decimals,
            )
    return out


RELEASE = _col("Release", "Name of the data release (config `release`)")
DATA = _col(
    "Data",
    f'"{SYNTHETIC_NOTICE}" for a synthetic release; empty for a release of real births',
)
IMD_BASIS = _col(
    "IMD quintiles",
    "Which deprivation quintiles the IMD quintile groups use: `national` (England-wide) or "
    "`local (within the study areas)` (config `deprivation.quintiles`)",
)
AREA_CODE = _col(
    "Area code",
    "ONS code of the local authority where the mother lives; `ALL` = the study areas together",
)
AREA_NAME = _col("Area name", "Name of the area; `All areas` = the study areas together")
OUTCOME = _col(
    "Outcome",
    "Outcome code: "
    + "; ".join(f"`{code}` {label.lower()} ({text})" for code, (label, text) in OUTCOMES.items()),
)
DIMENSION = _col(
    "Breakdown",
    "What the groups are: `overall`, `imd_quintile` (IMD quintile of the mother's neighbourhood, "
    "1 = most deprived), `ethnic_group` (mother's ethnic group, ONS 2021 high-level groups), "
    "`age_band` (mother's age), `year` (year of birth) or `imd_quintile_by_ethnic_group` "
    "(both together)",
)
GROUP = _col(
    "Group",
    "The group within the breakdown; `All` for the whole population; for "
    "`imd_quintile_by_ethnic_group` it is `<quintile> | <ethnic group>`; `Unknown`/`Not stated` "
    "when the mother's neighbourhood or ethnicity is not known",
)
EVENTS = _col(
    "Events",
    "Live births with the outcome, rounded to the nearest 5",
    "births",
    "count",
)
DENOMINATOR = _col(
    "Denominator",
    "Live births in the outcome's denominator (stated gestation or weight), rounded to the nearest 5",
    "births",
    "count",
)
#: The one explanation of the [c] marker (docs/disclosure.md): a row is withheld for a count of
#: 1 to 7 or to protect another row, and the tables do not say which.
WITHHELD_TEXT = (
    "[c] withheld to protect confidentiality: a count of 1 to 7 or a figure that would reveal one"
)
SUPPRESSED = _col(
    "Suppressed",
    "`True` when disclosure control withheld the row's counts and the values derived from them "
    f"({WITHHELD_TEXT}); not a column of the workbook, where the cells show [c]",
    kind="boolean",
)
FLAG = _col(
    "Disclosure flag",
    "`c` when the row is withheld by disclosure control, otherwise empty; not a column of the "
    "workbook, where the withheld cells show [c]",
)
NOTE = _col(
    "Note",
    "Why an estimate is missing or what it rests on (for example `too few events`, "
    f"`{WITHHELD_TEXT.split(':')[0]}`, or how many births the complete-case analysis left out); "
    "empty (`none` in the workbook) otherwise",
    kind="note",
)
RELIABILITY = _col(
    "Reliability",
    "ONS small-number marker: `u` low reliability (fewer than 20 events), `x` not calculated "
    "(fewer than 3 events); empty (`none` in the workbook) otherwise. The workbook shows [u] and [x]",
    kind="marker",
)
P_VALUE = _col(
    "p-value",
    "Two-sided Wald p-value of the ratio against 1 (3 significant figures)",
    kind="number",
    significant=3,
)
MODEL_P_VALUE = _col(
    "p-value",
    "Two-sided Wald p-value of the ratio against 1 (2 significant figures)",
    kind="number",
    significant=2,
)
N_BIRTHS = _col(
    "Births in model",
    "Live births in the model (complete cases), rounded to the nearest 5",
    "births",
    "count",
)
N_EVENTS = _col(
    "Events in model",
    "Live births with the outcome in the model, rounded to the nearest 5",
    "births",
    "count",
)
MODEL_TERM = _col(
    "Variable",
    "The variable the ratio is for: `imd_quintile`, `ethnic_group`, `age_band` or `year`",
)
LEVEL = _col("Level", "The level of the variable compared with the reference level")
REFERENCE = _col("Reference level", "The level the ratio compares with (its ratio is 1)")
MODEL = _col(
    "Model",
    "`crude`: the variable alone; `adjusted`: all the exposures together with the adjustment "
    "variables (config `models`)",
)
MEASURE_RATIO = _col(
    "Measure", "`odds_ratio` (logistic regression) or `risk_ratio` (modified Poisson regression)"
)


def _labels(*, imd: bool = True) -> dict[str, Column]:
    out = {"release": RELEASE, "data": DATA}
    if imd:
        out["imd_quintiles"] = IMD_BASIS
    return out


def _ratio_table(ratio: str, name: str) -> dict[str, Column]:
    """Columns of a published ratio table: no log ratio or standard error (docs/models.md)."""
    return {
        **_labels(),
        "area_code": AREA_CODE,
        "outcome": OUTCOME,
        "model": MODEL,
        "term": MODEL_TERM,
        "level": LEVEL,
        "reference": REFERENCE,
        ratio: _col(
            name,
            f"{name} of the level against the reference level (crude: from the published counts "
            "of the Rates table; adjusted: fitted to the unrounded counts, 2 decimal places)",
            "ratio",
            "number",
            decimals=2,
        ),
        **_ci("", name.lower(), "ratio", 2, ("95",)),
        "p_value": MODEL_P_VALUE,
        "n_births": N_BIRTHS,
        "n_events": N_EVENTS,
        "note": NOTE,
    }


def _is(column: str, *values: str) -> Callable[[pd.DataFrame], pd.Series]:
    """Rows whose ``column`` is one of ``values``."""
    return lambda t: t[column].astype("string").isin(values).fillna(False)


def _is_not(column: str, *values: str) -> Callable[[pd.DataFrame], pd.Series]:
    """Rows whose ``column`` is none of ``values``."""
    return lambda t: ~t[column].astype("string").isin(values).fillna(False)


def _not_suppressed(t: pd.DataFrame) -> pd.Series:
    return ~_suppressed_rows(t)


TABLES: dict[str, TableSpec] = {
    spec.key: spec
    for spec in [
        TableSpec(
            key="exclusion_flow",
            sheet="Exclusions",
            title="Birth records received, removed and kept (exclusion flow)",
            scope="How many records each cleaning step removed, and the births in each "
            "outcome's denominator, for the whole extract",
            columns={
                **_labels(imd=False),
                "step": _col("Step", "Code of the cleaning step (docs/cleaning.md)"),
                "description": _col("Description", "What the step does"),
                "count": _col(
                    "Number",
                    "Records the step removed, flagged or counted, rounded to the nearest 5",
                    "records",
                    "count",
                ),
                "remaining": _col(
                    "Remaining",
                    "Records left after a removal step (for a denominator row, the denominator); "
                    "empty for rows that only flag births, rounded to the nearest 5",
                    "records",
                    "count",
                ),
                "suppressed": SUPPRESSED,
                "flag": FLAG,
            },
            not_applicable=(
                Rule(("remaining",), _not_suppressed, "a step that only flags births removes none"),
            ),
            notes=("rounding",),
        ),
        TableSpec(
            key="rates",
            sheet="Rates",
            title="Percentage of live births with each outcome, by area, deprivation, ethnic "
            "group, mother's age and year",
            scope="Percentages with 95% and 99.8% confidence intervals and the comparison with "
            "the benchmark, whole period unless the breakdown is year",
            columns={
                **_labels(),
                "area_code": AREA_CODE,
                "area_name": AREA_NAME,
                "outcome": OUTCOME,
                "dimension": DIMENSION,
                "group": GROUP,
                "events": EVENTS,
                "denominator": DENOMINATOR,
                "percent": _col(
                    "Percentage",
                    "Events as a percentage of the denominator, from the rounded counts",
                    "%",
                    "number",
                    decimals=2,
                ),
                **_ci("", "percentage", "%", 2),
                "reliability": RELIABILITY,
                "benchmark_label": _col(
                    "Benchmark", "What the area is compared with (config `statistics.benchmark`)"
                ),
                "benchmark": _col(
                    "Benchmark percentage",
                    "The benchmark's percentage for the same outcome, breakdown and group",
                    "%",
                    "number",
                    decimals=2,
                ),
                "comparison": _col(
                    "Compared with benchmark",
                    "Fingertips comparator method 1: `Similar` when the benchmark lies in the 95% "
                    "confidence interval, otherwise `Better`/`Worse` at 95% or 99.8%; "
                    "`Not compared` when a comparison cannot be made",
                ),
                "suppressed": SUPPRESSED,
                "flag": FLAG,
            },
            not_applicable=(
                Rule(
                    ("benchmark", "comparison"),
                    _is("area_code", "ALL"),
                    "the areas together are the (pooled) benchmark",
                ),
            ),
            notes=("ci", "ethnicity"),
            column_notes={
                "events": "rounding",
                "benchmark_label": "benchmark",
                "reliability": "small_numbers",
            },
        ),
        TableSpec(
            key="trends",
            sheet="Trends",
            title="Recent trend in each outcome, by area, deprivation and ethnic group",
            scope="Fingertips recent-trend markers: chi-squared test for trend in proportions "
            "over the most recent years (five by default)",
            columns={
                **_labels(),
                "area_code": AREA_CODE,
                "area_name": AREA_NAME,
                "outcome": OUTCOME,
                "dimension": DIMENSION,
                "group": GROUP,
                "first_year": _col("First year", "First year of the trend", "year", "integer"),
                "last_year": _col("Last year", "Last year of the trend", "year", "integer"),
                "points": _col("Years", "Number of yearly values in the trend", "years", "integer"),
                "direction": _col(
                    "Direction",
                    "`increasing`, `decreasing`, `no significant change` or `cannot be calculated`",
                ),
                "label": _col("Trend", "The Fingertips wording of the trend marker"),
                "method": _col("Test", "The test that decides the trend"),
                "statistic": _col(
                    "Test statistic",
                    "Statistic of the deciding test (chi-squared, 1 degree of freedom); "
                    "significant above 9.5495 (99.8%) when the slope's sign is stable",
                    kind="number",
                    decimals=4,
                ),
                "slope_pp_per_year": _col(
                    "Slope",
                    "Change in the percentage per year (weighted least squares)",
                    "percentage points per year",
                    "number",
                    decimals=4,
                ),
                "chi2_statistic": _col(
                    "Chi-squared statistic",
                    "Chi-squared test for linear trend in proportions (Armitage)",
                    kind="number",
                    decimals=4,
                ),
                "wls_statistic": _col(
                    "Weighted slope statistic",
                    "Inverse-variance weighted slope test statistic, reported alongside",
                    kind="number",
                    decimals=4,
                ),
                "sign_stable": _col(
                    "Slope sign stable",
                    "Whether the slope keeps its sign when any one year is left out",
                    kind="boolean",
                ),
                "reason": _col(
                    "Reason",
                    "Why the trend cannot be calculated; empty (`none` in the workbook) otherwise",
                    kind="note",
                ),
            },
            notes=("trend", "ethnicity"),
        ),
        TableSpec(
            key="inequality",
            sheet="Inequality",
            title="Inequality in each outcome by deprivation and ethnic group: rate ratios, "
            "slope and relative index of inequality, attributable fraction",
            scope="Whole period; rate ratios against the least deprived quintile or the White "
            "group; SII, RII and attributable fraction across deprivation quintiles",
            columns={
                **_labels(),
                "area_code": AREA_CODE,
                "area_name": AREA_NAME,
                "outcome": OUTCOME,
                "measure": _col(
                    "Measure",
                    "`rate_ratio` (group against reference), `sii` (slope index of inequality, "
                    "most minus least deprived), `rii` (relative index of inequality), `paf` "
                    "(population attributable fraction against the least deprived quintile), "
                    "`paf_share` (the quintile's share of the attributable fraction)",
                ),
                "dimension": DIMENSION,
                "group": GROUP,
                "reference": REFERENCE,
                "unit": _col(
                    "Unit", "Unit of the value and its limits (ratio, percentage points, percent)"
                ),
                "events": EVENTS,
                "denominator": DENOMINATOR,
                "value": _col(
                    "Value",
                    "The measure's value, in the row's unit (4 decimal places)",
                    "see Unit column",
                    "number",
                    decimals=4,
                ),
                **_ci("", "value", "see Unit column", 4),
                "p_value": P_VALUE,
                "intercept": _col(
                    "Most deprived end",
                    "SII rows: the fitted percentage at the most deprived end of the scale",
                    "%",
                    "number",
                    decimals=4,
                ),
                "excess_events": _col(
                    "Excess events",
                    "Events above what the least deprived quintile's rate would give, rounded to "
                    "the nearest 5 (|1 to 7| withheld)",
                    "births",
                    "count",
                ),
                **{
                    name: replace(column, kind="count", decimals=None)
                    for name, column in _ci("excess_", "excess events", "births", 0).items()
                },
                "reliability": RELIABILITY,
                "note": NOTE,
                "suppressed": SUPPRESSED,
                "flag": FLAG,
            },
            not_applicable=(
                Rule(("reference",), _is("measure", "sii", "rii"), "SII and RII: whole gradient"),
                Rule(
                    ("lower_*", "upper_*"), _is("measure", "paf_share"), "shares have no interval"
                ),
                Rule(("p_value",), _is_not("measure", "rate_ratio"), "only rate ratios are tested"),
                Rule(("intercept",), _is_not("measure", "sii"), "only the SII has it"),
                Rule(
                    ("excess_events",),
                    _is_not("measure", "paf", "paf_share"),
                    "only attributable fractions have excess events",
                ),
                Rule(
                    ("excess_lower_*", "excess_upper_*"),
                    _is_not("measure", "paf"),
                    "only the PAF has limits",
                ),
            ),
            notes=("ci", "inequality", "ethnicity"),
            column_notes={"events": "rounding"},
        ),
        TableSpec(
            key="funnel",
            sheet="Funnel",
            title="Funnel plot of each area's percentage against the average of the study areas",
            scope="Areas (whole period) and area-years with their significance, and the 95% and "
            "99.8% control limits",
            columns={
                **_labels(imd=False),
                "outcome": OUTCOME,
                "row_type": _col(
                    "Row type",
                    "`area` (whole period), `area_year` (one year) or `limits` (a point of the "
                    "control-limit lines)",
                ),
                "area_code": AREA_CODE,
                "area_name": AREA_NAME,
                "year": _col("Year", "Year of birth (area_year rows)", "year", "integer"),
                "events": EVENTS,
                "denominator": DENOMINATOR,
                "percent": _col(
                    "Percentage",
                    "Events as a percentage of the denominator, from the rounded counts",
                    "%",
                    "number",
                    decimals=2,
                ),
                "significance": _col(
                    "Significance",
                    "`High`/`Low` at 0.025 (outside the 95% limits) or 0.001 (outside the 99.8% "
                    "limits), or `Not significant`",
                ),
                "axis_denominator": _col(
                    "Limit denominator",
                    "Limits rows: the denominator at which the limits are given (a point of the "
                    "funnel's axis, not a count of births)",
                    "births",
                    "number",
                    decimals=1,
                ),
                **_ci("", "funnel limit", "%", 4),
                "baseline": _col(
                    "Average",
                    "The average of the study areas (all births, all years)",
                    "%",
                    "number",
                    decimals=4,
                ),
                "suppressed": SUPPRESSED,
                "flag": FLAG,
            },
            not_applicable=(
                Rule(
                    (
                        "area_code",
                        "area_name",
                        "year",
                        "events",
                        "denominator",
                        "percent",
                        "significance",
                    ),
                    _is("row_type", "limits"),
                    "limits rows are points of the limit lines, not areas",
                ),
                Rule(("year",), _is("row_type", "area"), "area rows cover the whole period"),
                Rule(("axis_denominator",), _is_not("row_type", "limits"), "limits rows only"),
            ),
            notes=("funnel",),
            column_notes={"events": "rounding"},
        ),
        TableSpec(
            key="models",
            sheet="Odds_ratios",
            title="Odds ratios of each outcome by deprivation, ethnic group, mother's age and "
            "year, crude and adjusted",
            scope="Logistic regression on counts by covariate pattern, complete cases",
            columns=_ratio_table("odds_ratio", "Odds ratio"),
            notes=("models", "ethnicity"),
            column_notes={"n_births": "rounding"},
        ),
        TableSpec(
            key="risk_ratios",
            sheet="Risk_ratios",
            title="Risk ratios of each outcome by deprivation, ethnic group, mother's age and "
            "year, crude and adjusted",
            scope="Modified Poisson regression with robust standard errors, complete cases",
            columns=_ratio_table("risk_ratio", "Risk ratio"),
            notes=("models", "ethnicity"),
            column_notes={"n_births": "rounding"},
        ),
        TableSpec(
            key="interaction",
            sheet="Interaction",
            title="Does the deprivation gap differ between ethnic groups? Likelihood-ratio test "
            "of the interaction",
            scope="Adjusted logistic model with and without the ethnic group by IMD quintile "
            "interaction",
            columns={
                **_labels(),
                "area_code": AREA_CODE,
                "outcome": OUTCOME,
                "terms": _col("Interaction", "The two variables whose interaction is tested"),
                "df": _col("Degrees of freedom", "Degrees of freedom of the test", kind="integer"),
                "lr_statistic": _col(
                    "Likelihood-ratio statistic",
                    "Likelihood-ratio chi-squared statistic (2 decimal places)",
                    kind="number",
                    decimals=2,
                ),
                "p_value": replace(
                    MODEL_P_VALUE,
                    description="p-value of the likelihood-ratio test (2 significant figures)",
                ),
                "p_threshold": _col(
                    "Threshold",
                    "p-value below which the interaction is called significant",
                    kind="number",
                    significant=3,
                ),
                "significant": _col(
                    "Significant", "Whether the p-value is below the threshold", kind="boolean"
                ),
                "n_combinations": _col(
                    "Combinations",
                    "Non-reference combinations of levels present",
                    kind="integer",
                ),
                "n_sparse_combinations": _col(
                    "Sparse combinations",
                    "Combinations with too few events or non-events, which share the main effects",
                    kind="integer",
                ),
                "n_empty_combinations": _col(
                    "Empty combinations", "Combinations with no births", kind="integer"
                ),
                "n_births": N_BIRTHS,
                "n_events": N_EVENTS,
                "note": NOTE,
            },
            notes=("models", "ethnicity"),
            column_notes={"n_births": "rounding"},
        ),
        TableSpec(
            key="stratified",
            sheet="Stratified",
            title="Odds ratios by deprivation within each ethnic group, and by ethnic group "
            "within each deprivation quintile",
            scope="Adjusted logistic model within each stratum; read with the interaction test",
            columns={
                **_labels(),
                "area_code": AREA_CODE,
                "outcome": OUTCOME,
                "stratum_term": _col("Stratified by", "The variable that defines the strata"),
                "stratum": _col("Stratum", "The stratum (an ethnic group or an IMD quintile)"),
                "term": MODEL_TERM,
                "level": LEVEL,
                "reference": REFERENCE,
                "odds_ratio": _col(
                    "Odds ratio",
                    "Adjusted odds ratio within the stratum (2 decimal places)",
                    "ratio",
                    "number",
                    decimals=2,
                ),
                **_ci("", "odds ratio", "ratio", 2, ("95",)),
                "p_value": MODEL_P_VALUE,
                "n_births": replace(
                    N_BIRTHS,
                    description="Live births in the stratum's model, rounded to the nearest 5",
                ),
                "n_events": replace(
                    N_EVENTS,
                    description="Live births with the outcome in the "
                    "stratum's model, rounded to the nearest 5",
                ),
                "interaction_p_value": _col(
                    "Interaction p-value",
                    "p-value of the interaction test (Interaction sheet, 2 significant figures)",
                    kind="number",
                    significant=2,
                ),
                "interaction_significant": _col(
                    "Interaction significant",
                    "Whether the interaction test is significant",
                    kind="boolean",
                ),
                "note": NOTE,
            },
            notes=("models", "ethnicity"),
            column_notes={"n_births": "rounding"},
        ),
        TableSpec(
            key="excess_explained",
            sheet="Excess_explained",
            title="How much of each ethnic group's excess risk deprivation explains",
            scope="Change in the log odds ratio and log risk ratio when IMD quintile is added to "
            "the model, same births",
            columns={
                **_labels(),
                "area_code": AREA_CODE,
                "outcome": OUTCOME,
                "measure": MEASURE_RATIO,
                "term": _col("Variable", "The exposure whose excess is explained"),
                "level": LEVEL,
                "reference": REFERENCE,
                "explained_by": _col("Explained by", "The variables added to the model"),
                "base_terms": _col("Base model", "Terms of the model before adding them"),
                "base_ratio": _col(
                    "Ratio before", "The ratio in the base model", "ratio", "number", decimals=2
                ),
                **_ci("base_", "ratio before", "ratio", 2, ("95",)),
                "adjusted_ratio": _col(
                    "Ratio after",
                    "The ratio after adding the variables",
                    "ratio",
                    "number",
                    decimals=2,
                ),
                **_ci("adjusted_", "ratio after", "ratio", 2, ("95",)),
                "pct_explained": _col(
                    "Excess explained",
                    "Share of the excess (log ratio) explained: 100 x (log ratio before - log "
                    "ratio after) / log ratio before, to the whole percent",
                    "%",
                    "number",
                    decimals=0,
                ),
                **_ci("pct_", "excess explained", "%", 0, ("95",)),
                "n_births": N_BIRTHS,
                "n_events": N_EVENTS,
                "note": NOTE,
            },
            notes=("models", "ethnicity"),
            column_notes={"n_births": "rounding"},
        ),
        TableSpec(
            key="model_fit",
            sheet="Model_fit",
            title="How well the models fit: goodness of fit and c-statistic",
            scope="Every adjusted and interaction model (crude ratios come from the published "
            "counts); log-likelihoods, deviances and AIC are not published, as they would give "
            "counts back",
            columns={
                **_labels(),
                "area_code": AREA_CODE,
                "outcome": OUTCOME,
                "measure": MEASURE_RATIO,
                "model": _col(
                    "Model", "`crude`, `adjusted`, or `interaction` (adjusted plus the interaction)"
                ),
                "terms": _col("Model terms", "The terms in the model"),
                "n_parameters": _col("Parameters", "Number of parameters", kind="integer"),
                "n_patterns": _col(
                    "Covariate patterns", "Number of covariate patterns", kind="integer"
                ),
                "pattern_df": _col(
                    "Pattern degrees of freedom",
                    "Patterns minus parameters",
                    kind="integer",
                ),
                "pattern_p_value": _col(
                    "Goodness of fit p-value",
                    "p-value of the deviance against the saturated covariate-pattern model on "
                    "the pattern degrees of freedom (2 significant figures; rough when patterns "
                    "are small)",
                    kind="number",
                    significant=2,
                ),
                "c_statistic": _col(
                    "c-statistic",
                    "Area under the ROC curve (in-sample): 0.5 no discrimination, 1 perfect "
                    "(2 decimal places)",
                    kind="number",
                    decimals=2,
                ),
                "n_births": N_BIRTHS,
                "n_events": N_EVENTS,
                "note": NOTE,
            },
            not_applicable=(
                Rule(
                    ("pattern_df", "pattern_p_value"),
                    _is("measure", "risk_ratio"),
                    "modified Poisson has only a working likelihood",
                ),
            ),
            notes=("models",),
            column_notes={"n_births": "rounding"},
        ),
    ]
}

#: The published tables the workbook holds, in sheet order (files ``tables/<key>.csv``).
TABLE_KEYS: list[str] = list(TABLES)

#: The data dictionary's own columns (after ``release`` and ``data``).
DICTIONARY_COLUMNS = ["table", "column", "heading", "description", "unit"]


# ------------------------------------------------------------------------------ data dictionary


def describe_column(table: str, column: str) -> Column:
    """The catalogue entry of ``column`` of published table ``table``.

    Confidence-limit columns at a level other than the catalogue's (``lower_90``) are derived from
    the 95% entry; any other unknown column raises ``InputError`` (document it in ``TABLES``).
    """
    spec = TABLES.get(table)
    if spec is None:
        raise InputError(
            f"no data dictionary entry for table '{table}'",
            file=f"tables/{table}.csv",
            rule=RULE,
            hint=f"add it to birthgaps.publish.workbook.TABLES (known: {', '.join(TABLES)})",
        )
    if column in spec.columns:
        return spec.columns[column]
    match = re.fullmatch(r"(?P<stem>.*(?:lower|upper)_)(?P<level>\d+(?:_\d+)?)", column)
    if match and f"{match['stem']}95" in spec.columns:
        level = match["level"].replace("_", ".")
        base = spec.columns[f"{match['stem']}95"]
        return replace(
            base,
            heading=base.heading.replace("95%", f"{level}%"),
            description=base.description.replace("95%", f"{level}%"),
        )
    raise InputError(
        f"column '{column}' of the published table '{table}' has no data dictionary entry",
        file=f"tables/{table}.csv",
        column=column,
        rule=RULE,
        hint="describe it in birthgaps.publish.workbook.TABLES (and regenerate docs/outputs.md)",
    )


def data_dictionary(tables: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """One row per (table, column): workbook heading, description and unit.

    With ``tables`` it describes their actual columns (in their order), so the dictionary of a
    release always matches its CSVs; without, the catalogue's columns (the default config's).
    """
    rows = []
    for key, spec in TABLES.items():
        if tables is None:
            names: Sequence[str] = list(spec.columns)
        elif key in tables:
            names = list(tables[key].columns)
        else:
            continue
        for name in names:
            column = describe_column(key, name)
            rows.append(
                {
                    "table": key,
                    "column": name,
                    "heading": column.heading,
                    "description": column.description,
                    "unit": column.unit,
                }
            )
    return pd.DataFrame(rows, columns=DICTIONARY_COLUMNS).astype("string")


def published_dictionary(
    tables: Mapping[str, pd.DataFrame], release: str, synthetic: bool
) -> pd.DataFrame:
    """The data dictionary as published: labelled with the release and synthetic status."""
    return label_table(data_dictionary(tables), release, synthetic)


def outputs_markdown() -> str:
    """The generated part of docs/outputs.md: every table of the catalogue and its columns."""
    lines: list[str] = []
    for key, spec in TABLES.items():
        lines += [
            f"### `tables/{key}.csv` — sheet `{spec.sheet}`",
            "",
            f"**{spec.title}.** {spec.scope}.",
            "",
            "| column | workbook heading | unit | description |",
            "|---|---|---|---|",
        ]
        for name, column in spec.columns.items():
            description = column.description.replace("|", "\\|")
            shown = "not in the workbook" if name in DROPPED_IN_WORKBOOK else column.heading
            lines.append(f"| `{name}` | {shown} | {column.unit} | {description} |")
        if spec.not_applicable:
            lines += ["", "Shown as [z] (not applicable) in the workbook when empty:"]
            lines += [
                f"- {', '.join(f'`{c}`' for c in rule.columns)}: {rule.why}"
                for rule in spec.not_applicable
            ]
        lines.append("")
    return "\n".join(lines)


# ------------------------------------------------------------------------------ table presentation


def _blank(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _suppressed_rows(table: pd.DataFrame) -> pd.Series:
    """Rows withheld by disclosure control (``suppressed`` true, ``flag`` c, or a models-table
    note that starts with the [c] marker)."""
    rows = pd.Series(False, index=table.index)
    if "suppressed" in table.columns:
        rows |= table["suppressed"].map(_truthy).astype(bool)
    if "flag" in table.columns:
        rows |= table["flag"].astype("string").str.strip().eq("c").fillna(False)
    if "note" in table.columns:
        rows |= table["note"].astype("string").str.strip().str.startswith("[c]").fillna(False)
    return rows


#: Count columns of the model tables: a blank one is always a withheld count.
_MODEL_COUNTS = ("n_births", "n_events")


def _cell(value: Any, column: Column, key: str, name: str) -> Any:
    """A cell's value for the workbook: a rounded number, a whole number, Yes/No or text."""
    kind = column.kind
    if kind in ("text", "note"):
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    if kind == "marker":
        return f"[{str(value).strip()}]"
    if kind == "boolean":
        return "Yes" if _truthy(value) else "No"
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(
            f"'{RULE}' expected a number in column '{name}' of the published table '{key}'",
            file=f"tables/{key}.csv",
            column=name,
            rule=RULE,
        ) from None
    if kind in ("count", "integer"):
        if not number.is_integer():
            raise InputError(
                f"column '{name}' of the published table '{key}' should hold whole numbers",
                file=f"tables/{key}.csv",
                column=name,
                rule=RULE,
            )
        return int(number)
    if column.significant is not None and number != 0:
        return float(f"{number:.{column.significant}g}")
    if column.decimals is not None:
        return round(number, column.decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return number


def present_table(key: str, table: pd.DataFrame) -> pd.DataFrame:
    """A published table as the workbook shows it: label and flag columns left out, a marker in
    every empty cell, numbers rounded for display, columns still named as in the CSV.

    Empty cells become [z] where the column does not apply to the row (``TableSpec.not_applicable``),
    [c] in a row withheld by disclosure control, [x] where the rate was not calculated (ONS
    small-number rule) or the estimate could not be made, and ``none`` in note-like columns.
    """
    spec = TABLES[key]
    for name in table.columns:
        describe_column(key, name)  # every column must be documented
    table = table.reset_index(drop=True)
    suppressed = _suppressed_rows(table)
    not_calculated = pd.Series(False, index=table.index)
    if "reliability" in table.columns:
        not_calculated = table["reliability"].astype("string").str.strip().eq("x").fillna(False)
    out = {}
    for name in table.columns:
        if name in DROPPED_IN_WORKBOOK:
            continue
        column = describe_column(key, name)
        values = table[name].tolist()
        blank = pd.Series([_blank(v) for v in values], index=table.index)
        structural = pd.Series(False, index=table.index)
        for rule in spec.not_applicable:
            if rule.applies_to(name):
                structural |= rule.rows(table).astype(bool)
        cells = []
        for i, value in enumerate(values):
            if not blank.iat[i]:
                cells.append(_cell(value, column, key, name))
            elif structural.iat[i]:
                cells.append("[z]")
            elif suppressed.iat[i] or name in _MODEL_COUNTS:
                cells.append("[c]")
            elif not_calculated.iat[i]:
                cells.append("[x]")
            elif column.kind in ("note", "marker"):
                cells.append(NOTHING)
            else:
                cells.append("[x]")
        out[name] = pd.Series(cells, index=table.index, dtype=object)
    return pd.DataFrame(out, index=table.index)


def markers_in(frame: pd.DataFrame) -> list[str]:
    """The shorthand markers that appear in a presented table, in ``MARKERS`` order."""
    found = set()
    for column in frame.columns:
        found |= {v for v in frame[column] if isinstance(v, str) and v in MARKERS}
    return [marker for marker in MARKERS if marker in found]


# ------------------------------------------------------------------------------ notes and cover


def _period(years: Sequence[int] | None, tables: Mapping[str, pd.DataFrame]) -> str:
    """ "2019 to 2024" from the release years (or the years in the rates table)."""
    values: list[int] = sorted(int(y) for y in years or [])
    if not values and "rates" in tables:
        rates = tables["rates"]
        picked = rates.loc[rates["dimension"].astype("string") == "year", "group"]
        values = sorted({int(float(v)) for v in picked if not _blank(v)})
    if not values:
        return "the release years"
    return str(values[0]) if values[0] == values[-1] else f"{values[0]} to {values[-1]}"


def _areas_text(areas: Mapping[str, str]) -> str:
    names = [f"{name} ({code})" for code, name in areas.items()]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def notes_table(
    *,
    synthetic: bool,
    benchmark_label: str,
    disclosure: Mapping,
    statistics: Mapping,
    deprivation: Mapping,
    models: Mapping,
    imd_basis: str,
) -> pd.DataFrame:
    """Every note the tables may refer to: reference key and text (gptables numbers them)."""
    low, high = disclosure.get("suppress_min", 1), disclosure.get("suppress_max", 7)
    base = disclosure.get("rounding_base", 5)
    small = {"min_events": 3, "unreliable_below": 20, **(statistics.get("small_numbers") or {})}
    trend = {"points": 5, "threshold": 9.5495, **(statistics.get("trend") or {})}
    edition = {"iod2019": "IoD2019", "iod2025": "IoD2025"}.get(
        str(deprivation.get("edition", "")), "the Indices of Deprivation"
    )
    adjust = ", ".join(models.get("adjust_for", ["age_band", "year"]))
    exposures = ", ".join(models.get("exposures", ["imd_quintile", "ethnic_group"]))
    notes = {
        "synthetic": "These are synthetic data: fictional areas and births generated by birthgaps "
        "to show how the tables work. They are not real births and must not be used to describe "
        "any real place.",
        "suppressed": f"[c] withheld to protect confidentiality: a count of {low} to {high} or a "
        "figure that would reveal one. Counts of "
        f"{low} to {high} births are not published (NHS England rule for maternity data): a row is "
        "withheld when its events, its births without the event or its denominator lie in that "
        "range, and other rows are withheld where they would let a withheld count be worked out "
        "(the tables do not say which rows are which).",
        "unreliable": f"[u] Low reliability: the rate rests on fewer than "
        f"{small['unreliable_below']} events (ONS practice) and should be read with caution.",
        "not_calculated": f"[x] Not available: not calculated. No rate is given from fewer than "
        f"{small['min_events']} events (ONS practice); a model estimate, trend or explained "
        "share is not calculated when there are too few events or years — the note or reason "
        "column says why.",
        "not_applicable": "[z] Not applicable: the column does not apply to this row (for "
        "example the interval of a share, or the area of a row of the funnel's limit lines).",
        "rounding": f"Counts are rounded to the nearest {base} after suppression, so totals may "
        "not equal the sum of their parts. Percentages, their confidence intervals and the crude "
        "ratios are calculated from the rounded counts; adjusted model estimates are fitted to "
        "the unrounded counts and published rounded (ratios to 2 decimal places, p-values to 2 "
        "significant figures).",
        "ci": "95% and 99.8% confidence intervals: Wilson score intervals for percentages and "
        "Wald intervals on the log scale for ratios (docs/statistics.md). An interval that "
        "excludes the comparison value means the difference is statistically significant.",
        "small_numbers": f"Reliability follows ONS practice for small numbers: [u] below "
        f"{small['unreliable_below']} events, [x] (not calculated) below {small['min_events']}.",
        "benchmark": f"Each area is compared with the benchmark ({benchmark_label}) by "
        "Fingertips comparator method 1: Similar when the benchmark lies inside the area's 95% "
        "confidence interval, otherwise Better or Worse (a lower percentage is better for every "
        "outcome here), at 95% or 99.8%.",
        "imd": f"Deprivation: Index of Multiple Deprivation ({edition}) of the mother's "
        f"neighbourhood (LSOA) of residence, in {imd_basis} quintiles. Quintile 1 is the most "
        "deprived fifth, quintile 5 the least deprived; Unknown when the neighbourhood is "
        "missing or not in the lookup.",
        "ethnicity": "Ethnic group: the mother's NHS ethnic category mapped to the ONS 2021 "
        "high-level groups (Asian, Black, Mixed, White, Other); Not stated when missing.",
        "trend": f"Recent trend (Fingertips method): the most recent {trend['points']} yearly "
        "values; chi-squared test for linear trend in proportions, significant above "
        f"{trend['threshold']} (99.8%) and only when the slope keeps its sign when any one year "
        "is left out. Years with suppressed or too few events make the trend not calculable.",
        "inequality": "Rate ratios compare each group with the least deprived quintile (or the "
        "White group). The slope index of inequality (SII, percentage points) and relative index "
        "of inequality (RII) describe the whole deprivation gradient (PHE method, simulated "
        "confidence intervals). The population attributable fraction (PAF) is the share of "
        "events that would not occur if every quintile had the least deprived quintile's rate.",
        "funnel": "Funnel plot (PHE method): control limits at 95% and 99.8% around the average "
        "of the study areas; an area outside the 99.8% limits differs from the average by more "
        "than chance would explain.",
        "models": f"Regression on counts by covariate pattern: logistic regression (odds ratios) "
        f"and modified Poisson regression with robust errors (risk ratios). Crude models hold one "
        f"exposure; adjusted models hold all exposures ({exposures}) and {adjust}. Complete cases: "
        "births with Unknown deprivation, Not stated ethnicity or Unknown age are left out. "
        "Estimates describe associations, not causes (docs/models.md).",
    }
    if not synthetic:
        del notes["synthetic"]
    return pd.DataFrame({"Note reference": list(notes), "Note text": list(notes.values())})


def _ref(key: str, space: str = " ") -> str:
    """A note reference; gptables turns it into "[note N]" at the end of the text."""
    return f"{space}$${key}$$"


def _marker_legend(markers: Sequence[str]) -> list[str]:
    words = {
        "[c]": "withheld to protect confidentiality: a count of 1 to 7 or a figure that would "
        "reveal one",
        "[u]": "low reliability",
        "[x]": "not available: not calculated",
        "[z]": "not applicable",
    }
    return [f"{marker} = {words[marker]}{_ref(MARKERS[marker])}" for marker in markers]


# ------------------------------------------------------------------------------ the workbook


def build_workbook(
    tables: Mapping[str, pd.DataFrame],
    *,
    release: str,
    release_label: str,
    synthetic: bool,
    areas: Mapping[str, str],
    path: str | Path,
    years: Sequence[int] | None = None,
    disclosure: Mapping | None = None,
    statistics: Mapping | None = None,
    deprivation: Mapping | None = None,
    models: Mapping | None = None,
    source: str | None = None,
    contact: Sequence[str] | None = None,
    empty_notes: Mapping[str, str] | None = None,
) -> list[str]:
    """Write the release's workbook to ``path``: cover, contents, notes, one sheet per table.

    ``tables`` maps keys of ``TABLES`` to the published tables (as read from their CSVs); those
    present become sheets in ``TABLES`` order. The settings (config blocks) only word the notes and
    the cover. ``empty_notes`` says why a table without rows is empty by design (table key ->
    reason, ``models.empty_table_notes``): its sheet shows the reason; any other table without
    rows stops the run. The same inputs give a byte-identical file. Returns the sheet names.
    """
    with warnings.catch_warnings():  # gptables leaves its theme file open on import
        warnings.simplefilter("ignore", ResourceWarning)
        import gptables as gpt

    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise InputError(
            f"no workbook sheet for table(s) {unknown}",
            rule=RULE,
            hint=f"add them to birthgaps.publish.workbook.TABLES (known: {', '.join(TABLES)})",
        )
    disclosure = {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5, **(disclosure or {})}
    statistics = dict(statistics or {})
    deprivation = dict(deprivation or {})
    models = dict(models or {})
    period = _period(years, tables)
    area_text = _areas_text(areas)
    imd_basis = _first_value(tables, "imd_quintiles") or "national"
    benchmark_label = _first_value(tables, "benchmark_label") or str(
        (statistics.get("benchmark") or {}).get("label", "All study areas")
    )
    if source is None:
        source = (
            "Synthetic births generated by birthgaps (no real births)"
            if synthetic
            else f"Birth records of the {release_label} release, processed by birthgaps"
        )
    population = (
        f"Live births to mothers living in {area_text}, born in {period}. Stillbirths, "
        "duplicate records and births outside the study areas or years are excluded "
        "(Exclusions sheet)."
    )

    sheets: dict[str, Any] = {}
    for key, spec in TABLES.items():
        if key not in tables:
            continue
        frame = present_table(key, tables[key])
        reason = (empty_notes or {}).get(key, "")
        if frame.empty:
            frame = empty_by_design(key, frame, reason)
        markers = markers_in(frame)
        subtitles = [f"Release: {release_label} (name: {release})"]
        if reason and tables[key].empty:
            subtitles.append(f"This table has no rows: {reason}.")
        if synthetic:
            subtitles.append(f"{SYNTHETIC_NOTICE}{_ref('synthetic')}")
        subtitles.append(f"Areas: {area_text}; ALL = the areas together. Period: {period}.")
        if "imd_quintiles" in tables[key].columns:
            subtitles.append(
                f"Deprivation: IMD quintiles ({imd_basis}); 1 = most deprived{_ref('imd')}"
            )
        scope = spec.scope + (" " if spec.notes else "")
        scope += "".join(_ref(note, space="") for note in spec.notes)
        headings = {name: describe_column(key, name).heading for name in frame.columns}
        units = {
            headings[name]: describe_column(key, name).unit
            for name in frame.columns
            if describe_column(key, name).unit
        }
        # by position: gptables has already added the units to the headings when it reads these
        table_notes = {
            list(frame.columns).index(name): _ref(note, space="")
            for name, note in spec.column_notes.items()
            if name in frame.columns
        }
        sheets[spec.sheet] = gpt.GPTable(
            table=frame.rename(columns=headings),
            table_name=key,
            title=spec.title,
            subtitles=subtitles,
            instructions="This worksheet contains one table. Notes are on the Notes worksheet; "
            "[note N] refers to them. Shorthand markers are explained below.",
            legend=_marker_legend(markers),
            source=f"Source: {source}",
            scope=scope,
            units=units,
            table_notes=table_notes,
            index_columns={},
            additional_formatting=_number_formats(key, frame),
        )

    notes = notes_table(
        synthetic=synthetic,
        benchmark_label=benchmark_label,
        disclosure=disclosure,
        statistics=statistics,
        deprivation=deprivation,
        models=models,
        imd_basis=imd_basis,
    )
    referenced = _referenced_notes(sheets)
    notes = notes[notes["Note reference"].isin(referenced)].reset_index(drop=True)

    cover = gpt.Cover(
        title=f"Preterm birth and low birth weight by deprivation and ethnicity: {release_label}",
        intro=[
            *(
                [
                    [
                        {"bold": True},
                        f"{SYNTHETIC_NOTICE} These tables show how birthgaps works; "
                        "they describe no real births.",
                    ]
                ]
                if synthetic
                else []
            ),
            f"The statistical tables of the release {release_label} (name: {release}): "
            "preterm birth and low birth weight among live births, by area, deprivation, the "
            "mother's ethnic group and age, and year; trends, inequality measures and regression "
            "models.",
            f"Areas: {area_text}.",
        ],
        about=[
            f"Source: {source}.",
            f"Population: {population}",
            f"Period: births in {period}.",
            f"Disclosure control: [c] withheld to protect confidentiality: a count of "
            f"{disclosure['suppress_min']} to {disclosure['suppress_max']} or a figure that would "
            "reveal one; other counts are rounded to the nearest "
            f"{disclosure['rounding_base']}. Rates from few events are flagged [u] (low "
            "reliability) or not calculated [x], following ONS practice.",
            "How to use this workbook: the Contents worksheet links to every table; each table "
            "is on its own worksheet with its title, what it covers, its source and the units in "
            "its column headings. [note N] refers to the Notes worksheet. Shorthand: [c] "
            "withheld to protect confidentiality, [u] low reliability, [x] not available (not calculated), "
            "[z] not applicable. The same tables are published as CSV files in tables/ with a "
            "data dictionary (tables/data_dictionary.csv).",
        ],
        contact=list(contact)
        if contact
        else [
            "Team: to be completed (the public health intelligence team publishing these tables)",
            "Email: to be completed",
        ],
    )
    with warnings.catch_warnings():
        # gptables 2.0 uses pandas features that pandas 3 deprecates; not our code to change
        for category in (DeprecationWarning, FutureWarning, ResourceWarning):
            warnings.simplefilter("ignore", category)
        wb = gpt.produce_workbook(
            filename=str(path),
            sheets=sheets,
            cover=cover,
            contentsheet_label="Contents",
            contentsheet_options={
                "additional_elements": ["scope"],
                "title": "Table of contents",
                "instructions": "This worksheet contains one table. Each sheet name links to its "
                "worksheet.",
            },
            notes_table=notes,
            notesheet_label="Notes",
            notesheet_options={"title": "Notes"},
        )
        _limit_widths(wb, sheets)
        wb.set_properties(
            {
                "title": cover.title,
                "subject": "Preterm birth and low birth weight by deprivation and ethnicity",
                "author": "birthgaps",
                "comments": SYNTHETIC_NOTICE if synthetic else f"Release {release}",
                "created": CREATED,
            }
        )
        wb.close()
    return ["Cover", "Contents", "Notes", *sheets]


def empty_by_design(key: str, frame: pd.DataFrame, reason: str) -> pd.DataFrame:
    """The sheet of a table without rows: one row saying why (the note column holds the reason,
    every other cell [z]). Without a reason the table is not empty by design: an InputError."""
    if not reason:
        raise InputError(
            f"the published table '{key}' has no rows",
            file=f"tables/{key}.csv",
            rule=RULE,
            rows=0,
            hint="a table empty by design has its reason in the models rule's empty-tables "
            "file; otherwise an earlier rule wrote no rows by mistake: check its log",
        )
    row = {name: "[z]" for name in frame.columns}
    if "note" in row:
        row["note"] = reason
    return pd.DataFrame([row], columns=frame.columns)


def _number_formats(key: str, frame: pd.DataFrame) -> list[dict]:
    """Excel number formats showing each rounded column's decimals (8 shows as 8.00), by heading."""
    by_decimals: dict[int, list[str]] = {}
    for name in frame.columns:
        column = describe_column(key, name)
        if column.kind == "number" and column.decimals:
            by_decimals.setdefault(column.decimals, []).append(column.heading)
    return [
        {"column": {"columns": names, "format": {"num_format": "0." + "0" * decimals}}}
        for decimals, names in sorted(by_decimals.items())
    ]


#: Widest a text column may be (characters); longer text wraps (the theme wraps data cells).
MAX_WIDTH = 70


def _limit_widths(wb: Any, sheets: Mapping[str, Any]) -> None:
    """Narrow the columns whose longest text would make them very wide (gptables sizes each column
    to its longest line), so notes and descriptions wrap instead of running off the screen."""
    for label, table in sheets.items():
        ws = wb.get_worksheet_by_name(label)
        for position, name in enumerate(table.table.columns):
            longest = max((len(str(v)) for v in table.table[name]), default=0)
            if longest > MAX_WIDTH:
                ws.set_column(position, position, MAX_WIDTH)
    for label in ("Contents", "Notes"):
        ws = wb.get_worksheet_by_name(label)
        if ws is not None:
            ws.set_column(1, 1, 100)


def _first_value(tables: Mapping[str, pd.DataFrame], column: str) -> str | None:
    """The first non-empty value of ``column`` in any table (a release-wide label)."""
    for table in tables.values():
        if column in table.columns:
            for value in table[column]:
                if not _blank(value):
                    return str(value)
    return None


def _referenced_notes(sheets: Mapping[str, Any]) -> list[str]:
    """Note keys referenced by the sheets ($$key$$ in their text or column notes)."""
    found: list[str] = []
    for table in sheets.values():
        texts = [table.title, table.scope, table.source, *table.subtitles, *table.legend]
        texts += list((table.table_notes or {}).values())
        for text in texts:
            if isinstance(text, str):
                found += re.findall(r"\$\$(.*?)\$\$", text)
    return list(dict.fromkeys(found))
