"""The last line of disclosure control: the staged published tree, the disclosure rules and the restricted
births in; the scan's findings (none, or the run stops) out.

Every file under the tree is read by its format (``scan_formats``, ``scan_text``) against the rules of
``scan_rules``: counts must have passed the suppression and rounding rule, and nothing published may look
like a record-level identifier. The rules and their limits are in docs/disclosure.md. This module is the
scan's public face: the names of its modules are importable from here as well.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from birthgaps.core.errors import InputError
from birthgaps.publish.scan_formats import (
    RASTER_SUFFIXES,
    SCANNERS,
    SKIPPED_NAMES,
    Finding,
    scan_csv,
    scan_file,
    scan_markup,
    scan_notebook,
    scan_svg,
    scan_xlsx,
)
from birthgaps.publish.scan_rules import (
    BLANK_MARKERS,
    COUNT_COLUMNS,
    COUNT_SUFFIXES,
    FINDING_COLUMNS,
    KINDS,
    SUPPRESSED_BLANK,
    ScanContext,
    count_breach,
    find_identifiers,
    is_count_header,
    make_context,
    mask,
    nhs_check_digit_valid,
)
from birthgaps.publish.scan_text import (
    TEXT_EXTRACTORS,
    NoExtractorError,
    TextExtractor,
    pdf_text,
    plain_text,
    png_text,
)

__all__ = [
    "BLANK_MARKERS",
    "COUNT_COLUMNS",
    "COUNT_SUFFIXES",
    "FINDING_COLUMNS",
    "KINDS",
    "RASTER_SUFFIXES",
    "SCANNERS",
    "SKIPPED_NAMES",
    "SUPPRESSED_BLANK",
    "TEXT_EXTRACTORS",
    "Finding",
    "NoExtractorError",
    "ScanContext",
    "TextExtractor",
    "breach_error",
    "count_breach",
    "find_identifiers",
    "is_count_header",
    "make_context",
    "mask",
    "nhs_check_digit_valid",
    "pdf_text",
    "plain_text",
    "png_text",
    "scan_csv",
    "scan_file",
    "scan_markup",
    "scan_notebook",
    "scan_published",
    "scan_step",
    "scan_svg",
    "scan_xlsx",
]

LOG = logging.getLogger("birthgaps.publish.scan")


def scan_published(root: Path, *, rules: dict, restricted: Path | None) -> pd.DataFrame:
    """Findings (file, location, kind, detail) over every file under the published tree.

    ``rules``: ``suppress_min``, ``suppress_max``, ``rounding_base`` (the disclosure config), and
    optionally ``last_birth_date`` (full dates after it are allowed), ``allowed_dates``,
    ``count_columns`` (extra CSV count columns), ``min_id_length`` (shorter restricted ids are not
    looked up). ``restricted``: the births parquet whose ids must not appear. Values that identify
    are shown masked.
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError("the published folder to scan does not exist", file=str(root))
    ctx = make_context(rules, restricted)
    started = time.perf_counter()
    rows = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        suffix = path.suffix.lower() or path.name
        ctx.files_by_type[suffix] = ctx.files_by_type.get(suffix, 0) + 1
        for location, kind, detail in scan_file(path, ctx):
            rows.append((path.relative_to(root).as_posix(), location, kind, detail))
    LOG.info(
        "scanned %d files under %s in %.2f s (%s); %d restricted ids and %d LSOA values looked up; "
        "%d findings",
        sum(ctx.files_by_type.values()),
        root,
        time.perf_counter() - started,
        ", ".join(f"{k} {v}" for k, v in sorted(ctx.files_by_type.items())),
        len(ctx.baby_ids),
        len(ctx.mother_lsoas),
        len(rows),
    )
    return pd.DataFrame(rows, columns=FINDING_COLUMNS).drop_duplicates(ignore_index=True)


def breach_error(findings: pd.DataFrame, findings_file: str) -> InputError:
    """The error that stops a release with breaches: first file and the kinds found, no values."""
    summary = findings.groupby(["file", "kind"], sort=False).size()
    listed = "; ".join(f"{file}: {kind} ({n})" for (file, kind), n in summary.head(8).items())
    more = f"; and {len(summary) - 8} more" if len(summary) > 8 else ""
    return InputError(
        f"the disclosure scan found {len(findings)} breach(es) in "
        f"{findings['file'].nunique()} published file(s): {listed}{more}",
        file=str(findings["file"].iloc[0]),
        rows=len(findings),
        hint=f"read the findings in {findings_file} (values masked), fix the step that wrote each "
        "file and re-run; do not publish the folder until the scan passes",
    )


def scan_step(
    published: str | Path,
    rules: Mapping,
    births: str | Path,
    report: str | Path,
    findings_file: str | Path,
) -> None:
    """The rule ``scan``: write the (empty) findings to ``report``, or keep them in ``findings_file``
    and stop the run with ``breach_error`` (the report is removed on failure, the findings are not)."""
    findings = scan_published(Path(published), rules=dict(rules), restricted=Path(births))
    if findings.empty:
        findings.to_csv(report, index=False)
        return
    # the output is removed on failure, so the findings are kept next to the log
    Path(findings_file).parent.mkdir(parents=True, exist_ok=True)
    findings.to_csv(findings_file, index=False)
    raise breach_error(findings, str(findings_file))
