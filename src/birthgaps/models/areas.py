"""Every models table for each study area in config order, then the areas pooled (``ALL``).

Cells, the ``models:`` block, the areas and (in the pipeline) the published rates table enter
:func:`model_tables`; the unrounded tables of TABLE_KEYS, ``complete_cases`` and
``empty_reasons`` leave (restricted: publish them with ``birthgaps.models.protect``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from birthgaps.models.analysis import Analysis
from birthgaps.models.excess import excess_rows
from birthgaps.models.fitting import single_threaded_blas
from birthgaps.models.frame import check_cells
from birthgaps.models.interaction import interaction_row
from birthgaps.models.notes import STRATIFIED_WHEN_SIGNIFICANT, join_notes, unstated_words
from birthgaps.models.options import DEFAULT_INTERACTION_TERMS, Settings, model_settings
from birthgaps.models.published import published_rates
from birthgaps.models.ratios import ratio_table
from birthgaps.models.stratified import stratified_rows
from birthgaps.models.summaries import fit_rows
from birthgaps.models.tables import (
    ALL_AREAS,
    COMPLETE_CASES,
    EMPTY_REASON_COLUMNS,
    EMPTY_REASONS,
    EXCESS_COLUMNS,
    FIT_COLUMNS,
    INTERACTION_COLUMNS,
    STRATIFIED_COLUMNS,
    TABLE_COLUMNS,
    ratio_frame,
    typed,
)

_CELL_COLUMNS = ("outcome", "events", "denominator")


def _populations(cells: pd.DataFrame, areas: dict[str, str]) -> list[tuple[str, pd.DataFrame]]:
    """Each listed area's cells in config order, then the listed areas pooled (``ALL``)."""
    check_cells(cells, ["area_code", *_CELL_COLUMNS])
    area_codes = cells["area_code"].astype(str)
    populations = [(code, cells[area_codes == code]) for code in areas]
    populations.append((ALL_AREAS, cells[area_codes.isin(list(areas))]))
    return populations


#: Columns of the ``complete_cases`` table of :func:`model_tables` (restricted, unrounded).
COMPLETE_CASE_COLUMNS = ["area_code", "outcome", "terms", "total_births", "left_out"]


