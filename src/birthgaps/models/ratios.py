"""Crude and mutually adjusted odds ratios and risk ratios: the rows of the two ratio tables.

An :class:`~birthgaps.models.analysis.Analysis` (or cells for one population) enters; rows in
``MODEL_COLUMNS`` / ``RISK_RATIO_COLUMNS`` leave. With the published rates table the crude rows
come from its protected counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from birthgaps.models.analysis import Analysis
from birthgaps.models.fitting import (
    MAX_ABS_LOG_OR,
    MAX_SE,
    MEASURE_FAMILY,
    Z95,
    Fit,
    single_threaded_blas,
)
from birthgaps.models.frame import is_positional, pick_reference
from birthgaps.models.notes import (
    NOTE_COLLINEAR,
    NOTE_CRUDE_FROM_RATES,
    NOTE_NOT_CONVERGED,
    NOTE_RISK_ABOVE_ONE,
    NOTE_SEPARATION,
    NOTE_TOO_FEW,
    NOTE_TOO_FEW_REFERENCE,
    NOTE_WITHHELD,
    join_notes,
)
from birthgaps.models.population import Population, fallback_reference, reference_note
from birthgaps.models.published import PublishedRow
from birthgaps.models.tables import TABLE_COLUMNS, ratio_frame
from birthgaps.stats.measures import odds_ratio as woolf_odds_ratio
from birthgaps.stats.measures import rate_ratio


def _blank_row(
    outcome: str, model: str, term: str, level: str, reference: str, n: int, e: int, note: str
) -> dict[str, Any]:
    return {
        "outcome": outcome,
        "model": model,
        "term": term,
        "level": level,
        "reference": reference,
        "ratio": np.nan,
        "lower_95": np.nan,
        "upper_95": np.nan,
        "log_ratio": np.nan,
        "se": np.nan,
        "p_value": np.nan,
        "n_births": n,
        "n_events": e,
        "note": note,
    }


def ratio_rows(
    population: Population,
    fit: Fit | None,
    outcome: str,
    model: str,
    levels: dict[str, list[str]],
    report: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Rows of one model: every non-reference level of every reported term, estimated or noted.

    Keys are generic (``ratio``, ``log_ratio``); :func:`ratio_frame` names them for the measure.
    """
    refs = population.refs

    def blank(term: str, level: str, note: str) -> dict[str, Any]:
        return _blank_row(
            outcome, model, term, level, refs[term], population.n_births, population.n_events, note
        )

    terms = list(report) if report is not None else list(population.terms)
    if population.problem:
        return [
            blank(t, lv, population.problem) for t in terms for lv in levels[t] if lv != refs[t]
        ]

    risk_note = ""
    poisson = fit is not None and fit.family == "poisson" and fit.risk is not None
    if poisson and np.any(fit.risk[fit.denominator > 0] > 1):
        risk_note = NOTE_RISK_ABOVE_ONE

    rows: list[dict[str, Any]] = []
    for term in terms:
        if term in population.blanked:  # this term's reference is unusable (fallback "none")
            configured, note = population.blanked[term]
            for level in levels[term]:
                if level != configured:
                    row = blank(term, level, note)
                    row["reference"] = configured
                    rows.append(row)
            continue
        moved = population.moved.get(term, "")
        for level in levels[term]:
            if level == refs[term]:
                continue
            name = f"{term}[T.{level}]"
            if level in population.withheld.get(term, ()):
                rows.append(blank(term, level, NOTE_WITHHELD))
                continue
            if fit is not None and name in fit.dependent:
                rows.append(blank(term, level, NOTE_COLLINEAR))
                continue
            if level in population.sparse[term] or fit is None or name not in fit.names:
                # sparse, or absent from this population altogether
                rows.append(blank(term, level, NOTE_TOO_FEW))
                continue
            if fit.params is None or fit.cov is None:
                rows.append(blank(term, level, NOTE_SEPARATION))
                continue
            j = fit.index(name)
            beta = float(fit.params[j])
            variance = float(fit.cov[j, j])
            se = float(np.sqrt(variance)) if variance >= 0 else float("nan")
            finite = bool(np.isfinite(beta) and np.isfinite(se))
            if not finite or abs(beta) > MAX_ABS_LOG_OR or se > MAX_SE:
                rows.append(blank(term, level, NOTE_SEPARATION))
                continue
            if not fit.converged:
                rows.append(blank(term, level, NOTE_NOT_CONVERGED))
                continue
            row = blank(term, level, join_notes(moved, risk_note))
            row.update(
                ratio=float(np.exp(beta)),
                lower_95=float(np.exp(beta - Z95 * se)),
                upper_95=float(np.exp(beta + Z95 * se)),
                log_ratio=beta,
                se=se,
                p_value=float(2 * norm.sf(abs(beta / se))) if se > 0 else float("nan"),
            )
            rows.append(row)
    return rows


def ratio_table(analysis: Analysis, measure: str) -> pd.DataFrame:
    """Crude (one per exposure) and mutually adjusted ratios for ``measure``.

    With the published rates table the crude ratios come from its protected counts
    (:func:`crude_rows`); without it they are fitted to the complete-case cells.
    """
    family = MEASURE_FAMILY[measure]
    rows: list[dict[str, Any]] = []
    for exposure in analysis.exposures:
        if analysis.published is not None:
            rows += crude_rows(analysis, exposure, measure)
            continue
        pop = analysis.population([exposure])
        rows += ratio_rows(
            pop, analysis.fit(pop, family), analysis.outcome, "crude", analysis.levels
        )
    pop = analysis.population(analysis.terms)
    rows += ratio_rows(
        pop, analysis.fit(pop, family), analysis.outcome, "adjusted", analysis.levels
    )
    columns = TABLE_COLUMNS["odds_ratios" if measure == "odds_ratio" else "risk_ratios"]
    return analysis.with_cc_note(ratio_frame(rows, measure, columns))


