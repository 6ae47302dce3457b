"""The parts of the table catalogue: a column, a table, and the columns many tables share.

Enters: nothing (pure definitions). Leaves: ``Column``, ``TableSpec``, ``Rule``, the shared column
entries (``EVENTS``, ``NOTE``, ...) and the helpers that build them; ``birthgaps.core.catalogue``
assembles the tables. Descriptions that state a method hold placeholders (``{rounded}``,
``{suppressed}``, ``{withheld}``, ``{min_events}``, ...) that ``fill`` words from the resolved
config's ``disclosure`` and ``statistics`` blocks.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from birthgaps.core import methods
from birthgaps.core.codes import OUTCOMES
from birthgaps.core.provenance import SYNTHETIC_NOTICE

#: Kinds of column: how a value is shown in the workbook.
#: text: as it is; note: as it is, "none" when empty; marker: "u" -> "[u]", "x" -> "[x]";
#: count: whole number of births (disclosure-controlled); integer: other whole numbers;
#: number: rounded to ``decimals`` places, or ``significant`` figures; boolean: Yes or No.
KINDS = ("text", "note", "marker", "count", "integer", "number", "boolean")

#: Disclosure role of a column by kind, unless the column states its own (``Column.role``).
ROLES: dict[str, str] = {
    "count": "count after disclosure control (suppressed and rounded)",
    "marker": "small-number marker",
    "note": "note (may carry the [c] marker)",
    "text": "label",
    "integer": "not a count of births",
    "number": "derived from the published counts",
    "boolean": "flag",
}

#: Placeholders in descriptions, each worded from the resolved ``disclosure`` config block.
PLACEHOLDERS: dict[str, Callable[[Mapping], str]] = {
    "{rounded}": methods.rounded,
    "{suppressed}": methods.suppressed_range,
    "{withheld}": methods.withheld_text,
}

#: Placeholders worded from the resolved ``statistics`` config block (ONS small-number rule and the
#: recent-trend test).
STATISTICS_PLACEHOLDERS: dict[str, Callable[[Mapping], str]] = {
    "{min_events}": lambda s: str(s["small_numbers"]["min_events"]),
    "{unreliable_below}": lambda s: str(s["small_numbers"]["unreliable_below"]),
    "{trend_threshold}": lambda s: str(s["trend"]["threshold"]),
}


def fill(text: str, disclosure: Mapping, statistics: Mapping) -> str:
    """``text`` with its placeholders worded from the resolved ``disclosure`` and ``statistics``
    config blocks."""
    for placeholders, block in (
        (PLACEHOLDERS, disclosure),
        (STATISTICS_PLACEHOLDERS, statistics),
    ):
        for placeholder, words in placeholders.items():
            if placeholder in text:
                text = text.replace(placeholder, words(block))
    return text


@dataclass(frozen=True)
class Column:
    """One column of a published table: its workbook heading, meaning, unit and display."""

    heading: str
    description: str
    unit: str = ""
    kind: str = "text"
    decimals: int | None = None
    significant: int | None = None
    #: pandas dtype between stages (restricted tables); None: not checked (published CSV text)
    dtype: str | None = None
    #: disclosure role when it is not the kind's (``ROLES``)
    role: str = ""

    @property
    def disclosure_role(self) -> str:
        """What disclosure control makes of the column (``role``, else its kind's ``ROLES``)."""
        return self.role or ROLES[self.kind]

    def described(self, disclosure: Mapping, statistics: Mapping) -> Column:
        """The column with its description worded from the resolved config blocks."""
        return replace(self, description=fill(self.description, disclosure, statistics))


@dataclass(frozen=True)
class Rule:
    """Cells of the ``columns`` (names or shell patterns such as ``lower_*``) that do not apply to
    the rows where ``rows`` is true; shown as [z] when empty."""

    columns: tuple[str, ...]
    rows: Callable[[pd.DataFrame], pd.Series]
    why: str

    def applies_to(self, column: str) -> bool:
        """Whether the rule covers ``column``."""
        return any(fnmatch.fnmatchcase(column, pattern) for pattern in self.columns)


@dataclass(frozen=True)
class TableSpec:
    """A table that crosses a stage boundary: file stem, workbook sheet (published tables), title,
    one-line scope, columns, notes."""

    key: str
    sheet: str
    title: str
    scope: str
    columns: dict[str, Column]
    not_applicable: tuple[Rule, ...] = ()
    #: notes the whole table refers to (keys of the notes sheet), shown after the scope
    notes: tuple[str, ...] = ()
    #: column -> note key, shown under the column heading as [note N]
    column_notes: dict[str, str] = field(default_factory=dict)
    #: a restricted table (never published): no sheet, not in the data dictionary
    restricted: bool = False
    #: file of the table under the release's folder, e.g. ``restricted/cells.parquet``
    path: str = ""


# ------------------------------------------------------------------------------ shared columns


def col(heading: str, description: str, unit: str = "", kind: str = "text", **kw: Any) -> Column:
    """A column entry (``Column``) with its heading, description, unit and kind."""
    return Column(heading, description, unit, kind, **kw)


def ci_columns(
    prefix: str, of: str, unit: str, decimals: int, levels: Sequence[str] = ("95", "99.8")
) -> dict[str, Column]:
    """Lower and upper confidence limits of ``of`` at each level, named ``<prefix>lower_95`` etc."""
    out: dict[str, Column] = {}
    for level in levels:
        suffix = level.replace(".", "_")
        for side in ("lower", "upper"):
            out[f"{prefix}{side}_{suffix}"] = col(
                f"{of[0].upper()}{of[1:]}: {side} {level}% confidence limit",
                f"{side.capitalize()} limit of the {level}% confidence interval of the {of}",
                unit,
                "number",
                decimals=decimals,
            )
    return out


RELEASE = col("Release", "Name of the data release (config `release`)")
DATA = col(
    "Data",
    f'"{SYNTHETIC_NOTICE}" for a synthetic release; empty for a release of real births',
)
IMD_BASIS = col(
    "IMD quintiles",
    "Which deprivation quintiles the IMD quintile groups use: `national` (England-wide) or "
    "`local (within the study areas)` (config `deprivation.quintiles`)",
)
AREA_CODE = col(
    "Area code",
    "ONS code of the local authority where the mother lives; `ALL` = the study areas together",
)
AREA_NAME = col("Area name", "Name of the area; `All areas` = the study areas together")
OUTCOME = col(
    "Outcome",
    "Outcome code: "
    + "; ".join(f"`{code}` {label.lower()} ({text})" for code, (label, text) in OUTCOMES.items()),
)
DIMENSION = col(
    "Breakdown",
    "What the groups are: `overall`, `imd_quintile` (IMD quintile of the mother's neighbourhood, "
    "1 = most deprived), `ethnic_group` (mother's ethnic group, ONS 2021 high-level groups), "
    "`age_band` (mother's age), `year` (year of birth) or `imd_quintile_by_ethnic_group` "
    "(both together)",
)
#: The rates table's breakdowns: those of DIMENSION and the optional detailed ethnic groups.
RATES_DIMENSION = replace(
    DIMENSION,
    description=DIMENSION.description.removesuffix(")")
    + "); `ethnic_group_detailed` (ONS 2021 detailed ethnic groups, each within its high-level "
    "group) when config `ethnicity.detailed` is on",
)
GROUP = col(
    "Group",
    "The group within the breakdown; `All` for the whole population; for "
    "`imd_quintile_by_ethnic_group` it is `<quintile> | <ethnic group>`; `Unknown`/`Not stated` "
    "when the mother's neighbourhood or ethnicity is not known",
)
EVENTS = col(
    "Events",
    "Live births with the outcome, {rounded}",
    "births",
    "count",
)
DENOMINATOR = col(
    "Denominator",
    "Live births in the outcome's denominator (stated gestation or weight), {rounded}",
    "births",
    "count",
)
#: Disclosure role of the columns that mark a withheld row.
WITHHELD_MARKER = "disclosure marker: the row is withheld ([c])"
SUPPRESSED = col(
    "Suppressed",
    "`True` when disclosure control withheld the row's counts and the values derived from them "
    "({withheld}); not a column of the workbook, where the cells show [c]",
    kind="boolean",
    role=WITHHELD_MARKER,
)
FLAG = col(
    "Disclosure flag",
    "`c` when the row is withheld by disclosure control, otherwise empty; not a column of the "
    "workbook, where the withheld cells show [c]",
    role=WITHHELD_MARKER,
)
NOTE = col(
    "Note",
    "Why an estimate is missing or what it rests on (for example `too few events`, "
    "`[c] withheld to protect confidentiality`, or how many births the complete-case analysis left out); "
    "empty (`none` in the workbook) otherwise",
    kind="note",
)
RELIABILITY = col(
    "Reliability",
    "ONS small-number marker: `u` low reliability (fewer than {unreliable_below} events), `x` not "
    "calculated (fewer than {min_events} events); empty (`none` in the workbook) otherwise. The workbook shows [u] and [x]",
    kind="marker",
)
P_VALUE = col(
    "p-value",
    "Two-sided Wald p-value of the ratio against 1 (3 significant figures)",
    kind="number",
    significant=3,
)
MODEL_P_VALUE = col(
    "p-value",
    "Two-sided Wald p-value of the ratio against 1 (2 significant figures)",
    kind="number",
    significant=2,
)
N_BIRTHS = col(
    "Births in model",
    "Live births, total births or maternities (as the outcome counts them) in the model "
    "(complete cases), {rounded}",
    "births",
    "count",
)
N_EVENTS = col(
    "Events in model",
    "Births, deaths or maternities with the outcome in the model, {rounded}",
    "births",
    "count",
)
MODEL_TERM = col(
    "Variable",
    "The variable the ratio is for: `imd_quintile`, `ethnic_group`, `age_band` or `year`",
)
LEVEL = col("Level", "The level of the variable compared with the reference level")
REFERENCE = col("Reference level", "The level the ratio compares with (its ratio is 1)")
MODEL = col(
    "Model",
    "`crude`: the variable alone; `adjusted`: all the exposures together with the adjustment "
    "variables (config `models`)",
)
MEASURE_RATIO = col(
    "Measure", "`odds_ratio` (logistic regression) or `risk_ratio` (modified Poisson regression)"
)


def label_columns(*, imd: bool = True) -> dict[str, Column]:
    out = {"release": RELEASE, "data": DATA}
    if imd:
        out["imd_quintiles"] = IMD_BASIS
    return out


def ratio_table(ratio: str, name: str) -> dict[str, Column]:
    """Columns of a published ratio table: no log ratio or standard error (docs/models.md)."""
    return {
        **label_columns(),
        "area_code": AREA_CODE,
        "outcome": OUTCOME,
        "model": MODEL,
        "term": MODEL_TERM,
        "level": LEVEL,
        "reference": REFERENCE,
        ratio: col(
            name,
            f"{name} of the level against the reference level (crude: from the published counts "
            "of the Rates table; adjusted: fitted to the unrounded counts, 2 decimal places)",
            "ratio",
            "number",
            decimals=2,
        ),
        **ci_columns("", name.lower(), "ratio", 2, ("95",)),
        "p_value": MODEL_P_VALUE,
        "n_births": N_BIRTHS,
        "n_events": N_EVENTS,
        "note": NOTE,
    }


def rows_in(column: str, *values: str) -> Callable[[pd.DataFrame], pd.Series]:
    """Rows whose ``column`` is one of ``values``."""
    return lambda t: t[column].astype("string").isin(values).fillna(False)


def rows_not_in(column: str, *values: str) -> Callable[[pd.DataFrame], pd.Series]:
    """Rows whose ``column`` is none of ``values``."""
    return lambda t: ~t[column].astype("string").isin(values).fillna(False)


def not_suppressed(t: pd.DataFrame) -> pd.Series:
    """Rows not withheld by disclosure control."""
    return ~suppressed_rows(t)


# ------------------------------------------------------------------------------ cells and rows


def is_blank(value: Any) -> bool:
    """Whether a cell is empty (blank text, None or NaN)."""
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def is_true(value: Any) -> bool:
    """Whether a cell holds true (``True`` or the text ``true`` in any case)."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def suppressed_rows(table: pd.DataFrame) -> pd.Series:
    """Rows withheld by disclosure control (``suppressed`` true, ``flag`` c, or a models-table
    note that starts with the [c] marker)."""
    rows = pd.Series(False, index=table.index)
    if "suppressed" in table.columns:
        rows |= table["suppressed"].map(is_true).astype(bool)
    if "flag" in table.columns:
        rows |= table["flag"].astype("string").str.strip().eq("c").fillna(False)
    if "note" in table.columns:
        rows |= table["note"].astype("string").str.strip().str.startswith("[c]").fillna(False)
    return rows
