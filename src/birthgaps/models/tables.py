"""The models' tables: keys, columns and dtypes (contracts from ``core.catalogue``).

Rows (dicts) enter :func:`typed` and :func:`ratio_frame`; typed frames with stable dtypes leave."""

from __future__ import annotations

from typing import Any

import pandas as pd

from birthgaps.core.catalogue import (  # noqa: F401 (re-exported: the tables' contracts)
    LOG_NAME,
    MODEL_OUTPUTS,
    UNPUBLISHED_COLUMNS,
    fitted_model_columns,
    published_model_columns,
)

#: Columns of each fitted table (before publication) and of the published tables, from the catalogue.
MODEL_COLUMNS: list[str] = fitted_model_columns("odds_ratios")
MODELS_TABLE_COLUMNS: list[str] = ["area_code", *MODEL_COLUMNS]
RISK_RATIO_COLUMNS: list[str] = fitted_model_columns("risk_ratios")
RISK_RATIO_TABLE_COLUMNS: list[str] = ["area_code", *RISK_RATIO_COLUMNS]
INTERACTION_COLUMNS: list[str] = fitted_model_columns("interaction")
STRATIFIED_COLUMNS: list[str] = fitted_model_columns("stratified")
EXCESS_COLUMNS: list[str] = fitted_model_columns("excess_explained")
FIT_COLUMNS: list[str] = fitted_model_columns("fit")
PUBLISHED_COLUMNS: dict[str, list[str]] = {
    key: published_model_columns(key) for key in MODEL_OUTPUTS
}

TABLE_KEYS: tuple[str, ...] = (
    "odds_ratios",
    "risk_ratios",
    "interaction",
    "stratified",
    "excess_explained",
    "fit",
)
TABLE_COLUMNS: dict[str, list[str]] = {
    "odds_ratios": MODEL_COLUMNS,
    "risk_ratios": RISK_RATIO_COLUMNS,
    "interaction": INTERACTION_COLUMNS,
    "stratified": STRATIFIED_COLUMNS,
    "excess_explained": EXCESS_COLUMNS,
    "fit": FIT_COLUMNS,
}


#: Extra key of :func:`model_tables`: the complete-case counts behind the notes (restricted).
COMPLETE_CASES = "complete_cases"


#: Extra key of :func:`model_tables`: why an analysis gives a table no rows (EMPTY_REASON_COLUMNS).
EMPTY_REASONS = "empty_reasons"
EMPTY_REASON_COLUMNS = ["table", "area_code", "outcome", "reason", "p_value"]


#: Pooled area code in the area-by-area tables.
ALL_AREAS = "ALL"


_FLOAT_COLUMNS = {
    "odds_ratio",
    "risk_ratio",
    "lower_95",
    "upper_95",
    "log_or",
    "log_rr",
    "se",
    "p_value",
    "lr_statistic",
    "p_threshold",
    "interaction_p_value",
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
    "log_likelihood",
    "deviance",
    "aic",
    "pattern_deviance",
    "pattern_p_value",
    "c_statistic",
}
_INT_COLUMNS = {"n_combinations"}
_NULLABLE_INT_COLUMNS = {
    "n_births",
    "n_events",
    "df",
    "n_sparse_combinations",
    "n_empty_combinations",
    "n_parameters",
    "n_patterns",
    "pattern_df",
}
_BOOL_COLUMNS = {"significant", "interaction_significant"}


def ratio_frame(rows: list[dict[str, Any]], measure: str, columns: list[str]) -> pd.DataFrame:
    """Rows with generic keys -> a typed table naming the ratio for ``measure``."""
    frame = pd.DataFrame(rows)
    frame = frame.rename(columns={"ratio": measure, "log_ratio": LOG_NAME[measure]})
    frame = frame.reindex(columns=columns)
    return typed(frame, columns)


def typed(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Stable dtypes whatever the number of rows (strings, float64, int64, Int64, bool)."""
    table = table.reindex(columns=columns).reset_index(drop=True)
    for col in columns:
        if col in _FLOAT_COLUMNS:
            table[col] = table[col].astype("float64")
        elif col in _INT_COLUMNS:
            table[col] = table[col].astype("int64")
        elif col in _NULLABLE_INT_COLUMNS:
            table[col] = pd.array(table[col], dtype="Float64").astype("Int64")
        elif col in _BOOL_COLUMNS:
            table[col] = table[col].fillna(False).astype(bool)
        else:
            table[col] = table[col].fillna("").astype(str)
    return table
