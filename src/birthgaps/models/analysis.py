"""One outcome in one population: complete cases, level lists, and cached populations and fits.

Cells, the model terms and the published rates rows enter :class:`Analysis`; the table builders
(ratios, interaction, stratified, excess, summaries) read its populations and fits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from birthgaps.core.errors import InputError
from birthgaps.models.fitting import Family, Fit, fit_population
from birthgaps.models.frame import (
    LEVEL_ORDER,
    MISSING_LEVELS,
    check_cells,
    check_references,
    order_levels,
)
from birthgaps.models.notes import join_notes, unstated_words
from birthgaps.models.options import DEFAULT_REFERENCE_FALLBACK
from birthgaps.models.population import Population, derive, prepare
from birthgaps.models.published import Published


def _complete_case_note(
    data: pd.DataFrame, terms: Sequence[str], total_births: int, left_out: int
) -> str:
    """Say how many births the complete-case rule left out, and why (a birth may count twice)."""
    share = f" ({left_out / total_births:.1%})" if total_births else ""
    note = f"complete cases: {left_out:,} of {total_births:,} births{share} left out"
    reasons = []
    for term in terms:
        for value in sorted(MISSING_LEVELS):
            n = int(data.loc[data[term] == value, "denominator"].sum())
            if n:
                reasons.append(f"{term} {value} {n:,}")
    return f"{note} ({', '.join(reasons)})" if reasons else note


class Analysis:
    """One outcome in one population: complete cases, level lists and cached fits for all tables."""

    def __init__(
        self,
        cells: pd.DataFrame,
        outcome: str,
        exposures: Sequence[str],
        adjust_for: Sequence[str],
        reference: dict[str, Any],
        min_events: int,
        published: Published | None = None,
        fallback: str = DEFAULT_REFERENCE_FALLBACK,
    ) -> None:
        self.outcome = outcome
        #: the published rates rows of this population and outcome (None: no rates table given)
        self.published = published
        self.fallback = fallback
        terms = list(dict.fromkeys([*exposures, *adjust_for]))
        self.reference = dict(reference)
        self.min_events = int(min_events)
        check_cells(cells, [*terms, "outcome"])
        data = cells.loc[cells["outcome"] == outcome, [*terms, "events", "denominator"]].copy()
        for term in terms:
            data[term] = data[term].astype(str)
        #: terms recorded for no birth at all (every value Unknown / Not stated): left out of every
        #: model, so that complete cases do not leave out every birth (docs/models.md)
        self.unstated = [t for t in terms if len(data) and data[t].isin(MISSING_LEVELS).all()]
        self.exposures = [t for t in dict.fromkeys(exposures) if t not in self.unstated]
        self.terms = [t for t in terms if t not in self.unstated]
        #: table key -> why this analysis gives that table no rows (an empty table by design)
        self.empty_reasons: dict[str, str] = {}

        missing = np.zeros(len(data), dtype=bool)
        for term in self.terms:
            missing |= data[term].isin(MISSING_LEVELS).to_numpy()
        total_births = int(data["denominator"].sum())
        left_out = int(data.loc[missing, "denominator"].sum())
        self.total_births, self.left_out = total_births, left_out
        self.complete = data.loc[~missing]
        self.cc_note = _complete_case_note(data, self.terms, total_births, left_out)

        # Levels to report: canonical lists for known terms, otherwise the levels in the cells.
        self.levels: dict[str, list[str]] = {}
        for term in self.terms:
            present = order_levels(term, data[term].unique())
            canonical = LEVEL_ORDER.get(term)
            if canonical is None:
                known = [lv for lv in present if lv not in MISSING_LEVELS]
            else:
                known = canonical + [lv for lv in present if lv not in canonical]
                known = [lv for lv in known if lv not in MISSING_LEVELS]
            self.levels[term] = known
        check_references(self.reference, self.levels)
        self._populations: dict[Any, Population] = {}
        self._fits: dict[Any, Fit | None] = {}
        #: pair -> interaction fit and counts (the cache of interaction.interaction_fit)
        self.interactions: dict[tuple[str, str], tuple[Fit | None, dict[str, int]]] = {}

    # -- shared pieces -------------------------------------------------------------------------

    def withheld(self, term: str) -> set[str]:
        """Levels of ``term`` whose row of the published rates table is withheld."""
        if self.published is None:
            return set()
        return {g for (d, g), row in self.published.items() if d == term and row.withheld}

    def cross_withheld(self, term: str, other: str, other_level: str) -> set[str]:
        """Levels of ``term`` whose rates row crossed with ``other_level`` of ``other`` is withheld.

        The cross breakdown is ``<a>_by_<b>`` with groups ``<level of a> | <level of b>``, in
        either order of the two terms. Levels of ``term`` withheld on their own count too.
        """
        out = self.withheld(term)
        if self.published is None:
            return out
        for level in self.levels.get(term, []):
            for key in (
                (f"{term}_by_{other}", f"{level} | {other_level}"),
                (f"{other}_by_{term}", f"{other_level} | {level}"),
            ):
                row = self.published.get(key)
                if row is not None and row.withheld:
                    out.add(level)
        return out

    def withheld_terms(self, terms: Sequence[str]) -> dict[str, set[str]]:
        """Term -> its levels whose rates row is withheld, for each of ``terms``."""
        return {t: self.withheld(t) for t in terms}

    def population(self, terms: Sequence[str]) -> Population:
        """Complete cases of a model with ``terms`` after its own sparse-level rule (cached)."""
        key = ("own", tuple(terms))
        if key not in self._populations:
            self._populations[key] = prepare(
                self.complete,
                terms,
                self.levels,
                self.reference,
                self.min_events,
                self.withheld_terms(terms),
                self.fallback,
            )
        return self._populations[key]

    def base_population(self, base_terms: Sequence[str]) -> Population:
        """The adjusted model's births collapsed over ``base_terms`` (same births, fewer terms)."""
        key = ("derived", tuple(base_terms))
        if key not in self._populations:
            self._populations[key] = derive(self.population(self.terms), base_terms)
        return self._populations[key]

    def fit(self, population: Population, family: Family) -> Fit | None:
        """Fitted model of ``family`` on ``population`` (cached by population identity)."""
        key = (id(population), family)
        if key not in self._fits:
            self._fits[key] = fit_population(population, family)
        return self._fits[key]

    def with_cc_note(self, table: pd.DataFrame) -> pd.DataFrame:
        """Add the unstated-terms and complete-case notes to the first row of ``table``."""
        if len(table):
            table.at[0, "note"] = join_notes(
                table.at[0, "note"], self.unstated_note(), self.cc_note
            )
        return table

    def unstated_note(self) -> str:
        """Which terms the models leave out because no birth has them stated ('' if none)."""
        return "; ".join(f"{t} left out of the models: {unstated_words(t)}" for t in self.unstated)

    def check_pair(self, pair: Sequence[str], key: str) -> tuple[str, str]:
        """``pair`` as two different terms of the adjusted model, or an InputError at ``key``."""
        if len(pair) != 2 or pair[0] == pair[1] or any(t not in self.terms for t in pair):
            raise InputError(
                f"the interaction needs two different terms of the adjusted model, got {list(pair)}",
                key=key,
                hint=f"choose two of {self.terms}",
            )
        return str(pair[0]), str(pair[1])
