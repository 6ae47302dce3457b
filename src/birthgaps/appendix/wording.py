"""The appendix's words: labels of outcomes, groups and dimensions, number formats and phrases
(strings in, strings out), shared by chart titles, alt text and the appendix sentences."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from birthgaps.core.codes import NOT_STATED

# The labels the workbook shares live in core.labels; appendix modules keep importing them here.
from birthgaps.core.labels import AGE_PHRASES, FUNNEL_POSITIONS, join_words
from birthgaps.core.labels import TERM_HEADINGS as TERM_HEADINGS
from birthgaps.core.labels import TERM_PHRASES as TERM_PHRASES
from birthgaps.core.labels import fmt_value as fmt_value
from birthgaps.core.labels import group_label as group_label
from birthgaps.core.labels import imd_label as imd_label
from birthgaps.core.labels import level_label as level_label
from birthgaps.core.labels import outcome_definition as outcome_definition
from birthgaps.core.labels import outcome_label as outcome_label
from birthgaps.core.labels import outcome_words as outcome_words

#: Label of the series that covers every birth whatever the ethnic group.
ALL_BIRTHS = "All births"


#: Axis label of each dimension.
DIMENSION_LABELS = {
    "imd_quintile": "IMD quintile (national deprivation of the mother's neighbourhood)",
    "ethnic_group": "Mother's ethnic group",
    "age_band": "Mother's age (years)",
    "year": "Year of birth",
}

_ETHNIC_ADJECTIVES = {
    "Asian": "Asian",
    "Black": "Black",
    "Mixed": "Mixed-ethnicity",
    "White": "White",
    "Other": "Other-ethnicity",
    NOT_STATED: "ethnicity-not-stated",
}


def lower_first(text: str) -> str:
    """The text with its first letter in lower case (a label inside a sentence)."""
    return text[:1].lower() + text[1:]


def fmt_pct(value: float) -> str:
    """A percentage to one decimal place, e.g. ``7.6%``."""
    return f"{value:.1f}%"


def value_axis(outcome: str) -> str:
    """The value axis of an outcome's chart (the title names the outcome): ``Percentage of live
    births``, ``Percentage of maternities`` or ``Deaths per 1,000 live births``."""
    return outcome_words(outcome).axis_label


def values_noun(outcome: str) -> str:
    """What a chart's points are: ``percentages`` or ``rates per 1,000 live births``."""
    words = outcome_words(outcome)
    return f"rates per 1,000 {words.denominator}" if words.per_1000 else "percentages"


def as_unit(outcome: str) -> str:
    """``as a percentage of live births`` or ``per 1,000 live births`` (alt text)."""
    words = outcome_words(outcome)
    if words.per_1000:
        return f"per 1,000 {words.denominator}"
    return f"as a percentage of {words.denominator}"


def value_heading(outcome: str) -> str:
    """A table's value column heading: ``%`` or ``Per 1,000``."""
    return "Per 1,000" if outcome_words(outcome).per_1000 else "%"


def denominator_heading(outcome: str) -> str:
    """A table's denominator column heading: ``Live births``, ``Total births`` or ``Maternities``."""
    denominator = outcome_words(outcome).denominator
    return denominator[:1].upper() + denominator[1:]


def fmt_ci(lower: float, upper: float, digits: int = 1) -> str:
    """A confidence interval as words, e.g. ``7.2 to 8.0`` (no dash that a reader could take as minus)."""
    return f"{lower:.{digits}f} to {upper:.{digits}f}"


def fmt_or(value: float) -> str:
    """An odds ratio to two decimal places."""
    return f"{value:.2f}"


def fmt_gap(value: float, outcome: str) -> str:
    """A difference of two values of an outcome: ``3.1 percentage points`` or ``2.4 per 1,000``."""
    if outcome_words(outcome).per_1000:
        return f"{value:.1f} per 1,000"
    return fmt_pp(value)


def period_text(group: object) -> str:
    """A ``year`` group as a reader sees it: ``2022``, or ``2022–2024`` for a pooled period."""
    return str(group).strip().replace("-", "–")


def fmt_pp(value: float) -> str:
    """Percentage points to one decimal place, e.g. ``3.1 percentage points``."""
    return f"{value:.1f} percentage points"


def group_phrase(dimension: str, groups: Sequence[str]) -> str:
    """Groups as words in a sentence, e.g. ``Asian and Black mothers``."""
    if dimension == "ethnic_group":
        return f"{join_words([_ETHNIC_ADJECTIVES.get(g, g) for g in groups])} mothers"
    if dimension == "age_band":
        return f"mothers aged {join_words([AGE_PHRASES.get(g, g) for g in groups])}"
    return join_words(list(groups))


def comparison_phrase(comparison: str, benchmark_label: str) -> str | None:
    """Plain words for a Fingertips comparison label, e.g. "significantly higher than England"."""
    if comparison.startswith(("Worse", "Higher")):
        return f"significantly higher than {benchmark_label}"
    if comparison.startswith(("Better", "Lower")):
        return f"significantly lower than {benchmark_label}"
    if comparison == "Similar":
        return f"similar to {benchmark_label}"
    return None


def significance_phrase(significance: str) -> str:
    """A PHE funnel label inside a sentence, in the words of ``core.labels.FUNNEL_POSITIONS``
    (``above the upper 99.8% limit``); a point without a label is not placed on the funnel."""
    if significance in FUNNEL_POSITIONS:
        return lower_first(FUNNEL_POSITIONS[significance])
    return "not placed on the funnel"


def trend_window(row: pd.Series | None) -> str:
    """``2020–2024`` from a trend row's first and last year ('' when unknown)."""
    if row is None:
        return ""
    first, last = pd.to_numeric(row["first_year"]), pd.to_numeric(row["last_year"])
    if pd.isna(first) or pd.isna(last):
        return ""
    return f"{int(first)}–{int(last)}"


def rii_words(row: pd.Series) -> str:
    """``2.03 (95% CI 1.71 to 2.41)``, or the RII alone when its limits are not published."""
    if np.isfinite(row["lower_95"]) and np.isfinite(row["upper_95"]):
        return f"{row['value']:.2f} (95% CI {fmt_ci(row['lower_95'], row['upper_95'], 2)})"
    return f"{row['value']:.2f} (no reliable confidence interval)"


def _half_up(value: float) -> int:
    """``value`` rounded to the nearest whole number, halves upwards (2.5 -> 3, unlike ``round``)."""
    return int(np.floor(value + 0.5))


def natural_frequency(percent: float | None) -> str | None:
    """A percentage as a natural frequency: ``about 1 in N`` with N = 100/percent rounded (halves
    up; 7.7% -> ``about 1 in 13``, 50% -> ``about 1 in 2``, 1.2% -> ``about 1 in 83``); above 50%
    ``about k in 10`` (``almost all`` from 95%); ``none`` at 0% and ``all`` at 100%. None when
    the value is missing or outside 0-100."""
    if percent is None or pd.isna(percent):
        return None
    percent = float(percent)
    if percent < 0 or percent > 100:
        return None
    if percent == 0:
        return "none"
    if percent == 100:
        return "all"
    if percent > 50:
        tenths = _half_up(percent / 10)
        return "almost all" if tenths >= 10 else f"about {tenths} in 10"
    return f"about 1 in {_half_up(100 / percent):,}"


def whole_percent(percent: float) -> str:
    """A percentage as a whole number, halves up, e.g. ``8%`` (no decimals for a plain summary)."""
    return f"{_half_up(float(percent))}%"
