"""Old name of the model tables' column contracts, now derived from ``birthgaps.core.catalogue``.

Enters: the catalogue. Leaves: the same names as before (``MODEL_COLUMNS``, ``PUBLISHED_COLUMNS``,
``MODEL_OUTPUTS``, ...), for the modules not yet switched to the catalogue; delete this module once
``models.fitting``, ``appendix.sections``, ``core.settings`` and ``workflow/scripts/models.py``
import from ``birthgaps.core.catalogue``.
"""

from __future__ import annotations

from birthgaps.core.catalogue import (
    LOG_NAME,
    MODEL_OUTPUTS,
    UNPUBLISHED_COLUMNS,
    fitted_model_columns,
    published_model_columns,
)

_LOG_NAME = LOG_NAME  # old private name, still imported by models.fitting

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
PUBLISHED_MODEL_COLUMNS = PUBLISHED_COLUMNS["odds_ratios"]
PUBLISHED_RISK_RATIO_COLUMNS = PUBLISHED_COLUMNS["risk_ratios"]
PUBLISHED_INTERACTION_COLUMNS = PUBLISHED_COLUMNS["interaction"]
PUBLISHED_STRATIFIED_COLUMNS = PUBLISHED_COLUMNS["stratified"]
PUBLISHED_EXCESS_COLUMNS = PUBLISHED_COLUMNS["excess_explained"]
PUBLISHED_FIT_COLUMNS = PUBLISHED_COLUMNS["fit"]

__all__ = [
    "EXCESS_COLUMNS",
    "FIT_COLUMNS",
    "INTERACTION_COLUMNS",
    "MODEL_COLUMNS",
    "MODEL_OUTPUTS",
    "MODELS_TABLE_COLUMNS",
    "PUBLISHED_COLUMNS",
    "RISK_RATIO_COLUMNS",
    "RISK_RATIO_TABLE_COLUMNS",
    "STRATIFIED_COLUMNS",
    "UNPUBLISHED_COLUMNS",
]
