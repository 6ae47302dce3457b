"""Words for the code names of published tables (outcomes, breakdowns, groups, models, measures),
in one place for every stage that shows them to people: the workbook and the appendix.

The published CSVs keep the codes (they are for analysts and joins); what a person reads says
``Preterm birth (under 37 weeks)``, ``Deprivation (IMD quintile)`` and ``1 (most deprived)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from birthgaps.core.codes import IMD_QUINTILE_LABELS, OUTCOMES, UNKNOWN

#: Heading of each model term or breakdown (forest plot headings, workbook cells).
TERM_HEADINGS = {
    "imd_quintile": "Deprivation (IMD quintile)",
    "ethnic_group": "Ethnic group",
    "age_band": "Mother's age (years)",
    "year": "Year of birth",
}

#: Each model term in a sentence (what the adjusted model includes).
TERM_PHRASES = {
    "imd_quintile": "deprivation quintile",
    "ethnic_group": "ethnic group",
    "age_band": "mother's age band",
    "year": "year of birth",
}

#: Maternal age bands in a sentence.
AGE_PHRASES = {
    "<20": "under 20",
    "20-24": "20 to 24",
    "25-29": "25 to 29",
    "30-34": "30 to 34",
    "35-39": "35 to 39",
    "40+": "40 and over",
    UNKNOWN: "of unknown age",
}

#: Breakdowns of the rate tables that are not model terms.
BREAKDOWN_HEADINGS = {
    "overall": "All births",
    "area": "Area",
    "imd_quintile_by_ethnic_group": "Deprivation (IMD quintile) within ethnic group",
    "ethnic_group_detailed": "Ethnic group (detailed, ONS 2021)",
}

#: Inequality and model measures.
MEASURE_LABELS = {
    "rate_ratio": "Rate ratio",
    "sii": "Slope index of inequality (SII)",
    "rii": "Relative index of inequality (RII)",
    "paf": "Population attributable fraction (PAF)",
    "paf_share": "Share of the attributable fraction (PAF) in this group",
    "odds_ratio": "Odds ratio (logistic regression)",
    "risk_ratio": "Risk ratio (modified Poisson regression)",
}

#: Row types of the funnel table.
ROW_TYPES = {
    "area": "Area, whole period",
    "area_year": "Area, one year",
    "limits": "Control limits",
}

#: Where a point lies on the PHE funnel plot (the published ``significance`` codes), in words.
FUNNEL_POSITIONS = {
    "High (0.001)": "Above the upper 99.8% limit",
    "High (0.025)": "Above the upper 95% limit",
    "Low (0.001)": "Below the lower 99.8% limit",
    "Low (0.025)": "Below the lower 95% limit",
    "Not significant": "Within the 95% limits",
}

#: Trend test methods.
TREND_METHODS = {
    "chi2 trend in proportions": "Chi-squared test for trend in proportions",
    "weighted slope": "Weighted regression slope",
}


def join_words(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def outcome_label(outcome: str) -> str:
    """Short label of an outcome, e.g. ``Preterm birth``."""
    return OUTCOMES.get(outcome, (outcome.replace("_", " ").capitalize(), ""))[0]


def outcome_definition(outcome: str) -> str:
    """Definition of an outcome as used in captions."""
    return OUTCOMES.get(outcome, ("", outcome.replace("_", " ")))[1]


def outcome_title(outcome: str, definitions: Mapping) -> str:
    """An outcome with its threshold from the config ``definitions``, e.g. ``Preterm birth (under
    37 weeks)``; an outcome without a known threshold gets its short label."""
    thresholds = {
        "preterm": f"under {definitions['preterm_weeks']} weeks",
        "very_preterm": f"under {definitions['very_preterm_weeks']} weeks",
        "lbw": f"under {int(definitions['lbw_grams']):,} g",
        "very_lbw": f"under {int(definitions['very_lbw_grams']):,} g",
        "term_lbw": f"under {int(definitions['lbw_grams']):,} g at "
        f"{definitions['preterm_weeks']} weeks or later",
    }
    label = outcome_label(outcome)
    return f"{label} ({thresholds[outcome]})" if outcome in thresholds else label


def imd_label(quintile: str) -> str:
    """Readable IMD quintile label, e.g. ``1 (most deprived)``."""
    return IMD_QUINTILE_LABELS.get(str(quintile), str(quintile))


def group_label(dimension: str, group: str) -> str:
    """Readable label of a group of a rates dimension."""
    if dimension == "imd_quintile":
        return imd_label(group)
    if dimension == "imd_quintile_by_ethnic_group":
        quintile, _, ethnic = str(group).partition(" | ")
        return f"{imd_label(quintile)} | {ethnic}"
    return str(group)


def level_label(term: str, level: str) -> str:
    """Readable label of a model level."""
    return imd_label(level) if term == "imd_quintile" else str(level)


def breakdown_label(dimension: str) -> str:
    """Heading of a breakdown or model term, e.g. ``Deprivation (IMD quintile)``; a name without
    a heading here gets its words (``age_band_detailed`` -> ``Age band detailed``)."""
    if dimension in TERM_HEADINGS:
        return TERM_HEADINGS[dimension]
    return BREAKDOWN_HEADINGS.get(dimension, dimension.replace("_", " ").capitalize())


def group_text(dimension: str, group: str) -> str:
    """A group of a breakdown or a level of a model term as a person reads it: IMD quintiles with
    their ends named, age bands in words (``Under 20``, ``40 and over``)."""
    if dimension == "age_band" and group in AGE_PHRASES and group != UNKNOWN:
        phrase = AGE_PHRASES[group]
        return phrase[:1].upper() + phrase[1:]
    return group_label(dimension, group)


def terms_text(terms: str) -> str:
    """A model formula as words: ``imd_quintile + ethnic_group:age_band`` becomes ``Deprivation
    (IMD quintile) + Ethnic group × Mother's age (years)``."""
    return " + ".join(
        " × ".join(breakdown_label(t) for t in re.split(r"\s+x\s+|:", part.strip()))
        for part in terms.split(" + ")
    )


