"""The parts of the key messages' words: the sections a message links to, each outcome's short
words and verb, an area's reliable rows, and two values as words that agree with their comparison
(natural frequencies for percentages, rates for rates per 1,000)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from birthgaps.appendix import frames
from birthgaps.appendix.findings import compare_intervals
from birthgaps.appendix.wording import join_words, natural_frequency, whole_percent
from birthgaps.core import labels

#: Heading id of each committee-document section a message points to (``sections`` gives its
#: headings these ids; a message links to ``#<id>``): the charts that carry the message.
SECTION_ANCHORS: dict[str, str] = {
    "key_messages": "key-messages",
    "level": "level-and-trend",
    "trends": "level-and-trend",
    "deprivation": "deprivation",
    "ethnicity": "ethnic-groups",
    "data": "data-and-methods",
    "methods": "data-and-methods",
    "disclosure": "disclosure",
    "maternity": "maternity-indicators",
}

#: The words of each link ("see ..."): short, as the messages are scored for readability.
SECTION_LINK_TEXT: dict[str, str] = {
    "key_messages": "Key messages",
    "level": "Level and trend",
    "trends": "Level and trend",
    "deprivation": "Deprivation",
    "ethnicity": "Ethnic groups",
    "data": "Methods",
    "methods": "Methods",
    "disclosure": "Disclosure",
    "maternity": "Maternity indicators",
}

#: The mortality outcome the key messages lead with when the release has it (issue 12: council
#: reports open with infant mortality); the other mortality outcomes are in the annex.
LEAD_MORTALITY = "infant"

#: The fewest and most key messages an appendix shows.
MIN_MESSAGES, MAX_MESSAGES = 5, 8

#: How each Fingertips comparison label reads in a key message (anything else: not compared).
_COMPARISON_WORDS = {
    "Worse": "more",
    "Higher": "more",
    "Better": "fewer",
    "Lower": "fewer",
    "Similar": "similar",
}

_UNRELIABLE = {"u", "x"}


def outcome_words(outcome: str) -> tuple[str, str]:
    """``("born before 37 weeks", "")`` of an outcome: its ``short`` words from the published
    definitions (thresholds filled in from the config), and no further detail."""
    return labels.outcome_words(outcome).short, ""


def who(outcome: str) -> str:
    """Whom an outcome counts: ``mothers`` for a maternity indicator, else ``babies``."""
    return "mothers" if labels.outcome_words(outcome).denominator == "maternities" else "babies"


def were(short: str) -> str:
    """The verb before an outcome's short words: ``were born ...`` but ``died ...``."""
    return "" if short.split(" ")[0] in _VERBS else "were "


def who_short(outcome: str) -> str:
    """The outcome's short words after a noun: ``born before 37 weeks``, ``who died before their
    first birthday``."""
    short = outcome_words(outcome)[0]
    return short if were(short) else f"who {short}"


def often_all(how: str, outcomes: list[str]) -> str:
    """``were more often born before 37 weeks and born weighing under 2,500 grams`` (one "were"
    when every outcome takes it), else each outcome's own words (``often``)."""
    shorts = [outcome_words(o)[0] for o in outcomes]
    if all(were(s) for s in shorts):
        return f"were {how} often {join_words(shorts)}"
    return join_words([often(how, o) for o in outcomes])


def often(how: str, outcome: str) -> str:
    """``were more often born before 37 weeks`` or ``more often died before their first birthday``."""
    short = outcome_words(outcome)[0]
    return f"{were(short)}{how} often {short}"


#: Short words that are already a verb in the past (no "were" before them).
_VERBS = frozenset({"died", "smoked"})


def see(section: str) -> str:
    """`` (see [Trends and comparison](#trends-and-benchmark))``: the Markdown link of a message."""
    return f" (see [{SECTION_LINK_TEXT[section]}](#{SECTION_ANCHORS[section]}))"


