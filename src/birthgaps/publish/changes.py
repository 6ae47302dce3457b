"""What changed since the previous release, from the two releases' published tables alone.

Enters: this release's published rates, trends and model tables (CSV text) and, for a release
that follows another (``releases.<name>.previous``), the same tables as that release published
them. Leaves: ``tables/changes.csv`` (catalogue entry ``core.published_changes.CHANGES``): one row
per new figure, revision, changed verdict, row newly withheld or shown, and model estimate that
moved by more than its previous standard error; and the rates sheet's [r] flags for the workbook.
Nothing restricted is read, and a size of revision is only ever the difference of two figures
both releases showed, so the table tells no one anything the two publications do not.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from birthgaps.core.catalogue import describe_column, table_spec
from birthgaps.core.columns import is_blank, suppressed_rows
from birthgaps.core.errors import InputError
from birthgaps.core.published_changes import CHANGE_KINDS

#: The published tables the comparison reads (file stems under ``tables/``).
COMPARED = ("rates", "trends", "models", "risk_ratios")

#: The input of the changes rule holding each compared table of the previous release (the
#: ``previous_files`` names, prefixed as the Snakefile's ``PREVIOUS``).
PREVIOUS_INPUTS: dict[str, str] = {
    "rates": "previous_rates",
    "trends": "previous_trends",
    "models": "previous_model_models",
    "risk_ratios": "previous_model_risk_ratios",
}

#: Keys of a row of the rates and trends tables, and of a model estimate.
ROW_KEYS = ("area_code", "outcome", "dimension", "group")
MODEL_KEYS = ("area_code", "outcome", "model", "term", "level")

#: Figures of a rates row compared for a revision.
REVISED_FIGURES = ("value", "events", "denominator")

#: The ratio column of each model table.
RATIO = {"models": "odds_ratio", "risk_ratios": "risk_ratio"}

#: The normal quantile of the published 95% limits (a standard error from their log width).
Z95 = 1.959963984540054

WITHHELD = "[c]"


def _text(value: object) -> str:
    return "" if is_blank(value) else str(value).strip()


def _number(value: object) -> float | None:
    try:
        number = float(_text(value))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _years(rates: pd.DataFrame) -> dict[tuple[str, str], frozenset[str]]:
    """The year (or period) groups of each area and outcome: the period a table covers."""
    rows = rates[rates["dimension"].astype(str) == "year"]
    return {
        key: frozenset(part["group"].astype(str))
        for key, part in rows.groupby(["area_code", "outcome"], sort=False)
    }


def _indexed(table: pd.DataFrame, keys: tuple[str, ...]) -> dict[tuple, dict]:
    """Each row (a dict, with ``_withheld``) by its key."""
    withheld = suppressed_rows(table).to_numpy()
    names = [*table.columns, "_withheld"]
    values = table.to_numpy(dtype=object)  # plain objects: iterating arrow strings is slow
    rows = [
        dict(zip(names, (*row, hidden), strict=True))
        for row, hidden in zip(values, withheld, strict=True)
    ]
    return {tuple(str(row[k]) for k in keys): row for row in rows}


def _row(change: str, table: str, key: tuple, figure: str, **fields: object) -> dict:
    area, outcome, breakdown, group = key
    return {
        "change": change,
        "table": table,
        "area_code": area,
        "outcome": outcome,
        "breakdown": breakdown,
        "group": group,
        "figure": figure,
        **fields,
    }


def _difference(now: float, then: float, table: str, figure: str) -> str:
    """``now - then`` written to the column's published precision (whole numbers for counts)."""
    column = describe_column(table, figure)
    if column.kind == "count":
        return str(int(round(now - then)))
    decimals = column.decimals if column.decimals is not None else 2
    return f"{round(now - then, decimals) + 0.0:.{decimals}f}"


