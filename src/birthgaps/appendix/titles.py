"""The page title's words: what a release covers, named by topic (mortality first, as the key
messages lead with it), from the outcomes it publishes."""

from __future__ import annotations

from collections.abc import Sequence

from birthgaps.appendix import figure_set
from birthgaps.appendix.group_sections import lower_label as _lower
from birthgaps.core.outcomes import GROUPS

#: Built-in outcomes named in the page title by a wider topic: stillbirths (and the perinatal
#: rate, which counts them) as stillbirth; deaths of live-born babies as infant mortality; very
#: preterm birth and very low or term low birth weight under preterm birth and low birth weight.
TITLE_TOPICS = {
    "stillbirth": "stillbirth",
    "perinatal": "stillbirth",
    "early_neonatal": "infant mortality",
    "neonatal": "infant mortality",
    "postneonatal": "infant mortality",
    "infant": "infant mortality",
    "infant_by_death_year": "infant mortality",
    "very_preterm": "preterm birth",
    "very_lbw": "low birth weight",
    "term_lbw": "low birth weight",
}

#: The title's order of outcome groups: mortality first, as the key messages lead with it.
TITLE_GROUP_ORDER = ("mortality", "birth_outcomes", "maternity")


def title_topics(outcomes: Sequence[str]) -> list[str]:
    """What the release covers, in title words: per group (mortality first) the distinct topics of
    its outcomes (``TITLE_TOPICS``, else the outcome's label); a group of two or more maternity
    indicators as 'maternity indicators'."""
    groups = figure_set.outcome_groups(outcomes)
    order = [g for g in TITLE_GROUP_ORDER if g in groups] + [
        g for g in groups if g not in TITLE_GROUP_ORDER
    ]
    topics: list[str] = []
    for group in order:
        members = groups[group]
        if group == "maternity" and len(members) > 1:
            found = [GROUPS["maternity"].lower()]
        else:
            found = [TITLE_TOPICS.get(o) or _lower(o) for o in members]
        topics += [t for t in dict.fromkeys(found) if t not in topics]
    return topics
