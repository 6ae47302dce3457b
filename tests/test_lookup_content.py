"""Lookups verified by their parsed content (``content_sha256``): the publisher's XLSX or CSV and
a local copy holding the same values verify alike, one changed decile stops the run with a clear
message, and the byte checksum (``sha256``) is an optional extra. Tests using ../shared skip when
it is absent.
"""

from __future__ import annotations

import copy
import hashlib
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from support.lookups import (
    iod_rows,
    real_config,
    serve,
    sha,
    write_file1,
    write_iod2025,
    write_pairs,
)

from birthgaps.core.errors import InputError
from birthgaps.core.settings import validate_config
from birthgaps.ingest.lookup_fetch import cache_path, content_sha256, fetch, fetch_table
from birthgaps.ingest.lookup_files import read_iod, read_lsoa11_lsoa21
from birthgaps.ingest.lookups import check_lookup_config, imd_lookup_for_release

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
IOD2019_CSV = SHARED / "imd2019-lsoa11" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"


def write_file1_xlsx(path: Path, rows: list[tuple[str, int, int]]) -> Path:
    """The same rows as ``write_file1`` in a publisher-like workbook: a notes sheet first, a title
    row above the header, the columns in another order and ranks as numbers."""
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["English indices of deprivation 2019"])
    sheet = book.create_sheet("IMD2019")
    sheet.append(["File 1: index of multiple deprivation"])
    sheet.append(
        [
            "Index of Multiple Deprivation (IMD) Decile",
            "LSOA code (2011)",
            "LSOA name (2011)",
            "Index of Multiple Deprivation (IMD) Rank",
        ]
    )
    for code, rank, decile in rows:
        sheet.append([decile, code, f"Somewhere {code[-3:]}", float(rank * 1000)])
    book.save(path)
    return path


def thousand_rows() -> list[tuple[str, int, int]]:
    """``iod_rows`` with ranks in thousands, as ``write_file1`` writes them."""
    return [(code, rank * 1000, decile) for code, rank, decile in iod_rows()]


def test_xlsx_and_csv_with_the_same_content_verify_alike(tmp_path):
    csv = write_file1(tmp_path / "File_1.csv")
    xlsx = write_file1_xlsx(tmp_path / "File_1.xlsx", iod_rows())
    assert sha(csv) != sha(xlsx)
    digest = content_sha256("iod2019", read_iod(csv, "iod2019"))
    assert digest == content_sha256("iod2019", read_iod(xlsx, "iod2019"))
    for path in (csv, xlsx):
        spec = {"path": str(path), "content_sha256": digest.upper()}
        local, table = fetch_table("iod2019", spec, tmp_path / "cache")
        assert local == path and len(table) == 20
        assert table["imd_decile"].tolist() == [r[2] for r in iod_rows()]


def test_content_checksum_is_that_of_sorted_distinct_lines(tmp_path):
    rows = list(reversed(iod_rows()))
    iod = read_iod(write_iod2025(tmp_path / "i.csv", rows), "iod2025")
    lines = sorted(f"{code},{rank},{decile}\n" for code, rank, decile in rows)
    assert content_sha256("iod2025", iod) == hashlib.sha256("".join(lines).encode()).hexdigest()


def test_lsoa_lookup_layouts_verify_alike(tmp_path):
    pairs = [("E01000050", "E01000001", "U"), ("E01000051", "E01000003", "S")]
    pairs += [("E01000051", "E01000004", "S"), ("E01000052", "E01000005", "M")]
    ons = read_lsoa11_lsoa21(write_pairs(tmp_path / "ons.csv", pairs, ons=True))
    # geographr's layout, other row order, a repeated pair and an older change code (S -> X)
    other = list(reversed(pairs)) + [pairs[0]]
    other[0] = (other[0][0], other[0][1], "X")
    geographr = read_lsoa11_lsoa21(write_pairs(tmp_path / "geo.csv", other))
    assert content_sha256("lsoa11_lsoa21", ons) == content_sha256("lsoa11_lsoa21", geographr)
    moved = [*pairs[:-1], ("E01000052", "E01000006", "M")]
    changed = read_lsoa11_lsoa21(write_pairs(tmp_path / "moved.csv", moved))
    assert content_sha256("lsoa11_lsoa21", changed) != content_sha256("lsoa11_lsoa21", ons)


def test_one_changed_decile_stops_with_a_clear_message(tmp_path):
    good = write_file1(tmp_path / "good.csv")
    digest = content_sha256("iod2019", read_iod(good, "iod2019"))
    rows = iod_rows()
    code, rank, _ = rows[1]
    rows[1] = (code, rank, 2)  # rank 2 moved from decile 1 to decile 2: ranks still in order
    edited = write_file1(tmp_path / "edited.csv", rows)
    spec = {"path": str(edited), "content_sha256": digest}
    with pytest.raises(InputError) as info:
        fetch("iod2019", spec, tmp_path / "cache")
    message = str(info.value)
    actual = content_sha256("iod2019", read_iod(edited, "iod2019"))
    assert "lookup `iod2019` does not hold the expected content" in message
    assert "lsoa_code, imd_rank, imd_decile (20 LSOAs, deciles 1-10)" in message
    assert f"content_sha256 {actual}, not {digest}" in message
    assert f"file: {edited}" in message and "config key: lookups.files.iod2019.path" in message
    assert "rule: lookups" in message
    assert f"set lookups.files.iod2019.content_sha256 to {actual}" in message


