"""Validation of the canonical births table with pandera, and the validation report.

Every broken rule becomes one report row per file: the column, the rule, its severity, how many
rows break it and the first row numbers (never values of identifying columns). ``fatal`` rules stop
the run; ``exclusion`` rules are reported here and counted in the exclusion flow by ``clean``.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from birthgaps.core.codes import CANONICAL_COLUMNS
from birthgaps.core.errors import InputError
from birthgaps.core.settings import schema_defaults
from birthgaps.ingest.ethnicity_labels import ETHNIC_CODES

FATAL = "fatal"
EXCLUSION = "exclusion"
INFO = "info"
SEVERITY_ORDER = {FATAL: 0, EXCLUSION: 1, INFO: 2}

#: Columns of the report table (docs/sources.md).
REPORT_COLUMNS = ["file", "column", "rule", "severity", "rows", "example_rows", "description"]
#: Columns whose values never appear in a report or message.
IDENTIFYING_COLUMNS = ("baby_id", "birth_date", "mother_lsoa")
#: How many row numbers each report row lists.
EXAMPLE_ROWS = 10
#: What the example row numbers mean (report header, error messages).
ROW_NUMBERS = (
    "Row numbers are those you see when you open the file: the line number of a CSV file (the "
    "header line, blank lines and line breaks inside quoted values counted; line 1 is the first "
    "line) and the row number of a spreadsheet (row 1 is the top row of the sheet); for parquet, "
    "the position of the record (1 = first)"
)
ROW_NUMBERS_SHORT = "CSV line numbers or sheet row numbers, as shown in an editor or in Excel"

#: dtype of each optional canonical column (codes.OPTIONAL_COLUMNS) in the staged births.
OPTIONAL_DTYPES: dict[str, str] = {
    "maternity_id": "string",
    "delivery_method": "string",
    "booking_gestation_days": "Int64",
    "smoking_at_delivery": "boolean",
    "mother_bmi": "Float64",
    "death_date": "datetime64[ns]",
    "age_at_death_days": "Int64",
}
#: Defaults of the thresholds used by exclusion rules (config ``definitions`` overrides them).
DEFINITION_DEFAULTS = {
    "gestation_min_weeks": 22,
    "gestation_max_weeks": 44,
    "gestation_sentinels": [99],
    "birth_weight_min_g": 250,
    "birth_weight_max_g": 6500,
    "birth_weight_sentinels": [9999],
    **{
        key: schema_defaults("definitions")[key]
        for key in ("bmi_min", "bmi_max", "bmi_sentinels", "booking_max_weeks")
    },
}
#: How many distinct ethnicity labels a report row lists, and how many characters of each.
LABELS_LISTED = 20
LABEL_CHARS = 40
LSOA_PATTERN = r"[A-Z][0-9]{8}"
PLURALITY_RANGE = (1, 8)
MOTHER_AGE_RANGE = (10, 65)


@dataclass
class Issue:
    """One broken rule in one file."""

    file: str
    column: str
    rule: str
    severity: str
    rows: int | None
    description: str
    example_rows: list[int] = field(default_factory=list)

    def record(self) -> dict:
        return {
            "file": self.file,
            "column": self.column,
            "rule": self.rule,
            "severity": self.severity,
            "rows": self.rows,
            "example_rows": ", ".join(str(r) for r in self.example_rows[:EXAMPLE_ROWS]),
            "description": self.description,
        }


# --------------------------------------------------------------------------------------------
# pandera schemas
# --------------------------------------------------------------------------------------------


def _check(fn, name: str, description: str, *, ignore_na: bool = True) -> pa.Check:
    """A named vectorised pandera check; ``description`` is the report's wording."""
    return pa.Check(fn, name=name, error=description, ignore_na=ignore_na)


def _present(name: str, description: str) -> pa.Check:
    return _check(lambda s: s.notna(), name, description, ignore_na=False)


