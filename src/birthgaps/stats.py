"""Small statistical helpers used by several stages (the OHID/PHE methods live here once)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint


def wilson_ci(
    events: pd.Series | np.ndarray, denominator: pd.Series | np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for proportions (as fractions); NaN where the denominator is 0.

    Equals PHEindicatormethods ``phe_proportion`` (see FIELD-NOTES.md); statsmodels does the work.
    """
    x = np.asarray(events, dtype=float)
    n = np.asarray(denominator, dtype=float)
    lower = np.full(x.shape, np.nan)
    upper = np.full(x.shape, np.nan)
    ok = n > 0
    if ok.any():
        lo, hi = proportion_confint(x[ok], n[ok], alpha=1 - level, method="wilson")
        lower[ok], upper[ok] = lo, hi
    return lower, upper
