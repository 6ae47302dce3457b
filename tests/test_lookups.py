"""Official lookups on tiny files: readers, the LSOA 2011 <-> 2021 mapping, fetch and its cache.

The download path runs against a loopback HTTP server serving files from tmp_path; the same path
with the real files from ../shared/data is in test_real_lookups.py.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
from support.lookups import (
    FILE1_HEADER,
    closed_port_url,
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
from birthgaps.ingest.lookup_fetch import cache_path, fetch
from birthgaps.ingest.lookup_files import read_iod, read_lsoa11_lsoa21
from birthgaps.ingest.lookups import (
    build_imd_lookup,
    check_lookup_config,
    decile_of_rank,
    imd_lookup_for_release,
    map_iod,
    match_counts,
    required_lookups,
)

# ---------------------------------------------------------------------------------------------
# A loopback HTTP server (also used by test_real_lookups.py)
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Tiny lookup files
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# read_iod
# ---------------------------------------------------------------------------------------------


def test_read_iod_file1_layout_with_bom_crlf_and_quoted_thousands(tmp_path):
    iod = read_iod(write_file1(tmp_path / "f1.csv"), "iod2019")
    assert list(iod.columns) == ["lsoa_code", "imd_decile", "imd_rank"]
    assert len(iod) == 20
    first = iod.iloc[0]
    assert (first["lsoa_code"], first["imd_decile"], first["imd_rank"]) == ("E01000001", 1, 1000)
    assert iod["imd_rank"].iloc[-1] == 20_000  # "20,000" in the file
    assert iod["imd_decile"].value_counts().to_dict() == {d: 2 for d in range(1, 11)}
    assert str(iod["imd_rank"].dtype) == "int64" and str(iod["imd_decile"].dtype) == "int64"


def test_read_iod_humaniverse_layout_ignores_domain_and_score_columns(tmp_path):
    iod = read_iod(write_iod2025(tmp_path / "imd2025.csv"), "iod2025")
    assert iod["imd_rank"].tolist() == list(range(1, 21))
    assert iod["imd_decile"].tolist() == [i * 10 // 20 + 1 for i in range(20)]


def test_read_iod_mhclg_file7_layout(tmp_path):
    header = (
        "LSOA code (2021),LSOA name (2021),Local Authority District code (2024),"
        "Local Authority District name (2024),Index of Multiple Deprivation (IMD) Score,"
        "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),"
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs),"
        "Income Score (rate),Income Rank (where 1 is most deprived),"
        "Income Decile (where 1 is most deprived 10% of LSOAs)"
    )
    lines = [header] + [
        f"{code},N,E06000016,Leicester,{40 - rank},{rank},{decile},0.1,{21 - rank},{11 - decile}"
        for code, rank, decile in iod_rows()
    ]
    path = tmp_path / "file7.csv"
    path.write_text("\n".join(lines) + "\n")
    iod = read_iod(path, "iod2025")
    assert iod["imd_rank"].tolist() == list(range(1, 21))
    assert iod.loc[iod["lsoa_code"] == "E01000020", "imd_decile"].item() == 10


def test_read_iod_windows_1252_text(tmp_path):
    path = write_file1(tmp_path / "f1.csv", bom=False)
    text = path.read_text().replace("Somewhere 001", "Caf\u00e9 001")
    path.write_bytes(text.encode("cp1252"))
    assert len(read_iod(path, "iod2019")) == 20


def test_read_iod_xlsx_with_notes_sheet_and_title_rows(tmp_path):
    rows = iod_rows()
    data = pd.DataFrame(
        {
            "LSOA code (2011)": [r[0] for r in rows],
            "LSOA name (2011)": ["x"] * len(rows),
            "Index of Multiple Deprivation (IMD) Rank": [r[1] for r in rows],
            "Index of Multiple Deprivation (IMD) Decile": [r[2] for r in rows],
        }
    )
    path = tmp_path / "File_1.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as book:
        pd.DataFrame({"Notes": ["English indices of deprivation 2019", "(c) MHCLG"]}).to_excel(
            book, sheet_name="Notes", index=False
        )
        pd.DataFrame({"a": ["Title row"], "b": [None]}).to_excel(
            book, sheet_name="IMD2019", index=False, header=False
        )
        data.to_excel(book, sheet_name="IMD2019", index=False, startrow=2)
    iod = read_iod(path, "iod2019")
    assert len(iod) == 20 and iod["imd_rank"].tolist() == list(range(1, 21))


def _change(path: Path, old: str, new: str) -> Path:
    path.write_bytes(path.read_bytes().replace(old.encode(), new.encode()))
    return path


BAD_IOD = {
    "no rank column": (
        lambda p: _change(write_file1(p), "(IMD) Rank", "(IMD) Position"),
        "no column for the IMD rank",
    ),
    "two decile columns": (
        lambda p: write_file1(
            p, header=FILE1_HEADER.replace("LSOA name (2011)", "IMD decile (old)")
        ),
        "several columns that could be the IMD decile",
    ),
    "no code column": (
        lambda p: _change(write_file1(p), "LSOA code (2011)", "Area"),
        "no column for the LSOA code",
    ),
    "decile 11": (
        lambda p: write_file1(p, [*iod_rows()[:-1], ("E01000020", 20, 11)]),
        "whole numbers from 1 to 10",
    ),
    "rank as text": (
        lambda p: write_file1(p, [*iod_rows()[:-1], ("E01000020", "n/a", 10)]),
        "whole numbers from 1 or more",
    ),
    "blank code": (
        lambda p: write_file1(p, [*iod_rows()[:-1], ("", 20, 10)]),
        "rows without an LSOA code",
    ),
    "repeated code": (
        lambda p: write_file1(p, [*iod_rows()[:-1], ("E01000001", 20, 10)]),
        "more than once",
    ),
    "welsh code": (
        lambda p: write_file1(p, [*iod_rows()[:-1], ("W01000020", 20, 10)]),
        "not English LSOA codes",
    ),
    "ranks reversed": (
        lambda p: write_file1(p, [(c, 21 - r, d) for c, r, d in iod_rows()]),
        "deciles do not follow the ranks",
    ),
    "2021 codes for iod2019": (
        lambda p: _change(write_file1(p), "LSOA code (2011)", "LSOA code (2021)"),
        "LSOA 2021 codes but iod2019",
    ),
    "empty file": (lambda p: (p.write_bytes(b""), p)[1], "is empty"),
    "truncated xlsx": (
        lambda p: (p.write_bytes(b"PK\x03\x04" + bytes(60)), p)[1],
        "cannot be opened",
    ),
    "header only": (lambda p: write_file1(p, []), "header but no rows"),
}


@pytest.mark.parametrize("case", list(BAD_IOD))
def test_read_iod_bad_input_is_a_clear_error(tmp_path, case):
    make, message = BAD_IOD[case]
    path = make(tmp_path / "iod.csv")
    with pytest.raises(InputError, match=message) as info:
        read_iod(path, "iod2019")
    assert str(path) in str(info.value)
    assert "rule: lookups" in str(info.value)


def test_read_iod_reports_how_many_rows_are_bad(tmp_path):
    rows = [(c, r, 12 if r <= 3 else d) for c, r, d in iod_rows()]
    with pytest.raises(InputError) as info:
        read_iod(write_file1(tmp_path / "iod.csv", rows), "iod2019")
    assert info.value.rows == 3
    assert info.value.column == "Index of Multiple Deprivation (IMD) Decile"


def test_read_iod_unknown_edition_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="unknown IoD edition"):
        read_iod(write_file1(tmp_path / "iod.csv"), "iod2015")
    with pytest.raises(InputError, match="does not exist"):
        read_iod(tmp_path / "none.csv", "iod2019")


# ---------------------------------------------------------------------------------------------
# read_lsoa11_lsoa21
# ---------------------------------------------------------------------------------------------

PAIRS = [
    ("E01000001", "E01000001", "U"),
    ("E01000002", "E01000101", "S"),
    ("E01000002", "E01000102", "S"),
    ("E01000003", "E01000103", "M"),
    ("E01000004", "E01000103", "M"),
]


@pytest.mark.parametrize("ons", [False, True], ids=["geographr", "ons-portal"])
def test_read_lsoa11_lsoa21_both_layouts(tmp_path, ons):
    pairs = read_lsoa11_lsoa21(write_pairs(tmp_path / "map.csv", [*PAIRS, PAIRS[1]], ons=ons))
    assert list(pairs.columns) == ["lsoa11_code", "lsoa21_code", "change_code"]
    assert len(pairs) == 5  # the repeated pair is kept once
    assert pairs["change_code"].tolist() == ["U", "S", "S", "M", "M"]


def test_read_lsoa11_lsoa21_without_change_codes(tmp_path):
    path = tmp_path / "map.csv"
    path.write_text("LSOA11CD,LSOA21CD\nE01000001,E01000001\n")
    pairs = read_lsoa11_lsoa21(path)
    assert pairs["change_code"].isna().all() and len(pairs) == 1


def test_read_lsoa11_lsoa21_bad_input(tmp_path):
    path = write_pairs(tmp_path / "map.csv", [*PAIRS, ("E01000009", "E01000109", "Q")])
    with pytest.raises(InputError, match="change codes other than") as info:
        read_lsoa11_lsoa21(path)
    assert info.value.rows == 1
    path.write_text("lsoa11_code,change_code\nE01000001,U\n")
    with pytest.raises(InputError, match="no column for the LSOA 2021 code"):
        read_lsoa11_lsoa21(path)
    path.write_text("lsoa11_code,lsoa21_code\nE01000001,\n")
    with pytest.raises(InputError, match="without an LSOA code"):
        read_lsoa11_lsoa21(path)


# ---------------------------------------------------------------------------------------------
# build_imd_lookup and the split/merge rule
# ---------------------------------------------------------------------------------------------


def iod_frame(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["lsoa_code", "imd_rank", "imd_decile"])


# 20 LSOAs, ranks 1..20, deciles 1..10 with two LSOAs each (ranks 2d-1, 2d in decile d).
IOD = iod_frame(iod_rows())


def test_decile_of_rank_uses_the_published_rank_ranges():
    assert decile_of_rank([1, 2, 3, 10, 11, 20], IOD).tolist() == [1, 1, 2, 5, 6, 10]


def test_direct_lookup_when_vintage_matches_edition(tmp_path):
    lookup = build_imd_lookup("iod2019", 2011, write_file1(tmp_path / "f1.csv"), None)
    assert list(lookup.columns) == ["lsoa_code", "imd_decile", "imd_rank", "match"]
    assert (lookup["match"] == "direct").all() and len(lookup) == 20
    assert match_counts(lookup) == {"direct": 20, "mapped": 0, "mapped_ambiguous": 0}
    lookup = build_imd_lookup("iod2025", "2021", write_iod2025(tmp_path / "i25.csv"), None)
    assert match_counts(lookup)["direct"] == 20


def test_iod2025_onto_2011_codes_splits_take_the_decile_of_the_mean_rank():
    # 2021 values (code, rank, decile): 21 in decile 1, 22+23 in decile 2 (ranks 3, 4),
    # 24 decile 1 (rank 2) + 25 decile 10 (rank 20): parts disagree, mean rank 11 -> decile 6.
    iod = iod_frame(
        [
            ("E01000021", 1, 1),
            ("E01000024", 2, 1),
            ("E01000022", 3, 2),
            ("E01000023", 4, 2),
            *[(f"E01000{900 + r}", r, (r + 1) // 2) for r in range(5, 20)],
            ("E01000025", 20, 10),
        ]
    )
    pairs = pd.DataFrame(
        [
            ("E01000011", "E01000021", "U"),  # unchanged
            ("E01000012", "E01000022", "S"),  # split, parts agree
            ("E01000012", "E01000023", "S"),
            ("E01000013", "E01000024", "S"),  # split, parts disagree
            ("E01000013", "E01000025", "S"),
            ("E01000014", "E01000021", "M"),  # merged into 21 with 11
            ("W01000015", "W01000025", "U"),  # Welsh: no IMD, no row
        ],
        columns=["lsoa11_code", "lsoa21_code", "change_code"],
    )
    out = map_iod(iod, pairs, 2011).set_index("lsoa_code")
    assert sorted(out.index) == ["E01000011", "E01000012", "E01000013", "E01000014"]
    assert out.loc["E01000011"].tolist() == [1, 1, "mapped"]
    assert out.loc["E01000012"].tolist() == [2, 4, "mapped"]  # mean of ranks 3, 4 = 3.5 -> 4
    assert out.loc["E01000013"].tolist() == [6, 11, "mapped_ambiguous"]
    assert out.loc["E01000014"].tolist() == [1, 1, "mapped"]


def test_iod2019_onto_2021_codes_merges_take_the_decile_of_the_mean_rank():
    pairs = pd.DataFrame(
        [
            ("E01000001", "E01000101", "S"),  # a split 2011 LSOA: both parts get its value
            ("E01000001", "E01000102", "S"),
            ("E01000003", "E01000103", "M"),  # merged, parents in deciles 2 and 2
            ("E01000004", "E01000103", "M"),
            ("E01000005", "E01000105", "M"),  # merged, parents in deciles 3 and 9
            ("E01000018", "E01000105", "M"),
        ],
        columns=["lsoa11_code", "lsoa21_code", "change_code"],
    )
    out = map_iod(IOD, pairs, 2021).set_index("lsoa_code")
    assert out.loc["E01000101"].tolist() == [1, 1, "mapped"]
    assert out.loc["E01000102"].tolist() == [1, 1, "mapped"]
    assert out.loc["E01000103"].tolist() == [2, 4, "mapped"]  # ranks 3, 4
    assert out.loc["E01000105"].tolist() == [6, 12, "mapped_ambiguous"]  # ranks 5, 18 -> 11.5
    assert match_counts(out.reset_index()) == {"direct": 0, "mapped": 3, "mapped_ambiguous": 1}


def test_mapped_lookup_from_files_leaves_unmatched_codes_out(tmp_path):
    iod = write_iod2025(tmp_path / "i25.csv")
    pairs = write_pairs(
        tmp_path / "map.csv",
        [
            ("E01000050", "E01000001", "U"),
            ("E01000051", "E01000002", "S"),
            ("E01000051", "E01000020", "S"),
            ("E01000052", "E01009999", "U"),  # 2021 code not in the IoD file
        ],
    )
    lookup = build_imd_lookup("iod2025", 2011, iod, pairs)
    assert lookup["lsoa_code"].tolist() == ["E01000050", "E01000051"]
    assert lookup["match"].tolist() == ["mapped", "mapped_ambiguous"]
    assert lookup["imd_decile"].tolist() == [1, 6]  # mean rank of 2 and 20 is 11 -> decile 6


def test_mapping_needs_the_lsoa_lookup_and_a_matching_one(tmp_path):
    iod = write_iod2025(tmp_path / "i25.csv")
    with pytest.raises(InputError, match="LSOA 2011 -> 2021 lookup is needed") as info:
        build_imd_lookup("iod2025", 2011, iod, None)
    assert "lookups.files.lsoa11_lsoa21" in str(info.value)
    unrelated = write_pairs(tmp_path / "map.csv", [("E01000050", "E01777777", "U")])
    with pytest.raises(InputError, match="shares no 2021 codes"):
        build_imd_lookup("iod2025", 2011, iod, unrelated)
    with pytest.raises(InputError, match="must be 2011 or 2021"):
        build_imd_lookup("iod2025", 2015, iod, None)


def test_required_lookups():
    assert required_lookups("iod2019", 2011) == ["iod2019"]
    assert required_lookups("iod2025", 2011) == ["iod2025", "lsoa11_lsoa21"]
    assert required_lookups("iod2019", 2021) == ["iod2019", "lsoa11_lsoa21"]


# ---------------------------------------------------------------------------------------------
# fetch: local path, cache, download
# ---------------------------------------------------------------------------------------------


def test_fetch_local_path_is_verified_and_used_in_place(tmp_path):
    path = write_file1(tmp_path / "f1.csv")
    spec = {"url": "http://127.0.0.1:9/never", "sha256": sha(path).upper(), "path": str(path)}
    assert fetch("iod2019", spec, tmp_path / "cache") == path
    assert not (tmp_path / "cache").exists()
    spec["sha256"] = "0" * 64
    with pytest.raises(InputError, match="expected sha256") as info:
        fetch("iod2019", spec, tmp_path / "cache")
    message = str(info.value)
    assert "0" * 64 in message and sha(path) in message
    assert "lookups.files.iod2019.path" in message and str(path) in message
    spec["path"] = str(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="local copy of lookup `iod2019` does not exist"):
        fetch("iod2019", spec, tmp_path / "cache")


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"url": "http://127.0.0.1:9/x.csv"}, "needs a sha256"),
        ({"url": "http://127.0.0.1:9/x.csv", "sha256": "abc"}, "needs a sha256"),
        ({"sha256": "a" * 64}, "neither a `url` nor a local `path`"),
    ],
)
def test_fetch_needs_a_checksum_and_a_source(tmp_path, spec, message):
    with pytest.raises(InputError, match=message):
        fetch("iod2025", spec, tmp_path)


def test_cache_path_is_keyed_by_name_and_checksum():
    spec = {"url": "https://h/media/abc/File_7_IoD2025%20All.csv", "sha256": "AB" * 32}
    assert cache_path("iod2025", spec, "c") == Path("c/iod2025-abababababababab.csv")
    spec = {"url": "https://h/f/833970/File_1_-_IMD2019.xlsx", "sha256": "1" * 64}
    assert cache_path("iod2019", spec, "c").name == "iod2019-1111111111111111.xlsx"
    spec = {"url": "https://h/api/download/v1/items/cbfe/csv?layers=0", "sha256": "2" * 64}
    assert cache_path("lsoa11_lsoa21", spec, "c").name == "lsoa11_lsoa21-2222222222222222.csv"


@pytest.fixture
def served(tmp_path):
    """A tiny IoD file served over loopback: (base URL, request log, file, cache folder)."""
    site = tmp_path / "site"
    site.mkdir()
    path = write_iod2025(site / "imd2025.csv")
    with serve(site) as (base, requested):
        yield base, requested, path, tmp_path / "cache"


def test_download_verifies_and_caches_then_reuses_without_a_request(served):
    base, requested, path, cache = served
    spec = {"url": f"{base}/imd2025.csv", "sha256": sha(path)}
    first = fetch("iod2025", spec, cache)
    assert first == cache / f"iod2025-{sha(path)[:16]}.csv"
    assert first.read_bytes() == path.read_bytes()
    assert requested == ["/imd2025.csv"]
    assert fetch("iod2025", spec, cache) == first
    assert requested == ["/imd2025.csv"]  # the second call made no request
    assert [p.name for p in cache.iterdir()] == [first.name]  # no temporary files left


def test_download_with_the_wrong_checksum_leaves_nothing_behind(served):
    base, requested, path, cache = served
    spec = {"url": f"{base}/imd2025.csv", "sha256": "f" * 64}
    with pytest.raises(InputError) as info:
        fetch("iod2025", spec, cache)
    message = str(info.value)
    assert "f" * 64 in message and sha(path) in message and f"{base}/imd2025.csv" in message
    assert "lookups.files.iod2025.sha256" in message
    assert list(cache.iterdir()) == []


def test_a_cached_copy_that_fails_its_checksum_is_downloaded_again(served):
    base, requested, path, cache = served
    spec = {"url": f"{base}/imd2025.csv", "sha256": sha(path)}
    target = cache_path("iod2025", spec, cache)
    target.parent.mkdir(parents=True)
    target.write_text("truncated")
    assert fetch("iod2025", spec, cache).read_bytes() == path.read_bytes()
    assert requested == ["/imd2025.csv"]


def test_download_404_names_the_url_and_the_way_out(served):
    base, requested, path, cache = served
    spec = {"url": f"{base}/gone.csv", "sha256": sha(path)}
    with pytest.raises(InputError, match="HTTP 404") as info:
        fetch("iod2025", spec, cache)
    assert f"{base}/gone.csv" in str(info.value)
    assert "set `lookups.files.iod2025.path` to a local copy" in str(info.value)
    assert not cache_path("iod2025", spec, cache).exists()


def test_server_down_gives_the_offline_message(tmp_path):
    spec = {"url": closed_port_url(), "sha256": "a" * 64}
    with pytest.raises(InputError, match="cannot download") as info:
        fetch("lsoa11_lsoa21", spec, tmp_path / "cache", timeout=5)
    assert "cannot download, set `lookups.files.lsoa11_lsoa21.path` to a local copy" in str(
        info.value
    )
    assert "Traceback" not in str(info.value)
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_server_that_does_not_answer_in_time_gives_the_offline_message(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    path = write_iod2025(site / "imd2025.csv")
    with serve(site, delay=1.5) as (base, _):
        spec = {"url": f"{base}/imd2025.csv", "sha256": sha(path)}
        with pytest.raises(InputError, match="cannot download"):
            fetch("iod2025", spec, tmp_path / "cache", timeout=0.3)


# ---------------------------------------------------------------------------------------------
# From config
# ---------------------------------------------------------------------------------------------


def test_imd_lookup_for_release_fetches_and_maps(tmp_path, config):
    iod = write_iod2025(tmp_path / "i25.csv")
    pairs = write_pairs(
        tmp_path / "map.csv",
        [
            ("E01000050", "E01000001", "U"),
            ("E01000051", "E01000003", "S"),  # parts in decile 2 and 2
            ("E01000051", "E01000004", "S"),
            ("E01000052", "E01000005", "M"),
            ("E01000053", "E01000005", "M"),
            ("E01000054", "E01000002", "S"),  # parts in deciles 1 and 10
            ("E01000054", "E01000020", "S"),
        ],
    )
    files = {
        "iod2025": {"path": str(iod), "sha256": sha(iod)},
        "lsoa11_lsoa21": {"path": str(pairs), "sha256": sha(pairs)},
    }
    cfg = validate_config(real_config(config, tmp_path, files, lsoa_vintage=2011))
    check_lookup_config(cfg)
    lookup = imd_lookup_for_release(cfg)
    assert match_counts(lookup) == {"direct": 0, "mapped": 4, "mapped_ambiguous": 1}
    cfg["releases"]["real"]["lsoa_vintage"] = 2021
    assert match_counts(imd_lookup_for_release(cfg))["direct"] == 20


def test_imd_lookup_for_release_downloads_over_loopback(served, tmp_path, config):
    base, requested, path, cache = served
    files = {"iod2025": {"url": f"{base}/imd2025.csv", "sha256": sha(path)}}
    cfg = validate_config(real_config(config, tmp_path, files))
    assert len(imd_lookup_for_release(cfg)) == 20
    assert (tmp_path / "cache" / f"iod2025-{sha(path)[:16]}.csv").exists()
    assert requested == ["/imd2025.csv"]


def test_config_errors_name_the_key(tmp_path, config):
    with pytest.raises(InputError, match="synthetic release uses its own"):
        imd_lookup_for_release(validate_config(copy.deepcopy(config)))
    cfg = validate_config(real_config(config, tmp_path, {}, lsoa_vintage=2011))
    for check in (check_lookup_config, imd_lookup_for_release):
        with pytest.raises(InputError, match="no file for lookup `iod2025`") as info:
            check(cfg)
        assert "lookups.files.iod2025" in str(info.value)
    cfg["lookups"]["files"]["iod2025"] = {"path": str(tmp_path / "no.csv"), "sha256": "a" * 64}
    cfg["lookups"]["files"]["lsoa11_lsoa21"] = {"url": "https://example.org/x", "sha256": "a" * 64}
    with pytest.raises(InputError, match="local copy of lookup `iod2025` does not exist"):
        check_lookup_config(cfg)
    cfg["releases"]["real"]["imd_lookup"] = "own.csv"  # its own table: no official lookups needed
    check_lookup_config(cfg)


@pytest.mark.parametrize(
    "change, key",
    [
        (lambda c: c["releases"]["demo"].pop("imd_lookup"), "releases.demo"),
        (lambda c: c["releases"]["demo"].update(lsoa_vintage=2015), "lsoa_vintage"),
        (lambda c: c["deprivation"].update(edition="iod2015"), "deprivation.edition"),
        (lambda c: c["deprivation"].update(quintiles="regional"), "deprivation.quintiles"),
        (lambda c: c["lookups"]["files"]["iod2019"].update(sha256="xyz"), "sha256"),
        (
            lambda c: c["lookups"]["files"].update(
                iod2004={"url": "https://a/b", "sha256": "a" * 64}
            ),
            "lookups.files",
        ),
        (lambda c: c["lookups"]["files"]["iod2025"].pop("url"), "lookups.files.iod2025"),
        (lambda c: c["lookups"]["files"]["iod2025"].update(url="ftp://x/y"), "url"),
    ],
)
def test_schema_checks_the_lookup_keys(config, change, key):
    change(config)
    with pytest.raises(InputError) as info:
        validate_config(config)
    assert key in str(info.value)


def test_schema_accepts_a_real_release_without_imd_lookup(config, tmp_path):
    cfg = real_config(config, tmp_path, config["lookups"]["files"], lsoa_vintage=2011)
    validate_config(cfg)


def test_repo_config_names_the_publishers_addresses(repo_config):
    files = repo_config["lookups"]["files"]
    assert set(files) == {"iod2019", "iod2025", "lsoa11_lsoa21"}
    assert files["iod2019"]["url"].startswith("https://assets.publishing.service.gov.uk/")
    assert files["iod2025"]["url"].startswith("https://assets.publishing.service.gov.uk/")
    assert "cbfe64cc03d74af982c1afec639bafd1" in files["lsoa11_lsoa21"]["url"]
    assert not any("path" in spec for spec in files.values())  # no machine-specific copies
