"""Column contracts of the model tables, importable without statsmodels (the appendix notebook
reads the published tables; docs/models.md, "Tables").

``MODEL_COLUMNS`` and its siblings are the columns of the fitted tables (restricted: full
precision, unrounded counts). ``PUBLISHED_COLUMNS`` are the columns of the published CSVs: the
same without the columns that would give counts back at full precision (log ratios, standard
errors, log-likelihoods, deviances, AIC; docs/models.md, "Disclosure control")."""

from __future__ import annotations

_LOG_NAME = {"odds_ratio": "log_or", "risk_ratio": "log_rr"}


def _ratio_columns(measure: str) -> list[str]:
    """Columns of a ratio table (odds or risk ratios) for one population."""
    return [
        "outcome",
        "model",
        "term",
        "level",
        "reference",
        measure,
        "lower_95",
        "upper_95",
        _LOG_NAME[measure],
        "se",
        "p_value",
        "n_births",
        "n_events",
        "note",
    ]


#: Columns of the table returned by :func:`fit_models` (``models_table`` adds ``area_code`` first).
MODEL_COLUMNS: list[str] = _ratio_columns("odds_ratio")
MODELS_TABLE_COLUMNS: list[str] = ["area_code", *MODEL_COLUMNS]
#: Columns of :func:`fit_risk_ratios` (``risk_ratio_table`` adds ``area_code`` first).
RISK_RATIO_COLUMNS: list[str] = _ratio_columns("risk_ratio")
RISK_RATIO_TABLE_COLUMNS: list[str] = ["area_code", *RISK_RATIO_COLUMNS]
#: Columns of :func:`interaction_test` (one row per population and outcome).
INTERACTION_COLUMNS: list[str] = [
    "outcome",
    "terms",
    "df",
    "lr_statistic",
    "p_value",
    "p_threshold",
    "significant",
    "n_combinations",
    "n_sparse_combinations",
    "n_empty_combinations",
    "n_births",
    "n_events",
    "note",
]
#: Columns of :func:`stratified_estimates`.
STRATIFIED_COLUMNS: list[str] = [
    "outcome",
    "stratum_term",
    "stratum",
    "term",
    "level",
    "reference",
    "odds_ratio",
    "lower_95",
    "upper_95",
    "log_or",
    "se",
    "p_value",
    "n_births",
    "n_events",
    "interaction_p_value",
    "interaction_significant",
    "note",
]
#: Columns of :func:`excess_explained`.
EXCESS_COLUMNS: list[str] = [
    "outcome",
    "measure",
    "term",
    "level",
    "reference",
    "explained_by",
    "base_terms",
    "base_ratio",
    "base_lower_95",
    "base_upper_95",
    "adjusted_ratio",
    "adjusted_lower_95",
    "adjusted_upper_95",
    "log_ratio_change",
    "change_lower_95",
    "change_upper_95",
    "pct_explained",
    "pct_lower_95",
    "pct_upper_95",
    "n_births",
    "n_events",
    "note",
]
#: Columns of :func:`fit_summaries`.
FIT_COLUMNS: list[str] = [
    "outcome",
    "measure",
    "model",
    "terms",
    "n_parameters",
    "log_likelihood",
    "deviance",
    "aic",
    "pattern_deviance",
    "n_patterns",
    "pattern_df",
    "pattern_p_value",
    "c_statistic",
    "n_births",
    "n_events",
    "note",
]

#: Columns of the fitted tables that are not published: at full precision they give the counts
#: of the fitted cells back (a log ratio with its standard error, a log-likelihood or deviance is
#: a function of the counts). Ratios, limits and p-values are published rounded instead.
UNPUBLISHED_COLUMNS: frozenset[str] = frozenset(
    {
        "log_or",
        "log_rr",
        "se",
        "log_ratio_change",
        "change_lower_95",
        "change_upper_95",
        "log_likelihood",
        "deviance",
        "aic",
        "pattern_deviance",
    }
)


def _published(columns: list[str]) -> list[str]:
    return ["area_code", *(c for c in columns if c not in UNPUBLISHED_COLUMNS)]


#: Columns of the published CSVs, ``area_code`` first, by key of ``model_tables``.
PUBLISHED_MODEL_COLUMNS: list[str] = _published(MODEL_COLUMNS)
PUBLISHED_RISK_RATIO_COLUMNS: list[str] = _published(RISK_RATIO_COLUMNS)
PUBLISHED_INTERACTION_COLUMNS: list[str] = _published(INTERACTION_COLUMNS)
PUBLISHED_STRATIFIED_COLUMNS: list[str] = _published(STRATIFIED_COLUMNS)
PUBLISHED_EXCESS_COLUMNS: list[str] = _published(EXCESS_COLUMNS)
PUBLISHED_FIT_COLUMNS: list[str] = _published(FIT_COLUMNS)
PUBLISHED_COLUMNS: dict[str, list[str]] = {
    "odds_ratios": PUBLISHED_MODEL_COLUMNS,
    "risk_ratios": PUBLISHED_RISK_RATIO_COLUMNS,
    "interaction": PUBLISHED_INTERACTION_COLUMNS,
    "stratified": PUBLISHED_STRATIFIED_COLUMNS,
    "excess_explained": PUBLISHED_EXCESS_COLUMNS,
    "fit": PUBLISHED_FIT_COLUMNS,
}

#: Keys of :func:`model_tables` (each is written to ``published/tables/<key>.csv``).


#: Each table of ``models.model_tables`` and the name of the published CSV it becomes
#: (``published/tables/<name>.csv``), for the models rule and what reads its outputs.
MODEL_OUTPUTS: dict[str, str] = {
    "odds_ratios": "models",
    "risk_ratios": "risk_ratios",
    "interaction": "interaction",
    "stratified": "stratified",
    "excess_explained": "excess_explained",
    "fit": "model_fit",
}
