"""How the workbook shows a published table: markers in empty cells, numbers rounded for display.

Enters: a published table as read from its CSV (text) and its catalogue entry. Leaves: the table as
the workbook shows it (label and flag columns left out, a shorthand marker in every empty cell),
the markers it uses, a one-row table for a table empty by design, and the Excel number formats.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from birthgaps.core.catalogue import DROPPED_IN_WORKBOOK, describe_column, table_spec
from birthgaps.core.columns import Column, is_blank, is_true, suppressed_rows
from birthgaps.core.errors import InputError
from birthgaps.core.labels import p_value_text
from birthgaps.publish.readable import readable_table

RULE = "workbook"

#: Shorthand markers (Analysis Function "Symbols in tables") -> key of the note that explains them.
MARKERS: dict[str, str] = {
    "[c]": "suppressed",
    "[u]": "unreliable",
    "[x]": "not_calculated",
    "[z]": "not_applicable",
    "[r]": "revised",
}

#: What an empty text cell that only means "nothing to report" (a note, a reason) shows instead.
NOTHING = "none"


#: Count columns of the model tables: a blank one is always a withheld count.
_MODEL_COUNTS = ("n_births", "n_events")


def _cell(value: Any, column: Column, key: str, name: str) -> Any:
    """A cell's value for the workbook: a rounded number, a whole number, Yes/No or text."""
    kind = column.kind
    if kind in ("text", "note"):
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    if kind == "marker":
        return f"[{str(value).strip()}]"
    if kind == "boolean":
        return "Yes" if is_true(value) else "No"
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(
            f"'{RULE}' expected a number in column '{name}' of the published table '{key}'",
            file=f"tables/{key}.csv",
            column=name,
            rule=RULE,
        ) from None
    if is_p_value(name):
        return p_value_text(number)
    if kind in ("count", "integer"):
        if not number.is_integer():
            raise InputError(
                f"column '{name}' of the published table '{key}' should hold whole numbers",
                file=f"tables/{key}.csv",
                column=name,
                rule=RULE,
            )
        return int(number)
    if column.significant is not None and number != 0:
        return float(f"{number:.{column.significant}g}")
    if column.decimals is not None:
        return round(number, column.decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return number


def is_p_value(name: str) -> bool:
    """Whether column ``name`` holds p-values (written as text: ``<0.001`` or 3 decimals)."""
    return name == "p_value" or name.endswith("_p_value")


def present_table(
    key: str,
    table: pd.DataFrame,
    *,
    definitions: Mapping | None = None,
    models: Mapping | None = None,
) -> pd.DataFrame:
    """A published table as the workbook shows it: label and flag columns left out, a marker in
    every empty cell, numbers rounded for display, p-values as text, columns still named as in
    the CSV. With the ``models`` config block (and ``definitions``, for the outcomes' thresholds),
    code names are put in words (``publish.readable``); without it the cells keep the CSV's codes.

    Empty cells become [z] where the column does not apply to the row (``TableSpec.not_applicable``),
    [c] in a row withheld by disclosure control, [x] where the rate was not calculated (ONS
    small-number rule) or the estimate could not be made, and ``none`` in note-like columns.
    """
    spec = table_spec(key)
    for name in table.columns:
        describe_column(key, name)  # every column must be documented
    table = table.reset_index(drop=True)
    words = table
    if models is not None:
        words = readable_table(table, definitions=definitions, models=models)
    suppressed = suppressed_rows(table)
    not_calculated = pd.Series(False, index=table.index)
    if "reliability" in table.columns:
        not_calculated = table["reliability"].astype("string").str.strip().eq("x").fillna(False)
    out = {}
    for name in table.columns:
        if name in DROPPED_IN_WORKBOOK:
            continue
        column = describe_column(key, name)
        values = words[name].tolist()
        blank = pd.Series([is_blank(v) for v in values], index=table.index)
        structural = pd.Series(False, index=table.index)
        for rule in spec.not_applicable:
            if rule.applies_to(name):
                structural |= rule.rows(table).astype(bool)
        cells = []
        for i, value in enumerate(values):
            if not blank.iat[i]:
                cells.append(_cell(value, column, key, name))
            elif structural.iat[i]:
                cells.append("[z]")
            elif suppressed.iat[i] or name in _MODEL_COUNTS:
                cells.append("[c]")
            elif not_calculated.iat[i]:
                cells.append("[x]")
            elif column.kind in ("note", "marker"):
                cells.append(NOTHING)
            else:
                cells.append("[x]")
        out[name] = pd.Series(cells, index=table.index, dtype=object)
    return pd.DataFrame(out, index=table.index)


def markers_in(frame: pd.DataFrame) -> list[str]:
    """The shorthand markers that appear in a presented table, in ``MARKERS`` order."""
    found = set()
    for column in frame.columns:
        found |= {v for v in frame[column] if isinstance(v, str) and v in MARKERS}
    return [marker for marker in MARKERS if marker in found]


def empty_by_design(key: str, frame: pd.DataFrame, reason: str) -> pd.DataFrame:
    """The sheet of a table without rows: one row saying why (the note column holds the reason,
    every other cell [z]). Without a reason the table is not empty by design: an InputError."""
    if not reason:
        raise InputError(
            f"the published table '{key}' has no rows",
            file=f"tables/{key}.csv",
            rule=RULE,
            rows=0,
            hint="a table empty by design has its reason in the models rule's empty-tables "
            "file; otherwise an earlier rule wrote no rows by mistake: check its log",
        )
    row = {name: "[z]" for name in frame.columns}
    if "note" in row:
        row["note"] = reason
    return pd.DataFrame([row], columns=frame.columns)


def number_formats(key: str, frame: pd.DataFrame) -> list[dict]:
    """Excel number formats showing each rounded column's decimals (8 shows as 8.00), by heading."""
    by_decimals: dict[int, list[str]] = {}
    for name in frame.columns:
        column = describe_column(key, name)
        if column.kind == "number" and column.decimals:
            by_decimals.setdefault(column.decimals, []).append(column.heading)
    return [
        {"column": {"columns": names, "format": {"num_format": "0." + "0" * decimals}}}
        for decimals, names in sorted(by_decimals.items())
    ]
