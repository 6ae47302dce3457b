"""Published method statements, generated from the resolved config (one place for each wording).

Every sentence that states a method in a published file (appendix, workbook, data dictionary,
``snakemake --report`` captions) comes from here, so a release configured with another disclosure
rule set, small-number rule, confidence level, benchmark or model terms says what it did.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

#: What each named disclosure rule set is called in published text.
RULE_SET_SOURCES: dict[str, str] = {
    "nhs_england": "NHS England rule for maternity data",
    "ons_births": "ONS rule for birth statistics",
    "custom": "the rule set in this release's configuration",
}


def suppressed_range(disclosure: Mapping, joiner: str = " to ") -> str:
    """The withheld counts, e.g. ``1 to 7`` (``1–7`` with ``joiner="–"``; ``1`` for one count)."""
    low, high = int(disclosure["suppress_min"]), int(disclosure["suppress_max"])
    return f"{low}" if low == high else f"{low}{joiner}{high}"


def rule_source(disclosure: Mapping) -> str:
    """Where the disclosure rule comes from, e.g. ``NHS England rule for maternity data``."""
    return RULE_SET_SOURCES[str(disclosure["rule_set"])]


def is_rounded(disclosure: Mapping) -> bool:
    """Whether the rule rounds the counts it publishes (a rounding base above 1)."""
    return int(disclosure["rounding_base"]) > 1


def rounded(disclosure: Mapping) -> str:
    """How published counts are rounded: ``rounded to the nearest 5`` or ``not rounded``."""
    base = int(disclosure["rounding_base"])
    return f"rounded to the nearest {base}" if is_rounded(disclosure) else "not rounded"


def published_counts(disclosure: Mapping) -> str:
    """``published (rounded) counts`` or, when the rule does not round, ``published counts``."""
    return "published (rounded) counts" if is_rounded(disclosure) else "published counts"


def counts_sentence(disclosure: Mapping) -> str:
    """``Counts are rounded to the nearest 5.`` (or ``Counts are not rounded.``)."""
    return f"Counts are {rounded(disclosure)}."


def withheld_text(disclosure: Mapping) -> str:
    """The ``[c]`` marker's meaning, without a full stop."""
    return (
        "[c] withheld to protect confidentiality: a count of "
        f"{suppressed_range(disclosure)} or a figure that would reveal one"
    )


def disclosure_statement(disclosure: Mapping) -> str:
    """The appendix's method statement on disclosure control."""
    rounding = f" and other counts are {rounded(disclosure)}" if is_rounded(disclosure) else ""
    marker = withheld_text(disclosure).removeprefix("[c] ")
    return (
        f"Counts of {suppressed_range(disclosure)} are withheld{rounding} "
        f"({rule_source(disclosure)}); further rows are withheld where they would let a withheld "
        f"count be worked out. Both are marked [c]: {marker}. Every percentage, confidence "
        "interval, comparison, trend, ratio and inequality measure is calculated from the "
        f"{published_counts(disclosure)}, so none of them can be used to work back to an exact "
        "count; adjusted models are fitted to the exact counts and published to 2 decimal places, "
        "without standard errors."
    )


def _percent(level: float) -> str:
    """``0.95`` → ``95%``, ``0.998`` → ``99.8%``."""
    return f"{level * 100:.10g}%"


def confidence_levels(statistics: Mapping) -> str:
    """``95% (and 99.8%)``: the first level, the others in brackets."""
    levels = [_percent(float(x)) for x in statistics["confidence"]]
    rest = " and ".join(levels[1:])
    return levels[0] + (f" (and {rest})" if rest else "")


def ci_statement(statistics: Mapping) -> str:
    """The appendix's method statement on rates and their confidence intervals."""
    return (
        "Percentages of live births with each outcome, with "
        f"{confidence_levels(statistics)} confidence intervals by the Wilson score method (the "
        "method of OHID's public health indicators)."
    )


def small_number_statement(statistics: Mapping) -> str:
    """The appendix's method statement on ONS small-number rules."""
    small = statistics["small_numbers"]
    return (
        f"As ONS does, no rate is calculated from fewer than {small['min_events']} events (*x*) "
        f"and a rate from fewer than {small['unreliable_below']} events is marked as of low "
        "reliability (*u*)."
    )


def terms(names: Sequence[str], labels: Mapping[str, str]) -> str:
    """Model terms in words: ``the mother's age band and the year of birth``."""
    words = [labels.get(name, name.replace("_", " ")) for name in names]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


#: Model terms as the ``snakemake --report`` captions name them.
CAPTION_TERMS = {
    "imd_quintile": "deprivation quintile",
    "ethnic_group": "ethnic group",
    "age_band": "maternal age band",
    "year": "year",
}


def caption_statements(config: Mapping) -> dict[str, str]:
    """Method statements for the ``snakemake --report`` captions (``{{ snakemake.params.captions.* }}``)."""
    disclosure = config["disclosure"]
    withheld = suppressed_range(disclosure, joiner="–")
    others = f", others {rounded(disclosure)}" if is_rounded(disclosure) else ""
    return {
        "confidence": " and ".join(_percent(float(x)) for x in config["statistics"]["confidence"]),
        "disclosure": f"Counts {withheld} are withheld{others} ({rule_source(disclosure)}), with "
        "complementary suppression so that no hidden value can be worked out from totals.",
        "withheld": "``[c]`` " + withheld_text(disclosure).removeprefix("[c] ") + ".",
        "published_counts": published_counts(disclosure),
        "adjusted_for": terms(config["models"]["adjust_for"], CAPTION_TERMS),
    }