def rate_changes(current: pd.DataFrame, previous: pd.DataFrame) -> list[dict]:
    """New, revised, newly withheld or shown rates rows and changed comparisons with the
    benchmark. A whole-period row is revised only when both releases cover the same years."""
    out: list[dict] = []
    now, then = _indexed(current, ROW_KEYS), _indexed(previous, ROW_KEYS)
    years_now, years_then = _years(current), _years(previous)
    for key, row in now.items():
        old = then.get(key)
        if old is None:
            if key[2] == "year":
                shown = _text(row["value"]) if not row["_withheld"] else WITHHELD
                out.append(_row("new", "rates", key, "value", current=shown))
            continue
        if old["_withheld"] != row["_withheld"]:
            withheld = bool(row["_withheld"])
            out.append(
                _row(
                    "newly_withheld" if withheld else "newly_shown",
                    "rates",
                    key,
                    "row",
                    previous=WITHHELD if not withheld else _text(old["value"]),
                    current=WITHHELD if withheld else _text(row["value"]),
                )
            )
            continue
        if row["_withheld"]:
            continue  # withheld in both: nothing published to compare
        same_period = key[2] == "year" or years_now.get(key[:2]) == years_then.get(key[:2])
        for figure in REVISED_FIGURES if same_period else ():
            a, b = _number(old[figure]), _number(row[figure])
            if a is None or b is None or a == b:
                continue
            out.append(
                _row(
                    "revised",
                    "rates",
                    key,
                    figure,
                    previous=_text(old[figure]),
                    current=_text(row[figure]),
                    revision=_difference(b, a, "rates", figure),
                    revised="r",
                )
            )
        was, now_word = _text(old.get("comparison")), _text(row.get("comparison"))
        if was and now_word and was != now_word:
            out.append(
                _row("verdict_changed", "rates", key, "comparison", previous=was, current=now_word)
            )
    return out


def trend_changes(current: pd.DataFrame, previous: pd.DataFrame) -> list[dict]:
    """Recent trends whose direction changed (both calculated or not, as published)."""
    out: list[dict] = []
    then = _indexed(previous, ROW_KEYS)
    for key, row in _indexed(current, ROW_KEYS).items():
        old = then.get(key)
        if old is None:
            continue
        was, now = _text(old["direction"]), _text(row["direction"])
        if was and now and was != now:
            out.append(_row("verdict_changed", "trends", key, "trend", previous=was, current=now))
    return out


def _log_se(row: dict) -> float | None:
    """The standard error of a published ratio's log, from its published 95% limits."""
    lower, upper = _number(row["lower_95"]), _number(row["upper_95"])
    if lower is None or upper is None or lower <= 0 or upper <= lower:
        return None
    return (math.log(upper) - math.log(lower)) / (2 * Z95)


def model_changes(table: str, current: pd.DataFrame, previous: pd.DataFrame) -> list[dict]:
    """Odds or risk ratios that moved by more than the standard error of the previous estimate
    (on the log scale, from its published 95% limits)."""
    out: list[dict] = []
    ratio = RATIO[table]
    then = _indexed(previous, MODEL_KEYS)
    for key, row in _indexed(current, MODEL_KEYS).items():
        old = then.get(key)
        if old is None or old["_withheld"] or row["_withheld"]:
            continue
        a, b, se = _number(old[ratio]), _number(row[ratio]), _log_se(old)
        if a is None or b is None or se is None or a <= 0 or b <= 0 or se == 0:
            continue
        moved = abs(math.log(b) - math.log(a)) / se
        if moved <= 1:
            continue
        area, outcome, model, term, level = key
        out.append(
            _row(
                "model_moved",
                table,
                (area, outcome, f"{model} {term}", level),
                ratio,
                previous=_text(old[ratio]),
                current=_text(row[ratio]),
                revision=_difference(b, a, table, ratio),
                note=f"moved by {moved:.1f} standard errors of the previous estimate",
            )
        )
    return out