def model_label(model: str, term: str, terms: Sequence[str]) -> str:
    """A model as a person reads it: ``Crude`` or ``Adjusted for ethnic group, mother's age band
    and year of birth`` (the model's other ``terms`` than the row's ``term``)."""
    others = [TERM_PHRASES.get(t, t) for t in terms if t != term]
    if model == "crude":
        return "Crude (this term alone)"
    if model == "adjusted":
        return f"Adjusted for {join_words(others)}" if others else "Adjusted"
    if model == "interaction":
        return "Adjusted, with the interaction term"
    return model


def words_for_codes(text: str) -> str:
    """Free text (a note, a reason) with the model terms' code names in words (``imd_quintile
    Unknown 165`` -> ``deprivation quintile Unknown 165``)."""
    return re.sub(
        r"\b(" + "|".join(TERM_PHRASES) + r")\b", lambda m: TERM_PHRASES[m.group(1)], text
    )


def model_terms(terms: str) -> list[str]:
    """The main terms of a published model formula, in order: ``imd_quintile + ethnic_group +
    imd_quintile:ethnic_group`` -> ``["imd_quintile", "ethnic_group"]`` (interactions left out)."""
    parts = [part.strip() for part in str(terms).split(" + ")]
    return [part for part in parts if part and not re.search(r"\s+x\s+|:", part)]


def terms_phrase(terms: str) -> str:
    """A model formula inside a sentence: ``imd_quintile + ethnic_group:age_band`` -> ``deprivation
    quintile and ethnic group × mother's age band``."""
    return join_words(
        [
            " × ".join(TERM_PHRASES.get(t, t) for t in re.split(r"\s+x\s+|:", part.strip()))
            for part in str(terms).split(" + ")
        ]
    )


def funnel_position_text(significance: str) -> str:
    """A published funnel ``significance`` code in words (``High (0.001)`` -> ``Above the upper
    99.8% limit``); a code not in ``FUNNEL_POSITIONS`` is shown as it is."""
    return FUNNEL_POSITIONS.get(significance, significance)


def p_value_text(p: float, threshold: float | None = None) -> str:
    """A p-value as the workbook and the appendix write it: ``<0.001`` or to 3 decimal places
    (``0.046``); with a significance ``threshold``, one more digit (up to 4) where rounding would
    land on it, so 0.0496 never reads as 0.050."""
    if p < 0.001:
        return "<0.001"
    digits = 3
    text = f"{p:.{digits}f}"
    while threshold is not None and digits < 4 and float(text) == threshold and p != threshold:
        digits += 1
        text = f"{p:.{digits}f}"
    return text


def p_value_phrase(p: float, threshold: float | None = None) -> str:
    """A p-value inside a sentence, in the same digits as ``p_value_text``: ``p < 0.001``,
    ``p = 0.046``."""
    text = p_value_text(p, threshold)
    return "p < 0.001" if text == "<0.001" else f"p = {text}"
