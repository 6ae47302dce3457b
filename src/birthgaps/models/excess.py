"""How much of each level's excess (log OR and log RR) the explaining terms account for.

An :class:`~birthgaps.models.analysis.Analysis` enters; rows in ``EXCESS_COLUMNS`` leave:
% attenuation on the log scale with a CI from the joint (stacked sandwich) covariance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from birthgaps.models.analysis import Analysis
from birthgaps.models.fitting import (
    MEASURE_FAMILY,
    Z95,
    Fit,
    fitted_risk,
    information,
    score_cross,
    single_threaded_blas,
)
from birthgaps.models.frame import design
from birthgaps.models.notes import NOTE_BASE_BELOW_ONE, NOTE_BASE_NEAR_ONE, join_notes
from birthgaps.models.options import DEFAULT_EXCESS_EXPOSURE, DEFAULT_EXPLAINED_BY, check_excess
from birthgaps.models.population import Population
from birthgaps.models.ratios import ratio_rows
from birthgaps.models.tables import EXCESS_COLUMNS, typed


def excess_rows(
    analysis: Analysis, exposure: str, explained_by: Sequence[str]
) -> list[dict[str, Any]]:
    """Change in each level's log ratio when ``explained_by`` joins the model (both measures).

    Base model: every adjusted-model term except ``explained_by``, fitted to the same births
    as the adjusted model. pct_explained = 100 (b_base - b_adj) / b_base; its CI uses the
    joint (stacked sandwich) covariance of b_base and b_adj, computed exactly from the cells.
    """
    base_terms = [t for t in analysis.terms if t not in explained_by]
    pop = analysis.population(analysis.terms)
    base_pop = analysis.base_population(base_terms)
    rows: list[dict[str, Any]] = []
    for measure, family in MEASURE_FAMILY.items():
        fit_a, fit_b = analysis.fit(pop, family), analysis.fit(base_pop, family)
        adjusted = ratio_rows(pop, fit_a, analysis.outcome, "adjusted", analysis.levels, [exposure])
        base = ratio_rows(base_pop, fit_b, analysis.outcome, "base", analysis.levels, [exposure])
        joint = _joint_covariance(pop, base_terms, fit_b, fit_a)
        for row_b, row_a in zip(base, adjusted, strict=True):
            rows.append(
                _excess_row(
                    analysis, measure, exposure, explained_by, base_terms, row_b, row_a, joint
                )
            )
    return rows


def _joint_covariance(
    pop: Population, base_terms: Sequence[str], fit_b: Fit | None, fit_a: Fit | None
) -> dict[str, Any] | None:
    """Sandwich blocks V_bb, V_aa, V_ba of the stacked base and adjusted estimating equations."""
    if fit_a is None or fit_b is None or fit_a.params is None or fit_b.params is None:
        return None
    _, exog_b, _ = design(pop.cells, base_terms, pop.refs)
    if any(name not in exog_b.columns for name in fit_b.names):
        return None
    x_b = exog_b[fit_b.names].to_numpy(dtype=float)
    x_a = fit_a.x
    e, n = fit_a.events, fit_a.denominator
    r_b = fitted_risk(x_b, fit_b.params, fit_b.family)
    r_a = fit_a.risk
    with np.errstate(all="ignore"):
        try:
            inv_b = np.linalg.inv(information(x_b, n, r_b, fit_b.family))
            inv_a = np.linalg.inv(information(x_a, n, r_a, fit_a.family))
        except np.linalg.LinAlgError:
            return None
        v_bb = inv_b @ score_cross(x_b, x_b, e, n, r_b, r_b) @ inv_b
        v_aa = inv_a @ score_cross(x_a, x_a, e, n, r_a, r_a) @ inv_a
        v_ba = inv_b @ score_cross(x_b, x_a, e, n, r_b, r_a) @ inv_a
    return {"b": fit_b.names, "a": fit_a.names, "bb": v_bb, "aa": v_aa, "ba": v_ba}


def _excess_row(
    analysis: Analysis,
    measure: str,
    exposure: str,
    explained_by: Sequence[str],
    base_terms: Sequence[str],
    row_b: dict[str, Any],
    row_a: dict[str, Any],
    joint: dict[str, Any] | None,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "outcome": analysis.outcome,
        "measure": measure,
        "term": exposure,
        "level": row_a["level"],
        "reference": row_a["reference"],
        "explained_by": " + ".join(explained_by),
        "base_terms": " + ".join(base_terms),
        "base_ratio": row_b["ratio"],
        "base_lower_95": row_b["lower_95"],
        "base_upper_95": row_b["upper_95"],
        "adjusted_ratio": row_a["ratio"],
        "adjusted_lower_95": row_a["lower_95"],
        "adjusted_upper_95": row_a["upper_95"],
        "n_births": row_a["n_births"],
        "n_events": row_a["n_events"],
        "note": row_a["note"] or row_b["note"],
    }
    name = f"{exposure}[T.{row_a['level']}]"
    beta_b, beta_a, se_b = row_b["log_ratio"], row_a["log_ratio"], row_b["se"]
    if not (np.isfinite(beta_b) and np.isfinite(beta_a)) or joint is None:
        return row
    i, j = joint["b"].index(name), joint["a"].index(name)
    v_bb, v_aa, v_ba = joint["bb"][i, i], joint["aa"][j, j], joint["ba"][i, j]
    change = beta_b - beta_a
    se_change = float(np.sqrt(max(v_bb + v_aa - 2 * v_ba, 0.0)))
    row.update(
        log_ratio_change=change,
        change_lower_95=change - Z95 * se_change,
        change_upper_95=change + Z95 * se_change,
    )
    notes = [row["note"]]
    if abs(beta_b) < Z95 * se_b:
        notes.append(NOTE_BASE_NEAR_ONE)
    else:
        pct = 100 * change / beta_b
        grad_b, grad_a = 100 * beta_a / beta_b**2, -100 / beta_b
        var = grad_b**2 * v_bb + grad_a**2 * v_aa + 2 * grad_b * grad_a * v_ba
        se_pct = float(np.sqrt(max(var, 0.0)))
        row.update(
            pct_explained=pct,
            pct_lower_95=pct - Z95 * se_pct,
            pct_upper_95=pct + Z95 * se_pct,
        )
        if beta_b < 0:
            notes.append(NOTE_BASE_BELOW_ONE)
    row["note"] = join_notes(*notes)
    return row


def excess_explained(
    cells: pd.DataFrame,
    outcome: str,
    exposures: list[str],
    adjust_for: list[str],
    reference: dict[str, str],
    min_events: int = 5,
    exposure: str = DEFAULT_EXCESS_EXPOSURE,
    explained_by: Sequence[str] = DEFAULT_EXPLAINED_BY,
) -> pd.DataFrame:
    """Percentage of each level's excess (log OR and log RR) explained by ``explained_by``.

    Base model = the adjusted model without ``explained_by``, on the same births.
    pct_explained = 100 (b_base - b_adj) / b_base (log scale); not given when the base CI
    includes 1. Rows follow EXCESS_COLUMNS.
    """
    analysis = Analysis(cells, outcome, exposures, adjust_for, reference, min_events)
    check_excess(analysis.terms, exposure, explained_by, explicit=True)
    with single_threaded_blas():
        rows = excess_rows(analysis, exposure, list(explained_by))
    return typed(pd.DataFrame(rows), EXCESS_COLUMNS)
