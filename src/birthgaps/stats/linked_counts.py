"""Disclosure control across rows that share births without forming an additive set: outcomes whose
denominators nest (total births less live births are the stillbirths) and overlapping rolling periods,
so that no withheld count comes back by subtraction.

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


def _years_of(label: str) -> tuple[int, ...]:
    """The years of a ``year`` group: "2019" or "2019-2021"."""
    first, _, last = str(label).partition("-")
    return tuple(range(int(first), int(last or first) + 1))


def _in_span(rows: np.ndarray, vector: np.ndarray) -> bool:
    """Whether ``vector`` is a linear combination of ``rows`` (so its counts follow from theirs)."""
    if len(rows) == 0:
        return False
    rank = np.linalg.matrix_rank(rows)
    return bool(np.linalg.matrix_rank(np.vstack([rows, vector])) == rank)


def rolling_withheld(
    counts: pd.DataFrame, suppressed: np.ndarray, outcomes: Mapping[str, Outcome]
) -> np.ndarray:
    """Rows to withhold so that no withheld row of an outcome pooled over rolling periods follows
    from the shown ones: rolling periods overlap, so they are not an additive set, but some
    combinations are (2019-2021 and 2022-2024 sum to the whole of 2019-2024). Within each area and
    pooled outcome, while a withheld period (or the overall row) is a linear combination of the
    shown periods and the overall row, the shown period with the smallest denominator is withheld
    too. Returns a boolean mask of the new rows only."""
    hidden = np.asarray(suppressed, dtype=bool).copy()
    pooled = [o.id for o in outcomes.values() if o.pool_years > 1]
    frame = counts.reset_index(drop=True)
    dimension = frame["dimension"].astype(str)
    scope = frame["outcome"].astype(str).isin(pooled) & dimension.isin(["overall", "year"])
    size = pd.to_numeric(frame["denominator"]).astype("float64").fillna(np.inf).to_numpy()
    groups = frame[scope].groupby([frame["area_code"].astype(str), frame["outcome"].astype(str)])
    for _, part in groups:
        periods = part.index[dimension[part.index] == "year"].to_numpy()
        overall = part.index[dimension[part.index] == "overall"].to_numpy()
        if len(periods) == 0:
            continue
        covered = sorted({y for i in periods for y in _years_of(frame.at[i, "group"])})
        axis = {year: k for k, year in enumerate(covered)}
        vectors = {}
        for i in periods:
            vector = np.zeros(len(covered))
            vector[[axis[y] for y in _years_of(frame.at[i, "group"])]] = 1.0
            vectors[int(i)] = vector
        for i in overall:  # the release's years (taken as those the periods cover: a year no
            # period covers would only make fewer combinations possible, so this errs on the safe side)
            vectors[int(i)] = np.ones(len(covered))
        while True:
            shown = [i for i in vectors if not hidden[i]]
            matrix = np.array([vectors[i] for i in shown]).reshape(len(shown), len(covered))
            exposed = [i for i in vectors if hidden[i] and _in_span(matrix, vectors[i])]
            if not exposed:
                break
            candidates = [i for i in shown if i in set(periods.tolist())] or shown
            hidden[min(candidates, key=lambda i: (size[i], i))] = True
    return hidden & ~np.asarray(suppressed, dtype=bool)
