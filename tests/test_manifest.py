"""The provenance manifest (manifest.json): checksums computed independently, no absolute path, the
code version outside git, the scan's reading of it, stale locks of a killed run, and (on the shared
tiny run) the manifest, workbook cover, index page and appendix footer of a whole release."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from support.workflow import copy_run, snakemake

from birthgaps.core import manifest as mf
from birthgaps.core.stale_locks import LOCKS_DIR, RUNS_DIR, clear_stale_locks
from birthgaps.publish.scan_formats import scan_file
from birthgaps.publish.scan_rules import ScanContext

REPO = Path(__file__).resolve().parents[1]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def small_manifest(tmp_path: Path) -> dict:
    work, project = tmp_path / "work", tmp_path / "project"
    if not work.exists():  # the files are made once; a test may then change them
        (work / "data").mkdir(parents=True)
        project.mkdir()
        (work / "data/births.csv").write_bytes(b"baby_id,birth_date\nA1,2022-01-01\n")
        (project / "ref.csv").write_text("x\n1\n")
        (tmp_path / "other.csv").write_text("y\n")
        (work / "config.yaml").write_text("release: demo\n")
    return mf.build_manifest(
        {
            "births_extract": [work / "data/births.csv"],
            "reference": [project / "ref.csv", tmp_path / "other.csv"],
        },
        configfiles=[work / "config.yaml"],
        config_hash=mf.config_sha256({"release": "demo"}),
        release="demo",
        release_label="Demo",
        code="v1.0-3-gabc1234",
        lock_sha256=None,
        workdir=work,
        project=project,
        produced="5 December 2026",
    )


def test_checksums_and_sizes_match_an_independent_computation(tmp_path):
    manifest = small_manifest(tmp_path)
    births = tmp_path / "work/data/births.csv"
    [entry] = manifest["inputs"]["births_extract"]
    assert entry == {
        "path": "data/births.csv",
        "bytes": f"{len(births.read_bytes()):,}",
        "sha256": digest(births),
    }
    assert manifest["config"]["files"][0]["sha256"] == digest(tmp_path / "work/config.yaml")
    assert mf.sha256_of(births) == digest(births)


def test_paths_are_never_absolute(tmp_path):
    manifest = small_manifest(tmp_path)
    text = mf.canonical_json(manifest)
    assert str(tmp_path) not in text and '"/' not in text
    paths = [e["path"] for e in manifest["inputs"]["reference"]]
    assert paths == ["<project>/ref.csv", "<elsewhere>/other.csv"]


def test_the_json_is_canonical(tmp_path):
    manifest = small_manifest(tmp_path)
    text = mf.canonical_json(manifest)
    assert text.endswith("}\n") and text == mf.canonical_json(json.loads(text))
    shuffled = dict(reversed(list(manifest.items())))
    assert mf.canonical_json(shuffled) == text
    path = tmp_path / "manifest.json"
    mf.write_manifest(manifest, path)
    assert path.read_text(encoding="utf-8") == text and mf.read_manifest(path) == manifest


def test_one_changed_byte_changes_the_checksum(tmp_path):
    before = small_manifest(tmp_path)
    births = tmp_path / "work/data/births.csv"
    data = bytearray(births.read_bytes())
    data[-2] ^= 1
    births.write_bytes(bytes(data))
    after = small_manifest(tmp_path)
    assert before["inputs"]["births_extract"] != after["inputs"]["births_extract"]
    assert before["inputs"]["reference"] == after["inputs"]["reference"]


def test_config_hash_follows_any_setting_and_ignores_key_order():
    assert mf.config_sha256({"a": 1, "b": [1, 2]}) == mf.config_sha256({"b": [1, 2], "a": 1})
    assert mf.config_sha256({"a": 1}) != mf.config_sha256({"a": 2})


def test_a_missing_input_stops_naming_it(tmp_path):
    with pytest.raises(mf.InputError, match="missing.*nowhere.csv"):
        mf.build_manifest(
            {"births_extract": [tmp_path / "nowhere.csv"]},
            configfiles=[],
            config_hash="0",
            release="r",
            release_label="R",
            code="x",
            lock_sha256=None,
            workdir=tmp_path,
            project=tmp_path,
        )


def test_code_version_outside_git_is_the_package_version(tmp_path, monkeypatch):
    assert mf.code_version(tmp_path) == mf.package_version()
    monkeypatch.setenv("PATH", str(tmp_path))  # no git at all
    assert mf.code_version(REPO) == mf.package_version()


def test_code_version_in_git_is_git_describe(tmp_path):
    git = ["git", "-C", str(tmp_path), "-c", "user.name=a", "-c", "user.email=a@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    (tmp_path / "f").write_text("1")
    subprocess.run([*git, "add", "f"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "c"], check=True)
    subprocess.run([*git, "tag", "v9.9"], check=True)
    assert mf.code_version(tmp_path) == "v9.9"
    (tmp_path / "f").write_text("2")
    assert mf.code_version(tmp_path) == "v9.9-dirty"


def test_produced_date_comes_from_source_date_epoch():
    assert mf.produced_date({"SOURCE_DATE_EPOCH": "1764892800"}) == "5 December 2025"
    with pytest.raises(mf.InputError, match="SOURCE_DATE_EPOCH"):
        mf.produced_date({"SOURCE_DATE_EPOCH": "soon"})


def test_scan_reads_the_manifest_and_no_checksum_is_an_identifier(tmp_path):
    ctx = ScanContext(last_birth_date=dt.date(2024, 12, 31))
    manifest = small_manifest(tmp_path)
    # checksums rich in digits, with 10-digit runs that pass the NHS check inside them
    manifest["inputs"]["births_extract"][0]["sha256"] = "943476" + "5919" + "0" * 54
    manifest["lock_sha256"] = "a9434765919b" * 5 + "abcd"
    path = tmp_path / mf.MANIFEST_NAME
    mf.write_manifest(manifest, path)
    assert scan_file(path, ctx) == []
    # but an identifier in it is found: the scan reads the file
    path.write_text(path.read_text().replace('"Demo"', '"Demo 943 476 5919"'))
    assert [kind for _, kind, _ in scan_file(path, ctx)] == ["nhs_number"]


def test_stale_locks_of_a_dead_run_are_removed_and_a_live_runs_kept(tmp_path):
    locks = tmp_path / LOCKS_DIR
    locks.mkdir(parents=True)
    (locks / "0.input.lock").write_text("x")
    proc = subprocess.Popen(["true"])  # a run whose process has ended
    proc.wait()
    (tmp_path / RUNS_DIR).mkdir(parents=True)
    (tmp_path / RUNS_DIR / str(proc.pid)).touch()
    assert clear_stale_locks(tmp_path, pid=os.getpid()) == [locks / "0.input.lock"]
    (locks / "0.input.lock").write_text("x")
    # this process is recorded and alive: its locks stay
    assert clear_stale_locks(tmp_path, pid=os.getpid()) == []
    assert (locks / "0.input.lock").exists()
    assert sorted(p.name for p in (tmp_path / RUNS_DIR).iterdir()) == [str(os.getpid())]


# ------------------------------------------------------------------------------------------------
# On the shared tiny run
# ------------------------------------------------------------------------------------------------


@pytest.mark.workflow
def test_the_published_manifest_lists_every_input_with_its_checksum(tiny_run):
    workdir, config, configfile = tiny_run
    published = workdir / "results/tiny/published"
    text = (published / mf.MANIFEST_NAME).read_text(encoding="utf-8")
    manifest = json.loads(text)
    spec = config["releases"]["tiny"]
    expected = {
        "births_extract": [spec["extract"]],
        "deaths_extract": [spec["deaths"]["extract"]],
        "imd_lookup": [spec["imd_lookup"]],
    }
    for role, files in expected.items():
        assert [e["path"] for e in manifest["inputs"][role]] == files
        for entry in manifest["inputs"][role]:
            assert entry["sha256"] == digest(workdir / entry["path"])
            assert entry["bytes"] == f"{(workdir / entry['path']).stat().st_size:,}"
    reference = {e["path"]: e for e in manifest["inputs"]["reference"]}
    ons = "<project>/" + config["comparators"]["reference"]
    assert reference[ons]["sha256"] == digest(REPO / config["comparators"]["reference"])
    presets = [e["path"] for e in manifest["inputs"]["source_presets"]]
    assert presets and all(p.startswith("<project>/config/sources/") for p in presets)
    assert manifest["config"]["files"] == [
        {
            "path": "config.yaml",
            "bytes": f"{configfile.stat().st_size:,}",
            "sha256": digest(configfile),
        }
    ]
    assert manifest["lock_sha256"] == digest(REPO / "uv.lock")
    assert manifest["code_version"] == mf.code_version(REPO)
    assert manifest["release"] == "tiny" and manifest["produced"] == mf.produced_date()
    assert str(workdir) not in text and str(REPO) not in text and '"/' not in text
    assert text == mf.canonical_json(manifest)


@pytest.mark.workflow
def test_provenance_is_shown_in_the_workbook_index_and_appendix_footers(tiny_run):
    import openpyxl

    workdir, config, _ = tiny_run
    published = workdir / "results/tiny/published"
    line = mf.provenance_line(mf.read_manifest(published / mf.MANIFEST_NAME))
    wb = openpyxl.load_workbook(published / "birthgaps_tiny.xlsx", read_only=True)
    cover = " ".join(str(row[0]) for row in wb["Cover"].iter_rows(values_only=True) if row[0])
    assert line in cover and "lock file sha256" in cover
    index = (published / "index.html").read_text(encoding="utf-8")
    assert "<h2>Provenance</h2>" in index and 'href="manifest.json"' in index
    assert line in index
    for area in config["areas"]:
        for name in (f"{area}.html", f"{area}_annex.html"):
            page = (published / "appendix" / name).read_text(encoding="utf-8")
            assert f'<footer class="colophon"><p>{line}</p></footer>' in page, name
    from birthgaps.publish.scan_text import pdf_text

    area = next(iter(config["areas"]))
    pdf = " ".join(t for _, t in pdf_text(published / "appendix" / f"{area}.pdf"))
    assert "inputs and checksums: manifest.json" in " ".join(pdf.split())


@pytest.mark.workflow
def test_a_changed_extract_byte_reruns_the_manifest(tiny_run, tmp_path):
    workdir, config, configfile = tiny_run
    run = copy_run(workdir, tmp_path / "run")
    staged = run / "results/tiny/staged/manifest.json"
    before = mf.read_manifest(staged)
    extract = run / config["releases"]["tiny"]["extract"]
    data = bytearray(extract.read_bytes())
    data[-2] = ord("9") if data[-2] != ord("9") else ord("8")
    extract.write_bytes(bytes(data))
    result = snakemake(run, "results/tiny/staged/manifest.json", configfile=run / configfile.name)
    assert result.returncode == 0, result.stderr[-3000:]
    after = mf.read_manifest(staged)
    assert after["inputs"]["births_extract"][0]["sha256"] == digest(extract)
    assert after["inputs"]["births_extract"] != before["inputs"]["births_extract"]
    assert after["inputs"]["imd_lookup"] == before["inputs"]["imd_lookup"]


def test_the_size_of_a_large_extract_never_reads_as_an_nhs_number():
    """9434765919 passes the Modulus 11 check: as a bare size it would stop the publication scan."""
    from birthgaps.publish.scan_rules import find_identifiers, make_context

    context = make_context({"suppress_min": 1, "suppress_max": 7, "rounding_base": 5}, None)
    assert find_identifiers('{"bytes": 9434765919}', context)  # the check sees the bare number
    text = mf.canonical_json({"bytes": mf.size_text(9434765919)})
    assert mf.size_text(9434765919) == "9,434,765,919"
    assert find_identifiers(text, context) == []
