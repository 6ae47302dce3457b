"""The OHID/PHE statistical methods, implemented once: confidence intervals, comparisons, trends, funnels.

Every function is vectorised over numpy arrays and pandas Series and names its method and source.
Validated against the PHEindicatormethods test fixtures and published ONS/Fingertips figures (see
docs/statistics.md). Inequality indices (SII/RII, attributable fraction) live in ``birthgaps.stats.inequality``
and are re-exported here so ``birthgaps.stats.measures`` is the one public entry point.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from birthgaps.core.errors import InputError

if TYPE_CHECKING:  # re-exported lazily by __getattr__ below (inequality imports this module)
    from birthgaps.stats.inequality import attributable_fraction, sii_rii, sii_rii_table

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

ArrayLike = pd.Series | np.ndarray | Sequence[float] | float
Confidence = float | Sequence[float]

#: Critical value of chi-squared on 1 df at 99.8% (= qnorm(0.999)^2): the Fingertips trend threshold.
CHI2_998 = float(chi2.ppf(0.998, 1))

#: Events below which crude rates use exact Poisson limits instead of Byar's approximation (PHE).
EXACT_BELOW = 10

_INEQUALITY = ("attributable_fraction", "sii_rii", "sii_rii_table")


def __getattr__(name: str):
    """Re-export the inequality indices lazily (``birthgaps.stats.inequality`` itself imports from here)."""
    if name in _INEQUALITY:
        from birthgaps.stats import inequality

        return getattr(inequality, name)
    raise AttributeError(f"module 'birthgaps.stats.measures' has no attribute {name!r}")


#: Defaults of the optional ``statistics`` config block (config/README.md).
DEFAULT_SETTINGS: dict = {
    "confidence": [0.95, 0.998],
    "small_numbers": {"min_events": 3, "unreliable_below": 20},
    "trend": {"points": 5, "threshold": 9.5495},
    "sii": {"reps": 100_000, "seed": 20261126},
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
# helpers
# ---------------------------------------------------------------------------------------------


def _levels(confidence: Confidence) -> tuple[float, ...]:
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


def _z(level: float) -> float:
    """Two-sided standard normal critical value, e.g. 1.95996 for 0.95 and 3.0902 for 0.998."""
    return float(norm.ppf(0.5 + level / 2))


def level_suffix(level: float) -> str:
    """Column suffix for a confidence level: 0.95 -> "95", 0.998 -> "99_8" (as in ``lower_95``)."""
    text = f"{100 * level:.10g}"
    return text.replace(".", "_")


def _as_float(values: ArrayLike) -> np.ndarray:
    """A float array of the values (NaN for missing), whatever array-like came in."""
    if isinstance(values, pd.Series):
        return values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(values, dtype=float)


def _index_of(*arrays: ArrayLike) -> pd.Index | None:
    """The index of the first pandas Series among the inputs, so outputs line up with the caller's rows."""
    for values in arrays:
        if isinstance(values, pd.Series):
            return values.index
    return None


