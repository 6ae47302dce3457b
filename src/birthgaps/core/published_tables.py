"""The published tables of the catalogue: every CSV under ``published/tables/`` and its columns.

Enters: the shared column entries of ``birthgaps.core.columns``. Leaves: ``PUBLISHED`` (table key
-> ``TableSpec``, in workbook sheet order), the published wording of every title and column.
"""

from __future__ import annotations

from dataclasses import replace

from birthgaps.core.columns import (
    AREA_CODE,
    AREA_NAME,
    DENOMINATOR,
    EVENTS,
    FLAG,
    GROUP,
    LEVEL,
    MEASURE_RATIO,
    MODEL_P_VALUE,
    MODEL_TERM,
    N_BIRTHS,
    N_EVENTS,
    NOTE,
    OUTCOME,
    RATES_DIMENSION,
    REFERENCE,
    RELIABILITY,
    SUPPRESSED,
    Rule,
    TableSpec,
    ci_columns,
    col,
    label_columns,
    not_suppressed,
    ratio_table,
    rows_in,
)
from birthgaps.core.published_changes import CHANGES
from birthgaps.core.published_comparators import COMPARATORS, FUNNEL
from birthgaps.core.published_indicators import INEQUALITY, TRENDS
from birthgaps.core.published_markers import DEATH_MARKERS

