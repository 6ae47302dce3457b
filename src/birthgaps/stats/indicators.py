"""The indicator tables' one entry point: the cell table or published rates in; recent trends
(``trend_table``), inequality measures (``inequality_table``) and funnel points (``funnel_table``) out,
each with its published, disclosure-controlled form (docs/statistics.md, docs/disclosure.md)."""

from __future__ import annotations

from birthgaps.stats.funnel_table import FUNNEL_COLUMNS, funnel_points, publish_funnel
from birthgaps.stats.inequality_table import (
    INEQUALITY_KEYS,
    REFERENCES,
    RII_LIMITS_NOTE,
    WITHHELD_QUINTILE,
    inequality_columns,
    inequality_table,
    publish_inequality,
)
from birthgaps.stats.trend_table import (
    SUPPRESSED_POINT,
    TREND_COLUMNS,
    TREND_DIMENSIONS,
    TREND_KEYS,
    WITHHELD_TREND,
    trend_counts,
    trends_table,
)

__all__ = [
    "FUNNEL_COLUMNS",
    "INEQUALITY_KEYS",
    "REFERENCES",
    "RII_LIMITS_NOTE",
    "SUPPRESSED_POINT",
    "TREND_COLUMNS",
    "TREND_DIMENSIONS",
    "TREND_KEYS",
    "WITHHELD_QUINTILE",
    "WITHHELD_TREND",
    "funnel_points",
    "inequality_columns",
    "inequality_table",
    "publish_funnel",
    "publish_inequality",
    "trend_counts",
    "trends_table",
]
