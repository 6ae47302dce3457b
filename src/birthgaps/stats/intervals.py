"""Confidence intervals, ratios and the benchmark comparison (OHID/PHE methods): counts in, limits and labels out.

Every function is vectorised over numpy arrays and pandas Series and names its method and source
(docs/statistics.md). The shared array helpers used by the other ``birthgaps.stats`` modules live here too.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from birthgaps.core.errors import InputError

ArrayLike = pd.Series | np.ndarray | Sequence[float] | float
Confidence = float | Sequence[float]

#: Events below which crude rates use exact Poisson limits instead of Byar's approximation (PHE).
EXACT_BELOW = 10


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def as_levels(confidence: Confidence) -> tuple[float, ...]:
    """Confidence level(s) as a tuple of fractions in (0, 1); 0.95 and 0.998 are the PHE levels."""
    levels = (confidence,) if np.isscalar(confidence) else tuple(confidence)
    if not levels:
        raise ValueError("confidence: give at least one level, e.g. 0.95 or (0.95, 0.998)")
    out = []
    for level in levels:
        level = float(level)
        if not 0 < level < 1:
            raise ValueError(f"confidence {level} must be a fraction in (0, 1), e.g. 0.95 or 0.998")
        out.append(level)
    return tuple(out)


def z_value(level: float) -> float:
    """Two-sided standard normal critical value, e.g. 1.95996 for 0.95 and 3.0902 for 0.998."""
    return float(norm.ppf(0.5 + level / 2))


def level_suffix(level: float) -> str:
    """Column suffix for a confidence level: 0.95 -> "95", 0.998 -> "99_8" (as in ``lower_95``)."""
    text = f"{100 * level:.10g}"
    return text.replace(".", "_")


def as_float(values: ArrayLike) -> np.ndarray:
    """A float array of the values (NaN for missing), whatever array-like came in."""
    if isinstance(values, pd.Series):
        return values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(values, dtype=float)


def index_of(*arrays: ArrayLike) -> pd.Index | None:
    """The index of the first pandas Series among the inputs, so outputs line up with the caller's rows."""
    for values in arrays:
        if isinstance(values, pd.Series):
            return values.index
    return None


def check_nonnegative(values: np.ndarray, column: str) -> None:
    """Raise InputError when any count is negative (a sign of a broken upstream join or recode)."""
    bad = int(np.sum(values < 0))
    if bad:
        raise InputError(
            "negative counts cannot be used in a confidence interval",
            column=column,
            rows=bad,
            hint="check the counts passed to birthgaps.stats.measures",
        )


# ---------------------------------------------------------------------------------------------
# proportions and rates
# ---------------------------------------------------------------------------------------------


