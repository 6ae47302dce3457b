"""Stratified odds ratios: each term of the interaction pair within each level of the other.

An :class:`~birthgaps.models.analysis.Analysis` and the pair enter; rows in
``STRATIFIED_COLUMNS``, with the interaction p-value, leave."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from birthgaps.models.analysis import Analysis
from birthgaps.models.fitting import fit_population, single_threaded_blas
from birthgaps.models.frame import collapse
from birthgaps.models.interaction import interaction_row
from birthgaps.models.notes import NOTE_WITHHELD
from birthgaps.models.options import DEFAULT_INTERACTION_TERMS, DEFAULT_P_THRESHOLD
from birthgaps.models.population import prepare
from birthgaps.models.ratios import ratio_rows
from birthgaps.models.tables import STRATIFIED_COLUMNS, ratio_frame


def stratified_rows(
    analysis: Analysis, pair: tuple[str, str], p_threshold: float
) -> list[dict[str, Any]]:
    """ORs of each term of ``pair`` within each level of the other, adjusted for the rest.

    Order: the first term's ORs within each level of the second (e.g. deprivation within each
    ethnic group), then the second's within each level of the first.
    """
    a, b = pair
    interaction = interaction_row(analysis, pair, p_threshold)
    patterns = collapse(analysis.complete, analysis.terms)  # once: strata are subsets of it
    rows: list[dict[str, Any]] = []
    for term, stratum_term in ((a, b), (b, a)):
        terms = [t for t in analysis.terms if t != stratum_term]
        for stratum in analysis.levels[stratum_term]:
            data = patterns[patterns[stratum_term] == stratum]
            withheld = analysis.withheld_terms(terms)
            withheld[term] = analysis.cross_withheld(term, stratum_term, stratum)
            pop = prepare(
                data,
                terms,
                analysis.levels,
                analysis.reference,
                analysis.min_events,
                withheld,
                analysis.fallback,
            )
            hidden_stratum = stratum in analysis.withheld(stratum_term)
            if hidden_stratum:  # nothing of a withheld stratum is fitted or counted
                pop.problem, pop.n_births, pop.n_events = NOTE_WITHHELD, pd.NA, pd.NA
            fit = fit_population(pop, "logit")
            for row in ratio_rows(
                pop, fit, analysis.outcome, "stratified", analysis.levels, [term]
            ):
                row.update(
                    stratum_term=stratum_term,
                    stratum=stratum,
                    interaction_p_value=interaction["p_value"],
                    interaction_significant=interaction["significant"],
                )
                rows.append(row)
    return rows


def stratified_estimates(
    cells: pd.DataFrame,
    outcome: str,
    exposures: list[str],
    adjust_for: list[str],
    reference: dict[str, str],
    min_events: int = 5,
    terms: Sequence[str] = DEFAULT_INTERACTION_TERMS,
    p_threshold: float = DEFAULT_P_THRESHOLD,
) -> pd.DataFrame:
    """ORs of each of ``terms`` within each level of the other, with the interaction p-value.

    Each stratum's model keeps every other adjusted-model term and applies the sparse-level rule
    within the stratum. Rows follow STRATIFIED_COLUMNS.
    """
    analysis = Analysis(cells, outcome, exposures, adjust_for, reference, min_events)
    pair = analysis.check_pair(terms, "models.interaction.terms")
    with single_threaded_blas():
        rows = stratified_rows(analysis, pair, p_threshold)
    return ratio_frame(rows, "odds_ratio", STRATIFIED_COLUMNS)
