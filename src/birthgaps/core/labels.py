"""Words for the code names of published tables (outcomes, breakdowns, groups, models, measures),
in one place for every stage that shows them to people: the workbook and the appendix.

The published CSVs keep the codes (they are for analysts and joins); what a person reads says
``Preterm birth (under 37 weeks)``, ``Deprivation (IMD quintile)`` and ``1 (most deprived)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from birthgaps.core.codes import IMD_QUINTILE_LABELS, UNKNOWN
from birthgaps.core.errors import InputError
from birthgaps.core.outcomes import GROUPS, MEASURES, Outcome, declare, outcome_items

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


#: Columns of the published definitions table (``tables/outcomes.csv``), in order.
OUTCOME_TABLE_COLUMNS = (
    "outcome",
    "label",
    "group",
    "group_label",
    "definition",
    "short",
    "measure",
    "unit",
    "denominator",
    "pooling",
    "year_basis",
    "polarity",
    "modelled",
    "fingertips_id",
)


@dataclass(frozen=True)
class OutcomeWords:
    """What a person reads about one outcome, from the published definitions table."""

    outcome: str
    label: str
    group: str
    group_label: str
    definition: str
    short: str
    measure: str
    unit: str
    denominator: str
    pooling: str = "single_year"
    polarity: str = "lower_is_better"
    modelled: bool = False

    @property
    def per_1000(self) -> bool:
        """True for a rate per 1,000 (mortality), False for a percentage."""
        return self.measure == "per_1000"

    @property
    def unit_words(self) -> str:
        """``per 1,000 live births`` or ``% of maternities``."""
        if self.per_1000:
            return f"per 1,000 {self.denominator}"
        return f"% of {self.denominator}"

    @property
    def axis_label(self) -> str:
        """The value axis of a chart: ``Deaths per 1,000 live births`` or ``Percentage of live births``."""
        if self.per_1000:
            return f"{_EVENT_NOUN.get(self.group, 'Events')} per 1,000 {self.denominator}"
        return f"Percentage of {self.denominator}"


_EVENT_NOUN = {"mortality": "Deaths"}


def outcomes_table(outcomes: Mapping[str, Outcome]) -> pd.DataFrame:
    """The published definitions table: one row per outcome in the given (config) order."""
    from birthgaps.core.outcomes import DENOMINATORS

    rows = [
        {
            "outcome": o.id,
            "label": o.label,
            "group": o.group,
            "group_label": GROUPS[o.group],
            "definition": o.definition,
            "short": o.short,
            "measure": o.measure,
            "unit": o.unit,
            "denominator": DENOMINATORS[o.denominator],
            "pooling": o.pooling,
            "year_basis": o.year_basis,
            "polarity": o.polarity,
            "modelled": o.modelled,
            "fingertips_id": o.fingertips,
        }
        for o in outcomes.values()
    ]
    table = pd.DataFrame(rows, columns=list(OUTCOME_TABLE_COLUMNS))
    table["fingertips_id"] = table["fingertips_id"].astype("Int64")
    return table


def outcome_words_of(
    table: pd.DataFrame, source: str = "outcomes table"
) -> dict[str, OutcomeWords]:
    """The words of each outcome of a published definitions table, in its row order; an
    ``InputError`` naming ``source`` and the columns when the table lacks any."""
    missing = [c for c in OUTCOME_TABLE_COLUMNS if c not in table.columns and c != "fingertips_id"]
    if missing:
        raise InputError(
            f"the outcome definitions table lacks column(s) {', '.join(missing)}",
            file=source,
            column=", ".join(missing),
            hint="the rates rule writes tables/outcomes.csv (docs/architecture.md)",
        )
    bad = table.loc[~table["measure"].isin(list(MEASURES)), "outcome"].tolist()
    if bad:
        raise InputError(
            f"{len(bad)} outcome(s) with a measure other than percent or per_1000: {', '.join(map(str, bad))}",
            file=source,
            column="measure",
            rows=len(bad),
        )
    out = {}
    for row in table.itertuples(index=False):
        modelled = str(row.modelled).strip().lower() in {"true", "1", "yes"}
        out[str(row.outcome)] = OutcomeWords(
            outcome=str(row.outcome),
            label=str(row.label),
            group=str(row.group),
            group_label=str(row.group_label),
            definition=str(row.definition),
            short=str(row.short),
            measure=str(row.measure),
            unit=str(row.unit),
            denominator=str(row.denominator),
            pooling=str(row.pooling),
            polarity=str(row.polarity),
            modelled=modelled,
        )
    return out


def builtin_table(definitions: Mapping | None = None) -> pd.DataFrame:
    """The definitions table of every built-in outcome, thresholds from ``definitions`` (default:
    the schema's): for a caller that holds the config but no published definitions table."""
    from birthgaps.core.outcomes import builtin_declarations
    from birthgaps.core.settings import schema_defaults

    definitions = {**schema_defaults("definitions"), **dict(definitions or {})}
    declared = {
        i: declare(i, fields, definitions)
        for i, fields in outcome_items(list(builtin_declarations()))
    }
    return outcomes_table(declared)


def _builtin_words() -> dict[str, OutcomeWords]:
    """Every built-in outcome with the schema's default thresholds (a table read by hand)."""
    return outcome_words_of(builtin_table())


_WORDS: dict[str, OutcomeWords] = {}


def use_outcomes(table: pd.DataFrame | None, source: str = "outcomes table") -> None:
    """Make the published definitions table the source of every outcome word (labels, definitions,
    units, groups) of this process; None: the built-in outcomes with the default thresholds."""
    _WORDS.clear()
    _WORDS.update(_builtin_words() if table is None else outcome_words_of(table, source))


def outcome_words(outcome: str) -> OutcomeWords:
    """The words of one outcome (from ``use_outcomes``; built-ins when none was given); an outcome
    not in the table gets its id as words and a percentage."""
    if not _WORDS:
        use_outcomes(None)
    if outcome in _WORDS:
        return _WORDS[outcome]
    words = outcome.replace("_", " ")
    return OutcomeWords(
        outcome,
        words.capitalize(),
        "birth_outcomes",
        GROUPS["birth_outcomes"],
        words,
        words,
        "percent",
        "%",
        "live births",
    )


def known_outcomes() -> list[str]:
    """The outcomes of the definitions table in use, in its (config) order."""
    if not _WORDS:
        use_outcomes(None)
    return list(_WORDS)


def outcome_label(outcome: str) -> str:
    """Short label of an outcome, e.g. ``Preterm birth``."""
    return outcome_words(outcome).label


def outcome_definition(outcome: str) -> str:
    """Definition of an outcome as used in captions, thresholds filled in from ``definitions``."""
    return outcome_words(outcome).definition


def outcome_title(outcome: str, definitions: Mapping | None = None) -> str:
    """An outcome with its short words, e.g. ``Preterm birth (born before 37 weeks)``: from the
    definitions table in use, or, with ``definitions`` (the config's thresholds), from the
    built-in declaration filled in with them."""
    words = outcome_words(outcome)
    if definitions is not None:
        builtins = outcome_words_of(builtin_table(definitions))
        words = builtins.get(outcome, words)
    return f"{words.label} ({words.short})" if words.short != words.label.lower() else words.label


def fmt_value(value: float, outcome: str, digits: int = 1, *, whole: bool = False) -> str:
    """A value in its outcome's unit: ``7.8%`` or ``7.9 per 1,000`` (``whole``: ``7.9 per 1,000
    live births``, the denominator named as a reader needs it)."""
    words = outcome_words(outcome)
    if words.per_1000:
        return f"{value:.{digits}f} per 1,000" + (f" {words.denominator}" if whole else "")
    return f"{value:.{digits}f}%"


def of_denominator(outcome: str) -> str:
    """What follows a value from ``fmt_value(..., whole=True)`` in a sentence: `` of live births``
    for a percentage, nothing for a rate (its denominator is already named)."""
    words = outcome_words(outcome)
    return "" if words.per_1000 else f" of {words.denominator}"


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