def crude_rows(analysis: Analysis, term: str, measure: str) -> list[dict[str, Any]]:
    """Crude ratios of ``term`` from the published rates table (a saturated one-factor model).

    For each level against the reference: the rounded events and births of the two rows of
    the published rates table (births with the level stated, whatever the other terms), the
    Woolf odds ratio or Katz risk ratio with a Wald interval (``birthgaps.stats.measures``). These are
    exactly a one-factor binomial GLM or modified Poisson fit to those counts. A withheld
    level or reference gives a withheld row; a published level or reference with fewer than
    ``min_events`` events or non-events gives "too few events", as the fitted models do.
    """
    assert analysis.published is not None
    levels = analysis.levels[term]

    def row_of(level: str) -> PublishedRow | None:
        return analysis.published.get((term, level))

    def usable(level: str) -> bool:
        row = row_of(level)
        if row is None or row.withheld:
            return False
        return row.events >= analysis.min_events and (
            row.denominator - row.events >= analysis.min_events
        )

    ref = analysis.reference.get(term, "first")
    candidates = [lv for lv in levels if usable(lv)]
    moved = ""
    if is_positional(ref):
        reference = pick_reference(ref, candidates) if candidates else levels[0]
    else:
        reference = str(ref)
    ref_row = row_of(reference)
    hidden = ref_row is not None and ref_row.withheld
    if not usable(reference) and candidates and not is_positional(ref):
        births = {lv: row_of(lv).denominator for lv in candidates}
        used = fallback_reference(term, reference, candidates, levels, births)
        if analysis.fallback == "nearest":
            moved = reference_note(term, reference, used, hidden, analysis.min_events)
            reference, ref_row, hidden = used, row_of(used), False
    if hidden:
        problem = NOTE_WITHHELD
    elif not usable(reference):
        problem = f"{NOTE_TOO_FEW_REFERENCE} ({term} {reference})"
    else:
        problem = ""

    rows: list[dict[str, Any]] = []
    for level in levels:
        if level == reference:
            continue
        row = row_of(level)
        withheld = problem == NOTE_WITHHELD or (row is not None and row.withheld)
        if withheld:
            n = e = pd.NA
        else:
            n = (row.denominator if row else 0) + (ref_row.denominator if ref_row else 0)
            e = (row.events if row else 0) + (ref_row.events if ref_row else 0)
        out = _blank_row(analysis.outcome, "crude", term, level, reference, n, e, "")
        if withheld:
            note = NOTE_WITHHELD
        elif problem:
            note = problem
        elif not usable(level):
            note = NOTE_TOO_FEW
        else:
            args = (row.events, row.denominator, ref_row.events, ref_row.denominator)
            if measure == "odds_ratio":
                est = woolf_odds_ratio(*args).iloc[0]
            else:
                est = rate_ratio(*args, kind="risk").iloc[0]
            beta, se = float(est["log_ratio"]), float(est["se"])
            if not (np.isfinite(beta) and np.isfinite(se)) or abs(beta) > MAX_ABS_LOG_OR:
                note = NOTE_SEPARATION
            else:
                note = ""
                out.update(
                    ratio=float(est["ratio"]),
                    lower_95=float(est["lower_95"]),
                    upper_95=float(est["upper_95"]),
                    log_ratio=beta,
                    se=se,
                    p_value=float(est["p_value"]),
                )
        out["note"] = join_notes(note, moved if not note else "", NOTE_CRUDE_FROM_RATES)
        rows.append(out)
    return rows


def fit_models(
    cells: pd.DataFrame,
    outcome: str,
    exposures: list[str],
    adjust_for: list[str],
    reference: dict[str, str],
    min_events: int = 5,
) -> pd.DataFrame:
    """Crude (one per exposure) and mutually adjusted odds ratios for one outcome and population.

    Complete cases only (Unknown / Not stated covariates left out; the first row's note says how
    many births); levels with fewer than ``min_events`` events or non-events are reported with
    ``note = "too few events"`` and no odds ratio. Rows follow ``MODEL_COLUMNS``.
    """
    analysis = Analysis(cells, outcome, exposures, adjust_for, reference, min_events)
    with single_threaded_blas():
        return ratio_table(analysis, "odds_ratio")


def fit_risk_ratios(
    cells: pd.DataFrame,
    outcome: str,
    exposures: list[str],
    adjust_for: list[str],
    reference: dict[str, str],
    min_events: int = 5,
) -> pd.DataFrame:
    """Crude and adjusted risk ratios by modified Poisson (robust HC0 errors), one population.

    Same births, levels, sparse-level rule and notes as :func:`fit_models`; rows follow
    ``RISK_RATIO_COLUMNS`` (``risk_ratio``, ``log_rr``, robust ``se``, Wald CI and p-value).
    """
    analysis = Analysis(cells, outcome, exposures, adjust_for, reference, min_events)
    with single_threaded_blas():
        return ratio_table(analysis, "risk_ratio")