def fatal_schema() -> pa.DataFrameSchema:
    """Rules whose breach stops the run: layout, types and values that would give wrong numbers."""
    plural_lo, plural_hi = PLURALITY_RANGE
    age_lo, age_hi = MOTHER_AGE_RANGE
    return pa.DataFrameSchema(
        {
            "baby_id": pa.Column(
                "string", _present("baby_id_missing", "baby identifier missing"), nullable=True
            ),
            "birth_date": pa.Column("datetime64[ns]", nullable=True),
            "birth_outcome": pa.Column(
                "string",
                _check(
                    lambda s: s.isin(["live", "still"]).fillna(False),
                    "birth_outcome_code",
                    "birth outcome missing or not recognised as live birth or stillbirth "
                    "(add a recode for the source's values)",
                    ignore_na=False,
                ),
                nullable=True,
            ),
            "gestation_weeks": pa.Column("Int64", nullable=True),
            "gestation_days": pa.Column("Int64", nullable=True),
            "birth_weight_g": pa.Column("Int64", nullable=True),
            "baby_sex": pa.Column(
                "string",
                _check(
                    lambda s: s.isin(["M", "F", "U"]),
                    "sex_code",
                    "sex not recognised as M, F or U (add a recode for the source's values)",
                ),
                nullable=True,
            ),
            "plurality": pa.Column(
                "Int64",
                _check(
                    lambda s: s.between(plural_lo, plural_hi),
                    "plurality_range",
                    f"number of babies in the delivery outside {plural_lo}-{plural_hi}",
                ),
                nullable=True,
            ),
            "mother_age": pa.Column(
                "Int64",
                _check(
                    lambda s: s.between(age_lo, age_hi),
                    "mother_age_range",
                    f"mother's age outside {age_lo}-{age_hi} years (a sentinel code? map it "
                    "to missing with a recode)",
                ),
                nullable=True,
            ),
            "mother_ethnic_category": pa.Column("string", nullable=True),
            "mother_lsoa": pa.Column("string", nullable=True),
            "area_code": pa.Column("string", nullable=True),
            **{
                column: pa.Column(dtype, nullable=True, required=False)
                for column, dtype in OPTIONAL_DTYPES.items()
            },
        },
        strict=True,
        ordered=True,
        name="canonical births (fatal rules)",
    )


