"""Official lookups with the real files in ../shared/data (skipped when ../shared is absent).

IoD2019 (LSOA 2011), IoD2025 (LSOA 2021) and the ONS LSOA 2011 -> 2021 lookup: content checksums
against config, national totals, Leicester's decile distributions (figures in docs/lookups.md), mapping each
edition onto the other vintage, and the download path with the real files served over loopback.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pandas as pd
import pytest
from support.lookups import closed_port_url, serve

from birthgaps.core.errors import InputError
from birthgaps.core.settings import validate_config
from birthgaps.ingest.lookup_fetch import content_sha256, fetch, sha256_of
from birthgaps.ingest.lookup_files import read_iod, read_lsoa11_lsoa21
from birthgaps.ingest.lookups import build_imd_lookup, imd_lookup_for_release, match_counts

FILES = {
    "iod2019": "imd2019-lsoa11/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv",
    "iod2025": "iod2025-lsoa21/imd2025_england_lsoa21.csv",
    "lsoa11_lsoa21": "lsoa-lookups/lookup_lsoa11_lsoa21_ltla22.csv",
}
#: First 16 hex digits of each file's sha256 as its PROVENANCE.md gives them.
PROVENANCE_SHA = {
    "iod2019": "9c19a6c221d0f258",
    "iod2025": "e82cc5533ba7c54e",
    "lsoa11_lsoa21": "ddc782616aab916d",
}
LEICESTER = "E06000016"
DECILES = list(range(1, 11))


@pytest.fixture(scope="module")
def data(request) -> Path:
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if not shared.exists():
        pytest.skip("../shared is not available")
    return shared


@pytest.fixture(scope="module")
def leicester(data) -> dict[int, set[str]]:
    """Leicester's LSOA codes of 2011 and 2021, from the ONS lookup's LAD 2022 column."""
    table = pd.read_csv(data / FILES["lsoa11_lsoa21"], dtype=str)
    rows = table[table["ltla22_code"] == LEICESTER]
    return {2011: set(rows["lsoa11_code"]), 2021: set(rows["lsoa21_code"])}


def per_decile(lookup: pd.DataFrame, codes: set[str]) -> list[int]:
    part = lookup[lookup["lsoa_code"].isin(codes)]
    return part["imd_decile"].value_counts().reindex(DECILES, fill_value=0).tolist()


def read_shared(data: Path, name: str) -> pd.DataFrame:
    path = data / FILES[name]
    return read_lsoa11_lsoa21(path) if name == "lsoa11_lsoa21" else read_iod(path, name)


def test_config_checksums_are_those_of_the_shared_files(data, repo_config):
    for name, relative in FILES.items():
        spec = repo_config["lookups"]["files"][name]
        assert spec["content_sha256"] == content_sha256(name, read_shared(data, name))
        assert "sha256" not in spec  # the bytes of a publisher's file are not those of a copy
        assert sha256_of(data / relative).startswith(PROVENANCE_SHA[name])


def test_national_totals_and_decile_sizes(data):
    iod2019 = read_iod(data / FILES["iod2019"], "iod2019")
    iod2025 = read_iod(data / FILES["iod2025"], "iod2025")
    assert len(iod2019) == 32_844 and len(iod2025) == 33_755
    assert set(iod2019["imd_decile"].value_counts()) == {3_284, 3_285}
    assert set(iod2025["imd_decile"].value_counts()) == {3_375, 3_376}
    assert iod2019["imd_rank"].max() == 32_844 and iod2025["imd_rank"].max() == 33_755
    # ties as published: 26 pairs of LSOAs share an IoD2019 rank; none in IoD2025
    assert iod2019["imd_rank"].duplicated().sum() == 26
    assert not iod2025["imd_rank"].duplicated().any()
    # IoD2019 File 1 writes ranks as "29,199": the first LSOA, City of London 001A.
    assert iod2019.loc[iod2019["lsoa_code"] == "E01000001", "imd_rank"].item() == 29_199
    pairs = read_lsoa11_lsoa21(data / FILES["lsoa11_lsoa21"])
    assert len(pairs) == 35_795
    assert pairs["change_code"].value_counts().to_dict() == {
        "U": 33_647,
        "S": 1_900,
        "M": 239,
        "X": 9,
    }
    assert iod2019["lsoa_code"].isin(pairs["lsoa11_code"]).all()
    assert iod2025["lsoa_code"].isin(pairs["lsoa21_code"]).all()


def test_leicester_deciles_direct(data, leicester):
    lookup11 = build_imd_lookup("iod2019", 2011, data / FILES["iod2019"], None)
    lookup21 = build_imd_lookup("iod2025", 2021, data / FILES["iod2025"], None)
    assert len(leicester[2011]) == 192 and len(leicester[2021]) == 200
    assert per_decile(lookup11, leicester[2011]) == [39, 29, 40, 27, 19, 15, 12, 6, 4, 1]
    assert per_decile(lookup21, leicester[2021]) == [40, 61, 32, 21, 16, 15, 7, 5, 3, 0]
    assert match_counts(lookup11) == {"direct": 32_844, "mapped": 0, "mapped_ambiguous": 0}
    assert match_counts(lookup21) == {"direct": 33_755, "mapped": 0, "mapped_ambiguous": 0}


def test_iod2025_onto_2011_codes(data, leicester):
    lookup = build_imd_lookup(
        "iod2025", 2011, data / FILES["iod2025"], data / FILES["lsoa11_lsoa21"]
    )
    assert len(lookup) == 32_844  # every English LSOA of 2011, none dropped
    assert match_counts(lookup) == {"direct": 0, "mapped": 32_188, "mapped_ambiguous": 656}
    part = lookup[lookup["lsoa_code"].isin(leicester[2011])]
    assert len(part) == 192
    assert match_counts(part) == {"direct": 0, "mapped": 185, "mapped_ambiguous": 7}
    assert per_decile(lookup, leicester[2011]) == [40, 58, 28, 23, 15, 13, 7, 5, 3, 0]


def test_iod2019_onto_2021_codes(data, leicester):
    lookup = build_imd_lookup(
        "iod2019", 2021, data / FILES["iod2019"], data / FILES["lsoa11_lsoa21"]
    )
    assert len(lookup) == 33_755
    assert match_counts(lookup) == {"direct": 0, "mapped": 33_683, "mapped_ambiguous": 72}
    part = lookup[lookup["lsoa_code"].isin(leicester[2021])]
    assert len(part) == 200
    assert match_counts(part) == {"direct": 0, "mapped": 199, "mapped_ambiguous": 1}
    assert per_decile(lookup, leicester[2021]) == [39, 32, 41, 32, 19, 14, 12, 6, 4, 1]


def test_a_real_file_under_the_wrong_edition_is_refused(data):
    with pytest.raises(InputError, match="LSOA 2011 codes but iod2025"):
        read_iod(data / FILES["iod2019"], "iod2025")
    with pytest.raises(InputError, match="LSOA 2021 codes but iod2019"):
        read_iod(data / FILES["iod2025"], "iod2019")


# ---------------------------------------------------------------------------------------------
# The download path with the real files served over loopback
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(data):
    """A loopback server whose paths are those of ../shared/data: (base URL, request log)."""
    with serve(data) as served:
        yield served


def spec_for(site, repo_config, name: str) -> dict:
    """The committed content checksum, and the byte checksum of the shared copy served."""
    base, _ = site
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    return {
        "url": f"{base}/{FILES[name]}",
        "content_sha256": repo_config["lookups"]["files"][name]["content_sha256"],
        "sha256": sha256_of(shared / FILES[name]),
    }


@pytest.mark.parametrize("name", list(FILES))
def test_download_of_each_real_file_verifies_and_is_reused(site, data, repo_config, tmp_path, name):
    _, requested = site
    spec = spec_for(site, repo_config, name)
    before = len(requested)
    path = fetch(name, spec, tmp_path)
    assert path == tmp_path / f"{name}-{spec['content_sha256'][:16]}.csv"
    assert path.read_bytes() == (data / FILES[name]).read_bytes()
    assert len(requested) == before + 1
    assert fetch(name, spec, tmp_path) == path
    assert len(requested) == before + 1  # cache reuse: no second request


def test_download_of_a_real_file_with_another_files_checksum(site, repo_config, tmp_path):
    spec = spec_for(site, repo_config, "iod2025")
    actual = spec["sha256"]
    spec["sha256"] = spec_for(site, repo_config, "iod2019")["sha256"]
    with pytest.raises(InputError, match="does not have the expected sha256") as info:
        fetch("iod2025", spec, tmp_path)
    assert actual in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_download_404_and_server_down(site, repo_config, tmp_path):
    spec = spec_for(site, repo_config, "iod2019")
    spec["url"] = spec["url"].replace("File_1", "File_9")
    with pytest.raises(InputError, match="HTTP 404"):
        fetch("iod2019", spec, tmp_path)
    spec["url"] = closed_port_url()
    with pytest.raises(InputError, match=r"cannot download, set `lookups.files.iod2019.path`"):
        fetch("iod2019", spec, tmp_path, timeout=5)


def test_release_lookup_end_to_end_over_loopback(site, data, repo_config, tmp_path, leicester):
    config = copy.deepcopy(repo_config)
    config["release"] = "real"
    config["releases"]["real"] = {
        "label": "Real",
        "extract": "births.csv",
        "years": [2020],
        "lsoa_vintage": 2011,
    }
    config["deprivation"]["edition"] = "iod2025"
    config["lookups"]["cache_dir"] = str(tmp_path / "cache")
    for name in FILES:
        config["lookups"]["files"][name] = spec_for(site, repo_config, name)
    lookup = imd_lookup_for_release(validate_config(config))
    assert match_counts(lookup) == {"direct": 0, "mapped": 32_188, "mapped_ambiguous": 656}
    assert per_decile(lookup, leicester[2011]) == [40, 58, 28, 23, 15, 13, 7, 5, 3, 0]
    # offline afterwards: the cached copies are reused; a local path works without any server
    config["lookups"]["files"]["iod2025"]["url"] = closed_port_url()
    config["lookups"]["files"]["lsoa11_lsoa21"].pop("url")
    local = tmp_path / "local.csv"
    shutil.copyfile(data / FILES["lsoa11_lsoa21"], local)
    config["lookups"]["files"]["lsoa11_lsoa21"]["path"] = str(local)
    assert match_counts(imd_lookup_for_release(config))["mapped_ambiguous"] == 656