def test_download_of_another_format_verifies_by_content_and_is_cached(tmp_path):
    """The publisher serves XLSX, the checksum was taken from a CSV copy: the download verifies."""
    site = tmp_path / "site"
    site.mkdir()
    write_file1_xlsx(site / "File_1.xlsx", iod_rows())
    digest = content_sha256("iod2019", read_iod(write_file1(tmp_path / "copy.csv"), "iod2019"))
    with serve(site) as (base, requested):
        spec = {"url": f"{base}/File_1.xlsx", "content_sha256": digest}
        path = fetch("iod2019", spec, tmp_path / "cache")
        assert path == tmp_path / "cache" / f"iod2019-{digest[:16]}.xlsx"
        assert fetch("iod2019", spec, tmp_path / "cache") == path
        assert len(requested) == 1  # the verified cached copy is reused


def test_download_with_other_content_leaves_nothing_behind(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    write_iod2025(site / "imd2025.csv")
    with serve(site) as (base, _):
        spec = {"url": f"{base}/imd2025.csv", "content_sha256": "e" * 64}
        with pytest.raises(InputError, match="does not hold the expected content") as info:
            fetch("iod2025", spec, tmp_path / "cache")
    assert "config key: lookups.files.iod2025.content_sha256" in str(info.value)
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_cached_copy_with_other_content_is_downloaded_again(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    served = write_iod2025(site / "imd2025.csv")
    digest = content_sha256("iod2025", read_iod(served, "iod2025"))
    with serve(site) as (base, requested):
        spec = {"url": f"{base}/imd2025.csv", "content_sha256": digest}
        target = cache_path("iod2025", spec, tmp_path / "cache")
        target.parent.mkdir()
        rows = iod_rows()
        rows[0] = (rows[0][0], rows[0][1], 1)
        rows[1] = (rows[1][0], rows[1][1], 2)  # a decile changed in the cached copy
        write_iod2025(target, rows)
        assert fetch("iod2025", spec, tmp_path / "cache") == target
        assert len(requested) == 1
    assert target.read_bytes() == served.read_bytes()


def test_byte_checksum_is_an_optional_extra(tmp_path):
    path = write_iod2025(tmp_path / "i.csv")
    digest = content_sha256("iod2025", read_iod(path, "iod2025"))
    both = {"path": str(path), "content_sha256": digest, "sha256": sha(path)}
    assert fetch("iod2025", both, tmp_path) == path
    both["sha256"] = "0" * 64
    with pytest.raises(InputError, match="does not have the expected sha256") as info:
        fetch("iod2025", both, tmp_path)
    assert sha(path) in str(info.value)
    with pytest.raises(InputError, match="needs a sha256 checksum") as info:
        fetch("iod2025", {"path": str(path)}, tmp_path)
    assert "content_sha256" in str(info.value)


def test_schema_and_preflight_take_either_checksum(tmp_path, config):
    path = write_iod2025(tmp_path / "i.csv")
    files = {"iod2025": {"path": str(path), "content_sha256": "a" * 64}}
    check_lookup_config(validate_config(real_config(config, tmp_path, files)))
    files = {"iod2025": {"path": str(path), "sha256": "a" * 64}}
    validate_config(real_config(config, tmp_path, files))
    files = {"iod2025": {"path": str(path)}}
    with pytest.raises(InputError, match="lookups.files.iod2025"):
        validate_config(real_config(config, tmp_path, files))
    files = {"iod2025": {"path": str(path), "content_sha256": "xyz"}}
    with pytest.raises(InputError, match="content_sha256"):
        validate_config(real_config(config, tmp_path, files))


def test_release_lookup_from_a_content_checked_local_copy(tmp_path, config):
    iod = write_iod2025(tmp_path / "i25.csv")
    digest = content_sha256("iod2025", read_iod(iod, "iod2025"))
    files = {"iod2025": {"path": str(iod), "content_sha256": digest}}
    lookup = imd_lookup_for_release(real_config(config, tmp_path, files, lsoa_vintage=2021))
    assert lookup["match"].unique().tolist() == ["direct"] and len(lookup) == 20


# ---------------------------------------------------------------------------------------------
# The committed content checksums, with the copies in ../shared/data
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow  # writing and reading a 32,844-row workbook takes about half a minute here
@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not available")
def test_shared_iod2019_as_a_workbook_verifies_with_the_committed_checksum(tmp_path, repo_config):
    """The CSV copy written into an XLSX workbook (the publisher's format) verifies alike."""
    table = pd.read_csv(IOD2019_CSV, dtype=str, encoding="utf-8-sig")
    path = tmp_path / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as book:
        pd.DataFrame({"Notes": ["English indices of deprivation 2019"]}).to_excel(
            book, sheet_name="Notes", index=False
        )
        table["Index of Multiple Deprivation (IMD) Rank"] = (
            table["Index of Multiple Deprivation (IMD) Rank"].str.replace(",", "").astype(int)
        )
        table.to_excel(book, sheet_name="IMD2019", index=False)
    spec = copy.deepcopy(repo_config["lookups"]["files"]["iod2019"])
    spec["path"] = str(path)
    local, iod = fetch_table("iod2019", spec, tmp_path / "cache")
    assert local == path and len(iod) == 32_844
    spec["path"] = str(shutil.copyfile(IOD2019_CSV, tmp_path / "copy.csv"))
    assert fetch_table("iod2019", spec, tmp_path / "cache")[1].equals(iod)