def _by_area(
    cells: pd.DataFrame,
    model_config: dict,
    areas: dict[str, str],
    builders: dict[str, Callable[[Analysis, Settings], pd.DataFrame]],
    rates: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Run each table builder on every (area, outcome) analysis; stack with ``area_code`` first.

    Also returns ``complete_cases``: the births and the births left out of each analysis.
    """
    settings = model_settings(model_config)
    published = published_rates(rates) if rates is not None else None
    parts: dict[str, list[pd.DataFrame]] = {key: [] for key in builders}
    complete: list[dict[str, Any]] = []
    reasons: list[list[Any]] = []
    with single_threaded_blas():
        for code, subset in _populations(cells, areas):
            for outcome in settings.outcomes:
                analysis = Analysis(
                    subset,
                    outcome,
                    settings.exposures,
                    settings.adjust_for,
                    settings.reference,
                    settings.min_events,
                    None if published is None else published.get((str(code), outcome), {}),
                    settings.fallback,
                )
                complete.append(
                    {
                        "area_code": code,
                        "outcome": outcome,
                        "terms": " + ".join(analysis.terms),
                        "total_births": analysis.total_births,
                        "left_out": analysis.left_out,
                    }
                )
                for key, build in builders.items():
                    part = build(analysis, settings)
                    part.insert(0, "area_code", code)
                    parts[key].append(part)
                for key, (reason, p_value) in analysis.empty_reasons.items():
                    reasons.append([key, code, outcome, reason, p_value])
    out = {}
    for key, frames in parts.items():
        columns = ["area_code", *TABLE_COLUMNS[key]]
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
        out[key] = typed(table, columns)
    out[COMPLETE_CASES] = pd.DataFrame(complete, columns=COMPLETE_CASE_COLUMNS)
    out[EMPTY_REASONS] = pd.DataFrame(reasons, columns=EMPTY_REASON_COLUMNS)
    return out


def _empty(analysis: Analysis, key: str, reason: str, p_value: float = np.nan) -> pd.DataFrame:
    """No rows for table ``key`` in this analysis, by design: the reason is kept for the notes."""
    analysis.empty_reasons[key] = (reason, p_value)
    return typed(pd.DataFrame(columns=TABLE_COLUMNS[key]), TABLE_COLUMNS[key])


def _unstated_reason(analysis: Analysis, terms: Sequence[str]) -> str:
    """Why a table needing ``terms`` has no rows when some of them are recorded for no birth."""
    return "; ".join(unstated_words(t) for t in terms if t in analysis.unstated)


def _build_ratios(analysis: Analysis, key: str, measure: str) -> pd.DataFrame:
    if not analysis.exposures:
        reason = _unstated_reason(analysis, analysis.unstated)
        return _empty(analysis, key, f"no {measure.replace('_', ' ')}s: {reason}")
    return ratio_table(analysis, measure)


def _build_odds(analysis: Analysis, settings: Settings) -> pd.DataFrame:
    return _build_ratios(analysis, "odds_ratios", "odds_ratio")


def _build_risk(analysis: Analysis, settings: Settings) -> pd.DataFrame:
    return _build_ratios(analysis, "risk_ratios", "risk_ratio")


def _pair_missing(analysis: Analysis, settings: Settings) -> str:
    """Why no interaction can be tested in this analysis ('' when it can)."""
    if settings.pair is None:
        return f"the models do not hold both {' and '.join(DEFAULT_INTERACTION_TERMS)}"
    return _unstated_reason(analysis, settings.pair)


def _build_interaction(analysis: Analysis, settings: Settings) -> pd.DataFrame:
    missing = _pair_missing(analysis, settings)
    if missing:
        return _empty(analysis, "interaction", f"no interaction test: {missing}")
    row = interaction_row(analysis, settings.pair, settings.p_threshold)
    row["note"] = join_notes(row["note"], analysis.cc_note)
    return typed(pd.DataFrame([row]), INTERACTION_COLUMNS)


def _build_stratified(analysis: Analysis, settings: Settings) -> pd.DataFrame:
    missing = _pair_missing(analysis, settings)
    if missing:
        return _empty(analysis, "stratified", f"no stratified estimates: {missing}")
    rows = stratified_rows(analysis, settings.pair, settings.p_threshold)
    if settings.stratified == "when_significant" and not any(
        r["interaction_significant"] for r in rows
    ):
        p_value = interaction_row(analysis, settings.pair, settings.p_threshold)["p_value"]
        return _empty(analysis, "stratified", STRATIFIED_WHEN_SIGNIFICANT, p_value)
    if not rows:
        return _empty(analysis, "stratified", "no stratified estimates: no levels to compare")
    return ratio_frame(rows, "odds_ratio", STRATIFIED_COLUMNS)


def _build_excess(analysis: Analysis, settings: Settings) -> pd.DataFrame:
    if settings.exposure is None:
        return _empty(
            analysis,
            "excess_explained",
            "no excess explained: models.excess_explained does not fit the models' terms",
        )
    missing = _unstated_reason(analysis, [settings.exposure, *settings.explained_by])
    if missing:
        return _empty(analysis, "excess_explained", f"no excess explained: {missing}")
    rows = excess_rows(analysis, settings.exposure, settings.explained_by)
    return typed(pd.DataFrame(rows), EXCESS_COLUMNS)


def _build_fit(analysis: Analysis, settings: Settings) -> pd.DataFrame:
    if not analysis.exposures:
        reason = _unstated_reason(analysis, analysis.unstated)
        return _empty(analysis, "fit", f"no models: {reason}")
    pair = None if _pair_missing(analysis, settings) else settings.pair
    return typed(pd.DataFrame(fit_rows(analysis, pair)), FIT_COLUMNS)


_BUILDERS: dict[str, Callable[[Analysis, Settings], pd.DataFrame]] = {
    "odds_ratios": _build_odds,
    "risk_ratios": _build_risk,
    "interaction": _build_interaction,
    "stratified": _build_stratified,
    "excess_explained": _build_excess,
    "fit": _build_fit,
}


def models_table(
    cells: pd.DataFrame,
    model_config: dict,
    areas: dict[str, str],
    rates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Odds ratios for each area in ``areas`` (config order), then all of them pooled (``"ALL"``).

    ``model_config`` is the config's ``models:`` block (outcomes, exposures, adjust_for, reference,
    min_events). Rows are ordered area, outcome (config order), model, term, level. ``rates``:
    the published rates table (see :func:`model_tables`).
    """
    tables = _by_area(cells, model_config, areas, {"odds_ratios": _build_odds}, rates)
    return tables["odds_ratios"]


def risk_ratio_table(
    cells: pd.DataFrame,
    model_config: dict,
    areas: dict[str, str],
    rates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Modified Poisson risk ratios for each area in ``areas``, then ``ALL`` (as models_table)."""
    tables = _by_area(cells, model_config, areas, {"risk_ratios": _build_risk}, rates)
    return tables["risk_ratios"]


def model_tables(
    cells: pd.DataFrame,
    model_config: dict,
    areas: dict[str, str],
    rates: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Every models table for each area and ``ALL``: keys in TABLE_KEYS, ``area_code`` first.

    ``odds_ratios`` equals :func:`models_table`; ``risk_ratios`` :func:`risk_ratio_table`;
    ``interaction``, ``stratified``, ``excess_explained`` and ``fit`` follow the per-population
    functions of the same names. A last key, ``complete_cases`` (COMPLETE_CASE_COLUMNS), holds
    the births each analysis left out, for the notes. Counts are unrounded and estimates at full
    precision: publish with :func:`publish_model_tables`.

    ``rates`` is the **published** rates table (``rates.csv``: protected counts, ``suppressed``).
    With it, the crude rows are computed from its rounded counts, and every level, stratum or
    interaction combination whose rates row is withheld is left out of the fitted models and
    reported with the note ``[c] withheld to protect confidentiality`` (docs/models.md,
    "Disclosure control"). Without it, everything is fitted to the cells (analysis only).
    """
    return _by_area(cells, model_config, areas, _BUILDERS, rates)
