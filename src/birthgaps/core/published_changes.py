"""The catalogue entry of ``tables/changes.csv`` (what changed since the previous release) and of
the workbook-only ``[r]`` column of the rates sheet, kept apart so ``published_tables`` stays small.
Every figure of the table is a published figure of one of the two releases, or the difference of
two published figures both shown (docs/disclosure.md, "Across releases")."""

from __future__ import annotations

from birthgaps.core.columns import (
    AREA_CODE,
    OUTCOME,
    Column,
    Rule,
    TableSpec,
    col,
    label_columns,
    rows_in,
    rows_not_in,
)

#: The kinds of change, in the order the table lists them.
CHANGE_KINDS: tuple[str, ...] = (
    "new",
    "revised",
    "verdict_changed",
    "newly_withheld",
    "newly_shown",
    "model_moved",
    "none",
)

CHANGES = TableSpec(
    key="changes",
    sheet="Changes",
    title="What changed since the previous release: new figures, revisions, changed verdicts, "
    "rows newly withheld or shown, and model estimates that moved",
    scope="One row per change, found by comparing this release's published tables with those of "
    "the release it follows (config `releases.<name>.previous`); every figure is a published "
    "figure of one of the two releases, or the difference of two published figures that were "
    "both shown. A release that follows none has one row saying so",
    columns={
        **label_columns(imd=False),
        "previous_release": col(
            "Previous release",
            "Name of the release this one is compared with; empty when it follows none",
        ),
        "change": col(
            "Change",
            "`new` (a year or period this release adds), `revised` (a figure of a year, period "
            "or group in both releases whose published value changed: marked [r]), "
            "`verdict_changed` (the comparison with the benchmark, or the recent trend, changed), "
            "`newly_withheld` / `newly_shown` (a row shown before and withheld now, or the "
            "other way round), `model_moved` (an odds or risk ratio that moved by more than the "
            "standard error of the previous estimate), or `none` (nothing to compare, or "
            "nothing changed)",
        ),
        "table": col(
            "Table",
            "The published table the figure is in: `rates`, `trends`, `models` (odds ratios) or "
            "`risk_ratios`",
        ),
        "area_code": AREA_CODE,
        "outcome": OUTCOME,
        "breakdown": col(
            "Breakdown",
            "The breakdown of the rates or trends row (its `dimension`), or the model and "
            "variable of a model estimate (for example `adjusted imd_quintile`)",
        ),
        "group": col(
            "Group", "The group within the breakdown, or the level of the model's variable"
        ),
        "figure": col(
            "Figure",
            "Which figure changed: `value`, `events`, `denominator`, `comparison` (with the "
            "benchmark), `trend` (recent-trend direction), `odds_ratio`, `risk_ratio`, or `row` "
            "(the whole row, newly withheld or shown)",
        ),
        "previous": col(
            "Previous release's figure",
            "The figure as the previous release published it; [c] when it withheld the row",
        ),
        "current": col(
            "This release's figure",
            "The figure as this release publishes it; [c] when it withholds the row",
        ),
        "revision": col(
            "Size of revision",
            "This release's figure minus the previous release's, both as published (for counts, "
            "the difference of the published, rounded counts); only where both releases showed "
            "the figure",
            "see Figure column",
            "number",
        ),
        "revised": col(
            "Revised",
            "`r` for a revised figure (the ONS [r] marker); empty otherwise",
            kind="marker",
        ),
        "note": col(
            "Note",
            "What the change means (for a moved estimate, by how many standard errors it moved); "
            "empty (`none` in the workbook) otherwise",
            kind="note",
        ),
    },
    not_applicable=(
        Rule(("previous",), rows_in("change", "new", "none"), "there was no such figure before"),
        Rule(("current", "figure", "group", "breakdown"), rows_in("change", "none"), "no change"),
        Rule(("table", "area_code", "outcome"), rows_in("change", "none"), "no change"),
        Rule(
            ("revision",),
            rows_not_in("change", "revised", "model_moved"),
            "only a revised figure or a moved estimate has a size of change",
        ),
    ),
)

#: Columns the workbook adds to a published table's sheet (not in its CSV): the rates sheet's
#: ``[r]`` column, from the changes table.
WORKBOOK_COLUMNS: dict[str, dict[str, Column]] = {
    "rates": {
        "revised": col(
            "Revised",
            "[r] when the value or a count of the row was revised since the previous release "
            "(Changes sheet); none otherwise",
            kind="marker",
        )
    }
}
