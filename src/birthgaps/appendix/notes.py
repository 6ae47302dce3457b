"""The notes printed under the appendix's tables, written from the resolved ``disclosure`` and
``statistics`` settings through ``birthgaps.core.methods`` (so a release with another disclosure
rule or small-number rule says what it did). In: the two config sections. Out: sentences.
"""

from __future__ import annotations

from collections.abc import Mapping

from birthgaps.core import methods
from birthgaps.models.notes import COLLIDER_CAUTION


def withheld_sentence(disclosure: Mapping) -> str:
    """The ``[c]`` marker's meaning as a sentence."""
    return f"{methods.withheld_text(disclosure)}."


def rates_note(disclosure: Mapping, per_1000: bool = False) -> str:
    """Note of every rates table: the marker, the rounding and what the rates come from (a rate per
    1,000 has PHE limits: exact below 10 events, Byar's method from 10)."""
    source = "rounded" if methods.is_rounded(disclosure) else "published"
    what = (
        "rates per 1,000 and 95% confidence intervals (exact Poisson limits below 10 events, "
        "Byar's method from 10, as PHE and OHID publish)"
        if per_1000
        else "percentages and 95% confidence intervals (Wilson score method)"
    )
    return (
        f"{withheld_sentence(disclosure)} Counts are {methods.rounded(disclosure)}; {what} are "
        f"calculated from the {source} counts."
    )


def collider_caution() -> str:
    """The collider-bias caution (birth-weight paradox) shown wherever the appendix gives the share
    of deaths that were preterm or of low birth weight, from the one place it is written
    (``birthgaps.models.notes.COLLIDER_CAUTION``)."""
    return COLLIDER_CAUTION


def comparison_note(benchmark: str) -> str:
    """How a rate is compared with the benchmark (Fingertips method)."""
    return (
        f"Compared with {benchmark}: Fingertips method; Similar when the value for {benchmark} "
        "lies inside the 95% confidence interval; Worse or Better (95%) when it lies outside the "
        "95% interval, (99.8%) when outside the 99.8% interval too (a lower value is "
        "better)."
    )


def reliability_note(statistics: Mapping) -> str:
    """What the x and u markers of a rate mean (ONS small-number practice)."""
    small = statistics["small_numbers"]
    return (
        f"x = not calculated: fewer than {small['min_events']} events (ONS practice); u = low "
        f"reliability: fewer than {small['unreliable_below']} events."
    )


def models_note(disclosure: Mapping) -> str:
    """Note of the odds-ratio table: crude and adjusted models, rounding, the marker."""
    return (
        f"Crude: one exposure at a time, from the {methods.published_counts(disclosure)} of the rates "
        "table, births with that characteristic stated. Adjusted: odds ratios from binomial "
        "(logistic) regression on counts per covariate pattern, deprivation quintile and ethnic "
        "group together, with mother's age band and year of birth, complete cases only. A level "
        "with too few events is not estimated. An odds ratio whose 95% confidence interval "
        "excludes 1 indicates a clear difference from the reference group. Ratios and limits are "
        f"rounded to 2 decimal places. {withheld_sentence(disclosure)}"
    )


def flow_note(disclosure: Mapping) -> str:
    """Note of the exclusion-flow table."""
    return (
        f"{methods.counts_sentence(disclosure)} {withheld_sentence(disclosure)} Rows that do not "
        "remove records show births kept but flagged, or left out of one outcome's denominator."
    )


def stratified_note(disclosure: Mapping) -> str:
    """Note of the stratified odds-ratio table."""
    return (
        "Odds ratios of each deprivation quintile against the reference quintile among mothers of "
        "one ethnic group, from a logistic model fitted within that group with the other adjusted "
        "terms. A quintile with too few events (or non-events) in the group is not estimated. "
        f"Births {methods.rounded(disclosure)}. {withheld_sentence(disclosure)} The ethnic-group "
        "odds ratios within each quintile are in the published stratified table."
    )


def fit_note(disclosure: Mapping) -> str:
    """Note of the model-fit table."""
    return (
        "Goodness of fit: p-value of the deviance against the model with one rate per covariate "
        "pattern (a small p-value suggests the model misses a pattern; rough when patterns are "
        "small). The modified Poisson likelihood is a working likelihood, so those models have a "
        "c-statistic only. c-statistic: the probability that a birth with the outcome has a "
        "higher predicted risk than one without (0.5 = no better than chance), in-sample. The "
        "models describe differences between groups; they are not for predicting an individual's "
        "risk. Log-likelihoods, deviances and AIC are not published: at full precision they "
        f"would give counts back. Births {methods.rounded(disclosure)}. "
        f"{withheld_sentence(disclosure)}"
    )


#: Note of the recent-trend table.
TRENDS_NOTE = (
    "Recent trend: Fingertips method, on the most recent 5 years (by default): chi-squared test for "
    "a linear trend in proportions, significant when above the 99.8% threshold (9.55) and the "
    "slope keeps its sign when any one year is left out. A trend cannot be calculated when fewer "
    "years are available or a yearly value is suppressed or based on too few events."
)


def inequality_note(disclosure: Mapping, statistics: Mapping) -> str:
    """Note of the inequality table: each measure, rounding, the marker, small numbers."""
    return (
        "Rate ratio: the group's percentage divided by the reference group's (quintile 5, the "
        "least deprived, or White mothers), 95% confidence interval on the log scale. Slope index "
        "of inequality (SII): the gap in percentage points between the most and least deprived "
        "ends of the fitted line across deprivation quintiles (PHE method; positive = higher in "
        "more deprived areas); relative index (RII): the ratio of those ends. Attributable "
        "fraction: the share of events above what the least deprived quintile's rate would give; "
        f"excess events are {methods.rounded(disclosure)}. {withheld_sentence(disclosure)} Every "
        "measure and confidence interval is calculated from the "
        f"{methods.published_counts(disclosure)}; x = not calculated (fewer than "
        f"{statistics['small_numbers']['min_events']} events)."
    )


def funnel_note(disclosure: Mapping, target: str = "the study areas' average") -> str:
    """Note of the funnel table: what the points are compared with, and its positions in words."""
    return (
        f"Funnel position against {target} (PHE funnel limits, Wilson score): above or below "
        "the 95% limit = outside the 95% limits, the 99.8% limit = outside the 99.8% limits. "
        f"{methods.counts_sentence(disclosure)} {withheld_sentence(disclosure)}"
    )
