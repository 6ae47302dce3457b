"""Ingest: read a release's extract file(s) through its source mapping, convert them to the
canonical layout, validate with pandera and report every broken rule (docs/sources.md).

Conversion works on Arrow text columns (fast on a million rows); each value problem is counted with
its first row numbers, never shown with the values of identifying columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from birthgaps.core.codes import CANONICAL_COLUMNS, REQUIRED_COLUMNS
from birthgaps.core.errors import InputError
from birthgaps.ingest import raw_table, readers, residence
from birthgaps.ingest.convert import to_canonical
from birthgaps.ingest.deaths import join_deaths
from birthgaps.ingest.plausibility import IMPLAUSIBLE_SHARE
from birthgaps.ingest.sources import (
    READER_DEFAULTS,
    expected_columns,
    load_source,
    optional_present,
    source_missing_columns,
)
from birthgaps.ingest.validation import (
    EXCLUSION,
    FATAL,
    INFO,
    Issue,
    check_births,
    fatal_error,
    fatal_schema,
    mask_issue,
    report_frame,
    write_report,
)

RULE = "ingest"
CANONICAL_SCHEMA = fatal_schema()

REPORT_CSV = "validation_report.csv"
REPORT_HTML = "validation_report.html"

# --------------------------------------------------------------------------------------------
# Kept for the preflight check and older callers
# --------------------------------------------------------------------------------------------


def header_columns(path: str | Path, reader: dict | None = None) -> list[str]:
    """The column names of an extract without reading its rows (used by the preflight check)."""
    return readers.header_columns(path, {**READER_DEFAULTS, **(reader or {})}, rule=RULE)


def missing_columns(columns: list[str], column_map: dict[str, str]) -> list[str]:
    """Canonical columns absent after applying a plain column map (canonical source)."""
    renamed = {column_map.get(c, c) for c in columns}
    return [c for c in REQUIRED_COLUMNS if c not in renamed]


# --------------------------------------------------------------------------------------------
# Releases
# --------------------------------------------------------------------------------------------


def _problem_issue(problem: InputError, file: str) -> Issue:
    """A report row for a file that could not be read or mapped."""
    check = getattr(problem, "check", "file_unreadable")
    description = problem.problem + (f". What to do: {problem.hint}" if problem.hint else "")
    return Issue(
        file=file,
        column=problem.column or "",
        rule=check,
        severity=FATAL,
        rows=problem.rows,
        description=description,
        example_rows=getattr(problem, "example_rows", []),
    )


def missing_columns_hints(path: str, columns: list[str], source: dict) -> list[str]:
    """Advice for a file that lacks required columns (ingest and preflight): its unmapped columns,
    and the delimiter, header row or sheet that would hold them (``readers.column_hints``)."""
    wanted = set(expected_columns(source)) | set(source["columns"])
    unmapped = [c for c in columns if c not in wanted]
    hints = []
    if unmapped:
        shown = ", ".join(f"`{c}`" for c in unmapped[:15])
        hints.append(f"columns in the file that the source does not map: {shown}")
    names = [
        next((r for r, t in source["columns"].items() if t == c), c)
        for c in expected_columns(source)
    ]
    found = readers.column_hints(path, source["reader"], names)
    return hints + (
        found or ["add the columns to the extract or map their names in the source's `columns`"]
    )


def _columns_issue(raw: raw_table.RawTable, source: dict, missing: list[str]) -> Issue:
    """Missing required columns, with the file's unmapped columns and a header-row suggestion."""
    hints = missing_columns_hints(raw.path, raw.columns, source)
    return Issue(
        file=raw.path,
        column=", ".join(m.split(" (->")[0] for m in missing),
        rule="columns_missing",
        severity=FATAL,
        rows=None,
        description=f"required columns are missing: {', '.join(missing)}. What to do: "
        + "; ".join(hints),
    )


def _outcome_columns_issues(
    raw: raw_table.RawTable, source: dict, needs: Mapping[str, list[str]], deaths_given: bool
) -> list[Issue]:
    """A fatal issue for each enabled outcome whose optional columns the file does not carry."""
    present = set(optional_present(list(raw.columns), source))
    if deaths_given:
        present |= {"death_date", "age_at_death_days"}
    lacking: dict[str, list[str]] = {}
    for outcome, columns in needs.items():
        for column in columns:
            if not any(c in present for c in column.split(" or ")):
                lacking.setdefault(column, []).append(outcome)
    return [
        Issue(
            file=raw.path,
            column=column,
            rule="outcome_columns_missing",
            severity=FATAL,
            rows=None,
            description=f"the outcome(s) {', '.join(outcomes)} need column {column}, which the "
            "extract does not have. What to do: map the column in the release's source "
            "(docs/sources.md)"
            + (", or give a deaths extract (releases.<name>.deaths)" if "death" in column else "")
            + f", or remove {', '.join(outcomes)} from `outcomes`",
        )
        for column, outcomes in lacking.items()
    ]


