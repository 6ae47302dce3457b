"""PHE funnel plots: numerators and denominators in, control limits (binomial for proportions, exact Poisson
for rates), axis and significance labels out."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import gammainc, gammaincc
from scipy.stats import chi2

from birthgaps.core.errors import InputError
from birthgaps.stats.intervals import (
    ArrayLike,
    as_float,
    check_nonnegative,
    index_of,
    level_suffix,
    rate_ci,
    z_value,
)

# ---------------------------------------------------------------------------------------------
# funnel plots (PHE)
# ---------------------------------------------------------------------------------------------

FUNNEL_LEVELS = (0.95, 0.998)
SIGNIFICANCE_LABELS = (
    "High (0.001)",
    "High (0.025)",
    "Low (0.001)",
    "Low (0.025)",
    "Not significant",
)


def _floor_sig(x: float, factor: float = 0.95) -> float:
    """``x*factor`` rounded down to its leading digit (PHE's neat axis minimum); 0 stays 0."""
    if x == 0:
        return 0.0
    scaled = np.floor(x * factor)
    power = len(str(int(scaled))) - 1
    return float(np.floor(x * factor / 10**power) * 10**power)


def _ceil_sig(x: float, factor: float = 1.05) -> float:
    """``x*factor`` rounded up to its two leading digits (PHE's neat axis maximum); 0 stays 0."""
    if x == 0:
        return 0.0
    scaled = np.ceil(x * factor)
    power = len(str(int(scaled))) - 2
    return float(np.ceil(x * factor / 10.0**power) * 10.0**power)


def funnel_axis(
    denominators: ArrayLike,
    statistic: str = "proportion",
    numerators: ArrayLike | None = None,
    years_of_data: float = 1,
    points: int = 100,
) -> np.ndarray:
    """The x-axis points PHE's funnel plots are drawn on: ``points`` values growing geometrically.

    For proportions the axis is the denominator; for rates it is the number of events (the average rate
    times the neat denominator range, as in PHEindicatormethods ``calculate_funnel_limits``). The axis
    starts at 0 when the largest denominator is more than twice the smallest, else at a rounded minimum.
    """
    if statistic not in {"proportion", "rate"}:
        raise ValueError("statistic must be 'proportion' or 'rate'")
    den = as_float(denominators)
    den = den[~np.isnan(den)]
    if den.size == 0:
        raise InputError("no denominators to draw a funnel from", column="denominator")
    lo, hi = float(den.min()), float(den.max())
    per_year = years_of_data if statistic == "rate" else 1
    axis_min = 0.0 if hi > 2 * lo else _floor_sig(lo / per_year) * per_year
    axis_max = _ceil_sig(hi / per_year) * per_year
    if statistic == "rate":
        if numerators is None:
            raise ValueError("a rate funnel axis needs the numerators (events) to find the average")
        average = np.nansum(as_float(numerators)) / den.sum()
        axis_min = float(np.floor(axis_min * average))
        axis_max = float(np.ceil(axis_max * average))
    values = [max(1.0, axis_min)]
    for j in range(2, points + 1):
        previous = values[-1]
        step = (axis_max / previous) ** (1 / (points + 1 - j)) * previous
        values.append(max(float(np.round(step)), previous + 1))
    return np.asarray(values)


def _poisson_mean_for_upper_tail(events: np.ndarray, tail: float) -> np.ndarray:
    """The Poisson mean m with P(X >= events | m) = tail (exact, chi-squared): chi2.ppf(tail, 2*events)/2."""
    out = np.zeros_like(events, dtype=float)
    positive = events > 0
    out[positive] = chi2.ppf(tail, 2 * events[positive]) / 2
    return out


def _poisson_mean_for_lower_tail(events: np.ndarray, tail: float) -> np.ndarray:
    """The Poisson mean m with P(X <= events | m) = tail (exact, chi-squared): chi2.isf(tail, 2*events+2)/2."""
    return chi2.isf(tail, 2 * events + 2) / 2


def funnel_limits(
    axis: ArrayLike,
    average: float,
    statistic: str = "proportion",
    multiplier: float = 100,
    years_of_data: float = 1,
) -> pd.DataFrame:
    """PHE funnel-plot control limits at 95% (2 sigma) and 99.8% (3 sigma) around an average.

    Proportions (axis = denominators): the limits are where the Wilson score test of a proportion against
    ``average`` is just significant, ``average -/+ z*sqrt(average*(1-average)/n)`` with z for a two-sided
    95% or 99.8% test, clipped to [0, multiplier] (PHE/OHID Fingertips technical guidance "Funnel plots";
    PHEindicatormethods ``calculate_funnel_limits``). Rates (axis = event counts, exact Poisson): for each
    count the denominator at which that count is just significant (the Poisson mean whose 2.5%/0.1% tail
    reaches the count, divided by ``average``), giving the limit ``events/denominator*multiplier``; the
    denominator column is per year (divided by ``years_of_data``). Columns: the axis
    (``denominator`` or ``events``), ``lower_95``, ``upper_95``, ``lower_99_8``, ``upper_99_8`` (for rates
    each with its ``*_denominator``) and ``baseline`` (average times multiplier).
    """
    if statistic not in {"proportion", "rate"}:
        raise ValueError("statistic must be 'proportion' or 'rate'")
    a = np.atleast_1d(as_float(axis)).astype(float)
    if not np.isfinite(average) or average < 0:
        raise InputError("the funnel average must be a non-negative number", column="average")
    if statistic == "proportion":
        if average > 1:
            raise InputError("a proportion funnel average must lie in [0, 1]", column="average")
        out: dict[str, np.ndarray] = {"denominator": a}
        for level in FUNNEL_LEVELS:
            z = z_value(level)
            with np.errstate(divide="ignore", invalid="ignore"):
                half = z * np.sqrt(average * (1 - average) / a)
            suffix = level_suffix(level)
            out[f"lower_{suffix}"] = np.clip((average - half) * multiplier, 0, multiplier)
            out[f"upper_{suffix}"] = np.clip((average + half) * multiplier, 0, multiplier)
        out["baseline"] = np.full(a.shape, average * multiplier)
        return pd.DataFrame(out)
    if average <= 0:
        raise InputError("a rate funnel needs a positive average rate", column="average")
    out = {"events": a}
    for level in FUNNEL_LEVELS:
        tail = (1 - level) / 2
        suffix = level_suffix(level)
        lower_den = _poisson_mean_for_lower_tail(a, tail) / average
        with np.errstate(divide="ignore", invalid="ignore"):
            upper_den = _poisson_mean_for_upper_tail(a, tail) / average
            out[f"lower_{suffix}_denominator"] = lower_den / years_of_data
            out[f"lower_{suffix}"] = a / lower_den * multiplier
            out[f"upper_{suffix}_denominator"] = upper_den / years_of_data
            out[f"upper_{suffix}"] = np.where(upper_den > 0, a / upper_den, np.inf) * multiplier
    out["baseline"] = np.full(a.shape, average * multiplier)
    return pd.DataFrame(out)


def _upper_count(expected: float, tail: float) -> float:
    """The (continuous) count x whose exact lower limit is ``expected``: P(Gamma(x) <= expected) = tail,
    i.e. chi2.ppf(tail, 2x)/2 = expected (the upper funnel line at that expected count)."""
    high = expected + 20 * np.sqrt(expected) + 50
    return float(brentq(lambda x: gammainc(x, expected) - tail, 1e-9, high, xtol=1e-12))


def _lower_count(expected: float, tail: float) -> float:
    """The count x whose exact upper limit is ``expected``: P(Gamma(x + 1) > expected) = tail,
    i.e. chi2.isf(tail, 2x + 2)/2 = expected; 0 when even no events is within the limit."""
    if gammaincc(1.0, expected) >= tail:  # exp(-expected): P(X = 0) is not in the tail
        return 0.0
    high = expected + 20 * np.sqrt(expected) + 50
    return float(brentq(lambda a: gammaincc(a, expected) - tail, 1.0, high, xtol=1e-12)) - 1


def poisson_funnel_limits(
    denominators: ArrayLike, average: float, multiplier: float = 1000
) -> pd.DataFrame:
    """Exact Poisson funnel limits of a rate around a target, at given denominators.

    The PHE/OHID method for rates (Technical Guide "Funnel plots", 2017; PHEindicatormethods
    ``calculate_funnel_limits``, statistic "rate", crude): at denominator n the expected count is
    E = n x ``average`` (a rate per person, e.g. 0.004 for 4 per 1,000); the upper 95% (99.8%) limit is
    the count x whose exact lower 95% (99.8%) confidence limit is E, chi2.ppf(0.025, 2x)/2 = E, and the
    lower limit the count whose exact upper limit is E, chi2.isf(0.025, 2x + 2)/2 = E (0.001 for
    99.8%), solved for a continuous x so the lines are smooth; each limit is x / n times
    ``multiplier``. These are the curves of :func:`funnel_limits` (``statistic="rate"``, which lays
    them out along a count axis), read at a denominator instead. Columns: ``denominator``,
    ``lower_95``, ``upper_95``, ``lower_99_8``, ``upper_99_8``, ``baseline``.
    """
    n = np.atleast_1d(as_float(denominators)).astype(float)
    if not np.isfinite(average) or average <= 0:
        raise InputError("a rate funnel needs a positive target rate", column="average")
    out: dict[str, np.ndarray] = {"denominator": n}
    for level in FUNNEL_LEVELS:
        tail = (1 - level) / 2
        suffix = level_suffix(level)
        lower = np.full(n.shape, np.nan)
        upper = np.full(n.shape, np.nan)
        for i, size in enumerate(n):
            if np.isfinite(size) and size > 0:
                expected = size * average
                lower[i] = _lower_count(expected, tail) / size * multiplier
                upper[i] = _upper_count(expected, tail) / size * multiplier
        out[f"lower_{suffix}"] = lower
        out[f"upper_{suffix}"] = upper
    out["baseline"] = np.full(n.shape, average * multiplier)
    return pd.DataFrame(out)


def funnel_significance(
    numerator: ArrayLike,
    denominator: ArrayLike,
    statistic: str = "proportion",
    average: float | None = None,
) -> pd.Series:
    """Where each area lies on the PHE funnel: "High (0.001)", "High (0.025)", "Low ...", "Not significant".

    ``average`` defaults to sum(numerator)/sum(denominator). Proportions: the area's proportion against the
    Wilson-based limits of ``funnel_limits`` at its denominator. Rates: the average against the area's own
    exact/Byar's 95% and 99.8% limits (``rate_ci``), which is the same test as the exact Poisson funnel.
    Labels as PHEindicatormethods ``assign_funnel_significance`` (0.025 = outside 95%, 0.001 = outside 99.8%).
    """
    if statistic not in {"proportion", "rate"}:
        raise ValueError("statistic must be 'proportion' or 'rate'")
    x = np.atleast_1d(as_float(numerator)).astype(float)
    n = np.atleast_1d(as_float(denominator)).astype(float)
    check_nonnegative(x, "numerator")
    bad = int(np.sum(~(n > 0)))
    if bad:
        raise InputError("funnel denominators must be positive", column="denominator", rows=bad)
    if average is None:
        average = float(x.sum() / n.sum())
    labels = np.full(x.shape, "Not significant", dtype=object)
    if statistic == "proportion":
        over = int(np.sum(x > n))
        if over:
            raise InputError(
                "a numerator is larger than its denominator", column="numerator", rows=over
            )
        limits = funnel_limits(n, average, "proportion", multiplier=1)
        p = x / n
        labels[p > limits["upper_95"].to_numpy()] = "High (0.025)"
        labels[p < limits["lower_95"].to_numpy()] = "Low (0.025)"
        labels[p > limits["upper_99_8"].to_numpy()] = "High (0.001)"
        labels[p < limits["lower_99_8"].to_numpy()] = "Low (0.001)"
    else:
        ci = rate_ci(x, n, confidence=FUNNEL_LEVELS, multiplier=1)
        low95 = ci["lower_95"].fillna(0).to_numpy()
        low998 = ci["lower_99_8"].fillna(0).to_numpy()
        labels[average < low95] = "High (0.025)"
        labels[average > ci["upper_95"].to_numpy()] = "Low (0.025)"
        labels[average < low998] = "High (0.001)"
        labels[average > ci["upper_99_8"].to_numpy()] = "Low (0.001)"
    return pd.Series(
        labels, index=index_of(numerator, denominator), dtype="string", name="significance"
    )
