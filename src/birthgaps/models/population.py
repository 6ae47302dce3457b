"""A model's population: complete-case cells after the sparse-level rule, with its references.

Cells, levels and the configured references enter :func:`prepare`; a :class:`Population` leaves
(what the fits and the table rows read), with the fallback reference and its note when needed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from birthgaps.models.frame import collapse, is_positional, order_levels, pick_reference
from birthgaps.models.notes import NOTE_TOO_FEW, NOTE_TOO_FEW_REFERENCE, NOTE_WITHHELD
from birthgaps.models.options import DEFAULT_REFERENCE_FALLBACK

#: Terms whose levels have an order, so that "nearest" means the adjacent level.
_ORDERED_TERMS = frozenset({"imd_quintile", "age_band", "year"})


def _sparse_levels(
    data: pd.DataFrame, terms: Sequence[str], min_events: int
) -> tuple[pd.DataFrame, dict[str, set[str]]]:
    """Drop cells of levels with fewer than ``min_events`` events or non-events, until none left.

    Dropping a level of one term can thin out a level of another, so this repeats to a fixed point.
    """
    sparse: dict[str, set[str]] = {t: set() for t in terms}
    values = {t: data[t].to_numpy(dtype=str) for t in terms}
    events = data["events"].to_numpy(dtype=float)
    births = data["denominator"].to_numpy(dtype=float)
    keep = np.ones(len(data), dtype=bool)
    changed = True
    while changed:
        changed = False
        for term in terms:
            levels, inverse = np.unique(values[term][keep], return_inverse=True)
            e = np.bincount(inverse, weights=events[keep], minlength=len(levels))
            n = np.bincount(inverse, weights=births[keep], minlength=len(levels))
            bad = levels[(e < min_events) | (n - e < min_events)]
            if len(bad):
                sparse[term].update(str(b) for b in bad)
                keep &= ~np.isin(values[term], bad)
                changed = True
    return data[keep], sparse


@dataclass
class Population:
    """Complete-case cells of one model collapsed over its terms, after the sparse-level rule."""

    cells: pd.DataFrame
    terms: tuple[str, ...]
    sparse: dict[str, set[str]]
    refs: dict[str, str]
    problem: str
    n_births: Any  # int; <NA> when the population is withheld
    n_events: Any  # int; <NA> when the population is withheld
    #: levels left out because their row of the published rates table is withheld
    withheld: dict[str, set[str]] = field(default_factory=dict)
    #: term -> note of a configured reference replaced by the fallback (the rows keep estimates)
    moved: dict[str, str] = field(default_factory=dict)
    #: term -> note of a term whose unusable reference blanks its own rows (fallback ``none``)
    blanked: dict[str, tuple[str, str]] = field(default_factory=dict)


def prepare(
    data: pd.DataFrame,
    terms: Sequence[str],
    levels: dict[str, list[str]],
    reference: dict[str, Any],
    min_events: int,
    withheld: dict[str, set[str]] | None = None,
    fallback: str = DEFAULT_REFERENCE_FALLBACK,
) -> Population:
    """Collapse over ``terms``, apply the sparse-level rule and resolve the reference levels.

    Levels in ``withheld`` (their rates row is withheld) are left out first, whatever their
    counts, so that no decision here depends on a hidden count. A configured reference that is
    sparse, absent or withheld is replaced by :func:`fallback_reference` (``fallback``).
    """
    withheld = {t: set((withheld or {}).get(t, set())) for t in terms}
    collapsed = collapse(data, terms)
    collapsed = collapsed[collapsed["denominator"] > 0]
    for term in terms:
        if withheld[term]:
            collapsed = collapsed[~collapsed[term].isin(withheld[term])]
    fitted, sparse = _sparse_levels(collapsed, terms, min_events)
    n_births = int(fitted["denominator"].sum())
    n_events = int(fitted["events"].sum())

    # Reference levels: configured, or the first/last level that survives the sparse-level filter;
    # a configured level that did not survive is replaced by the fallback (the other terms never
    # lose their estimates because of this term's reference).
    refs: dict[str, str] = {}
    moved: dict[str, str] = {}
    blanked: dict[str, tuple[str, str]] = {}
    ref_problem = False
    births = {t: fitted.groupby(t)["denominator"].sum().to_dict() for t in terms}
    for term in terms:
        kept = [lv for lv in levels[term] if lv not in sparse[term] | withheld[term]]
        kept_present = [lv for lv in order_levels(term, fitted[term].unique()) if lv in kept]
        ref = reference.get(term, "first")
        if is_positional(ref):
            first = levels[term][0] if levels[term] else ""
            refs[term] = pick_reference(ref, kept_present) if kept_present else first
            ref_problem |= not kept_present
            continue
        refs[term] = str(ref)
        if refs[term] in kept_present:
            continue
        if not kept_present:
            ref_problem = True
            continue
        hidden = refs[term] in withheld[term]
        refs[term] = fallback_reference(term, str(ref), kept_present, levels[term], births[term])
        if fallback == "none":
            note = NOTE_WITHHELD if hidden else f"{NOTE_TOO_FEW_REFERENCE} ({term} {ref})"
            blanked[term] = (str(ref), note)
        else:
            moved[term] = reference_note(term, str(ref), refs[term], hidden, min_events)

    too_few_overall = (n_events < min_events) or (n_births - n_events < min_events)
    problem = NOTE_TOO_FEW_REFERENCE if ref_problem else ""
    if too_few_overall:
        problem = NOTE_TOO_FEW
    return Population(
        fitted,
        tuple(terms),
        sparse,
        refs,
        problem,
        n_births,
        n_events,
        withheld=withheld,
        moved=moved,
        blanked=blanked,
    )


def fallback_reference(
    term: str,
    configured: str,
    usable: Sequence[str],
    levels: Sequence[str],
    births: dict[str, Any],
) -> str:
    """The level used instead of an unusable configured reference (docs/models.md).

    Ordered terms (IMD quintile, age band, year): the usable level nearest to ``configured`` in
    ``levels`` (a tie goes to the level with more births), so quintile 5 falls back to 4. Ethnic
    group, which has no order: the usable level with most births.
    """
    order = list(levels)

    def size(level: str) -> float:
        return float(births.get(level, 0))

    if term in _ORDERED_TERMS and configured in order:
        at = order.index(configured)
        return min(
            usable,
            key=lambda lv: (abs(order.index(lv) - at) if lv in order else len(order), -size(lv)),
        )
    return max(usable, key=lambda lv: (size(lv), -usable.index(lv)))


def reference_note(term: str, configured: str, used: str, hidden: bool, min_events: int) -> str:
    """Note of the rows of ``term`` whose configured reference was replaced by ``used``.

    Names the term and says why; a withheld reference is never called sparse (that would tell
    a reader that its hidden count is small)."""
    why = (
        f"the published row for {configured} is withheld"
        if hidden
        else f"{configured} has fewer than {min_events} events or non-events"
    )
    return f"{term} reference {used}, not {configured}: {why}"


def derive(population: Population, terms: Sequence[str]) -> Population:
    """The same births as ``population`` collapsed over fewer ``terms`` (no new sparse rule)."""
    cells = collapse(population.cells, terms)
    return Population(
        cells=cells[cells["denominator"] > 0],
        terms=tuple(terms),
        sparse={t: population.sparse[t] for t in terms},
        refs={t: population.refs[t] for t in terms},
        problem=population.problem,
        n_births=population.n_births,
        n_events=population.n_events,
        withheld={t: population.withheld.get(t, set()) for t in terms},
        moved={t: n for t, n in population.moved.items() if t in terms},
        blanked={t: n for t, n in population.blanked.items() if t in terms},
    )
