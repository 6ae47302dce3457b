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
}


def readable_table(
    table: pd.DataFrame, *, definitions: Mapping | None, models: Mapping
) -> pd.DataFrame:
    """``table`` (a published table, text as read from its CSV; a column means the same in every
    table) with every code name a
    person would read in words; blank cells stay blank so the workbook's markers still apply.
    Without ``definitions`` an outcome gets its short label, without its threshold."""
    model_terms = [*models["exposures"], *models["adjust_for"]]
    out = table.copy()
    for name in table.columns:
        word = _labeller(name, table, definitions, model_terms)
        if word is None:
            continue
        out[name] = [
            value if is_blank(value) else word(str(value), row)
            for row, value in zip(table.to_dict("records"), table[name], strict=True)
        ]
    return out


def _labeller(
    name: str, table: pd.DataFrame, definitions: Mapping | None, model_terms: list[str]
) -> Callable[[str, dict], str] | None:
    """How a cell of column ``name`` is put in words (value, its row), or None: shown as it is."""
    if name == "outcome":
        if definitions is None:
            return lambda v, _: labels.outcome_label(v)
        return lambda v, _: labels.outcome_title(v, definitions)
    if name in _TERM_COLUMNS:
        return lambda v, _: labels.breakdown_label(v)
    if name in _GROUP_OF:
        of = next((c for c in _GROUP_OF[name] if c in table.columns), None)
        if of is None:
            return None
        return lambda v, row: labels.group_text(str(row[of]), v)
    if name in _LOOKUPS:
        words = _LOOKUPS[name]
        return lambda v, _: words.get(v, v)
    if name == "model":
        return lambda v, row: labels.model_label(v, str(row.get("term", "")), model_terms)
    if name in ("terms", "base_terms"):
        return lambda v, _: labels.terms_text(v)
    if name in ("note", "reason"):
        return lambda v, _: labels.words_for_codes(v)
    return None
