"""Ethnicity text labels -> NHS ethnic category codes, read as (group heading, detail) so that a
label can only map to a code of the group it names (docs/sources.md, "Ethnicity labels").
"""

from __future__ import annotations

import re
from typing import NamedTuple

import pandas as pd

from birthgaps.core.codes import ETHNIC_CATEGORY_TO_GROUP

#: NHS Data Dictionary ethnic category codes accepted in the canonical column.
ETHNIC_CODES: list[str] = [*"ABCDEFGHJKLMNPRSZ", "99"]

#: Each group's "any other ... background" code: a known heading with an unlisted detail.
OTHER_CODE: dict[str, str] = {"White": "C", "Mixed": "G", "Asian": "L", "Black": "P", "Other": "S"}

_LABELS_BY_CODE: dict[str, list[str]] = {
    "A": ["white british"],
    "B": ["white irish"],
    "C": [
        "any other white background",
        "other white background",
        "any other white",
        "other white",
        "white other",
        "gypsy or irish traveller",
        "gypsy irish traveller",
        "irish traveller",
        "traveller of irish heritage",
        "gypsy",
        "traveller",
        "gypsy roma",
        "gypsy or roma",
        "roma",
    ],
    "D": ["white and black caribbean", "black caribbean and white"],
    "E": ["white and black african", "black african and white"],
    "F": ["white and asian", "asian and white"],
    "G": [
        "any other mixed background",
        "any other mixed multiple ethnic background",
        "any other mixed or multiple ethnic background",
        "any other mixed or multiple background",
        "other mixed background",
        "other mixed",
        "mixed other",
    ],
    "H": ["indian", "british indian"],
    "J": ["pakistani", "british pakistani"],
    "K": ["bangladeshi", "british bangladeshi"],
    "L": ["any other asian background", "other asian background", "other asian", "asian other"],
    "M": ["caribbean", "black caribbean"],
    "N": ["african", "black african"],
    "P": [
        "any other black background",
        "any other black african or caribbean background",
        "any other black black british or caribbean background",
        "other black background",
        "other black",
        "black other",
    ],
    "R": ["chinese", "british chinese"],
    "S": [
        "any other ethnic group",
        "any other ethnic background",
        "other ethnic group",
        "other ethnic groups",
        "any other",
        "other",
        "arab",
    ],
    "Z": [
        "not stated",
        "declined",
        "refused",
        "prefer not to say",
        "patient declined",
        "declined to state",
        "not disclosed",
    ],
    "99": ["not known", "unknown", "not recorded", "not asked"],
}

#: Normalised label that names its category without a heading -> NHS ethnic category code.
#: Bare national identities ("British", "Irish") are absent: they occur in every group.
ETHNIC_LABELS: dict[str, str] = {
    label: code for code, labels in _LABELS_BY_CODE.items() for label in labels
}

#: Details that name a category only under the White heading ("White: Irish").
_WHITE_DETAILS: dict[str, str] = {
    **dict.fromkeys(
        [
            "british",
            "english",
            "welsh",
            "scottish",
            "northern irish",
            "english welsh scottish northern irish or british",
            "english welsh scottish northern irish british",
            "english or welsh or scottish or northern irish or british",
        ],
        "A",
    ),
    "irish": "B",
}

#: Details that name a category only under the Mixed heading ("Mixed: White/Asian"); alone,
#: "White/Asian" reads as the White heading with an Asian detail.
_MIXED_DETAILS = {"white black caribbean": "D", "white black african": "E", "white asian": "F"}

#: Details meaning "some other category of this group" ("White - Other").
_GENERIC_OTHER = {"other", "any other", "other background", "any other background"}

#: Words that name a group or one of its categories; "chinese" is Asian (ONS 2021) and, under the
#: NHS 2001 heading "Other Ethnic Groups", Other too.
_GROUP_WORDS: dict[str, set[str]] = {
    "White": {"white", "gypsy", "traveller", "travellers", "roma"},
    "Mixed": {"mixed", "multiple"},
    "Asian": {"asian", "indian", "pakistani", "bangladeshi", "chinese"},
    "Black": {"black", "caribbean", "african"},
    "Other": {"arab", "chinese"},
}
#: National identities, found in every group: they never say which group or category.
_IDENTITIES = {"british", "english", "welsh", "scottish", "northern", "irish", "cornish"}
_FILLERS = {"or", "and", "any", "other", "of", "the", "background", "ethnic", "ethnicity"}
_FILLERS |= {"group", "groups", "heritage", "origin", "descent", "race"}
#: Words saying the category was not given: such a detail is not a category of the heading.
_NOT_GIVEN = {"not", "unknown", "declined", "refused", "unstated"}

_OTHER_HEADINGS = {
    "other",
    "other ethnic",
    "other ethnic group",
    "other ethnic groups",
    "any other ethnic group",
    "chinese or other ethnic group",
    "chinese or other ethnic groups",
}
#: Words of a Mixed heading ("Mixed or Multiple ethnic groups", "Mixed heritage").
_MIXED_HEADING_WORDS = {"mixed", "multiple", "or", "and", "ethnic", "group", "groups"} | {
    "heritage",
    "race",
}
_CODE_PREFIX = re.compile(r"^\s*([A-HJ-NPRSZ]|99)\s*[-\u2013\u2014:.)]\s*(\S.*)$", re.IGNORECASE)


class LabelMatch(NamedTuple):
    """How a label was read: its code (``None`` = unrecognised), and whether only its heading was
    known (an unlisted detail mapped to the group's "any other" code, for the analyst to check)."""

    code: str | None
    by_heading: bool = False


