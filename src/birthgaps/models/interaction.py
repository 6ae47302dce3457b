"""Likelihood-ratio test of an interaction (ethnic group x IMD quintile) in the adjusted model.

An :class:`~birthgaps.models.analysis.Analysis` and the pair of terms enter; the interaction fit
and one row in ``INTERACTION_COLUMNS`` per population and outcome leave."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2

from birthgaps.models.analysis import Analysis
from birthgaps.models.fitting import (
    MAX_ABS_LOG_OR,
    MAX_SE,
    Fit,
    fit_population,
    single_threaded_blas,
)
from birthgaps.models.notes import (
    NOTE_NO_INTERACTION,
    NOTE_NOT_CONVERGED,
    NOTE_SEPARATION,
    WITHHELD_MARKER,
    join_notes,
)
from birthgaps.models.options import DEFAULT_INTERACTION_TERMS, DEFAULT_P_THRESHOLD
from birthgaps.models.population import Population
from birthgaps.models.tables import INTERACTION_COLUMNS, typed


def interaction_fit(analysis: Analysis, pair: tuple[str, str]) -> tuple[Fit | None, dict[str, int]]:
    """Adjusted logistic model plus an interaction column per estimable combination (cached).

    Treatment coding: one column per combination of two non-reference levels. A combination
    with no births has none; one with fewer than ``min_events`` events or non-events has none
    (it shares the main effects). A sparse cell in the reference row or column, e.g.
    (reference quintile, Mixed), would otherwise pin that group's main effect on its own and
    diverge: the group's largest combination then loses its column (the two cells pool).
    Any interaction coefficient still beyond the separation bounds loses its column and the
    model is refitted. Counts: combinations, empty, sparse (present but no own column).
    """
    if pair in analysis.interactions:
        return analysis.interactions[pair]
    a, b = pair
    pop = analysis.population(analysis.terms)
    counts = {"combinations": 0, "sparse": 0, "empty": 0, "withheld": 0}
    fit = None
    if not pop.problem:
        fit, counts = _fit_interaction(analysis, pop, a, b)
    analysis.interactions[pair] = (fit, counts)
    return fit, counts


def _fit_interaction(
    analysis: Analysis, pop: Population, a: str, b: str
) -> tuple[Fit | None, dict[str, int]]:
    cells = pop.cells
    ref_a, ref_b = pop.refs[a], pop.refs[b]
    present_a, present_b = set(cells[a]), set(cells[b])
    levels_a = [
        lv
        for lv in analysis.levels[a]
        if lv != ref_a and lv not in pop.sparse[a] and lv in present_a
    ]
    levels_b = [
        lv
        for lv in analysis.levels[b]
        if lv != ref_b and lv not in pop.sparse[b] and lv in present_b
    ]
    totals = cells.groupby([a, b], sort=False)[["events", "denominator"]].sum()
    table = {
        key: (float(e), float(n))
        for key, e, n in zip(totals.index, totals["events"], totals["denominator"], strict=True)
    }

    def births(key: tuple[str, str]) -> float:
        return table.get(key, (0.0, 0.0))[1]

    hidden = {
        (la, lb)
        for la in [*levels_a, ref_a]
        for lb in analysis.cross_withheld(b, a, la)
        if lb in [*levels_b, ref_b]
    }

    def sparse(key: tuple[str, str]) -> bool:
        if key in hidden:  # decided without looking at a hidden count
            return True
        e, n = table.get(key, (0.0, 0.0))
        return n > 0 and (e < analysis.min_events or n - e < analysis.min_events)

    combos = [(la, lb) for la in levels_a for lb in levels_b]
    withheld = [key for key in combos if key in hidden]
    empty = [key for key in combos if key not in hidden and births(key) == 0]
    own = [key for key in combos if key not in hidden and births(key) > 0 and not sparse(key)]
    # A sparse reference-row/column cell pools with the largest cell of its level. When that
    # reference cell is withheld, the pooled cell counts as withheld too, not as sparse.
    for ref_key, position in [((ref_a, lb), 1) for lb in levels_b] + [
        ((la, ref_b), 0) for la in levels_a
    ]:
        group = [key for key in own if key[position] == ref_key[position]]
        if sparse(ref_key) and group:
            pooled = max(group, key=births)
            own.remove(pooled)
            if ref_key in hidden:
                withheld.append(pooled)

    def column(key: tuple[str, str]) -> np.ndarray:
        return ((cells[a] == key[0]) & (cells[b] == key[1])).to_numpy(dtype=float)

    extra = {f"{a}[T.{la}]:{b}[T.{lb}]": column((la, lb)) for la, lb in own}
    fit = fit_population(pop, "logit", extra)
    # Safety net: drop a diverging interaction column (largest SE first) and refit.
    while fit is not None and fit.extra and fit.params is not None and fit.cov is not None:
        idx = [fit.index(name) for name in fit.extra]
        beta = fit.params[idx]
        with np.errstate(invalid="ignore"):
            se = np.sqrt(np.diag(fit.cov)[idx])
        bad = ~np.isfinite(beta) | ~np.isfinite(se)
        bad |= (np.abs(beta) > MAX_ABS_LOG_OR) | (se > MAX_SE)
        if not bad.any():
            break
        worst = fit.extra[int(np.nanargmax(np.where(bad, np.nan_to_num(se, nan=np.inf), -1)))]
        del extra[worst]
        fit = fit_population(pop, "logit", extra)
    df = len(fit.extra) if fit is not None else 0
    counts = {
        "combinations": len(combos),
        "empty": len(empty),
        "withheld": len(withheld),
        "sparse": len(combos) - len(empty) - len(withheld) - df,
    }
    return fit, counts


def interaction_row(
    analysis: Analysis, pair: tuple[str, str], p_threshold: float
) -> dict[str, Any]:
    """Likelihood-ratio test of the ``pair`` interaction in the adjusted logistic model."""
    a, b = pair
    pop = analysis.population(analysis.terms)
    row: dict[str, Any] = {
        "outcome": analysis.outcome,
        "terms": f"{a} x {b}",
        "df": pd.NA,
        "lr_statistic": np.nan,
        "p_value": np.nan,
        "p_threshold": float(p_threshold),
        "significant": False,
        "n_combinations": 0,
        "n_sparse_combinations": pd.NA,
        "n_empty_combinations": pd.NA,
        "n_births": pop.n_births,
        "n_events": pop.n_events,
        "note": pop.problem,
    }
    if pop.problem:
        return row
    main = analysis.fit(pop, "logit")
    full, counts = interaction_fit(analysis, pair)
    row.update(
        n_combinations=counts["combinations"],
        n_sparse_combinations=counts["sparse"],
        n_empty_combinations=counts["empty"],
    )
    notes = []
    if counts["sparse"]:
        notes.append(
            f"{counts['sparse']} of {counts['combinations']} combinations share the main "
            f"effects (fewer than {analysis.min_events} events or non-events in them or in "
            "their reference cell)"
        )
    if counts["empty"]:
        notes.append(f"{counts['empty']} combinations have no births")
    if counts["withheld"]:
        notes.append(
            f"{WITHHELD_MARKER} {counts['withheld']} combinations share the main effects: "
            "withheld to protect confidentiality"
        )
    df = len(full.extra) if full is not None else 0
    row["df"] = df
    failed = (
        main is None
        or full is None
        or main.params is None
        or full.params is None
        or not (main.converged and full.converged)
    )
    if df == 0:
        notes.insert(0, NOTE_NO_INTERACTION)
    elif failed:
        notes.insert(0, NOTE_NOT_CONVERGED)
    elif not _interaction_estimable(full):
        notes.insert(0, NOTE_SEPARATION)
    else:
        lr = max(main.deviance - full.deviance, 0.0)
        p_value = float(chi2.sf(lr, df))
        row.update(lr_statistic=lr, p_value=p_value, significant=bool(p_value < p_threshold))
    row["note"] = join_notes(*notes)
    return row


@staticmethod
def _interaction_estimable(full: Fit) -> bool:
    """Interaction coefficients finite and within the separation bounds."""
    idx = [full.index(name) for name in full.extra]
    beta = full.params[idx] if full.params is not None else np.array([np.nan])
    se = np.sqrt(np.diag(full.cov)[idx]) if full.cov is not None else np.array([np.nan])
    return bool(
        np.all(np.isfinite(beta))
        and np.all(np.isfinite(se))
        and np.all(np.abs(beta) <= MAX_ABS_LOG_OR)
        and np.all(se <= MAX_SE)
    )


def interaction_test(
    cells: pd.DataFrame,
    outcome: str,
    exposures: list[str],
    adjust_for: list[str],
    reference: dict[str, str],
    min_events: int = 5,
    terms: Sequence[str] = DEFAULT_INTERACTION_TERMS,
    p_threshold: float = DEFAULT_P_THRESHOLD,
) -> pd.DataFrame:
    """Likelihood-ratio test of the ``terms`` interaction in the adjusted logistic model (one row).

    df = number of identifiable interaction parameters; combinations with too few events or
    non-events share the main effects, and the note counts them. Rows follow INTERACTION_COLUMNS.
    """
    analysis = Analysis(cells, outcome, exposures, adjust_for, reference, min_events)
    pair = analysis.check_pair(terms, "models.interaction.terms")
    with single_threaded_blas():
        row = interaction_row(analysis, pair, p_threshold)
    row["note"] = join_notes(row["note"], analysis.cc_note)
    return typed(pd.DataFrame([row]), INTERACTION_COLUMNS)