def plain_text(message: str) -> str:
    """A Markdown message as the words a reader sees (links as their text, escapes removed)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", message)
    return re.sub(r"\\(.)", r"\1", text)


def comparison_word(label: object) -> str | None:
    """``more`` / ``fewer`` / ``similar`` of a Fingertips comparison label, None when not compared."""
    text = frames.cell_text(label)
    return _COMPARISON_WORDS.get(text.split(" (")[0]) if text else None


# ---------------------------------------------------------------------------------------------
# rows of the published tables a message may use
# ---------------------------------------------------------------------------------------------


def reliable_rows(
    rates: pd.DataFrame, area_code: str, outcome: str, dimension: str
) -> pd.DataFrame:
    """An area's rows of one outcome and dimension that may become a finding: not suppressed,
    with a percentage and 95% limits, and not flagged unreliable ("u") or not calculated ("x")."""
    if rates.empty:
        return rates
    mask = (
        (rates["area_code"].astype("string") == str(area_code))
        & (rates["outcome"].astype("string") == outcome)
        & (rates["dimension"].astype("string") == dimension)
    ).fillna(False)
    rows = rates.loc[mask.astype(bool)].copy()
    rows["group"] = rows["group"].astype("string").str.strip()
    keep = ~frames.as_bool(rows["suppressed"]).to_numpy()
    for column in ("value", "lower_95", "upper_95"):
        keep &= np.isfinite(frames.as_float(rows[column]))
    if "reliability" in rows.columns:
        keep &= ~rows["reliability"].map(frames.cell_text).isin(_UNRELIABLE).to_numpy()
    return rows.loc[keep]


def one_row(rows: pd.DataFrame, group: str) -> pd.Series | None:
    """The row of ``group`` (None when absent)."""
    hit = rows[rows["group"] == group]
    return None if hit.empty else hit.iloc[0]


def value_of(row: pd.Series, column: str = "value") -> float:
    """A row's ``column`` as a float."""
    return float(pd.to_numeric(row[column]))


def direction_of(a: pd.Series, b: pd.Series) -> int:
    """+1 when a's 95% interval lies above b's, -1 below, 0 when they overlap."""
    return compare_intervals(
        value_of(a, "lower_95"),
        value_of(a, "upper_95"),
        value_of(b, "lower_95"),
        value_of(b, "upper_95"),
    )


# ---------------------------------------------------------------------------------------------
# numbers as words
# ---------------------------------------------------------------------------------------------


def per_thousand(value: float) -> str:
    """A rate per 1,000 as a councillor reads it: ``about 8 in 1,000`` (whole numbers, halves up;
    ``fewer than 1 in 1,000`` below 0.5)."""
    if value < 0.5:
        return "fewer than 1 in 1,000"
    return f"about {int(np.floor(value + 0.5)):,} in 1,000"


def number_pair(
    a: float, b: float, direction: int, outcome: str | None = None
) -> tuple[str, str, bool] | None:
    """Two percentages in words that agree with ``direction`` (+1: a is more, -1: fewer, 0: the
    same or similar): natural frequencies when they tell the two apart the right way, else whole
    percentages (third item True), else None (no numbers: words alone). Two rates per 1,000 of
    ``outcome`` are given as ``about 8 in 1,000`` (one decimal when the whole numbers tie)."""
    if outcome is not None and labels.outcome_words(outcome).per_1000:
        fa, fb = per_thousand(a), per_thousand(b)
        if direction == 0 or order_of(a, b, fa, fb) == direction:
            return fa, fb, False
        fa, fb = f"{a:.1f} in 1,000", f"{b:.1f} in 1,000"
        return (fa, fb, True) if fa != fb else None
    fa, fb = natural_frequency(a), natural_frequency(b)
    if fa is None or fb is None:
        return None
    if direction == 0 or order_of(a, b, fa, fb) == direction:
        return fa, fb, False
    wa, wb = whole_percent(a), whole_percent(b)
    if int(np.sign(int(wa[:-1]) - int(wb[:-1]))) == direction:
        return wa, wb, True
    return None


def order_of(a: float, b: float, fa: str, fb: str) -> int:
    """+1 when the words say a is more than b, -1 fewer, 0 when they read the same."""
    if fa == fb:
        return 0
    return int(np.sign(a - b))


def babies_subject(frequency: str, people: str = "babies") -> tuple[str, str]:
    """Subject and verb for a natural frequency: ("about 1 in 9 babies", "was")."""
    one = {"babies": "baby", "mothers": "mother"}[people]
    if frequency == "none":
        return f"no {one}", "was"
    if frequency == "all":
        return f"every {one}", "was"
    if frequency.endswith("in 10") or frequency == "almost all":
        return f"{frequency} {people}", "were"
    if frequency.endswith("%"):
        return f"{frequency} of {people}", "were"
    return f"{frequency} {people}", "was"


def cap(text: str) -> str:
    """The text with its first letter in capitals."""
    return text[:1].upper() + text[1:]
