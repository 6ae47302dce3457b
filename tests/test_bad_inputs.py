"""Bad-input suite: malformed extracts each give a clear InputError (naming file, column, rule and
row count) or a counted exclusion, never another exception and never a wrong number.

Every case is run through ``ingest_release`` with a ``report_dir``: for fatal cases the validation
report must exist afterwards and name the same rule as the error.
"""

from __future__ import annotations

import pandas as pd
import pytest
from support.bad_extracts import (
    CASES,
    named_file,
)

from birthgaps.core.errors import InputError
from birthgaps.ingest.extract import ingest_release
from birthgaps.ingest.validation import ROW_NUMBERS_SHORT


def test_the_suite_has_at_least_twenty_malformed_extracts():
    assert len(CASES) >= 20
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(tmp_path, case):
    files = [str(f) for f in case.write(tmp_path)]
    report_dir = tmp_path / "logs"
    if not case.fatal:
        births, report = ingest_release(files, case.source, report_dir=report_dir, years=[2022])
        row = report.loc[report["rule"] == case.check]
        assert len(row) == 1, report
        row = row.iloc[0]
        assert row["severity"] == "exclusion"
        assert (row["column"], int(row["rows"])) == (case.column, case.rows)
        assert row["example_rows"] == case.example_rows
        assert not (report["severity"] == "fatal").any()
        if case.needle:
            assert case.needle in row["description"]
        assert not report_dir.exists()  # nothing written when nothing is fatal
        return
    with pytest.raises(InputError) as info:
        ingest_release(files, case.source, report_dir=report_dir, years=[2022])
    message = str(info.value)
    assert f"[check: {case.check}]" in message
    assert f"file: {named_file(case, files)}" in message
    assert "rule: ingest" in message
    if case.column:
        assert f"column: {case.column}" in message
    if case.rows is not None:
        assert f"rows affected: {case.rows:,}" in message
    if case.example_rows:
        assert f"({ROW_NUMBERS_SHORT}): {case.example_rows}" in message
    if case.needle:
        assert case.needle in message
    if case.forbidden:
        assert case.forbidden not in message
        for path in report_dir.iterdir():
            assert case.forbidden not in path.read_text()
    report = pd.read_csv(report_dir / "validation_report.csv", dtype=str, keep_default_na=False)
    fatal = report.loc[report["severity"] == "fatal"]
    assert fatal.iloc[0]["rule"] == case.check
    assert (report_dir / "validation_report.html").exists()
