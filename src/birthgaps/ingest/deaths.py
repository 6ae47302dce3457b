"""The linked deaths extract: read through its own source mapping to ``baby_id`` + ``death_date``
and/or ``age_at_death_days``, checked, and joined onto the births on ``baby_id`` (docs/sources.md).

Every check is a row of the validation report naming the file, column, rule and count: deaths
not linked to a birth record and deaths of stillbirths are counted and dropped, identical
repeated death records are counted and one kept; conflicting repeats, or more than
``validation.implausible_share`` of deaths not linking (the wrong id column), stop the run.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pyarrow as pa

from birthgaps.core.codes import DEATH_COLUMNS
from birthgaps.core.errors import InputError
from birthgaps.ingest import parsing, raw_table, readers
from birthgaps.ingest.optional_columns import convert_optional
from birthgaps.ingest.plausibility import IMPLAUSIBLE_SHARE, implausible_columns
from birthgaps.ingest.sources import load_source
from birthgaps.ingest.validation import EXCLUSION, FATAL, INFO, Issue, mask_issue

#: Report rules of the deaths extract, in flow order: (rule, flow description).
LINK_RULES: dict[str, str] = {
    "deaths_read": "Death records in the deaths extract",
    "death_baby_id_missing": "Death records without a baby identifier (dropped)",
    "death_undated": "Death records with neither a date of death nor an age at death (dropped)",
    "death_duplicate": "Repeated identical death records of one baby (one kept)",
    "death_not_linked": "Deaths not linked to a birth record (dropped)",
    "death_of_stillbirth": "Deaths linked to a stillbirth record (dropped)",
    "deaths_linked": "Deaths linked to a live birth",
}


def _issue(file: str, column: str, rule: str, severity: str, rows: int, text: str) -> Issue:
    return Issue(file, column, rule, severity, rows, text)


def _columns(raw: raw_table.RawTable, source: dict) -> dict[str, pa.ChunkedArray]:
    """The deaths file's baby_id and death columns by canonical name (the source's map wins)."""
    mapped = {target: name for name, target in source["columns"].items()}
    out = {}
    for column in ["baby_id", *DEATH_COLUMNS]:
        name = mapped.get(column) if mapped.get(column) in raw.columns else column
        if name in raw.columns:
            out[column] = raw.data.column(raw.columns.index(name))
    return out


def read_deaths(
    path: str,
    source: str | dict | None,
    *,
    rule: str = "ingest",
    key: str = "deaths.source",
    years: list[int] | None = None,
    implausible_share: float = IMPLAUSIBLE_SHARE,
) -> tuple[pd.DataFrame, list[Issue]]:
    """The deaths extract as (baby_id, death_date, age_at_death_days) and its report rows."""
    source = load_source(source, key=key)
    try:
        raw = readers.read_table(
            path, source["reader"], date_format=source["date_format"], rule=rule, strict=False
        )
    except InputError as problem:
        rows = [
            _issue(
                path,
                problem.column or "",
                problem.check or "file_unreadable",
                FATAL,
                problem.rows,
                problem.problem,
            )
        ]
        return pd.DataFrame(), rows
    texts_raw = _columns(raw, source)
    lacking = [c for c in ("baby_id",) if c not in texts_raw]
    if not any(c in texts_raw for c in DEATH_COLUMNS):
        lacking.append(" or ".join(DEATH_COLUMNS))
    if lacking:
        shown = ", ".join(f"`{c}`" for c in raw.columns[:15])
        text = (
            f"the deaths extract lacks {', '.join(lacking)}. What to do: map the file's columns "
            f"in releases.<name>.deaths.source `columns` (the file has {shown})"
        )
        return pd.DataFrame(), [
            _issue(path, ", ".join(lacking), "columns_missing", FATAL, None, text)
        ]
    if raw.row_problem is not None:
        problem = raw.row_problem
        return pd.DataFrame(), [
            _issue(
                path, "", problem.check or "file_unreadable", FATAL, problem.rows, problem.problem
            )
        ]
    na_values = list(source["reader"]["na_values"])
    texts = {
        c: parsing.recode(parsing.text_values(a, na_values), c, source)
        for c, a in texts_raw.items()
    }
    raw_names = {target: name for name, target in source["columns"].items()}

    def where(column: str) -> str:
        name = raw_names.get(column)
        return f" (source column `{name}`)" if name and name != column else ""

    optional, unreadable, issues = convert_optional(
        {c: t for c, t in texts.items() if c in DEATH_COLUMNS},
        source,
        raw.n_rows,
        file=path,
        where=where,
    )
    deaths = pd.DataFrame(
        {"baby_id": parsing.strings(texts["baby_id"]), **{c: optional[c] for c in DEATH_COLUMNS}}
    )
    issues += implausible_columns(
        deaths,
        texts,
        unreadable,
        file=path,
        source=source,
        raw_names=raw_names,
        years=years,
        share=implausible_share,
    )
    for issue in issues:
        issue.example_rows = raw_table.user_rows(raw.row_numbers, issue.example_rows)
    issues.append(_issue(path, "", "deaths_read", INFO, raw.n_rows, LINK_RULES["deaths_read"]))
    return deaths, issues


def _repeats(deaths: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Issue]]:
    """One death record per baby: identical repeats counted and dropped; conflicting ones fatal."""
    issues = []
    exact = deaths.duplicated(keep="first").to_numpy(dtype=bool)
    if exact.any():
        issues.append(
            mask_issue(
                file, "baby_id", "death_duplicate", exact, LINK_RULES["death_duplicate"], EXCLUSION
            )
        )
    deaths = deaths.loc[~exact]
    conflict = deaths["baby_id"].duplicated(keep=False).to_numpy(dtype=bool)
    if conflict.any():
        n_babies = int(deaths.loc[conflict, "baby_id"].nunique())
        issue = mask_issue(
            file,
            "baby_id",
            "death_records_conflict",
            conflict,
            f"{n_babies:,} {'baby has' if n_babies == 1 else 'babies have'} death records that differ ({int(conflict.sum()):,} "
            "records). What to do: keep one death record per baby in the deaths extract",
        )
        issues.append(issue)
    return deaths, issues


def link_deaths(
    births: pd.DataFrame,
    deaths: pd.DataFrame,
    file: str,
    *,
    implausible_share: float = IMPLAUSIBLE_SHARE,
) -> tuple[pd.DataFrame, list[Issue]]:
    """The births with ``death_date`` and ``age_at_death_days`` from the deaths extract (joined on
    ``baby_id``) and the report rows of the link (LINK_RULES; fatal rows stop the run)."""
    issues: list[Issue] = []
    has_id = deaths["baby_id"].notna().to_numpy(dtype=bool)
    if (~has_id).any():
        issues.append(
            mask_issue(
                file,
                "baby_id",
                "death_baby_id_missing",
                ~has_id,
                LINK_RULES["death_baby_id_missing"],
                EXCLUSION,
            )
        )
    undated = deaths[DEATH_COLUMNS].isna().all(axis=1).to_numpy(dtype=bool) & has_id
    if undated.any():
        issues.append(
            mask_issue(
                file,
                ", ".join(DEATH_COLUMNS),
                "death_undated",
                undated,
                LINK_RULES["death_undated"],
                EXCLUSION,
            )
        )
    deaths, repeats = _repeats(deaths.loc[has_id & ~undated], file)
    issues += repeats
    if any(i.severity == FATAL for i in issues):
        return births, issues
    given = births[DEATH_COLUMNS].notna().any(axis=None)
    if given:
        issues.append(
            _issue(
                file,
                ", ".join(DEATH_COLUMNS),
                "deaths_given_twice",
                FATAL,
                None,
                "the birth extract already carries deaths and a deaths extract is configured. "
                "What to do: keep one source of deaths (unmap the birth extract's death "
                "columns, or remove releases.<name>.deaths)",
            )
        )
        return births, issues
    outcome = births.drop_duplicates("baby_id").set_index("baby_id")["birth_outcome"]
    linked_outcome = deaths["baby_id"].map(outcome)
    unlinked = linked_outcome.isna().to_numpy(dtype=bool)
    still = (linked_outcome == "still").to_numpy(dtype=bool, na_value=False)
    n = len(deaths)
    if unlinked.any():
        share = unlinked.sum() / n
        fatal = share > implausible_share
        text = LINK_RULES["death_not_linked"] + f": {int(unlinked.sum()):,} of {n:,} ({share:.0%})"
        if fatal:
            text = (
                f"{share:.0%} of the deaths ({int(unlinked.sum()):,} of {n:,}) match no baby "
                f"identifier of the births (more than validation.implausible_share, "
                f"{implausible_share:.0%}), so the wrong column is probably mapped to baby_id. "
                "What to do: "
                "map the deaths extract's baby identifier (the same identifier as the births) in "
                "releases.<name>.deaths.source"
            )
        issues.append(
            _issue(
                file,
                "baby_id",
                "death_not_linked",
                FATAL if fatal else EXCLUSION,
                int(unlinked.sum()),
                text,
            )
        )
        if fatal:
            return births, issues
    if still.any():
        issues.append(
            _issue(
                file,
                "baby_id",
                "death_of_stillbirth",
                EXCLUSION,
                int(still.sum()),
                LINK_RULES["death_of_stillbirth"],
            )
        )
    kept = deaths.loc[~unlinked & ~still].set_index("baby_id")
    issues.append(_issue(file, "", "deaths_linked", INFO, len(kept), LINK_RULES["deaths_linked"]))
    births = births.copy()
    for column in DEATH_COLUMNS:
        births[column] = births["baby_id"].map(kept[column]).astype(births[column].dtype)
    return births, issues


def join_deaths(
    births: pd.DataFrame,
    spec: Mapping,
    *,
    id_key: str,
    rule: str = "ingest",
    key: str = "deaths",
    years: list[int] | None = None,
    implausible_share: float = IMPLAUSIBLE_SHARE,
) -> tuple[pd.DataFrame, list[Issue]]:
    """Read a release's deaths extract (``{extract, source}``) and join it onto the births."""
    path = str(spec["extract"])
    if id_key != "baby_id":
        raise InputError(
            f"a deaths extract is joined on the baby's own identifier, but the births' source "
            f"builds record keys (id.key: {id_key})",
            file=path,
            key=f"{key}.extract",
            rule=rule,
            hint="use id.key: baby_id with an identifier shared by the births and the deaths",
        )
    deaths, issues = read_deaths(
        path,
        spec.get("source") or "canonical",
        rule=rule,
        key=f"{key}.source",
        years=years,
        implausible_share=implausible_share,
    )
    if any(i.severity == FATAL for i in issues):
        return births, issues
    births, linked = link_deaths(births, deaths, path, implausible_share=implausible_share)
    return births, issues + linked


def deaths_flow(report: pd.DataFrame) -> list[tuple[str, str, int]]:
    """Flow rows (step, description, count) of the deaths link from a validation report; none
    when the release has no deaths extract."""
    rows = report.loc[report["rule"].isin(list(LINK_RULES))]
    counts = {str(r.rule): int(r.rows) for r in rows.itertuples() if not pd.isna(r.rows)}
    if "deaths_read" not in counts:
        return []
    return [(rule, text, counts.get(rule, 0)) for rule, text in LINK_RULES.items()]