def exclusion_schema(definitions: dict | None = None) -> pa.DataFrameSchema:
    """Rules whose breach is reported here and counted by ``clean`` (the birth stays in the table)."""
    d = {**DEFINITION_DEFAULTS, **(definitions or {})}
    g_lo, g_hi, g_sent = (
        d["gestation_min_weeks"],
        d["gestation_max_weeks"],
        d["gestation_sentinels"],
    )
    w_lo, w_hi, w_sent = (
        d["birth_weight_min_g"],
        d["birth_weight_max_g"],
        d["birth_weight_sentinels"],
    )
    not_stated = ["Z", "99"]
    return pa.DataFrameSchema(
        {
            "baby_id": pa.Column(
                "string",
                _check(
                    lambda s: ~s.duplicated(keep="first") | s.isna(),
                    "duplicate_baby_id",
                    "repeated baby identifier (later records are removed by clean)",
                ),
                nullable=True,
            ),
            "birth_date": pa.Column(
                "datetime64[ns]",
                _present("birth_date_missing", "birth date missing (outside the release years)"),
                nullable=True,
            ),
            "gestation_weeks": pa.Column(
                "Int64",
                [
                    _present("gestation_missing", "gestation not stated"),
                    _check(
                        lambda s: ~s.isin(g_sent),
                        "gestation_sentinel",
                        f"gestation holds a 'not known' code ({', '.join(map(str, g_sent))})",
                    ),
                    _check(
                        lambda s: s.between(g_lo, g_hi) | s.isin(g_sent),
                        "gestation_out_of_range",
                        f"gestation outside {g_lo}+0 to {g_hi}+6 weeks",
                    ),
                ],
                nullable=True,
            ),
            "gestation_days": pa.Column(
                "Int64",
                _check(
                    lambda s: s.between(0, 6),
                    "gestation_days_out_of_range",
                    "days of gestation outside 0-6",
                ),
                nullable=True,
            ),
            "birth_weight_g": pa.Column(
                "Int64",
                [
                    _present("birth_weight_missing", "birth weight not stated"),
                    _check(
                        lambda s: ~s.isin(w_sent),
                        "birth_weight_sentinel",
                        f"birth weight holds a 'not known' code ({', '.join(map(str, w_sent))})",
                    ),
                    _check(
                        lambda s: s.between(w_lo, w_hi) | s.isin(w_sent),
                        "birth_weight_out_of_range",
                        f"birth weight outside {w_lo:,}-{w_hi:,} g",
                    ),
                ],
                nullable=True,
            ),
            "mother_age": pa.Column(
                "Int64", _present("mother_age_missing", "mother's age missing"), nullable=True
            ),
            "mother_ethnic_category": pa.Column(
                "string",
                [
                    _check(
                        lambda s: s.notna() & ~s.isin(not_stated),
                        "ethnicity_not_stated",
                        "ethnicity missing, not stated (Z) or not known (99)",
                        ignore_na=False,
                    ),
                    _check(
                        lambda s: s.isin(ETHNIC_CODES) | s.isin(not_stated),
                        "ethnic_code_unknown",
                        "ethnic category not an NHS code A-S, Z or 99 (counted as unrecognised)",
                    ),
                ],
                nullable=True,
            ),
            "mother_lsoa": pa.Column(
                "string",
                [
                    _present("lsoa_missing", "mother's LSOA missing"),
                    _check(
                        lambda s: s.str.fullmatch(LSOA_PATTERN),
                        "lsoa_code_format",
                        "mother's LSOA is not a 9-character LSOA code (it will not match)",
                    ),
                ],
                nullable=True,
            ),
            "area_code": pa.Column(
                "string",
                _present(
                    "area_code_missing",
                    "area of residence not stated (counted by clean: definitions.area_not_stated)",
                ),
                nullable=True,
            ),
        },
        name="canonical births (exclusion rules)",
    )


def _schema_issues(
    schema: pa.DataFrameSchema, frame: pd.DataFrame, file: str, severity: str
) -> list[Issue]:
    """Validate lazily and turn pandera's failure cases into one issue per (column, rule)."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    # pandera names a failed check by its error text when one is given; map it back to the rule.
    checks = [check for column in schema.columns.values() for check in column.checks]
    names = {**{c.error: c.name for c in checks}, **{c.name: c.name for c in checks}}
    descriptions = {c.name: c.error for c in checks}
    issues = []
    for (column, check), group in cases.groupby(["column", "check"], sort=False, dropna=False):
        index = pd.to_numeric(group["index"], errors="coerce").dropna().astype("int64")
        rows = sorted(set(index.tolist()))
        name = names.get(str(check), str(check))
        issues.append(
            Issue(
                file=file,
                column="" if pd.isna(column) else str(column),
                rule=name,
                severity=severity,
                rows=len(rows) if rows else None,
                description=descriptions.get(name) or f"pandera check failed: {name}",
                example_rows=[r + 1 for r in rows[:EXAMPLE_ROWS]],
            )
        )
    return issues


def check_births(
    births: pd.DataFrame,
    file: str,
    definitions: dict | None = None,
    *,
    skip_columns: Iterable[str] = (),
) -> list[Issue]:
    """Fatal and exclusion rules of one file's canonical births (index = data row - 1).

    Columns in ``skip_columns`` already failed conversion; their value rules are not re-counted.
    """
    skip = set(skip_columns)
    fatal = fatal_schema()
    exclusion = exclusion_schema(definitions)
    for column in skip:
        if column in fatal.columns:
            fatal = fatal.update_column(column, checks=[])
        if column in exclusion.columns:
            exclusion = exclusion.remove_columns([column])
    issues = _schema_issues(fatal, births, file, FATAL) + _schema_issues(
        exclusion, births, file, EXCLUSION
    )
    for issue in issues:
        if issue.rule == "ethnic_code_unknown":
            issue.description = _unknown_ethnicity(births["mother_ethnic_category"])
    return issues


# --------------------------------------------------------------------------------------------
# Ethnicity labels: listed by text with counts (a label is not identifying; rows alone are no help)
# --------------------------------------------------------------------------------------------


def _quoted(label: str) -> str:
    """A label in double quotes, cut to ``LABEL_CHARS`` characters."""
    text = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "\u2026"
    return json.dumps(text, ensure_ascii=False)


def label_list(counts: dict[str, int], codes: dict[str, str] | None = None) -> str:
    """'"Kurdish" (3), "Martian" (1)': distinct labels, most frequent first, at most
    ``LABELS_LISTED``, each with its code (``codes``) when given."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = [
        _quoted(label) + (f" -> {codes[label]}" if codes else "") + f" ({n:,})"
        for label, n in ranked[:LABELS_LISTED]
    ]
    more = len(ranked) - LABELS_LISTED
    return ", ".join(shown) + (f" and {more} more labels" if more > 0 else "")


