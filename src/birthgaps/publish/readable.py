"""The workbook's table cells in words: code names of a published table (outcomes, breakdowns,
groups, models, measures, terms) replaced by the labels of ``birthgaps.core.labels``.

Enters: a published table as read from its CSV (text, codes) and the resolved ``definitions`` and
``models`` config blocks. Leaves: the same table with the same blanks, the codes in words. The
CSVs keep the codes: they are for analysts and joins; the workbook is for people.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from birthgaps.core import labels
from birthgaps.core.columns import is_blank

#: Columns that name a breakdown or a model term.
_TERM_COLUMNS = ("dimension", "term", "stratum_term", "explained_by")

#: Columns that hold a group or level, and the column of the same row that says of what.
_GROUP_OF = {
    "group": ("dimension",),
    "level": ("term",),
    "reference": ("term", "dimension"),
    "stratum": ("stratum_term",),
}

#: Columns whose code names are looked up in a fixed list.
_LOOKUPS = {
    "measure": labels.MEASURE_LABELS,
    "row_type": labels.ROW_TYPES,
    "method": labels.TREND_METHODS,
    "significance": labels.FUNNEL_POSITIONS,
}


def readable_table(
    table: pd.DataFrame, *, definitions: Mapping | None, models: Mapping
) -> pd.DataFrame:
    """``table`` (a published table, text as read from its CSV; a column means the same in every
    table) with every code name a person would read in words; blank cells stay blank so the
    workbook's markers still apply. Without ``definitions`` an outcome gets its short label,
    without its threshold."""
    model_terms = [*models["exposures"], *models["adjust_for"]]
    out = table.copy()
    for name in table.columns:
        found = _labeller(name, table, definitions, model_terms)
        if found is None:
            continue
        word, of = found
        context = table[of].astype(str).tolist() if of else [""] * len(table)
        words: dict[tuple[str, str], str] = {}  # each (value, context) worded once
        cells = []
        for value, about in zip(table[name], context, strict=True):
            if is_blank(value):
                cells.append(value)
                continue
            if (value, about) not in words:
                words[value, about] = word(str(value), about)
            cells.append(words[value, about])
        out[name] = cells
    return out


def _labeller(
    name: str, table: pd.DataFrame, definitions: Mapping | None, model_terms: list[str]
) -> tuple[Callable[[str, str], str], str | None] | None:
    """How a cell of column ``name`` is put in words (from its value and the value of the row's
    context column, named second), or None: shown as it is."""
    if name == "unit":  # "%" alone is a symbol, not a value (Analysis Function guidance)
        return (lambda v, _: "percent" if v == "%" else v), None
    if name in ("outcome", "marker"):  # a death marker is a birth outcome (death_markers)
        if definitions is None:
            return (lambda v, _: labels.outcome_title(v)), None
        return (lambda v, _: labels.outcome_title(v, definitions)), None
    if name in _TERM_COLUMNS:
        return (lambda v, _: labels.breakdown_label(v)), None
    if name in _GROUP_OF:
        of = next((c for c in _GROUP_OF[name] if c in table.columns), None)
        if of is None:
            return None
        return (lambda v, dimension: labels.group_text(dimension, v)), of
    if name in _LOOKUPS:
        lookup = _LOOKUPS[name]
        return (lambda v, _: lookup.get(v, v)), None
    if name == "model":
        if "term" not in table.columns and "terms" in table.columns:
            # a model fit row names its model's terms itself: the model said with those
            return (lambda v, terms: labels.model_label(v, "", labels.model_terms(terms))), "terms"
        of = "term" if "term" in table.columns else None
        return (lambda v, term: labels.model_label(v, term, model_terms)), of
    if name in ("terms", "base_terms"):
        return (lambda v, _: labels.terms_text(v)), None
    if name in ("note", "reason"):
        return (lambda v, _: labels.words_for_codes(v)), None
    return None
