"""Disclosure control for published tables (NHS England rule for maternity-sourced counts)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def is_small(counts: pd.Series, low: int, high: int) -> pd.Series:
    """True where a count lies in the suppression range [low, high] (zero is not disclosive)."""
    values = pd.to_numeric(counts, errors="coerce")
    return values.between(low, high).fillna(False).astype(bool)


def round_to_base(counts: pd.Series, base: int) -> pd.Series:
    """Round counts to the nearest multiple of ``base`` (halves round up, as NHS England does)."""
    values = pd.to_numeric(counts, errors="coerce").astype("Float64")
    rounded = np.floor(values / base + 0.5) * base
    return rounded.astype("Int64")


def control_counts(
    table: pd.DataFrame,
    count_columns: list[str],
    rules: dict,
    *,
    extra_small: list[pd.Series] | None = None,
) -> pd.DataFrame:
    """Suppress rows where any count (or extra series, e.g. non-events) is small; round the rest.

    Adds a boolean ``suppressed`` column; suppressed counts become <NA>. Rounded counts are Int64.
    """
    low, high, base = rules["suppress_min"], rules["suppress_max"], rules["rounding_base"]
    out = table.copy()
    small = pd.Series(False, index=out.index)
    for column in count_columns:
        small |= is_small(out[column], low, high)
    for series in extra_small or []:
        small |= is_small(series, low, high)
    for column in count_columns:
        out[column] = round_to_base(out[column], base).mask(small)
    out["suppressed"] = small.to_numpy()
    return out