def _wilson(x: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits as fractions (Wilson 1927; Newcombe & Altman 2000); NaN where n <= 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = 2 * x + z**2
        spread = z * np.sqrt(z**2 + 4 * x * (1 - x / n))
        denom = 2 * (n + z**2)
        lower = (centre - spread) / denom
        upper = (centre + spread) / denom
    bad = ~(n > 0)
    lower[bad] = np.nan
    upper[bad] = np.nan
    return lower, upper


def proportion_ci(
    numerator: ArrayLike,
    denominator: ArrayLike,
    confidence: Confidence = 0.95,
    multiplier: float = 1,
) -> pd.DataFrame:
    """Proportion with Wilson score limits, as PHEindicatormethods ``phe_proportion`` computes it.

    Method: Wilson score interval (Wilson 1927; Newcombe & Altman, *Statistics with confidence*, 2000),
    as set out in the PHE/OHID "Technical guide: confidence intervals" and used by Fingertips for every
    proportion. ``confidence`` may be one level or several, e.g. ``(0.95, 0.998)``. Returns columns
    ``value``, ``lower_95``, ``upper_95`` (and ``lower_99_8``/``upper_99_8`` ...), all times ``multiplier``
    (100 for percentages). Missing inputs or a zero denominator give NaN; a negative count or a numerator
    above its denominator raises ``InputError``.
    """
    levels = as_levels(confidence)
    x, n = np.broadcast_arrays(as_float(numerator), as_float(denominator))
    x, n = np.atleast_1d(x).astype(float), np.atleast_1d(n).astype(float)
    check_nonnegative(x, "numerator")
    check_nonnegative(n, "denominator")
    over = int(np.sum(x > n))
    if over:
        raise InputError(
            "a numerator is larger than its denominator, so it is not a proportion",
            column="numerator",
            rows=over,
            hint="check the outcome's denominator definition or use rate_ci for rates",
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(n > 0, x / n, np.nan)
    out = {"value": value * multiplier}
    for level in levels:
        lower, upper = _wilson(x, n, z_value(level))
        suffix = level_suffix(level)
        out[f"lower_{suffix}"] = lower * multiplier
        out[f"upper_{suffix}"] = upper * multiplier
    return pd.DataFrame(out, index=index_of(numerator, denominator))


def wilson_ci(
    events: ArrayLike, denominator: ArrayLike, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for proportions (as fractions); NaN where the denominator is 0.

    A thin wrapper of ``proportion_ci`` kept for ``rates.py``; equals PHEindicatormethods ``phe_proportion``.
    """
    table = proportion_ci(events, denominator, confidence=level)
    suffix = level_suffix(level)
    return table[f"lower_{suffix}"].to_numpy(), table[f"upper_{suffix}"].to_numpy()


def poisson_count_ci(
    count: ArrayLike, confidence: float = 0.95, method: str = "auto"
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence limits for a Poisson count: exact (chi-squared) or Byar's approximation.

    Exact: ``chi2.ppf(a/2, 2x)/2`` and ``chi2.ppf(1-a/2, 2x+2)/2`` (Garwood 1936). Byar's approximation
    (Breslow & Day 1987, vol. II): ``x(1-1/(9x)-z/(3sqrt x))^3`` and
    ``(x+1)(1-1/(9(x+1))+z/(3sqrt(x+1)))^3``; a negative Byar's lower limit is NaN, as in PHEindicatormethods.
    ``method="auto"`` (the PHE rule) uses exact limits below 10 events and Byar's from 10 on.
    """
    if method not in {"auto", "exact", "byars"}:
        raise ValueError("method must be 'auto', 'exact' or 'byars'")
    (level,) = as_levels(confidence)
    x = np.atleast_1d(as_float(count)).astype(float)
    check_nonnegative(x, "numerator")
    alpha = 1 - level
    z = z_value(level)
    lower = np.full(x.shape, np.nan)
    upper = np.full(x.shape, np.nan)
    known = ~np.isnan(x)
    exact = known & ((x < EXACT_BELOW) if method == "auto" else (method == "exact"))
    byars = known & ~exact
    if exact.any():
        xe = x[exact]
        lo = np.zeros_like(xe)
        positive = xe > 0
        lo[positive] = chi2.ppf(alpha / 2, 2 * xe[positive]) / 2
        lower[exact] = lo
        upper[exact] = chi2.ppf(1 - alpha / 2, 2 * xe + 2) / 2
    if byars.any():
        xb = x[byars]
        with np.errstate(divide="ignore", invalid="ignore"):
            lo = xb * (1 - 1 / (9 * xb) - z / (3 * np.sqrt(xb))) ** 3
        lo[~(lo >= 0)] = np.nan
        lower[byars] = lo
        x1 = xb + 1
        upper[byars] = x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3
    return lower, upper


def rate_ci(
    numerator: ArrayLike,
    denominator: ArrayLike,
    confidence: Confidence = 0.95,
    multiplier: float = 1000,
) -> pd.DataFrame:
    """Crude rate with Byar's limits, exact Poisson below 10 events, as PHEindicatormethods ``phe_rate``.

    Method: the PHE/OHID "Technical guide: confidence intervals" for crude rates (events treated as a
    Poisson count, the denominator as fixed): exact chi-squared limits when there are fewer than 10 events,
    Byar's approximation otherwise (``poisson_count_ci``), divided by the denominator and times
    ``multiplier`` (1,000 for infant mortality per 1,000 live births). Returns ``value``, ``lower_95``,
    ``upper_95`` (and further levels) and ``method`` ("Exact"/"Byars"). A numerator may exceed its
    denominator; missing inputs or a zero denominator give NaN.
    """
    levels = as_levels(confidence)
    x, n = np.broadcast_arrays(as_float(numerator), as_float(denominator))
    x, n = np.atleast_1d(x).astype(float), np.atleast_1d(n).astype(float)
    check_nonnegative(x, "numerator")
    check_nonnegative(n, "denominator")
    usable = n > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(usable, x / n, np.nan)
    out: dict[str, np.ndarray] = {"value": value * multiplier}
    for level in levels:
        lower, upper = poisson_count_ci(x, level)
        suffix = level_suffix(level)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"lower_{suffix}"] = np.where(usable, lower / n, np.nan) * multiplier
            out[f"upper_{suffix}"] = np.where(usable, upper / n, np.nan) * multiplier
    method = np.where(np.isnan(x), None, np.where(x < EXACT_BELOW, "Exact", "Byars"))
    out["method"] = pd.array(method, dtype="string")
    return pd.DataFrame(out, index=index_of(numerator, denominator))


def rate_ratio(
    events: ArrayLike,
    denominator: ArrayLike,
    reference_events: ArrayLike,
    reference_denominator: ArrayLike,
    confidence: float = 0.95,
    kind: str = "rate",
) -> pd.DataFrame:
    """Ratio of a group's rate to a reference group's, with a log-scale (Wald) confidence interval.

    Method: the ratio ``(a/n1)/(b/n0)`` with limits ``exp(log ratio -/+ z*se)``. For ``kind="rate"``
    (Poisson counts) ``se = sqrt(1/a + 1/b)`` (Rothman, Greenland & Lash, *Modern Epidemiology*, 3rd ed.,
    ch. 14; PHE/OHID "Technical guide: confidence intervals", ratio of two rates); for ``kind="risk"``
    (binomial proportions, Katz et al. 1978) ``se = sqrt(1/a - 1/n1 + 1/b - 1/n0)``. Returns ``ratio``,
    ``lower_<level>``, ``upper_<level>``, ``log_ratio``, ``se``, ``p_value`` (Wald) and ``note``; a zero
    count in either group gives NaN and the note "zero events: ratio not estimable".
    """
    if kind not in {"rate", "risk"}:
        raise ValueError("kind must be 'rate' (Poisson) or 'risk' (binomial)")
    (level,) = as_levels(confidence)
    arrays = [as_float(v) for v in (events, denominator, reference_events, reference_denominator)]
    a, n1, b, n0 = (np.atleast_1d(v).astype(float) for v in np.broadcast_arrays(*arrays))
    for values, column in ((a, "events"), (n1, "denominator"), (b, "reference_events")):
        check_nonnegative(values, column)
    check_nonnegative(n0, "reference_denominator")
    estimable = (a > 0) & (b > 0) & (n1 > 0) & (n0 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.where(estimable, np.log(a / n1) - np.log(b / n0), np.nan)
        # Poisson counts: 1/a + 1/b; binomial (Katz): 1/a - 1/n1 + 1/b - 1/n0
        var = 1 / a + 1 / b if kind == "rate" else 1 / a - 1 / n1 + 1 / b - 1 / n0
        se = np.where(estimable, np.sqrt(var), np.nan)
    note = np.where(estimable | np.isnan(a) | np.isnan(b), "", "zero events: ratio not estimable")
    index = index_of(events, denominator, reference_events, reference_denominator)
    return _ratio_frame(log_ratio, se, note, level, index)


def _ratio_frame(
    log_ratio: np.ndarray, se: np.ndarray, note: np.ndarray, level: float, index: pd.Index
) -> pd.DataFrame:
    """The columns of a ratio with its Wald interval on the log scale (rate and odds ratios)."""
    z = z_value(level)
    suffix = level_suffix(level)
    return pd.DataFrame(
        {
            "ratio": np.exp(log_ratio),
            f"lower_{suffix}": np.exp(log_ratio - z * se),
            f"upper_{suffix}": np.exp(log_ratio + z * se),
            "log_ratio": log_ratio,
            "se": se,
            "p_value": 2 * norm.sf(np.abs(log_ratio / se)),
            "note": pd.array(note, dtype="string"),
        },
        index=index,
    )


def odds_ratio(
    events: ArrayLike,
    denominator: ArrayLike,
    reference_events: ArrayLike,
    reference_denominator: ArrayLike,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Odds ratio of a group against a reference group from a 2 x 2 table, Woolf (Wald) interval.

    Method (Woolf 1955; Rothman, Greenland & Lash, *Modern Epidemiology*, 3rd ed., ch. 14): with
    ``a`` events among ``n1`` and ``c`` among ``n0``, ``b = n1 - a`` and ``d = n0 - c``, the ratio
    is ``(a/b)/(c/d)`` and the limits ``exp(log OR -/+ z*se)`` with
    ``se = sqrt(1/a + 1/b + 1/c + 1/d)``; ``p_value`` is the Wald p-value ``2*Phi(-|log OR/se|)``.
    These equal a binomial GLM (logit link) of one categorical term fitted to the same counts: the
    model is saturated, so its estimate and model-based standard error are these. The risk-ratio
    twin (Katz) is :func:`rate_ratio` with ``kind="risk"``. Returns the columns of
    :func:`rate_ratio`; a zero in any cell gives NaN and the note "zero cell: ratio not estimable".
    """
    (level,) = as_levels(confidence)
    arrays = [as_float(v) for v in (events, denominator, reference_events, reference_denominator)]
    a, n1, c, n0 = (np.atleast_1d(v).astype(float) for v in np.broadcast_arrays(*arrays))
    for values, column in ((a, "events"), (n1, "denominator"), (c, "reference_events")):
        check_nonnegative(values, column)
    check_nonnegative(n0, "reference_denominator")
    b, d = n1 - a, n0 - c
    check_nonnegative(b, "denominator - events")
    check_nonnegative(d, "reference_denominator - reference_events")
    estimable = (a > 0) & (b > 0) & (c > 0) & (d > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.where(estimable, np.log(a) - np.log(b) - np.log(c) + np.log(d), np.nan)
        se = np.where(estimable, np.sqrt(1 / a + 1 / b + 1 / c + 1 / d), np.nan)
    missing = np.isnan(a) | np.isnan(n1) | np.isnan(c) | np.isnan(n0)
    note = np.where(estimable | missing, "", "zero cell: ratio not estimable")
    index = index_of(events, denominator, reference_events, reference_denominator)
    return _ratio_frame(log_ratio, se, note, level, index)


# ---------------------------------------------------------------------------------------------
# comparison with a benchmark (Fingertips comparator method 1)
# ---------------------------------------------------------------------------------------------

POLARITIES = (None, "high_is_good", "low_is_good")


def compare_with_benchmark(
    value: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    benchmark: ArrayLike,
    polarity: str | None = None,
    lower_998: ArrayLike | None = None,
    upper_998: ArrayLike | None = None,
) -> pd.Series:
    """Fingertips comparator method 1: is the benchmark inside the area's confidence interval?

    The benchmark (e.g. England) inside the area's 95% CI (limits inclusive) is "Similar"; otherwise the
    area is "Higher"/"Lower", or with ``polarity`` ("high_is_good"/"low_is_good") "Better"/"Worse".
    Given 99.8% limits too (``lower_998``, ``upper_998``) it is the two-level variant: "Better (99.8%)",
    "Better (95%)", "Similar", "Worse (95%)", "Worse (99.8%)" (or Higher/Lower). A missing value, limit or
    benchmark gives "Not compared". Source: PHE/OHID Fingertips technical guidance, "Comparisons with
    benchmarks" (labels as in the Fingertips download's "Compared to England value" column).
    """
    if polarity not in POLARITIES:
        raise ValueError("polarity must be None, 'high_is_good' or 'low_is_good'")
    if (lower_998 is None) != (upper_998 is None):
        raise ValueError(
            "give both lower_998 and upper_998 for the two-level comparison, or neither"
        )
    arrays = [as_float(v) for v in (value, lower, upper, benchmark)]
    two_level = lower_998 is not None
    if two_level:
        arrays += [as_float(lower_998), as_float(upper_998)]
    arrays = [np.atleast_1d(a).astype(float) for a in np.broadcast_arrays(*arrays)]
    val, lo, hi, bench = arrays[:4]
    if polarity is None:
        above, below = "Higher", "Lower"
    elif polarity == "high_is_good":
        above, below = "Better", "Worse"
    else:
        above, below = "Worse", "Better"
    labels = np.full(val.shape, "Similar", dtype=object)
    missing = np.isnan(val) | np.isnan(lo) | np.isnan(hi) | np.isnan(bench)
    area_above = lo > bench
    area_below = hi < bench
    if two_level:
        lo998, hi998 = arrays[4], arrays[5]
        missing |= np.isnan(lo998) | np.isnan(hi998)
        labels[area_above] = f"{above} (95%)"
        labels[area_below] = f"{below} (95%)"
        labels[lo998 > bench] = f"{above} (99.8%)"
        labels[hi998 < bench] = f"{below} (99.8%)"
    else:
        labels[area_above] = above
        labels[area_below] = below
    labels[missing] = "Not compared"
    index = index_of(value, lower, upper, benchmark)
    return pd.Series(labels, index=index, dtype="string", name="comparison")
