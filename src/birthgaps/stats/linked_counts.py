"""Disclosure control across outcomes whose denominators nest: total births less live births are the
stillbirths, so two shown denominators must not give a withheld small count back by subtraction.

The additive sets of ``birthgaps.core.disclosure`` hold within one outcome. Between outcomes of the
same group, the denominator of a wider population (total births; fewer stated columns; shorter
death follow-up) less that of a narrower one is itself a count of births (stillbirths, births with
a column not stated, births without complete follow-up). When that count is small, the wider row
is withheld too: one row (stillbirths, perinatal) instead of every live-birth outcome's row
(docs/disclosure.md).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from birthgaps.core.outcomes import Outcome

#: (wider, narrower) denominator populations: every record of the second is one of the first.
CONTAINS = frozenset(
    {
        ("total_births", "total_births"),
        ("total_births", "live_births"),
        ("total_births", "maternities"),
        ("live_births", "live_births"),
        ("maternities", "maternities"),
    }
)


def nested_pairs(outcomes: Mapping[str, Outcome]) -> list[tuple[str, str]]:
    """(wider, narrower) outcome ids whose denominators nest by declaration: the wider's population
    holds the narrower's, it requires no column the narrower does not, has no restriction or the
    same one, and needs no longer death follow-up."""
    pairs = []
    for wide in outcomes.values():
        for narrow in outcomes.values():
            if wide.id == narrow.id or (wide.denominator, narrow.denominator) not in CONTAINS:
                continue
            if not set(wide.requires) <= set(narrow.requires):
                continue
            if wide.restrict is not None and wide.restrict != narrow.restrict:
                continue
            if (wide.follow_up_days or 0) > (narrow.follow_up_days or 0):
                continue
            pairs.append((wide.id, narrow.id))
    return pairs


def linked_withheld(
    counts: pd.DataFrame,
    suppressed: np.ndarray,
    outcomes: Mapping[str, Outcome],
    rules: Mapping,
) -> np.ndarray:
    """Rows to withhold because two shown rows of the same area, breakdown and group, of outcomes
    with nested denominators (:func:`nested_pairs`), differ in their unrounded denominators by a
    count in the suppression range: the wider of the two (a wide outcome has many narrower ones). ``counts`` holds the unrounded
    ``events``/``denominator`` by area, outcome, dimension and group; ``suppressed`` the rows
    already withheld. Returns a boolean mask of the new rows only."""
    low, high = rules["suppress_min"], rules["suppress_max"]
    extra = np.zeros(len(counts), dtype=bool)
    pairs = nested_pairs(outcomes)
    if not pairs or counts.empty:
        return extra
    keys = ["area_code", "dimension", "group"]
    frame = counts[[*keys, "outcome"]].astype("string").fillna("")
    frame["_denominator"] = pd.to_numeric(counts["denominator"]).astype("float64").to_numpy()
    frame["_position"] = np.arange(len(counts))
    frame["_shown"] = ~np.asarray(suppressed, dtype=bool)
    wide = frame.pivot(index=keys, columns="outcome")
    present = set(frame["outcome"])
    for wider, narrower in pairs:
        if wider not in present or narrower not in present:
            continue
        difference = wide[("_denominator", wider)] - wide[("_denominator", narrower)]
        shown = wide[("_shown", wider)].eq(True) & wide[("_shown", narrower)].eq(True)
        leak = difference.between(low, high) & shown
        positions = wide.loc[leak, ("_position", wider)].dropna().astype(int)
        extra[positions.to_numpy()] = True
    return extra & ~np.asarray(suppressed, dtype=bool)