def record_keys(births: pd.DataFrame, key: str, position: int) -> pd.Series:
    """``baby_id`` under the source's ``id.key``: as given, or prefixed by the file's position in
    the release (``2:<id>``), or built from it and the data row number (``2:r15``)."""
    if key == "file_and_id":
        return (f"{position}:" + births["baby_id"].astype("string")).astype("string")
    if key == "file_and_row":
        rows = pd.Series(np.arange(1, len(births) + 1)).astype("string")
        return (f"{position}:r" + rows).astype("string")
    return births["baby_id"]


def _cross_file_duplicates(frames: list[tuple[str, pd.DataFrame]]) -> list[Issue]:
    """Identifiers already used in an earlier file: the same record again is a duplicate (clean
    removes it); a different record is a collision that stops the run (files numbering their own
    records need ``id.key: file_and_id``). Counts only, never the identifiers."""
    issues = []
    earlier: list[tuple[str, np.ndarray, np.ndarray]] = []
    for file, births in frames:
        ids = births["baby_id"]
        # one 64-bit digest of the whole record, baby_id included: equal digests = the same record
        digest = pd.util.hash_pandas_object(births[CANONICAL_COLUMNS], index=False)
        id_digest = pd.util.hash_pandas_object(ids, index=False).to_numpy()
        has_id = ids.notna().to_numpy(dtype=bool)
        used = np.zeros(len(births), dtype=bool)
        same = np.zeros(len(births), dtype=bool)
        sharing = []
        for other, other_ids, other_digests in earlier:
            hit = has_id & np.isin(id_digest, other_ids)
            copy = np.isin(digest.to_numpy(), other_digests)
            used |= hit
            same |= copy
            if (hit & ~copy).any():
                sharing.append(Path(other).name)
        first = ~ids.duplicated(keep="first").to_numpy(dtype=bool)
        copies = used & same & first  # a repeat within the file is counted by duplicate_baby_id
        if copies.any():
            issue = mask_issue(
                file,
                "baby_id",
                "duplicate_baby_id_across_files",
                copies,
                "the same record (same identifier, same values) is already in an earlier file "
                "of the release (removed as a duplicate by clean)",
                EXCLUSION,
            )
            issues.append(issue)
        colliding = used & ~same
        if colliding.any():
            n_ids = int(ids[colliding].nunique())
            issue = mask_issue(
                file,
                "baby_id",
                "id_collision_across_files",
                colliding,
                f"{n_ids:,} baby identifiers of this file are also used in "
                f"{', '.join(sharing)} for a different record ({int(colliding.sum()):,} records). "
                "What to do: if each file numbers its own records (ids restarting at 1), set the "
                "source's `id: {key: file_and_id}` (or `file_and_row` when there is no id "
                "column); if the ids are shared, remove the conflicting records",
            )
            issue.rows = n_ids
            issues.append(issue)
        earlier.append((file, id_digest[has_id], digest.to_numpy()))
    return issues


def _area_not_stated(issues: list[Issue], definitions: dict | None) -> list[Issue]:
    """Records without an area stop the run when ``definitions.area_not_stated`` is ``stop``."""
    if (definitions or {}).get("area_not_stated") == "stop":
        for issue in issues:
            if issue.rule == "area_code_missing":
                issue.severity = FATAL
                issue.description += (
                    ". What to do: fill in the area (or the mother's LSOA when the area is "
                    "derived from it), or set definitions.area_not_stated: exclude"
                )
    return issues


def _with_source_names(issues: list[Issue], source: dict) -> list[Issue]:
    """Name the source's raw column in each description where it differs from the canonical one."""
    raw_names = {target: name for name, target in source["columns"].items()}
    for issue in issues:
        name = raw_names.get(issue.column)
        if name and name != issue.column and "source column" not in issue.description:
            issue.description += f" (source column `{name}`)"
    return issues