def _check_nonnegative(values: np.ndarray, column: str) -> None:
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
    levels = _levels(confidence)
    x, n = np.broadcast_arrays(_as_float(numerator), _as_float(denominator))
    x, n = np.atleast_1d(x).astype(float), np.atleast_1d(n).astype(float)
    _check_nonnegative(x, "numerator")
    _check_nonnegative(n, "denominator")
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
        lower, upper = _wilson(x, n, _z(level))
        suffix = level_suffix(level)
        out[f"lower_{suffix}"] = lower * multiplier
        out[f"upper_{suffix}"] = upper * multiplier
    return pd.DataFrame(out, index=_index_of(numerator, denominator))


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
    (level,) = _levels(confidence)
    x = np.atleast_1d(_as_float(count)).astype(float)
    _check_nonnegative(x, "numerator")
    alpha = 1 - level
    z = _z(level)
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
    levels = _levels(confidence)
    x, n = np.broadcast_arrays(_as_float(numerator), _as_float(denominator))
    x, n = np.atleast_1d(x).astype(float), np.atleast_1d(n).astype(float)
    _check_nonnegative(x, "numerator")
    _check_nonnegative(n, "denominator")
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
    return pd.DataFrame(out, index=_index_of(numerator, denominator))


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
    (level,) = _levels(confidence)
    arrays = [_as_float(v) for v in (events, denominator, reference_events, reference_denominator)]
    a, n1, b, n0 = (np.atleast_1d(v).astype(float) for v in np.broadcast_arrays(*arrays))
    for values, column in ((a, "events"), (n1, "denominator"), (b, "reference_events")):
        _check_nonnegative(values, column)
    _check_nonnegative(n0, "reference_denominator")
    estimable = (a > 0) & (b > 0) & (n1 > 0) & (n0 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.where(estimable, np.log(a / n1) - np.log(b / n0), np.nan)
        # Poisson counts: 1/a + 1/b; binomial (Katz): 1/a - 1/n1 + 1/b - 1/n0
        var = 1 / a + 1 / b if kind == "rate" else 1 / a - 1 / n1 + 1 / b - 1 / n0
        se = np.where(estimable, np.sqrt(var), np.nan)
    note = np.where(estimable | np.isnan(a) | np.isnan(b), "", "zero events: ratio not estimable")
    index = _index_of(events, denominator, reference_events, reference_denominator)
    return _ratio_frame(log_ratio, se, note, level, index)


def _ratio_frame(
    log_ratio: np.ndarray, se: np.ndarray, note: np.ndarray, level: float, index: pd.Index
) -> pd.DataFrame:
    """The columns of a ratio with its Wald interval on the log scale (rate and odds ratios)."""
    z = _z(level)
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
    (level,) = _levels(confidence)
    arrays = [_as_float(v) for v in (events, denominator, reference_events, reference_denominator)]
    a, n1, c, n0 = (np.atleast_1d(v).astype(float) for v in np.broadcast_arrays(*arrays))
    for values, column in ((a, "events"), (n1, "denominator"), (c, "reference_events")):
        _check_nonnegative(values, column)
    _check_nonnegative(n0, "reference_denominator")
    b, d = n1 - a, n0 - c
    _check_nonnegative(b, "denominator - events")
    _check_nonnegative(d, "reference_denominator - reference_events")
    estimable = (a > 0) & (b > 0) & (c > 0) & (d > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.where(estimable, np.log(a) - np.log(b) - np.log(c) + np.log(d), np.nan)
        se = np.where(estimable, np.sqrt(1 / a + 1 / b + 1 / c + 1 / d), np.nan)
    missing = np.isnan(a) | np.isnan(n1) | np.isnan(c) | np.isnan(n0)
    note = np.where(estimable | missing, "", "zero cell: ratio not estimable")
    index = _index_of(events, denominator, reference_events, reference_denominator)
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
    arrays = [_as_float(v) for v in (value, lower, upper, benchmark)]
    two_level = lower_998 is not None
    if two_level:
        arrays += [_as_float(lower_998), _as_float(upper_998)]
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
    index = _index_of(value, lower, upper, benchmark)
    return pd.Series(labels, index=index, dtype="string", name="comparison")


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
    t = np.atleast_1d(_as_float(years)).astype(float)
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
        full = np.broadcast_to(np.atleast_1d(_as_float(arr)).astype(float), (len(order),))
        return full[take]

    x, n = pick(numerators), pick(denominators)
    y, lo, hi, s = pick(values), pick(lower), pick(upper), pick(se)
    if y is None and has_counts:
        with np.errstate(divide="ignore", invalid="ignore"):
            y = x / n
    if s is None and lo is not None and hi is not None:
        s = (hi - lo) / (2 * _z(ci_level))
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
        _check_nonnegative(x, "numerator")
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
    den = _as_float(denominators)
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
        average = np.nansum(_as_float(numerators)) / den.sum()
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
    a = np.atleast_1d(_as_float(axis)).astype(float)
    if not np.isfinite(average) or average < 0:
        raise InputError("the funnel average must be a non-negative number", column="average")
    if statistic == "proportion":
        if average > 1:
            raise InputError("a proportion funnel average must lie in [0, 1]", column="average")
        out: dict[str, np.ndarray] = {"denominator": a}
        for level in FUNNEL_LEVELS:
            z = _z(level)
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
    x = np.atleast_1d(_as_float(numerator)).astype(float)
    n = np.atleast_1d(_as_float(denominator)).astype(float)
    _check_nonnegative(x, "numerator")
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
        labels, index=_index_of(numerator, denominator), dtype="string", name="significance"
    )


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
    events = _as_float(out[events_col])
    not_calculated = events < min_events
    unreliable = (events >= min_events) & (events < unreliable_below)
    for column in value_cols:
        out[column] = out[column].astype("Float64").mask(not_calculated)
    flag = np.where(not_calculated, "x", np.where(unreliable, "u", ""))
    out[flag_col] = pd.array(flag, dtype="string")
    return out