def normalise_label(label: str) -> str:
    """Lower case, ``&`` as "and", punctuation (dashes, colons, slashes, commas, brackets) as spaces."""
    text = str(label).lower().replace("&", " and ")
    text = re.sub(r"[\u2013\u2014\-:/,();.|+]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _heading_group(words: list[str]) -> str | None:
    """The group a run of words names as a heading ("asian or asian british"), else ``None``."""
    if not words or words[-1] in {"or", "and"}:
        return None
    if words == ["white"]:
        return "White"
    if " ".join(words) in _OTHER_HEADINGS:
        return "Other"
    if words[0] in {"mixed", "multiple"} and set(words) <= _MIXED_HEADING_WORDS:
        return "Mixed"
    asian = {"asian", "british", "welsh", "or"}
    if words[0] in {"asian", "british"} and "asian" in words and set(words) <= asian:
        return "Asian"
    # a heading lists both Caribbean and African; "Black African" is a category
    if words[0] in {"black", "british"} and "black" in words:
        allowed = {"black", "british", "welsh", "caribbean", "african", "or"}
        if set(words) <= allowed and len({"caribbean", "african"} & set(words)) != 1:
            return "Black"
    return None


def _splits(key: str) -> list[tuple[str, list[str]]]:
    """Every (group, detail words) reading of a normalised label that starts with a group heading,
    longest heading first ("Black, Black British, Caribbean or African: African" has several)."""
    words = key.split()
    # "Other White European": an "other" category of the White group ("Other: White British" not)
    lead = 2 if words[:2] == ["any", "other"] else 1 if words[:1] == ["other"] else 0
    group = _heading_group(words[lead : lead + 1]) if lead else None
    if group not in {None, "Other"} and " ".join(words[lead:]) not in ETHNIC_LABELS:
        return [(group, words)]
    return [
        (group, words[end:])
        for end in range(len(words), 0, -1)
        if (group := _heading_group(words[:end]))
    ]


def _fits(code: str, group: str) -> bool:
    """Whether a code belongs to a group (Chinese, R, also to the NHS 2001 "Other" heading)."""
    return ETHNIC_CATEGORY_TO_GROUP[code] == group or (code == "R" and group == "Other")


def _detail_match(group: str, words: list[str]) -> LabelMatch | None:
    """The reading of a detail under a group heading: code ``None`` when it is another group's
    category or was not given; ``None`` itself when it says nothing beyond the heading (empty, a
    national identity, "Black British")."""
    detail = " ".join(words)
    core = " ".join(w for w in words if w not in {"background", "origin", "heritage", "descent"})
    if detail in _GENERIC_OTHER:
        return LabelMatch(OTHER_CODE[group])
    table = {**ETHNIC_LABELS, **{"White": _WHITE_DETAILS, "Mixed": _MIXED_DETAILS}.get(group, {})}
    for text in (detail, core):
        if text in table:
            code = table[text]
            return LabelMatch(code if _fits(code, group) else None)
    own = _GROUP_WORDS[group]
    others = set().union(*(w for g, w in _GROUP_WORDS.items() if g != group)) - own
    informative = set(words) - own - _IDENTITIES - _FILLERS
    if (group != "Mixed" and set(words) & others) or set(words) & _NOT_GIVEN:
        return LabelMatch(None)
    if "other" in words and not (informative - others):
        return LabelMatch(OTHER_CODE[group])
    if not informative:
        return None
    return LabelMatch(OTHER_CODE[group], by_heading=True)


def _text_match(key: str) -> tuple[LabelMatch, str | None]:
    """Built-in reading of a normalised label: its match and the group its text names. The
    longest heading whose detail says something decides ("Black, Black British, Caribbean or
    African: African" also starts with the heading "Black, ..., Caribbean or African African")."""
    if key in ETHNIC_LABELS:
        code = ETHNIC_LABELS[key]
        return LabelMatch(code), ETHNIC_CATEGORY_TO_GROUP[code]
    splits = _splits(key)
    for group, words in splits:
        if words and (match := _detail_match(group, words)) is not None:
            return match, group
    return LabelMatch(None), (splits[0][0] if splits else None)


def match_label(label: str, extra: dict[str, str] | None = None) -> LabelMatch:
    """Read one ethnicity label (or code): the source's own ``labels`` first, then an NHS code
    (alone or leading, "N - African", whose text must not name another group), then the text."""
    text = str(label).strip()
    key = normalise_label(text)
    own = {normalise_label(k): v for k, v in (extra or {}).items()}
    if key in own:
        return LabelMatch(own[key])
    if text.upper() in ETHNIC_CODES:
        return LabelMatch(text.upper())
    if lead := _CODE_PREFIX.match(text):
        code = lead.group(1).upper()
        rest = normalise_label(lead.group(2))
        match, group = _text_match(rest)
        if match.code or group:
            named = {ETHNIC_CATEGORY_TO_GROUP[match.code] if match.code else group}
        else:  # "A - Polish Black" names the Black group
            named = {g for g, words in _GROUP_WORDS.items() if words & set(rest.split())}
        if rest in _GENERIC_OTHER:  # "L - Other" names no group
            named = set()
        return LabelMatch(code if all(_fits(code, g) for g in named) else None)
    return _text_match(key)[0]


def ethnic_code_for_label(label: str, extra: dict[str, str] | None = None) -> str | None:
    """NHS ethnic category code for one text label (or code); ``None`` when not recognised."""
    return match_label(label, extra).code


def ethnic_codes_from_labels(values: pd.Series, extra: dict[str, str] | None = None) -> pd.Series:
    """Map text labels to NHS codes; an unrecognised label stays as given (clean counts it)."""
    uniques = values.dropna().unique()
    mapping = {u: ethnic_code_for_label(u, extra) or u for u in uniques}
    return values.map(mapping).astype("string")