def ingest_release(
    files: list[str] | str,
    source: str | dict | None = None,
    *,
    rule: str = RULE,
    definitions: dict | None = None,
    report_dir: str | Path | None = None,
    report_title: str = "Validation report",
    years: list[int] | None = None,
    implausible_share: float = IMPLAUSIBLE_SHARE,
    area_lookup: pd.DataFrame | None = None,
    deaths: Mapping | None = None,
    needs: Mapping[str, list[str]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read, map and validate a release's file(s); return (canonical births, validation report).

    Files are combined in order and must have the same columns. ``baby_id`` becomes the source's
    record key (``id.key``); ``area_lookup`` (birthgaps.ingest.residence) derives or checks the area. Every file is checked before
    stopping, so the report lists every broken rule. On a fatal rule the report is written to
    ``report_dir`` (when given) and an ``InputError`` names the file, column, rule and count.
    A column with more than ``implausible_share`` of its values implausible (birth dates outside
    ``years`` when given) stops the run as the wrong column or unit (``birthgaps.ingest.plausibility``).
    ``deaths`` (``{extract, source}``, config ``releases.<name>.deaths``) is a deaths extract joined
    onto the births on ``baby_id`` (``birthgaps.ingest.deaths``; its counts are report rows).
    ``needs`` (``core.outcomes.extract_needs``): optional columns each enabled outcome needs; a file
    without them stops the run (``outcome_columns_missing``) rather than publish an empty outcome.
    """
    files = [str(f) for f in ([files] if isinstance(files, str | Path) else files)]
    if not files:
        raise InputError("the release names no extract file", rule=rule, key="extract")
    source = load_source(source)
    issues: list[Issue] = []
    frames: list[tuple[str, pd.DataFrame]] = []
    reference: tuple[str, list[str]] | None = None
    numbers: dict[str, np.ndarray | None] = {}  # each file's row numbers as the user sees them
    for position, path in enumerate(files, start=1):
        try:
            raw = readers.read_table(
                path, source["reader"], date_format=source["date_format"], rule=rule, strict=False
            )
        except InputError as problem:
            issues.append(_problem_issue(problem, path))
            continue
        if reference and set(raw.columns) != set(reference[1]):
            lacking = [c for c in reference[1] if c not in raw.columns]
            extra = [c for c in raw.columns if c not in reference[1]]
            detail = "; ".join(
                part
                for part in (
                    f"lacks {', '.join(lacking)}" if lacking else "",
                    f"has extra {', '.join(extra)}" if extra else "",
                )
                if part
            )
            issues.append(
                Issue(
                    path,
                    ", ".join(lacking + extra),
                    "columns_differ",
                    FATAL,
                    None,
                    f"the columns differ from those of the first file ({Path(reference[0]).name}): "
                    f"{detail}. What to do: give every file of a release the same columns",
                )
            )
            continue
        reference = reference or (path, raw.columns)
        missing = source_missing_columns(raw.columns, source)
        if missing:
            issues.append(_columns_issue(raw, source, missing))
            continue
        issues.extend(_outcome_columns_issues(raw, source, needs or {}, deaths is not None))
        if raw.row_problem is not None:
            issues.append(_problem_issue(raw.row_problem, path))
            continue
        births, problems, failed = to_canonical(
            raw,
            source,
            definitions=definitions,
            years=years,
            implausible_share=implausible_share,
        )
        births["baby_id"] = record_keys(births, source["id"]["key"], position)
        births, area_issues = residence.apply_area(births, source, area_lookup, path)
        problems += area_issues
        checked = check_births(births, path, definitions, skip_columns=failed)
        problems += _with_source_names(_area_not_stated(checked, definitions), source)
        numbers[path] = raw.row_numbers
        for issue in problems:
            issue.example_rows = raw_table.user_rows(raw.row_numbers, issue.example_rows)
        issues.extend(problems)
        encoding = f", {raw.encoding}" if raw.encoding else ""
        issues.append(
            Issue(
                path, "", "records_read", INFO, raw.n_rows, f"records read ({raw.format}{encoding})"
            )
        )
        frames.append((path, births))
    for issue in _cross_file_duplicates(frames):
        issue.example_rows = raw_table.user_rows(numbers[issue.file], issue.example_rows)
        issues.append(issue)
    births = None
    if frames and not any(issue.severity == FATAL for issue in issues):
        births = pd.concat([b for _, b in frames], ignore_index=True)
        if deaths:
            births, linked = join_deaths(
                births,
                deaths,
                id_key=source["id"]["key"],
                rule=rule,
                years=years,
                implausible_share=implausible_share,
            )
            issues.extend(linked)
    order = [str(f) for f in files] + ([str(deaths["extract"])] if deaths else [])
    report = report_frame(issues, order)
    if (report["severity"] == FATAL).any():
        written = None
        if report_dir is not None:
            report_dir = Path(report_dir)
            write_report(
                report, report_dir / REPORT_CSV, report_dir / REPORT_HTML, title=report_title
            )
            written = str(report_dir / REPORT_HTML)
        raise fatal_error(report, rule=rule, written_to=written)
    return births, report


def read_extract(
    path: str | Path, column_map: dict[str, str] | None = None, *, source: str | dict | None = None
) -> pd.DataFrame:
    """Read one extract into the canonical layout; stop with an ``InputError`` on fatal problems."""
    resolved = load_source(source, column_map=column_map)
    births, _ = ingest_release([str(path)], resolved)
    return births


def validate_extract(births: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    """Check a canonical table against the fatal rules; stop with an ``InputError`` if any break."""
    issues = check_births(births, str(path))
    report = report_frame([i for i in issues if i.severity == FATAL])
    if len(report):
        raise fatal_error(report, rule=RULE)
    return births