def _unknown_ethnicity(values: pd.Series) -> str:
    """The ``ethnic_code_unknown`` description: each unrecognised value with its count."""
    counts = values[values.notna() & ~values.isin(ETHNIC_CODES)].value_counts()
    counts = {str(k): int(v) for k, v in counts.items()}
    first = _quoted(min(counts, key=lambda k: (-counts[k], k))) if counts else '"<label>"'
    return (
        "ethnic category not an NHS code A-S, Z or 99 (counted as unrecognised): "
        f"{label_list(counts)}. What to do: give each label its NHS code in the release's "
        'source, source.ethnicity.labels: {"<label>": <code>} (with ethnicity.format: labels), '
        f"e.g. {{{first}: <code>}}"
    )


def ethnicity_by_heading_issue(file: str, labels: dict[str, tuple[str, int]]) -> Issue:
    """INFO row of labels read by their group heading only ("White - Eastern European" -> C):
    label -> (code, rows), for the analyst to check."""
    counts = {label: n for label, (_, n) in labels.items()}
    codes = {label: code for label, (code, _) in labels.items()}
    return Issue(
        file=file,
        column="mother_ethnic_category",
        rule="ethnicity_by_heading",
        severity=INFO,
        rows=sum(counts.values()),
        description="labels whose detail is not a listed category, read by their group heading "
        f'as the group\'s "any other" category: {label_list(counts, codes)}. What to do: check '
        'them; map one otherwise with source.ethnicity.labels: {"<label>": <code>}',
    )


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def mask_issue(
    file: str, column: str, rule: str, mask: np.ndarray, description: str, severity: str = FATAL
) -> Issue:
    """A report row for the records where ``mask`` holds: their count and first row numbers."""
    rows = np.flatnonzero(mask)
    return Issue(
        file=file,
        column=column,
        rule=rule,
        severity=severity,
        rows=int(len(rows)),
        description=description,
        example_rows=(rows[:EXAMPLE_ROWS] + 1).tolist(),
    )


def report_frame(issues: Iterable[Issue], file_order: list[str] | None = None) -> pd.DataFrame:
    """The report table: one row per broken rule and file, fatal first, in column order."""
    records = [issue.record() for issue in issues]
    report = pd.DataFrame.from_records(records, columns=REPORT_COLUMNS)
    if report.empty:
        return report.astype({c: "string" for c in REPORT_COLUMNS if c != "rows"}).astype(
            {"rows": "Int64"}
        )
    files = file_order or list(dict.fromkeys(report["file"]))
    column_rank = {c: i for i, c in enumerate(CANONICAL_COLUMNS)}
    report["_file"] = report["file"].map({f: i for i, f in enumerate(files)}).fillna(len(files))
    report["_severity"] = report["severity"].map(SEVERITY_ORDER)
    report["_column"] = report["column"].map(column_rank).fillna(-1)
    report = report.sort_values(["_file", "_severity", "_column"], kind="stable")
    report = report.drop(columns=["_file", "_severity", "_column"]).reset_index(drop=True)
    report["rows"] = report["rows"].astype("Int64")
    for column in REPORT_COLUMNS:
        if column != "rows":
            report[column] = report[column].astype("string")
    return report


