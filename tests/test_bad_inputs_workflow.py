"""The bad-input suite run as a user runs it: each malformed extract of ``test_bad_inputs.CASES``
named in a config and given to ``snakemake`` in a subprocess.

A fatal case must end the run with a non-zero exit, a message (not a Python traceback) naming the
file, the column and the rule or its check, and nothing under ``published/`` or ``staged/``; a
counted case must pass ingest and clean with the exclusion counted exactly in the validation report.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from support.bad_extracts import CASES, Case, named_file
from support.cleaned import birth_outcomes_only
from support.workflow import snakemake, write_config

pytestmark = pytest.mark.workflow
RELEASE = "bad"


def user_config(repo_config: dict, files: list[Path], source, workdir: Path) -> Path:
    """A real-release config naming the files, with a one-LSOA lookup and the suite's one area."""
    lookup = workdir / "lsoa_imd.csv"
    lookup.write_text("lsoa_code,imd_decile\nE01000001,3\n")
    base = birth_outcomes_only(repo_config)  # these extracts carry no maternity columns or deaths
    config = {k: v for k, v in base.items() if k not in ("release", "releases", "areas")}
    config["release"] = RELEASE
    config["areas"] = {"X1": "Area one"}
    config["releases"] = {
        RELEASE: {
            "label": "Bad-input test release",
            "synthetic": False,
            "extract": [str(f) for f in files],
            "source": source,
            "imd_lookup": str(lookup),
            "years": [2022],
        }
    }
    return write_config(workdir / "config.yaml", config)


def nothing_published(workdir: Path) -> bool:
    results = workdir / "results" / RELEASE
    return not (results / "published").exists() and not list(results.glob("staged/**/*.*"))


FATAL = [c for c in CASES if c.fatal]
COUNTED = [c for c in CASES if not c.fatal]


@pytest.mark.parametrize("case", FATAL, ids=[c.name for c in FATAL])
def test_bad_extract_stops_the_run_with_a_message(tmp_path, repo_config, case: Case):
    data = tmp_path / "data"
    data.mkdir()
    files = case.write(data)
    configfile = user_config(repo_config, files, case.source, tmp_path)
    result = snakemake(tmp_path, configfile=configfile)
    stderr = result.stderr
    assert result.returncode != 0
    assert "Traceback" not in stderr, stderr[-3000:]
    named = named_file(case, files)
    assert Path(named).name in stderr
    assert case.check in stderr or (case.needle and case.needle in stderr), stderr[-3000:]
    if case.column:
        assert case.column.split(",")[0] in stderr
    if case.rows is not None and "rule: ingest" in stderr:
        assert f"rows affected: {case.rows:,}" in stderr
    if case.needle:
        assert case.needle in stderr
    if case.forbidden:  # an identifier appears in no message, log or report
        assert case.forbidden not in stderr + result.stdout
        for path in [*(tmp_path / "logs").rglob("*.*"), *(tmp_path / "results").rglob("*.*")]:
            assert case.forbidden.encode() not in path.read_bytes(), path
    assert nothing_published(tmp_path)


@pytest.mark.parametrize("case", COUNTED, ids=[c.name for c in COUNTED])
def test_counted_problem_passes_ingest_and_clean_with_its_count(tmp_path, repo_config, case):
    data = tmp_path / "data"
    data.mkdir()
    files = case.write(data)
    configfile = user_config(repo_config, files, case.source, tmp_path)
    target = f"results/{RELEASE}/restricted/births_clean.parquet"
    result = snakemake(tmp_path, target, configfile=configfile)
    assert result.returncode == 0, result.stderr[-3000:]
    report = pd.read_csv(
        tmp_path / f"results/{RELEASE}/restricted/qa/validation_report.csv",
        dtype=str,
        keep_default_na=False,
    )
    row = report.loc[report["rule"] == case.check].iloc[0]
    assert (row["column"], int(row["rows"])) == (case.column, case.rows)
    assert row["example_rows"] == case.example_rows
    if case.needle:
        assert case.needle in row["description"]


@pytest.mark.parametrize(
    ("lsoa", "stops"),
    [("W01000001", True), ("E01000001", False)],
    ids=["codes not in the lookup stop", "codes in the lookup pass"],
)
def test_lsoa_codes_not_in_the_imd_lookup_stop_in_clean(tmp_path, repo_config, lsoa, stops):
    """Well-formed LSOA codes of another vintage or country: without the stop every birth would
    be of unknown deprivation and the deprivation tables silently empty."""
    from support.bad_extracts import FULL

    data = tmp_path / "data"
    data.mkdir()
    path = data / "births.csv"
    path.write_text(FULL.replace("E01000001", lsoa))
    configfile = user_config(repo_config, [path], "canonical", tmp_path)
    target = f"results/{RELEASE}/restricted/births_clean.parquet"
    result = snakemake(tmp_path, target, configfile=configfile)
    assert (result.returncode != 0) == stops, result.stderr[-3000:]
    if stops:
        assert "12 of 12 stated LSOA codes (100%) are not in the IMD lookup" in result.stderr
        assert "[check: lsoa_unmatched]" in result.stderr and "W01" in result.stderr
        assert "Traceback" not in result.stderr
        assert lsoa not in result.stderr  # only the code's first three characters
