"""Disclosure control of the models tables, and why a published table is empty by design.

The unrounded tables of ``model_tables``, the ``disclosure:`` block and the published rates table
enter; the published tables leave: counts rounded (or withheld), estimates at a precision that
cannot give counts back, columns that would (log ratios, SEs, likelihoods) dropped, and the
complete-case notes rebuilt from protected counts (docs/models.md, "Disclosure control")."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from birthgaps.core.disclosure import is_small, round_significant, round_to_base
from birthgaps.models.frame import MISSING_LEVELS
from birthgaps.models.notes import STRATIFIED_WHEN_SIGNIFICANT, WITHHELD_MARKER, join_notes
from birthgaps.models.published import Published, published_rates
from birthgaps.models.tables import (
    COMPLETE_CASES,
    MODEL_OUTPUTS,
    PUBLISHED_COLUMNS,
    TABLE_KEYS,
    UNPUBLISHED_COLUMNS,
)

#: Count columns of the models tables (births and events); other numbers are not counts of people.
_COUNT_COLUMNS = ("n_births", "n_events")
#: Published precision (docs/models.md, "Disclosure control"): decimal places of ratios, their
#: limits, the LR statistic and the c-statistic; whole percentages; p-values to 2 significant
#: figures.
_DECIMALS: dict[str, int] = {
    **dict.fromkeys(
        (
            "odds_ratio",
            "risk_ratio",
            "lower_95",
            "upper_95",
            "base_ratio",
            "base_lower_95",
            "base_upper_95",
            "adjusted_ratio",
            "adjusted_lower_95",
            "adjusted_upper_95",
            "lr_statistic",
            "c_statistic",
        ),
        2,
    ),
    **dict.fromkeys(("pct_explained", "pct_lower_95", "pct_upper_95"), 0),
}
_SIGNIFICANT: dict[str, int] = dict.fromkeys(
    ("p_value", "interaction_p_value", "pattern_p_value"), 2
)
_CC_PREFIX = "complete cases: "


def _split_cc(note: str) -> tuple[str, bool]:
    """A note without its complete-case part, and whether it had one."""
    parts = [p.strip() for p in str(note).split(";")]
    kept = [p for p in parts if p and not p.startswith(_CC_PREFIX)]
    return "; ".join(kept), len(kept) < len([p for p in parts if p])


def _protected_count(n: Any, rules: dict) -> tuple[str, int | None]:
    """A count for a note: rounded to the base, or ``[c]`` in the suppression range."""
    n = int(n)
    if rules["suppress_min"] <= n <= rules["suppress_max"]:
        return WITHHELD_MARKER, None
    base = rules["rounding_base"]
    rounded = int(np.floor(n / base + 0.5) * base)
    return f"{rounded:,}", rounded


def complete_case_note(
    counts: dict[str, Any], rules: dict, published: Published | None = None
) -> str:
    """The complete-case note of one analysis, from protected numbers only.

    ``counts`` is a row of the ``complete_cases`` table of :func:`model_tables`. The total is the
    published births of the ``overall`` rates row (``[c]`` when withheld), the births left out
    are rounded (``[c]`` if 1 to 7), and each reason is the published births of the rates row of
    ``Unknown`` or ``Not stated`` of that term (``[c]`` when withheld; left out when the row is
    published as 0 or absent). Without ``published`` the total is rounded and no reasons are
    given: their counts could be rows that the rates table withholds.
    """
    left, left_n = _protected_count(counts["left_out"], rules)
    if published is not None and ("overall", "All") in published:
        row = published[("overall", "All")]
        total, total_n = (
            (WITHHELD_MARKER, None) if row.withheld else (f"{row.denominator:,}", row.denominator)
        )
    else:
        total, total_n = _protected_count(counts["total_births"], rules)
    share = f" ({left_n / total_n:.1%})" if left_n is not None and total_n else ""
    note = f"{_CC_PREFIX}{left} of {total} births{share} left out"
    if published is None:
        return note
    reasons = []
    for term in str(counts["terms"]).split(" + "):
        for value in sorted(MISSING_LEVELS):
            row = published.get((term, value))
            if row is None:
                continue
            if row.withheld:
                reasons.append(f"{term} {value} {WITHHELD_MARKER}")
            elif row.denominator:
                reasons.append(f"{term} {value} {row.denominator:,}")
    return f"{note} ({', '.join(reasons)})" if reasons else note


def publish_models(
    table: pd.DataFrame,
    rules: dict,
    *,
    complete_cases: pd.DataFrame | None = None,
    rates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Disclosure control of one models table: counts, precision, columns and notes.

    ``rules`` is the config's ``disclosure:`` block. ``n_births`` and ``n_events`` are rounded to
    ``rounding_base`` (<NA> in the suppression range). The columns that would give counts back
    at full precision (``UNPUBLISHED_COLUMNS``: log ratios, standard errors, log-likelihoods,
    deviances, AIC) are dropped; ratios and their limits are rounded to 2 decimal places, the LR
    statistic and c-statistic to 2, percentages explained to whole numbers and p-values to 2
    significant figures. Fit summaries of crude models are dropped. A complete-case note is
    rewritten by :func:`complete_case_note` from ``complete_cases`` (the extra table of
    :func:`model_tables`) and the published ``rates``; without ``complete_cases`` it is removed.
    Works on every table of :func:`model_tables` (columns it lacks are skipped).
    """
    low, high, base = rules["suppress_min"], rules["suppress_max"], rules["rounding_base"]
    out = table.copy()
    if {"measure", "model"} <= set(out.columns):  # the fit summaries: no crude rows
        out = out[out["model"].astype(str) != "crude"].reset_index(drop=True)
    out = out.drop(columns=[c for c in out.columns if c in UNPUBLISHED_COLUMNS])
    for column in _COUNT_COLUMNS:
        if column in out.columns:
            small = is_small(out[column], low, high)
            out[column] = round_to_base(out[column], base).mask(small)
    for column, decimals in _DECIMALS.items():
        if column in out.columns:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype(float).round(decimals)
    for column, digits in _SIGNIFICANT.items():
        if column in out.columns:
            out[column] = round_significant(out[column], digits)

    if "note" in out.columns:
        published = published_rates(rates) if rates is not None else {}
        notes_of: dict[tuple[str, str], str] = {}
        if complete_cases is not None:
            for counts in complete_cases.to_dict("records"):
                key = (str(counts["area_code"]), str(counts["outcome"]))
                area_rows = published.get(key, {}) if rates is not None else None
                notes_of[key] = complete_case_note(counts, rules, area_rows)
        notes = []
        areas = out["area_code"] if "area_code" in out.columns else [""] * len(out)
        for area, outcome, note in zip(areas, out["outcome"], out["note"], strict=True):
            rest, had_cc = _split_cc(note)
            cc = notes_of.get((str(area), str(outcome)), "") if had_cc else ""
            notes.append(join_notes(rest, cc))
        out["note"] = notes
    return out


