"""Fit summaries: log-likelihood, deviance, AIC (record-level equivalent) and c-statistic.

An :class:`~birthgaps.models.analysis.Analysis` enters; one row in ``FIT_COLUMNS`` per measure
and model (crude, adjusted, interaction) leaves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2

from birthgaps.models.analysis import Analysis
from birthgaps.models.fitting import (
    MEASURE_FAMILY,
    Fit,
    binomial_loglik,
    c_statistic,
    single_threaded_blas,
)
from birthgaps.models.interaction import interaction_fit
from birthgaps.models.notes import (
    NOTE_NOT_CONVERGED,
    NOTE_RISK_ABOVE_ONE,
    NOTE_SEPARATION,
    NOTE_WORKING_LIKELIHOOD,
    join_notes,
)
from birthgaps.models.options import DEFAULT_INTERACTION_TERMS
from birthgaps.models.population import Population
from birthgaps.models.tables import FIT_COLUMNS, typed


def fit_rows(analysis: Analysis, pair: tuple[str, str] | None) -> list[dict[str, Any]]:
    """Fit statistics of every crude and adjusted model (both measures) and the interaction."""
    rows: list[dict[str, Any]] = []
    for measure, family in MEASURE_FAMILY.items():
        for exposure in analysis.exposures:
            pop = analysis.population([exposure])
            rows.append(
                _fit_row(analysis, pop, analysis.fit(pop, family), measure, "crude", [exposure])
            )
        pop = analysis.population(analysis.terms)
        rows.append(
            _fit_row(analysis, pop, analysis.fit(pop, family), measure, "adjusted", analysis.terms)
        )
        if pair is not None and family == "logit":
            full, _ = interaction_fit(analysis, pair)
            label = [*analysis.terms, f"{pair[0]}:{pair[1]}"]
            rows.append(_fit_row(analysis, pop, full, measure, "interaction", label))
    return rows


def _fit_row(
    analysis: Analysis,
    pop: Population,
    fit: Fit | None,
    measure: str,
    model: str,
    terms: Sequence[str],
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "outcome": analysis.outcome,
        "measure": measure,
        "model": model,
        "terms": " + ".join(terms),
        "n_parameters": pd.NA,
        "log_likelihood": np.nan,
        "deviance": np.nan,
        "aic": np.nan,
        "pattern_deviance": np.nan,
        "n_patterns": pd.NA,
        "pattern_df": pd.NA,
        "pattern_p_value": np.nan,
        "c_statistic": np.nan,
        "n_births": pop.n_births,
        "n_events": pop.n_events,
        "note": pop.problem,
    }
    if pop.problem:
        return row
    if fit is None or fit.params is None or fit.risk is None:
        row["note"] = NOTE_SEPARATION
        return row
    k, n_patterns = len(fit.names), len(fit.events)
    row.update(
        n_parameters=k,
        n_patterns=n_patterns,
        c_statistic=c_statistic(fit.events, fit.denominator, fit.risk),
    )
    notes = []
    if fit.family == "logit":
        loglik = binomial_loglik(fit.events, fit.denominator, fit.risk)
        row.update(
            log_likelihood=loglik,
            deviance=-2 * loglik,
            aic=-2 * loglik + 2 * k,
            pattern_deviance=max(fit.deviance, 0.0),  # rounding error below 0 when saturated
            pattern_df=n_patterns - k,
        )
        if n_patterns > k:  # goodness of fit against the saturated pattern model
            row["pattern_p_value"] = float(chi2.sf(row["pattern_deviance"], n_patterns - k))
    else:
        notes.append(NOTE_WORKING_LIKELIHOOD)
        if np.any(fit.risk > 1):
            notes.append(NOTE_RISK_ABOVE_ONE)
    if not fit.converged:
        notes.insert(0, NOTE_NOT_CONVERGED)
    row["note"] = join_notes(*notes)
    return row


def fit_summaries(
    cells: pd.DataFrame,
    outcome: str,
    exposures: list[str],
    adjust_for: list[str],
    reference: dict[str, str],
    min_events: int = 5,
    interaction_terms: Sequence[str] | None = DEFAULT_INTERACTION_TERMS,
) -> pd.DataFrame:
    """Deviance, AIC (record-level equivalent) and c-statistic of each model of one population.

    One row per measure and model (crude per exposure, adjusted, and the interaction model for
    odds ratios when ``interaction_terms`` is given). Rows follow FIT_COLUMNS.
    """
    analysis = Analysis(cells, outcome, exposures, adjust_for, reference, min_events)
    pair = None
    if interaction_terms is not None:
        pair = analysis.check_pair(interaction_terms, "models.interaction.terms")
    with single_threaded_blas():
        rows = fit_rows(analysis, pair)
    return typed(pd.DataFrame(rows), FIT_COLUMNS)