PUBLISHED: dict[str, TableSpec] = {
    spec.key: spec
    for spec in [
        TableSpec(
            key="exclusion_flow",
            sheet="Exclusions",
            title="Birth records received, removed and kept (exclusion flow)",
            scope="How many records each cleaning step removed, and the births in each "
            "outcome's denominator, for the whole extract",
            columns={
                **label_columns(imd=False),
                "step": col("Step", "Code of the cleaning step (docs/cleaning.md)"),
                "description": col("Description", "What the step does"),
                "count": col(
                    "Number",
                    "Records the step removed, flagged or counted, {rounded}",
                    "records",
                    "count",
                ),
                "remaining": col(
                    "Remaining",
                    "Records left after a removal step (for a denominator row, the denominator); "
                    "empty for rows that only flag births, {rounded}",
                    "records",
                    "count",
                ),
                "suppressed": SUPPRESSED,
                "flag": FLAG,
            },
            not_applicable=(
                Rule(("remaining",), not_suppressed, "a step that only flags births removes none"),
            ),
            notes=("rounding",),
        ),
        TableSpec(
            key="outcomes",
            sheet="Definitions",
            title="The outcomes of this release: what each counts and how it is reported",
            scope="One row per outcome, in the order of the config's outcome list",
            columns={
                **label_columns(imd=False),
                "outcome": col("Outcome", "Outcome code, as used in every other table"),
                "label": col("Name", "The outcome's name"),
                "group": col(
                    "Group code", "`birth_outcomes`, `mortality` or `maternity` (indicators)"
                ),
                "group_label": col("Group", "The group's name, as the appendix sections"),
                "definition": col("Definition", "What is counted, of which population"),
                "short": col("In words", "The outcome in a few words, as the appendix says it"),
                "measure": col(
                    "Measure", "`percent` (a percentage) or `per_1000` (a rate per 1,000)"
                ),
                "unit": col("Unit", "Unit of the outcome's values: `%` or `per 1,000`"),
                "denominator": col(
                    "Denominator",
                    "What the outcome is a share or rate of: `live births`, `total births` (live "
                    "and still) or `maternities` (one per delivery: twins are one maternity)",
                ),
                "pooling": col(
                    "Pooling",
                    "`single_year`, or `rolling_3`: the year breakdown is given for rolling "
                    "three-year periods (2019-2021, 2020-2022, ...)",
                ),
                "year_basis": col(
                    "Year basis",
                    "`birth`: counted by year of birth (a linked cohort), or `death`: by year "
                    "of death",
                ),
                "polarity": col(
                    "Polarity",
                    "`lower_is_better` or `higher_is_better`: which way `Better` and `Worse` "
                    "point in the comparison with the benchmark",
                ),
                "modelled": col(
                    "Modelled",
                    "Whether the regression models are fitted for the outcome",
                    kind="boolean",
                ),
                "fingertips_id": col(
                    "Fingertips indicator",
                    "The OHID Fingertips indicator id of the outcome, where there is one",
                    kind="integer",
                ),
            },
            not_applicable=(
                Rule(
                    ("fingertips_id",),
                    rows_in("fingertips_id", "", "<NA>"),
                    "no Fingertips indicator for the outcome",
                ),
            ),
        ),
        TableSpec(
            key="rates",
            sheet="Rates",
            title="Each outcome by area, deprivation, ethnic group, mother's age and year: "
            "percentage or rate per 1,000",
            scope="Values in each outcome's unit (Definitions sheet) with 95% and 99.8% "
            "confidence intervals and the comparison with the benchmark, whole period unless "
            "the breakdown is year (rolling three-year periods for pooled outcomes)",
            columns={
                **label_columns(),
                "area_code": AREA_CODE,
                "area_name": AREA_NAME,
                "outcome": OUTCOME,
                "dimension": RATES_DIMENSION,
                "group": GROUP,
                "events": EVENTS,
                "denominator": DENOMINATOR,
                "unit": col(
                    "Unit",
                    "Unit of the value, its limits and the benchmark: `%` (a percentage, Wilson "
                    "limits) or `per 1,000` (a rate, exact limits below 10 events, Byar's above)",
                ),
                "value": col(
                    "Value",
                    "Events as a percentage of the denominator, or per 1,000 of it (see Unit), "
                    "from the rounded counts",
                    "see Unit column",
                    "number",
                    decimals=2,
                ),
                **ci_columns("", "value", "see Unit column", 2),
                "reliability": RELIABILITY,
                "benchmark_label": col(
                    "Benchmark", "What the area is compared with (England: the Comparators sheet)"
                ),
                "benchmark": col(
                    "Benchmark value",
                    "The benchmark's value for the same outcome and period, in the row's unit",
                    "see Unit column",
                    "number",
                    decimals=2,
                ),
                "comparison": col(
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
                    rows_in("area_code", "ALL"),
                    "the areas together are not compared (pooled: they are the benchmark)",
                ),
            ),
            notes=("ci", "ethnicity"),
            column_notes={
                "events": "rounding",
                "benchmark_label": "benchmark",
                "reliability": "small_numbers",
            },
        ),
        COMPARATORS,
        TRENDS,
        INEQUALITY,
        FUNNEL,
        TableSpec(
            key="models",
            sheet="Odds_ratios",
            title="Odds ratios of each outcome by deprivation, ethnic group, mother's age and "
            "year, crude and adjusted",
            scope="Logistic regression on counts by covariate pattern, complete cases",
            columns=ratio_table("odds_ratio", "Odds ratio"),
            notes=("models", "ethnicity"),
            column_notes={"n_births": "rounding"},
        ),
        TableSpec(
            key="risk_ratios",
            sheet="Risk_ratios",
            title="Risk ratios of each outcome by deprivation, ethnic group, mother's age and "
            "year, crude and adjusted",
            scope="Modified Poisson regression with robust standard errors, complete cases",
            columns=ratio_table("risk_ratio", "Risk ratio"),
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
                **label_columns(),
                "area_code": AREA_CODE,
                "outcome": OUTCOME,
                "terms": col("Interaction", "The two variables whose interaction is tested"),
                "df": col("Degrees of freedom", "Degrees of freedom of the test", kind="integer"),
                "lr_statistic": col(
                    "Likelihood-ratio statistic",
                    "Likelihood-ratio chi-squared statistic (2 decimal places)",
                    kind="number",
                    decimals=2,
                ),
                "p_value": replace(
                    MODEL_P_VALUE,
                    description="p-value of the likelihood-ratio test (2 significant figures)",
                ),
                "p_threshold": col(
                    "Threshold",
                    "p-value below which the interaction is called significant",
                    kind="number",
                    significant=3,
                ),
                "significant": col(
                    "Significant", "Whether the p-value is below the threshold", kind="boolean"
                ),
                "n_combinations": col(
                    "Combinations",
                    "Non-reference combinations of levels present",
                    kind="integer",
                ),
                "n_sparse_combinations": col(
                    "Sparse combinations",
                    "Combinations with too few events or non-events, which share the main effects",
                    kind="integer",
                ),
                "n_empty_combinations": col(
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
                **label_columns(),
                "area_code": AREA_CODE,
                "outcome": OUTCOME,
                "stratum_term": col("Stratified by", "The variable that defines the strata"),
                "stratum": col("Stratum", "The stratum (an ethnic group or an IMD quintile)"),
                "term": MODEL_TERM,
                "level": LEVEL,
                "reference": REFERENCE,
                "odds_ratio": col(
                    "Odds ratio",
                    "Adjusted odds ratio within the stratum (2 decimal places)",
                    "ratio",
                    "number",
                    decimals=2,
                ),
                **ci_columns("", "odds ratio", "ratio", 2, ("95",)),
                "p_value": MODEL_P_VALUE,
                "n_births": replace(
                    N_BIRTHS,
                    description="Births or maternities in the stratum's model, {rounded}",
                ),
                "n_events": replace(
                    N_EVENTS,
                    description="Births, deaths or maternities with the outcome in the stratum's model, "
                    "{rounded}",
                ),
                "interaction_p_value": col(
                    "Interaction p-value",
                    "p-value of the interaction test (Interaction sheet, 2 significant figures)",
                    kind="number",
                    significant=2,
                ),
                "interaction_significant": col(
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
                **label_columns(),
                "area_code": AREA_CODE,
                "outcome": OUTCOME,
                "measure": MEASURE_RATIO,
                "term": col("Variable", "The exposure whose excess is explained"),
                "level": LEVEL,
                "reference": REFERENCE,
                "explained_by": col("Explained by", "The variables added to the model"),
                "base_terms": col("Base model", "Terms of the model before adding them"),
                "base_ratio": col(
                    "Ratio before", "The ratio in the base model", "ratio", "number", decimals=2
                ),
                **ci_columns("base_", "ratio before", "ratio", 2, ("95",)),
                "adjusted_ratio": col(
                    "Ratio after",
                    "The ratio after adding the variables",
                    "ratio",
                    "number",
                    decimals=2,
                ),
                **ci_columns("adjusted_", "ratio after", "ratio", 2, ("95",)),
                "pct_explained": col(
                    "Excess explained",
                    "Share of the excess (log ratio) explained: 100 x (log ratio before - log "
                    "ratio after) / log ratio before, to the whole percent",
                    "%",
                    "number",
                    decimals=0,
                ),
                **ci_columns("pct_", "excess explained", "%", 0, ("95",)),
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
                **label_columns(),
                "area_code": AREA_CODE,
                "outcome": OUTCOME,
                "measure": MEASURE_RATIO,
                "model": col(
                    "Model", "`crude`, `adjusted`, or `interaction` (adjusted plus the interaction)"
                ),
                "terms": col("Model terms", "The terms in the model"),
                "n_parameters": col("Parameters", "Number of parameters", kind="integer"),
                "n_patterns": col(
                    "Covariate patterns", "Number of covariate patterns", kind="integer"
                ),
                "pattern_df": col(
                    "Pattern degrees of freedom",
                    "Patterns minus parameters",
                    kind="integer",
                ),
                "pattern_p_value": col(
                    "Goodness of fit p-value",
                    "p-value of the deviance against the saturated covariate-pattern model on "
                    "the pattern degrees of freedom (2 significant figures; rough when patterns "
                    "are small)",
                    kind="number",
                    significant=2,
                ),
                "c_statistic": col(
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
                    rows_in("measure", "risk_ratio"),
                    "modified Poisson has only a working likelihood",
                ),
            ),
            notes=("models",),
            column_notes={"n_births": "rounding"},
        ),
        DEATH_MARKERS,
        CHANGES,
    ]
}

#: The model tables; crude ratios come from the published counts, adjusted ones from exact counts.
MODEL_TABLES = (
    "models",
    "risk_ratios",
    "interaction",
    "stratified",
    "excess_explained",
    "model_fit",
)
MODEL_ESTIMATE = (
    "model estimate: crude from the published counts, adjusted fitted to the exact counts and "
    "published rounded"
)
PUBLISHED.update(
    {
        key: replace(
            PUBLISHED[key],
            columns={
                name: replace(column, role=MODEL_ESTIMATE) if column.kind == "number" else column
                for name, column in PUBLISHED[key].columns.items()
            },
        )
        for key in MODEL_TABLES
    }
)