def compare_releases(
    current: Mapping[str, pd.DataFrame],
    previous: Mapping[str, pd.DataFrame] | None,
    *,
    release: str,
    previous_release: str = "",
) -> pd.DataFrame:
    """The changes table of ``release`` against ``previous`` (both: key of ``COMPARED`` -> the
    published table as read from its CSV, text). Without a previous release, one ``none`` row
    saying there is nothing to compare; with one and nothing changed, one ``none`` row too."""
    columns = list(table_spec("changes").columns)
    rates = current["rates"]
    data = _text(rates["data"].iloc[0]) if "data" in rates.columns and len(rates) else ""
    rows: list[dict] = []
    if previous is not None:
        rows += rate_changes(current["rates"], previous["rates"])
        rows += trend_changes(current["trends"], previous["trends"])
        for table in RATIO:
            rows += model_changes(table, current[table], previous[table])
    if not rows:
        note = (
            f"nothing changed since the release {previous_release}"
            if previous is not None
            else "this release follows no other release (config releases.<name>.previous), so "
            "there is nothing to compare"
        )
        rows = [{"change": "none", "note": note}]
    out = pd.DataFrame([dict.fromkeys(columns, "") | row for row in rows], columns=columns)
    out["release"], out["data"], out["previous_release"] = release, data, previous_release
    order = {kind: i for i, kind in enumerate(CHANGE_KINDS)}
    out = out.assign(_order=out["change"].map(order)).sort_values(
        ["_order", "table", "area_code", "outcome", "breakdown", "group", "figure"], kind="stable"
    )
    return out.drop(columns="_order").reset_index(drop=True)[columns]


def flag_revised(rates: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """The rates table with a ``revised`` column after ``value``: ``r`` on each row with a
    revised figure in ``changes``, empty otherwise (for the workbook's rates sheet)."""
    revised = changes[(changes["change"] == "revised") & (changes["table"] == "rates")]
    keys = set(
        zip(
            revised["area_code"],
            revised["outcome"],
            revised["breakdown"],
            revised["group"],
            strict=True,
        )
    )
    columns = [rates[k].astype(str) for k in ROW_KEYS]
    flags = ["r" if key in keys else "" for key in zip(*columns, strict=True)]
    out = rates.copy()
    out.insert(list(out.columns).index("value") + 1, "revised", flags)
    return out


#: The columns the comparison reads of each table.
NEEDED: dict[str, tuple[str, ...]] = {
    "rates": (*ROW_KEYS, *REVISED_FIGURES, "comparison", "suppressed", "flag"),
    "trends": (*ROW_KEYS, "direction"),
    "models": (*MODEL_KEYS, "odds_ratio", "lower_95", "upper_95", "note"),
    "risk_ratios": (*MODEL_KEYS, "risk_ratio", "lower_95", "upper_95", "note"),
}


def _read(path: str | Path, key: str) -> pd.DataFrame:
    """A published table as text; one lacking a column the comparison needs stops the rule."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in NEEDED[key] if c not in table.columns]
    if missing:
        raise InputError(
            f"the published {key} table lacks the column(s) {', '.join(missing)} the comparison "
            "with the previous release needs",
            file=str(path),
            column=", ".join(missing),
            rule="changes",
            rows=len(table),
            hint="re-run the release that wrote it with this version of birthgaps",
        )
    return table


def changes_step(
    current: Mapping[str, str | Path],
    previous: Mapping[str, str | Path] | None,
    out: str | Path,
    *,
    release: str,
    previous_release: str = "",
) -> None:
    """The changes rule: the published tables of this release (and of the previous one, key of
    ``COMPARED`` -> CSV path; None when the release follows none) in, ``tables/changes.csv`` out."""
    now = {key: _read(current[key], key) for key in COMPARED}
    then = {key: _read(previous[key], key) for key in COMPARED} if previous else None
    table = compare_releases(now, then, release=release, previous_release=previous_release)
    table.to_csv(out, index=False)
