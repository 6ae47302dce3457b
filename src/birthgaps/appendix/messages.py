"""PROVISIONAL key messages of the committee document (replaced at merge by the key-messages work
of issue 11): a few plain sentences first on the page, each pointing at the section that holds
its evidence, and the note on how many comparisons a section makes.

In: ``AppendixInputs``. Out: ``Section``s. ``SECTION_ANCHORS`` names the stable heading ids of the
committee document's sections (message topic -> id), so a message can link to its evidence.
"""

from __future__ import annotations

import re

from birthgaps.appendix import headlines
from birthgaps.appendix.blocks import Section, Sentences
from birthgaps.appendix.inputs import AppendixInputs

#: Message topic -> id of the committee-document heading that holds its evidence.
SECTION_ANCHORS: dict[str, str] = {
    "key_messages": "key-messages",
    "level": "level-and-trend",
    "trend": "level-and-trend",
    "deprivation": "deprivation",
    "ethnicity": "ethnic-groups",
    "data": "data-and-methods",
    "disclosure": "disclosure",
}

#: Most key messages shown.
MAX_MESSAGES = 5

_BRACKETS = re.compile(r"\s*\([^()]*\)")


def key_messages(inputs: AppendixInputs) -> Section:
    """Up to five plain sentences from the headline findings (bracketed statistics removed)."""
    found = [_BRACKETS.sub("", s) for s in headlines.headline_findings(inputs)[:MAX_MESSAGES]]
    if not found:
        found = ["No key messages can be reported: every headline value is suppressed."]
    return Section("Key messages", 2, [Sentences(found)], anchor=SECTION_ANCHORS["key_messages"])


def comparisons_note(inputs: AppendixInputs, section: str) -> Section:
    """How to read one 'worse' among the many comparisons a section makes (provisional)."""
    sentence = (
        "This section makes many comparisons; at the 95% level about 1 in 20 of them can differ "
        "by chance alone, so read a single 'worse' or 'better' among many with care."
    )
    return Section("", 4, [Sentences([sentence], bullets=False)], anchor=None)
