"""The one table catalogue: every table that crosses a stage boundary, restricted and published.

Enters: the published and restricted table entries (``core.published_tables``,
``core.restricted_tables``). Leaves: ``TABLES`` and ``describe_column`` (names, dtypes, kinds,
descriptions, disclosure roles), ``schema_for`` (pandera), ``count_columns``, the model tables'
column contracts, and ``outputs_markdown`` (the generated part of docs/outputs.md:
``python tools/outputs_docs.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

import pandera.pandas as pa

from birthgaps.core.columns import Column, TableSpec, col
from birthgaps.core.errors import InputError
from birthgaps.core.published_changes import WORKBOOK_COLUMNS
from birthgaps.core.published_tables import PUBLISHED
from birthgaps.core.restricted_tables import RESTRICTED

#: The data dictionary (``tables/data_dictionary.csv``): one row per column of a published table.
DATA_DICTIONARY = TableSpec(
    key="data_dictionary",
    sheet="",
    title="Data dictionary",
    scope="Every column of every published table",
    columns={
        "release": PUBLISHED["rates"].columns["release"],
        "data": PUBLISHED["rates"].columns["data"],
        "table": col("Table", "The published table (file `tables/<table>.csv`)"),
        "column": col("Column", "The column's name in the CSV file"),
        "heading": col("Heading", "The column's heading in the workbook"),
        "description": col("Description", "What the column holds"),
        "unit": col("Unit", "Unit of the column's values; empty when it has none"),
    },
)

#: Every table of the catalogue: the published ones in workbook sheet order, then the data
#: dictionary and the restricted tables.
TABLES: dict[str, TableSpec] = {
    **PUBLISHED,
    DATA_DICTIONARY.key: DATA_DICTIONARY,
    **RESTRICTED,
}

#: The published tables the workbook holds, in sheet order (files ``tables/<key>.csv``).
TABLE_KEYS: list[str] = list(PUBLISHED)

#: The data dictionary's own columns (after ``release`` and ``data``).
DICTIONARY_COLUMNS: list[str] = list(DATA_DICTIONARY.columns)[2:]

#: Columns every published table may start with; the workbook states them in each sheet's
#: subtitles instead of repeating them on every row. ``suppressed`` and ``flag`` are shown as the
#: [c] marker in the withheld cells themselves.
LABEL_COLUMNS = ("release", "data", "imd_quintiles")
DROPPED_IN_WORKBOOK = (*LABEL_COLUMNS, "suppressed", "flag")


def table_spec(table: str) -> TableSpec:
    """The catalogue entry of ``table``; an unknown table raises ``InputError``."""
    spec = TABLES.get(table)
    if spec is None:
        raise InputError(
            f"no data dictionary entry for table '{table}'",
            file=f"tables/{table}.csv",
            hint=f"add it to the table catalogue, birthgaps.core.catalogue (known: "
            f"{', '.join(TABLES)})",
        )
    return spec


def describe_column(table: str, column: str) -> Column:
    """The catalogue entry of ``column`` of ``table`` (its description still a template: see
    ``Column.described``).

    Columns the workbook adds to a sheet (``WORKBOOK_COLUMNS``: the rates sheet's [r] column) are
    found too. Confidence-limit columns at a level other than the catalogue's (``lower_90``) are
    derived from the 95% entry; any other unknown column raises ``InputError`` (document it in the catalogue).
    """
    spec = table_spec(table)
    if column in spec.columns:
        return spec.columns[column]
    if column in WORKBOOK_COLUMNS.get(table, {}):
        return WORKBOOK_COLUMNS[table][column]
    match = re.fullmatch(r"(?P<stem>.*(?:lower|upper)_)(?P<level>\d+(?:_\d+)?)", column)
    if match and f"{match['stem']}95" in spec.columns:
        level = match["level"].replace("_", ".")
        base = spec.columns[f"{match['stem']}95"]
        return replace(
            base,
            heading=base.heading.replace("95%", f"{level}%"),
            description=base.description.replace("95%", f"{level}%"),
        )
    raise InputError(
        f"column '{column}' of the published table '{table}' has no data dictionary entry",
        file=f"tables/{table}.csv",
        column=column,
        hint="describe it in the table catalogue, birthgaps.core.catalogue (and regenerate "
        "docs/outputs.md)",
    )


def count_columns() -> frozenset[str]:
    """Every column of the catalogue that holds a count of births or records (kind ``count``:
    events, denominators, births and events in a model, excess events and their limits)."""
    return frozenset(
        name
        for spec in TABLES.values()
        for name, column in spec.columns.items()
        if column.kind == "count"
    )


def schema_for(table: str) -> pa.DataFrameSchema:
    """The pandera schema of ``table``: its columns in catalogue order, nothing extra, and each
    column's dtype where the catalogue states one (restricted tables)."""
    spec = table_spec(table)
    return pa.DataFrameSchema(
        {name: pa.Column(column.dtype, nullable=True) for name, column in spec.columns.items()},
        strict=True,
        ordered=True,
        name=table,
    )


# ------------------------------------------------------------------------------ model tables

#: Columns of the fitted model tables (restricted: full precision, unrounded counts) that are not
#: published: at full precision they give the counts of the fitted cells back (a log ratio with
#: its standard error, a log-likelihood or deviance is a function of the counts). Ratios, limits
#: and p-values are published rounded instead (docs/models.md, "Disclosure control").
UNPUBLISHED: tuple[tuple[str, str], ...] = (
    # (column, the column it follows in a fitted table), in the order they are put back
    ("log_or", "upper_95"),
    ("log_rr", "upper_95"),
    ("se", "log_or"),
    ("se", "log_rr"),
    ("log_ratio_change", "adjusted_upper_95"),
    ("change_lower_95", "log_ratio_change"),
    ("change_upper_95", "change_lower_95"),
    ("log_likelihood", "n_parameters"),
    ("deviance", "log_likelihood"),
    ("aic", "deviance"),
    ("pattern_deviance", "aic"),
)
UNPUBLISHED_COLUMNS: frozenset[str] = frozenset(name for name, _ in UNPUBLISHED)

#: The log-ratio column of each ratio measure in the fitted tables.
LOG_NAME: dict[str, str] = {"odds_ratio": "log_or", "risk_ratio": "log_rr"}

#: Each table of ``models.model_tables`` and the name of the published CSV it becomes
#: (``published/tables/<name>.csv``), for the models rule and what reads its outputs.
MODEL_OUTPUTS: dict[str, str] = {
    "odds_ratios": "models",
    "risk_ratios": "risk_ratios",
    "interaction": "interaction",
    "stratified": "stratified",
    "excess_explained": "excess_explained",
    "fit": "model_fit",
}


def published_model_columns(key: str) -> list[str]:
    """Columns of a published model CSV (key of ``MODEL_OUTPUTS``), ``area_code`` first."""
    return [c for c in PUBLISHED[MODEL_OUTPUTS[key]].columns if c not in LABEL_COLUMNS]


def fitted_model_columns(key: str) -> list[str]:
    """Columns of a fitted model table (key of ``MODEL_OUTPUTS``), without ``area_code``: the
    published columns with the unpublished ones back in place."""
    names = published_model_columns(key)[1:]
    measures = {log: measure for measure, log in LOG_NAME.items()}
    for name, after in UNPUBLISHED:
        if name in names or after not in names or measures.get(name, after) not in names:
            continue
        names.insert(names.index(after) + 1, name)
    return names


# ------------------------------------------------------------------------------ docs/outputs.md


def outputs_markdown(disclosure: Mapping, statistics: Mapping) -> str:
    """The generated part of docs/outputs.md: every published table and its columns, worded for
    the resolved ``disclosure`` and ``statistics`` config blocks."""
    lines: list[str] = []
    for key, spec in PUBLISHED.items():
        lines += [
            f"### `tables/{key}.csv` — sheet `{spec.sheet}`",
            "",
            f"**{spec.title}.** {spec.scope}.",
            "",
            "| column | workbook heading | unit | description |",
            "|---|---|---|---|",
        ]
        for name, column in spec.columns.items():
            description = column.described(disclosure, statistics).description.replace("|", "\\|")
            shown = "not in the workbook" if name in DROPPED_IN_WORKBOOK else column.heading
            lines.append(f"| `{name}` | {shown} | {column.unit} | {description} |")
        if spec.not_applicable:
            lines += ["", "Shown as [z] (not applicable) in the workbook when empty:"]
            lines += [
                f"- {', '.join(f'`{c}`' for c in rule.columns)}: {rule.why}"
                for rule in spec.not_applicable
            ]
        lines.append("")
    return "\n".join(lines)


def restricted_markdown() -> str:
    """The generated part of docs/architecture.md: every restricted table one stage hands the next,
    with each column's dtype, kind and meaning."""
    lines: list[str] = []
    for spec in RESTRICTED.values():
        lines += [
            f"### `{spec.key}`: `results/{{release}}/{spec.path}`",
            "",
            f"**{spec.title}.** {spec.scope}.",
            "",
            "| column | dtype | kind | description |",
            "|---|---|---|---|",
        ]
        for name, column in spec.columns.items():
            description = column.description.replace("|", "\\|")
            lines.append(f"| `{name}` | {column.dtype or ''} | {column.kind} | {description} |")
        lines.append("")
    return "\n".join(lines)


def generated_document(text: str, marker: str, generated: str, page: str) -> str:
    """``text`` (a docs page) with the part after ``marker`` replaced by ``generated``."""
    if marker not in text:
        raise InputError(f"{page} lost its generated-section marker", file=page)
    return text.split(marker, 1)[0] + marker + "\n" + generated


#: The line of docs/architecture.md after which the restricted tables' contracts are generated.
ARCHITECTURE_MARKER = (
    "<!-- generated from birthgaps.core.catalogue by restricted_markdown(): do not edit below -->"
)


#: The line of docs/outputs.md after which the generated section starts.
DOC_MARKER = (
    "<!-- generated from birthgaps.core.catalogue by outputs_markdown(): do not edit below -->"
)


def outputs_document(text: str, disclosure: Mapping, statistics: Mapping) -> str:
    """docs/outputs.md (``text``) with its generated section replaced by ``outputs_markdown``."""
    if DOC_MARKER not in text:
        raise InputError(
            "docs/outputs.md lost its generated-section marker", file="docs/outputs.md"
        )
    return (
        text.split(DOC_MARKER, 1)[0] + DOC_MARKER + "\n" + outputs_markdown(disclosure, statistics)
    )
