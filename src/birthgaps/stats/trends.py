"""The Fingertips recent-trend test: a series of yearly counts or values in, a trend verdict (or table) out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2

from birthgaps.core.errors import InputError
from birthgaps.stats.intervals import (
    POLARITIES,
    ArrayLike,
    as_float,
    check_nonnegative,
    z_value,
)

#: Critical value of chi-squared on 1 df at 99.8% (= qnorm(0.999)^2): the Fingertips trend threshold.
CHI2_998 = float(chi2.ppf(0.998, 1))


# ---------------------------------------------------------------------------------------------
# recent trend (Fingertips trend markers)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendResult:
    """Verdict of the Fingertips recent-trend test on the most recent points of one series."""

    direction: str  # "increasing", "decreasing", "no significant change", "cannot be calculated"
    label: str  # Fingertips wording, with polarity when given ("Increasing and getting worse")
    method: str  # "chi2 trend in proportions" or "weighted slope"
    statistic: float  # chi-squared (1 df) of the method used for the verdict
    slope: float  # per year, on the scale of the values (proportion per year for chi2)
    chi2_statistic: float  # chi-squared test for trend in proportions (NaN without counts)
    chi2_slope: float
    wls_statistic: float  # inverse-variance weighted slope test (NaN without standard errors)
    wls_slope: float
    sign_stable: bool  # the slope keeps its sign when any one point is dropped
    first_year: float
    last_year: float
    points: int
    reason: str  # why it cannot be calculated, or ""

    def as_dict(self) -> dict:
        """The result as a plain dict (one row of a trend table)."""
        return asdict(self)


def _chi2_trend(t: np.ndarray, x: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """Chi-squared test for linear trend in proportions (Armitage 1955): slope of p on t and statistic.

    slope = sum n(t - tbar)(p - pbar) / sum n(t - tbar)^2 with tbar, pbar weighted by n; the statistic is
    slope^2 * sum n(t - tbar)^2 / (pbar(1 - pbar)) — as R's ``prop.trend.test`` and the Fingertips guide.
    """
    total_n = n.sum()
    pbar = x.sum() / total_n
    tbar = (n * t).sum() / total_n
    stt = (n * (t - tbar) ** 2).sum()
    slope = (x * (t - tbar)).sum() / stt
    var = pbar * (1 - pbar)
    statistic = slope**2 * stt / var if var > 0 else np.nan
    return float(slope), float(statistic)


def _wls_trend(t: np.ndarray, y: np.ndarray, se: np.ndarray) -> tuple[float, float]:
    """Inverse-variance weighted least-squares slope of y on t and its Wald chi-squared (slope/se)^2."""
    w = 1 / se**2
    tbar = (w * t).sum() / w.sum()
    ybar = (w * y).sum() / w.sum()
    stt = (w * (t - tbar) ** 2).sum()
    slope = (w * (t - tbar) * (y - ybar)).sum() / stt
    return float(slope), float(slope**2 * stt)


def _trend_label(direction: str, polarity: str | None) -> str:
    """Fingertips wording of a trend, e.g. "Decreasing and getting better" with polarity."""
    if direction == "cannot be calculated":
        return "Cannot be calculated"
    if direction == "no significant change" or polarity is None:
        return direction.capitalize()
    good = (direction == "increasing") == (polarity == "high_is_good")
    return f"{direction.capitalize()} and getting {'better' if good else 'worse'}"


def recent_trend(
    years: ArrayLike,
    numerators: ArrayLike | None = None,
    denominators: ArrayLike | None = None,
    *,
    values: ArrayLike | None = None,
    lower: ArrayLike | None = None,
    upper: ArrayLike | None = None,
    se: ArrayLike | None = None,
    method: str = "auto",
    polarity: str | None = None,
    points: int = 5,
    threshold: float = CHI2_998,
    ci_level: float = 0.95,
) -> TrendResult:
    """Fingertips recent-trend marker for one yearly series (the most recent ``points`` = 5 values).

    Two tests (PHE/OHID Fingertips technical guidance, "Trend markers"): for proportions, the chi-squared
    test for linear trend in proportions (Armitage 1955) from numerators and denominators; for other values,
    the inverse-variance weighted least-squares slope with standard errors given or derived from the
    ``ci_level`` limits as (upper - lower)/(2z). ``method="auto"`` uses the chi-squared test when counts
    are given (the verdict) and also reports the weighted test (SE of each proportion sqrt(p(1-p)/n)).
    The trend is significant when the statistic exceeds ``threshold`` (9.5495, chi-squared 1 df at 99.8%)
    and the slope keeps its sign when any one point is dropped. "cannot be calculated" when fewer than
    ``points`` years, a break in the yearly series, a missing value, or a count equal to its denominator.
    """
    if method not in {"auto", "chi2", "wls"}:
        raise ValueError("method must be 'auto', 'chi2' or 'wls'")
    if polarity not in POLARITIES:
        raise ValueError("polarity must be None, 'high_is_good' or 'low_is_good'")
    t = np.atleast_1d(as_float(years)).astype(float)
    has_counts = numerators is not None and denominators is not None
    if method == "chi2" and not has_counts:
        raise ValueError("the chi-squared test for trend needs numerators and denominators")
    use_chi2 = has_counts and method != "wls"

    order = np.argsort(t, kind="stable")
    t = t[order]
    take = order[-points:] if len(order) >= points else order
    t_recent = t[-points:]

    def pick(arr: ArrayLike | None) -> np.ndarray | None:
        if arr is None:
            return None
        full = np.broadcast_to(np.atleast_1d(as_float(arr)).astype(float), (len(order),))
        return full[take]

    x, n = pick(numerators), pick(denominators)
    y, lo, hi, s = pick(values), pick(lower), pick(upper), pick(se)
    if y is None and has_counts:
        with np.errstate(divide="ignore", invalid="ignore"):
            y = x / n
    if s is None and lo is not None and hi is not None:
        s = (hi - lo) / (2 * z_value(ci_level))
    if s is None and has_counts:
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.sqrt(y * (1 - y) / n)

    def cannot(reason: str) -> TrendResult:
        return TrendResult(
            "cannot be calculated",
            "Cannot be calculated",
            "chi2 trend in proportions" if use_chi2 else "weighted slope",
            np.nan,
            np.nan,
            np.nan,
            np.nan,
            np.nan,
            np.nan,
            False,
            float(t_recent[0]) if len(t_recent) else np.nan,
            float(t_recent[-1]) if len(t_recent) else np.nan,
            len(t_recent),
            reason,
        )

    if len(t) != len(np.unique(t)):
        raise InputError("a year appears more than once in a trend series", column="year")
    if len(t_recent) < points:
        return cannot(f"fewer than {points} points")
    steps = np.diff(t_recent)
    if not np.allclose(steps, steps[0]):
        return cannot("a break in the yearly series")
    if use_chi2:
        if np.isnan(x).any() or np.isnan(n).any() or (n <= 0).any():
            return cannot("a missing count or denominator")
        check_nonnegative(x, "numerator")
        if (x >= n).any():
            return cannot("a count equals its denominator")
    elif y is None or s is None or np.isnan(y).any() or np.isnan(s).any() or (s <= 0).any():
        return cannot("a missing value or confidence interval")

    chi2_slope = chi2_stat = np.nan
    if has_counts:
        chi2_slope, chi2_stat = _chi2_trend(t_recent, x, n)
    wls_slope = wls_stat = np.nan
    if y is not None and s is not None and not np.isnan(s).any() and (s > 0).all():
        wls_slope, wls_stat = _wls_trend(t_recent, y, s)

    if use_chi2:
        slope, statistic = chi2_slope, chi2_stat

        def refit(keep: np.ndarray) -> float:
            return _chi2_trend(t_recent[keep], x[keep], n[keep])[0]
    else:
        slope, statistic = wls_slope, wls_stat

        def refit(keep: np.ndarray) -> float:
            return _wls_trend(t_recent[keep], y[keep], s[keep])[0]

    signs = []
    for drop in range(len(t_recent)):
        keep = np.arange(len(t_recent)) != drop
        signs.append(np.sign(refit(keep)))
    sign_stable = bool(np.sign(slope) != 0 and all(sg == np.sign(slope) for sg in signs))
    if statistic > threshold and sign_stable:
        direction = "increasing" if slope > 0 else "decreasing"
    else:
        direction = "no significant change"
    return TrendResult(
        direction,
        _trend_label(direction, polarity),
        "chi2 trend in proportions" if use_chi2 else "weighted slope",
        float(statistic),
        float(slope),
        float(chi2_stat),
        float(chi2_slope),
        float(wls_stat),
        float(wls_slope),
        sign_stable,
        float(t_recent[0]),
        float(t_recent[-1]),
        len(t_recent),
        "",
    )


def recent_trend_table(
    frame: pd.DataFrame,
    by: Iterable[str],
    year: str = "year",
    numerator: str = "events",
    denominator: str = "denominator",
    **kwargs,
) -> pd.DataFrame:
    """``recent_trend`` for every group of a long table (one row per group and year) -> one row per group.

    Extra keyword arguments go to ``recent_trend`` (``polarity``, ``points``, ``threshold``, ``method``).
    """
    by = list(by)
    for column in [*by, year, numerator, denominator]:
        if column not in frame.columns:
            raise InputError("a column needed for the trend table is missing", column=column)
    rows = []
    for key, group in frame.groupby(by, sort=True, observed=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        result = recent_trend(group[year], group[numerator], group[denominator], **kwargs)
        rows.append({**dict(zip(by, key, strict=True)), **result.as_dict()})
    columns = [*by, *TrendResult.__dataclass_fields__]
    return pd.DataFrame(rows, columns=columns)
