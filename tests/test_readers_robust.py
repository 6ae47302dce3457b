"""Real extracts, round two: compressed files, line endings, undecodable bytes, the column hints of
preflight (as ingest gives them), row numbers as the user sees them and extracts git would commit.

Each bad input must stop with a message naming the file, the rule, the column or the count, and
the position; the snakemake runs check what a user sees: a non-zero exit, the hint, no traceback.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from support.bad_extracts import HEADER, N_GOOD, csv_text, good_row
from support.cleaned import birth_outcomes_only
from support.workflow import snakemake, write_config

from birthgaps.core.errors import InputError
from birthgaps.ingest.extract import ingest_release
from birthgaps.ingest.preflight import git_exposure, preflight
from birthgaps.ingest.validation import ROW_NUMBERS, ROW_NUMBERS_SHORT, write_report

GOOD = csv_text()


def release_config(repo_config: dict, tmp: Path, extract: Path, source="canonical") -> dict:
    """A real release reading ``extract`` (its own small imd_lookup, so no official lookups)."""
    config = birth_outcomes_only(repo_config)  # the extract carries no maternity columns or deaths
    (tmp / "imd.csv").write_text("lsoa_code,imd_decile\nE01000001,1\n")
    config["release"] = "real"
    config["releases"] = {
        "real": {
            "label": "A real release",
            "extract": str(extract),
            "source": source,
            "imd_lookup": str(tmp / "imd.csv"),
            "years": [2022],
        }
    }
    return config


def stop(fn) -> str:
    with pytest.raises(InputError) as info:
        fn()
    return str(info.value)


def report_of(tmp: Path, files: list[Path], source="canonical") -> pd.DataFrame:
    """The validation report of a release, whether or not a fatal rule stopped it."""
    try:
        _, report = ingest_release([str(f) for f in files], source, report_dir=tmp / "qa")
    except InputError:
        report = pd.read_csv(tmp / "qa" / "validation_report.csv", dtype=str)
    return report.astype(str)


def ingest_stop(path: Path, source="canonical") -> str:
    return stop(lambda: ingest_release([str(path)], source))


def preflight_stop(repo_config: dict, tmp: Path, path: Path, source="canonical") -> str:
    return stop(lambda: preflight(release_config(repo_config, tmp, path, source)))


# ---------------------------------------------------------------------------------------------
# Compressed files named .csv
# ---------------------------------------------------------------------------------------------


def test_gzip_named_csv_is_read_as_it_is_by_preflight_and_ingest(tmp_path, repo_config):
    plain = tmp_path / "plain.csv"
    plain.write_text(GOOD)
    packed = tmp_path / "births.csv"
    packed.write_bytes(gzip.compress(GOOD.encode()))
    preflight(release_config(repo_config, tmp_path, packed))
    births, _ = ingest_release([str(packed)], "canonical")
    expected, _ = ingest_release([str(plain)], "canonical")
    pd.testing.assert_frame_equal(births, expected)


def test_damaged_gzip_is_named(tmp_path):
    path = tmp_path / "births.csv"
    path.write_bytes(gzip.compress(GOOD.encode())[:-30])
    message = ingest_stop(path)
    assert "gzip-compressed but cannot be uncompressed" in message
    assert f"file: {path}" in message and "[check: file_format]" in message


def _zip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("births.csv", data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("pack", "named", "tool"),
    [
        (bz2.compress, "bzip2-compressed", "bunzip2"),
        (lzma.compress, "xz-compressed", "unxz"),
        (lambda b: b"\x28\xb5\x2f\xfd" + b"\x00" * 40, "zstd-compressed", "unzstd"),
        (_zip, "a zip archive", "unzip it"),
    ],
    ids=["bz2", "xz", "zstd", "zip"],
)
def test_other_compression_named_csv_is_named_in_preflight_and_ingest(
    tmp_path, repo_config, pack, named, tool
):
    path = tmp_path / "births.csv"
    path.write_bytes(pack(GOOD.encode()))
    for message, rule in (
        (preflight_stop(repo_config, tmp_path, path), "preflight"),
        (ingest_stop(path), "ingest"),
    ):
        assert f"the file is {named}" in message and tool in message
        assert f"rule: {rule}" in message and f"file: {path}" in message
        assert "Traceback" not in message


# ---------------------------------------------------------------------------------------------
# Line endings, BOM and undecodable bytes
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        GOOD.replace("\n", "\r"),
        GOOD.replace("\n", "\r\n"),
        "\r\n".join(GOOD.splitlines()[:5]) + "\r" + "\n".join(GOOD.splitlines()[5:]) + "\n",
        "\ufeff" + GOOD,
    ],
    ids=["CR only (old Mac)", "CRLF", "mixed endings", "BOM"],
)
def test_line_endings_and_bom_read_alike(tmp_path, repo_config, text):
    path = tmp_path / "births.csv"
    path.write_bytes(text.encode())
    preflight(release_config(repo_config, tmp_path, path))
    births, report = ingest_release([str(path)], "canonical")
    assert births["baby_id"].tolist() == [f"B{i:03d}" for i in range(N_GOOD)]
    assert births["area_code"].tolist() == ["X1"] * N_GOOD  # no line break left in the last field
    read = report.loc[report["rule"] == "records_read"].iloc[0]
    assert int(read["rows"]) == N_GOOD


def test_row_numbers_with_cr_only_endings_are_lines(tmp_path):
    rows = [good_row(i) for i in range(N_GOOD)]
    rows[4] = rows[4].replace(",3300,", ",heavy,")
    path = tmp_path / "births.csv"
    path.write_bytes("\r".join([HEADER, *rows]).encode() + b"\r")
    message = ingest_stop(path)
    assert "column: birth_weight_g" in message and "rows affected: 1" in message
    assert f"({ROW_NUMBERS_SHORT}): 6" in message  # data row 5 is line 6


def test_undecodable_utf8_byte_named_by_line_and_offset_in_preflight_and_ingest(
    tmp_path, repo_config
):
    lines = GOOD.splitlines(keepends=True)
    lines[3] = lines[3].replace("B002", "B\xe902")  # é in Windows-1252: not UTF-8
    path = tmp_path / "births.csv"
    path.write_bytes("".join(lines).encode("cp1252"))
    offset = len("".join(lines[:3]).encode()) + 1
    for message, rule in (
        (preflight_stop(repo_config, tmp_path, path), "preflight"),
        (ingest_stop(path), "ingest"),
    ):
        assert "not UTF-8 text" in message and "on 1 line" in message
        assert f"the first on line 4 at byte offset {offset}" in message
        assert f"rule: {rule}" in message and f"file: {path}" in message
        assert "rows affected: 1" in message and "reader.encoding" in message


def test_byte_undefined_in_windows_1252_named_by_line_and_offset(tmp_path, repo_config):
    body = GOOD.replace("B007", "B\x8107").encode("latin-1")  # 0x81 has no Windows-1252 character
    path = tmp_path / "births.csv"
    path.write_bytes(body)
    offset = body.index(b"\x81")
    source = {"reader": {"encoding": "auto"}}
    for message in (
        preflight_stop(repo_config, tmp_path, path, source),
        ingest_stop(path, source),
    ):
        assert "neither UTF-8 nor Windows-1252" in message
        assert f"the first on line 9 at byte offset {offset}" in message
        assert f"file: {path}" in message and "rows affected: 1" in message


def test_undecodable_byte_offset_counts_the_bom(tmp_path):
    body = "\ufeff".encode() + GOOD.replace("B001", "B\xe901").encode("cp1252")
    path = tmp_path / "births.csv"
    path.write_bytes(body)
    offset = body.index(b"\xe9")  # the BOM's three bytes counted
    message = ingest_stop(path)
    assert f"line 3 at byte offset {offset}" in message


# ---------------------------------------------------------------------------------------------
# Preflight gives the hints ingest gives
# ---------------------------------------------------------------------------------------------


def semicolon_file(tmp: Path) -> Path:
    path = tmp / "births.csv"
    path.write_text(GOOD.replace(",", ";"))
    return path


def titled_file(tmp: Path) -> Path:
    path = tmp / "births.csv"
    path.write_text("Births report\nAll sites, 2022\n\n" + GOOD)
    return path


def second_sheet_file(tmp: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["About this extract"])
    sheet = book.create_sheet("Births")
    for line in GOOD.splitlines():
        sheet.append(line.split(","))
    path = tmp / "births.xlsx"
    book.save(path)
    return path


HINT_CASES = [
    (semicolon_file, "the file seems to use the semicolon as its delimiter: "
     "set the source's reader.delimiter: ';'"),
    (titled_file, "the header looks like row 4, not row 1: set the source's reader.header_row: 4"),
    (second_sheet_file, "the data seem to be on sheet `Births`, not on sheet `Notes`: "
     "set the source's reader.sheet: Births"),
]  # fmt: skip
HINT_IDS = ["semicolon delimiter", "header on row 4", "data on the second sheet"]


@pytest.mark.parametrize(("make", "hint"), HINT_CASES, ids=HINT_IDS)
def test_preflight_gives_the_hint_ingest_gives(tmp_path, repo_config, make, hint):
    path = make(tmp_path)
    early = preflight_stop(repo_config, tmp_path, path)
    late = ingest_stop(path)
    for message in (early, late):
        assert hint in message
        assert f"file: {path}" in message and "column: baby_id, birth_date" in message
    assert "rule: preflight" in early and "[check: columns_missing]" in late


@pytest.mark.parametrize(("make", "hint"), HINT_CASES, ids=HINT_IDS)
def test_snakemake_user_sees_the_hint_and_no_traceback(tmp_path, repo_config, make, hint):
    path = make(tmp_path)
    config = release_config(repo_config, tmp_path, path)
    result = snakemake(tmp_path, configfile=write_config(tmp_path / "config.yaml", config))
    assert result.returncode != 0
    assert hint in result.stderr and str(path) in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "results" / "real" / "published").exists()


def test_snakemake_user_sees_the_compression_named_and_no_traceback(tmp_path, repo_config):
    path = tmp_path / "births.csv"
    path.write_bytes(bz2.compress(GOOD.encode()))
    config = release_config(repo_config, tmp_path, path)
    result = snakemake(tmp_path, configfile=write_config(tmp_path / "config.yaml", config))
    assert result.returncode != 0
    assert "the file is bzip2-compressed, not CSV text" in result.stderr
    assert "rule: preflight" in result.stderr and str(path) in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "results" / "real" / "published").exists()


# ---------------------------------------------------------------------------------------------
# Row numbers as the user sees them
# ---------------------------------------------------------------------------------------------


def test_csv_row_numbers_count_the_header_blank_lines_and_quoted_line_breaks(tmp_path):
    rows = [good_row(i) for i in range(6)]
    rows[1] = rows[1].replace(",F,1,30,", ',F,1,"3\n0",')  # data row 2: a quoted line break
    rows[3] = rows[3].replace(",3300,", ",3.3kg,")  # data row 4
    rows[5] = rows[5].replace(",3300,", ",?,")  # data row 6
    text = "\n".join([HEADER, rows[0], "", rows[1], rows[2], "", "", rows[3], rows[4], rows[5]])
    path = tmp_path / "births.csv"
    path.write_text(text + "\n")
    # lines: 1 header, 2 row 1, 3 blank, 4-5 row 2, 6 row 3, 7-8 blank, 9 row 4, 10 row 5, 11 row 6
    report = report_of(tmp_path, [path])
    weight = report.loc[report["rule"] == "whole_number"].iloc[0]
    age = report.loc[report["rule"] == "whole_number"]
    assert (weight["column"], weight["rows"], weight["example_rows"]) == (
        "birth_weight_g",
        "2",
        "9, 11",
    )
    assert age["column"].tolist() == ["birth_weight_g", "mother_age"]
    assert age.iloc[1]["example_rows"] == "4"  # "3\n0" is not a whole number, on line 4


def test_ragged_row_numbers_are_lines(tmp_path):
    rows = [good_row(i) for i in range(5)]
    rows[2] += ",extra"
    path = tmp_path / "births.csv"
    path.write_text("\n".join([HEADER, rows[0], "", rows[1], rows[2], rows[3], rows[4]]) + "\n")
    message = ingest_stop(path)
    assert "[check: ragged_rows]" in message and "rows affected: 1" in message
    assert f"({ROW_NUMBERS_SHORT}): 5" in message


def test_xlsx_row_numbers_are_sheet_rows_under_a_header_on_row_4(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Births"
    sheet.append(["Births report"])
    sheet.append(["All sites"])
    sheet.append([])
    sheet.append(HEADER.split(","))
    rows = [good_row(i).split(",") for i in range(6)]
    rows[0][5] = "heavy"  # data row 1: sheet row 5
    rows[4][5] = "n/k"  # data row 5: sheet row 10 (a blank sheet row 8 above it)
    for row in rows[:3]:
        sheet.append(row)
    sheet.append([])
    for row in rows[3:]:
        sheet.append(row)
    path = tmp_path / "births.xlsx"
    book.save(path)
    source = {"reader": {"sheet": "Births", "header_row": 4}}
    message = stop(lambda: ingest_release([str(path)], source))
    assert "column: birth_weight_g" in message and "rows affected: 2" in message
    assert f"({ROW_NUMBERS_SHORT}): 5, 10" in message


def test_report_header_says_what_the_row_numbers_mean(tmp_path):
    path = tmp_path / "births.csv"
    path.write_text(GOOD)
    _, report = ingest_release([str(path)], "canonical")
    write_report(report, tmp_path / "r.csv", tmp_path / "r.html", title="Report")
    html = (tmp_path / "r.html").read_text()
    assert ROW_NUMBERS.replace("'", "&#x27;") in html
    assert "line number of a CSV file" in html and "row number of a spreadsheet" in html


# ---------------------------------------------------------------------------------------------
# Patient-level data stays out of git
# ---------------------------------------------------------------------------------------------


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_preflight_warns_when_git_would_commit_an_extract(tmp_path, repo_config, capfd):
    repo = tmp_path / "project"
    (repo / "data").mkdir(parents=True)
    (repo / "exports").mkdir()
    git(repo, "init", "-q")
    (repo / ".gitignore").write_text("/data/\n")
    exposed = repo / "exports" / "births.csv"
    ignored = repo / "data" / "births.csv"
    outside = tmp_path / "births.csv"
    for path in (exposed, ignored, outside):
        path.write_text(GOOD)
    assert git_exposure(exposed) == str(repo.resolve())
    assert git_exposure(ignored) is None and git_exposure(outside) is None
    preflight(release_config(repo_config, tmp_path, exposed))
    err = capfd.readouterr().err
    assert f"warning: the extract {exposed} lies inside the git work tree" in err
    assert "not git-ignored" in err and ".gitignore" in err
    for quiet in (ignored, outside):
        preflight(release_config(repo_config, tmp_path, quiet))
        assert "warning" not in capfd.readouterr().err


def test_no_git_warning_without_git(tmp_path, repo_config, capfd, monkeypatch):
    path = tmp_path / "births.csv"
    path.write_text(GOOD)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert git_exposure(path) is None
    preflight(release_config(repo_config, tmp_path, path))
    assert capfd.readouterr().err == ""


def test_the_project_ignores_data_folder():
    repo = Path(__file__).resolve().parents[1]
    assert "/data/" in (repo / ".gitignore").read_text().splitlines()
    if shutil.which("git") and (repo / ".git").exists():
        result = subprocess.run(
            ["git", "-C", str(repo), "check-ignore", "-q", "data/births_2019_2021.xlsx"]
        )
        assert result.returncode == 0


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_snakemake_user_sees_the_git_warning(tmp_path, repo_config):
    git(tmp_path, "init", "-q")
    (tmp_path / "exports").mkdir()
    path = tmp_path / "exports" / "births.csv"
    path.write_text(GOOD)
    config = release_config(repo_config, tmp_path, path)
    (tmp_path / ".gitignore").write_text("results/\nlogs/\n.snakemake/\n")
    result = snakemake(
        tmp_path, "--dry-run", configfile=write_config(tmp_path / "config.yaml", config)
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr.count(f"warning: the extract {path} lies inside the git work tree") == 1
    assert "Traceback" not in result.stderr
