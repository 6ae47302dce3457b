"""Column contracts of the published model tables, importable without statsmodels (the
appendix notebook reads these tables; docs/models.md, "Tables")."""

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
    "c_statistic",
    "n_births",
    "n_events",
    "note",
]

#: Keys of :func:`model_tables` (each is written to ``published/tables/<key>.csv``).