def _p_text(p_value: float) -> str:
    return f"{p_value:.2g}"


def empty_table_notes(
    published: dict[str, pd.DataFrame], reasons: pd.DataFrame, p_threshold: float
) -> dict[str, str]:
    """Why each published table without rows is empty by design, by published CSV name.

    ``published`` holds the tables of :func:`publish_model_tables`; ``reasons`` is the
    ``empty_reasons`` table of :func:`model_tables`. A table without rows and without a reason is
    left out: it is not empty by design, and the workbook and appendix stop on it.
    """
    notes: dict[str, str] = {}
    for key in TABLE_KEYS:
        if len(published[key]):
            continue
        mine = reasons[reasons["table"] == key]
        if mine.empty:
            continue
        texts = list(dict.fromkeys(r for r in mine["reason"] if r != STRATIFIED_WHEN_SIGNIFICANT))
        p_values = mine.loc[mine["reason"] == STRATIFIED_WHEN_SIGNIFICANT, "p_value"]
        if len(p_values):
            shown = sorted({float(v) for v in round_significant(p_values.dropna(), 2)})
            if len(p_values) == 1 and len(shown) == 1:
                texts.append(f"{STRATIFIED_WHEN_SIGNIFICANT} (p = {_p_text(shown[0])})")
            else:
                span = (
                    f"p = {_p_text(shown[0])} to {_p_text(shown[-1])}"
                    if len(shown) > 1
                    else f"p = {_p_text(shown[0])}"
                    if shown
                    else "not tested"
                )
                texts.append(
                    f"{STRATIFIED_WHEN_SIGNIFICANT} (p < {p_threshold:g}); it is significant "
                    f"for no area and outcome ({span})"
                )
        notes[MODEL_OUTPUTS[key]] = "; ".join(texts)
    return notes


def publish_model_tables(
    tables: dict[str, pd.DataFrame], rules: dict, rates: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """Disclosure control of every table of :func:`model_tables` (see :func:`publish_models`).

    Returns the tables of TABLE_KEYS in the columns of ``PUBLISHED_COLUMNS``; ``rates`` is the
    published rates table the complete-case notes take their counts from.
    """
    complete_cases = tables.get(COMPLETE_CASES)
    out = {}
    for key in TABLE_KEYS:
        table = publish_models(tables[key], rules, complete_cases=complete_cases, rates=rates)
        out[key] = table.reindex(columns=PUBLISHED_COLUMNS[key])
    return out