def fatal_rows(report: pd.DataFrame) -> pd.DataFrame:
    """The report rows of fatal rules."""
    return report.loc[report["severity"] == FATAL]


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem;color:#1b1b1b}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eee}td.n{text-align:right}
tr.fatal td{background:#fde2e1}tr.exclusion td{background:#fff6dc}
"""


def write_report(
    report: pd.DataFrame, csv_path: str | Path, html_path: str | Path, *, title: str
) -> None:
    """Write the report as CSV and as a self-contained HTML page (no record values, only counts)."""
    csv_path, html_path = Path(csv_path), Path(html_path)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    report.to_csv(csv_path, index=False)
    n_fatal = int((report["severity"] == FATAL).sum())
    n_excl = int((report["severity"] == EXCLUSION).sum())
    if n_fatal:
        verdict = f"{n_fatal} fatal rule(s) broken: the run stopped. Fix the extract or the source mapping."
    elif n_excl:
        verdict = f"No fatal rule broken. {n_excl} exclusion rule(s) reported; clean counts them."
    else:
        verdict = "No rule broken."
    rows = []
    for record in report.itertuples(index=False):
        cells = []
        for column in REPORT_COLUMNS:
            value = getattr(record, column)
            text = "" if pd.isna(value) else (f"{value:,}" if column == "rows" else str(value))
            css = ' class="n"' if column == "rows" else ""
            cells.append(f"<td{css}>{html.escape(text)}</td>")
        rows.append(f'<tr class="{html.escape(str(record.severity))}">{"".join(cells)}</tr>')
    header = "".join(f"<th>{html.escape(c)}</th>" for c in REPORT_COLUMNS)
    body = (
        f"<h1>{html.escape(title)}</h1>\n<p>{html.escape(verdict)}</p>\n"
        f"<p>{ROW_NUMBERS}. Values of identifying columns "
        "(baby_id, birth_date, mother_lsoa) are never shown.</p>\n"
        f"<table><thead><tr>{header}</tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
    )
    html_path.write_text(
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>\n{body}\n</body></html>\n",
        encoding="utf-8",
    )


def fatal_error(report: pd.DataFrame, *, rule: str, written_to: str | None = None) -> InputError:
    """One InputError naming the first fatal rule (file, column, rule, count) and listing the rest."""
    fatal = fatal_rows(report)
    first = fatal.iloc[0]
    problem, _, advice = str(first["description"]).partition(". What to do: ")
    if len(fatal) > 1:
        listed = "; ".join(
            f"{Path(str(r.file)).name} {r.column or '(file)'}: {r.rule}"
            + (f" ({int(r.rows):,} rows)" if not pd.isna(r.rows) else "")
            for r in fatal.head(8).itertuples()
        )
        more = f" and {len(fatal) - 8} more" if len(fatal) > 8 else ""
        problem += f". {len(fatal)} fatal rules broken: {listed}{more}"
    hints = [advice] if advice else []
    if str(first["example_rows"]):
        hints.append(f"first bad rows ({ROW_NUMBERS_SHORT}): {first['example_rows']}")
    if written_to:
        hints.append(f"the validation report is at {written_to}")
    return InputError(
        problem,
        file=str(first["file"]),
        column=str(first["column"]) or None,
        rule=rule,
        rows=None if pd.isna(first["rows"]) else int(first["rows"]),
        hint="; ".join(hints) or None,
        check=str(first["rule"]),
    )
