"""The OHID/PHE statistical methods' one public entry point: the settings block and the small-number rules.

The methods themselves live by job in ``birthgaps.stats.intervals`` (confidence intervals, ratios, benchmark
comparison), ``birthgaps.stats.trends`` (recent trend), ``birthgaps.stats.funnel`` (funnel plots) and
``birthgaps.stats.inequality`` (SII/RII, attributable fraction); they are re-exported here (docs/statistics.md).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from birthgaps.core.errors import InputError
from birthgaps.core.settings import schema_defaults
from birthgaps.stats.funnel import (
    funnel_axis,
    funnel_limits,
    funnel_significance,
)
from birthgaps.stats.inequality import attributable_fraction, sii_rii, sii_rii_table
from birthgaps.stats.intervals import (
    as_float,
    compare_with_benchmark,
    level_suffix,
    odds_ratio,
    poisson_count_ci,
    proportion_ci,
    rate_ci,
    rate_ratio,
    wilson_ci,
)
from birthgaps.stats.trends import CHI2_998, TrendResult, recent_trend, recent_trend_table

__all__ = [
    "CHI2_998",
    "DEFAULT_SETTINGS",
    "TrendResult",
    "apply_small_number_rules",
    "attributable_fraction",
    "compare_with_benchmark",
    "funnel_axis",
    "funnel_limits",
    "funnel_significance",
    "level_suffix",
    "odds_ratio",
    "poisson_count_ci",
    "proportion_ci",
    "rate_ci",
    "rate_ratio",
    "recent_trend",
    "recent_trend_table",
    "sii_rii",
    "sii_rii_table",
    "statistics_settings",
    "wilson_ci",
]


#: Defaults of the optional ``statistics`` config block (config/README.md).
#: As the config schema gives them; ``benchmark`` is resolved by ``birthgaps.stats.rates.benchmark_settings``.
DEFAULT_SETTINGS: dict = {
    key: value for key, value in schema_defaults("statistics").items() if key != "benchmark"
}


def statistics_settings(config: dict) -> dict:
    """The config's ``statistics`` block with every missing key set to its default (a new dict)."""
    given = config.get("statistics") or {}
    out: dict = {}
    for key, default in DEFAULT_SETTINGS.items():
        if isinstance(default, dict):
            out[key] = {**default, **(given.get(key) or {})}
        else:
            out[key] = list(given.get(key, default))
    small = out["small_numbers"]
    if small["min_events"] > small["unreliable_below"]:
        raise InputError(
            "small_numbers.min_events is above small_numbers.unreliable_below",
            key="statistics.small_numbers",
        )
    return out


# ---------------------------------------------------------------------------------------------
# small numbers (ONS practice)
# ---------------------------------------------------------------------------------------------


def apply_small_number_rules(
    table: pd.DataFrame,
    events_col: str = "events",
    min_events: int = 3,
    unreliable_below: int = 20,
    value_cols: Iterable[str] | None = None,
    flag_col: str = "reliability",
) -> pd.DataFrame:
    """ONS small-number practice: no rate from fewer than ``min_events`` events, low reliability below 20.

    Returns a copy where the rate columns (``value_cols``; by default every column named ``value``,
    ``rate``, ``percent``, ``lower_*`` or ``upper_*``) are NaN when events < ``min_events``, and
    ``flag_col`` holds "x" (not calculated, ONS "[x]"), "u" (low reliability, ONS "[u]": events below
    ``unreliable_below``) or "". Source: ONS child and infant mortality tables (notes on "[x]" and "[u]").
    """
    if events_col not in table.columns:
        raise InputError(
            "the events column for the small-number rules is missing", column=events_col
        )
    if not 0 <= min_events <= unreliable_below:
        raise ValueError("need 0 <= min_events <= unreliable_below")
    if value_cols is None:
        value_cols = [
            c
            for c in table.columns
            if c in {"value", "rate", "percent"} or str(c).startswith(("lower_", "upper_"))
        ]
    value_cols = list(value_cols)
    missing = [c for c in value_cols if c not in table.columns]
    if missing:
        raise InputError("a rate column for the small-number rules is missing", column=missing[0])
    out = table.copy()
    events = as_float(out[events_col])
    not_calculated = events < min_events
    unreliable = (events >= min_events) & (events < unreliable_below)
    for column in value_cols:
        out[column] = out[column].astype("Float64").mask(not_calculated)
    flag = np.where(not_calculated, "x", np.where(unreliable, "u", ""))
    out[flag_col] = pd.array(flag, dtype="string")
    return out
