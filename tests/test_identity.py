"""Record identity across the files of a release (source key ``id.key``): ids restarting at 1 in
each file stop the run by default, ``file_and_id`` and ``file_and_row`` keep every birth."""

from __future__ import annotations

import pandas as pd
import pytest
from support.workflow import real_release, snakemake, write_config

from birthgaps.clean.cleaning import clean_births
from birthgaps.core.codes import REQUIRED_COLUMNS
from birthgaps.core.errors import InputError
from birthgaps.core.settings import validate_config
from birthgaps.ingest.extract import ingest_release
from birthgaps.ingest.preflight import preflight
from birthgaps.ingest.sources import expected_columns, load_source

HEADER = ",".join(REQUIRED_COLUMNS)
N = 12


def rows(year: int, n: int = N, first_id: int = 1) -> list[str]:
    """Good canonical rows whose ids run from ``first_id`` (each file numbering its own)."""
    return [
        f"K{first_id + i:04d},{year}-03-{i % 28 + 1:02d},live,39,{i % 7},{3000 + 10 * i},F,1,30,A,"
        f"E01000001,X1"
        for i in range(n)
    ]


def write(path, body: list[str], header: str = HEADER):
    path.write_text("\n".join([header, *body]) + "\n")
    return str(path)


def two_years(tmp_path) -> list[str]:
    return [
        write(tmp_path / "births_2022.csv", rows(2022)),
        write(tmp_path / "births_2023.csv", rows(2023)),
    ]


def flow_of(births: pd.DataFrame, lookup: pd.DataFrame, config: dict) -> pd.Series:
    # the rows' LSOA joins the tiny lookup (clean stops when most LSOAs are not in it)
    lookup = pd.concat([lookup, pd.DataFrame({"lsoa_code": ["E01000001"], "imd_decile": [3]})])
    _, flow = clean_births(
        births, lookup, areas=["X1"], years=[2022, 2023], definitions=config["definitions"]
    )
    return flow.set_index("step")["count"]


def test_ids_restarting_at_one_stop_by_default(tmp_path):
    files = two_years(tmp_path)
    with pytest.raises(InputError) as info:
        ingest_release(files, "canonical", report_dir=tmp_path / "qa")
    message = str(info.value)
    assert "id_collision_across_files" in message
    assert "births_2023.csv" in message and "births_2022.csv" in message  # both files named
    assert "column: baby_id" in message and "rows affected: 12" in message
    assert "file_and_id" in message  # what to do
    report = pd.read_csv(tmp_path / "qa" / "validation_report.csv", dtype=str)
    row = report.loc[report["rule"] == "id_collision_across_files"].iloc[0]
    assert (row["file"], row["severity"], row["rows"]) == (files[1], "fatal", "12")
    # ids are counted, never shown
    assert "K0" not in message and "K0" not in str(row["description"])


def test_a_few_colliding_ids_are_counted_apart_from_identical_copies(tmp_path, lookup, config):
    first = rows(2022)
    second = first[:3] + rows(2023, n=2, first_id=4) + rows(2023, n=4, first_id=100)
    files = [write(tmp_path / "a.csv", first), write(tmp_path / "b.csv", second)]
    with pytest.raises(InputError) as info:
        ingest_release(files, "canonical", report_dir=tmp_path / "qa")
    assert "rows affected: 2" in str(info.value)  # ids 4 and 5: other records
    report = pd.read_csv(tmp_path / "qa" / "validation_report.csv", dtype=str).set_index("rule")
    assert report.loc["duplicate_baby_id_across_files", "rows"] == "3"  # ids 1-3: same records
    assert report.loc["duplicate_baby_id_across_files", "severity"] == "exclusion"


def test_identical_copies_across_files_stay_counted_duplicates(tmp_path, lookup, config):
    first = rows(2022)
    second = first[:3] + rows(2023, n=5, first_id=100)
    files = [write(tmp_path / "a.csv", first), write(tmp_path / "b.csv", second)]
    births, report = ingest_release(files, "canonical")
    assert len(births) == 20
    copies = report.loc[report["rule"] == "duplicate_baby_id_across_files"]
    assert copies["rows"].tolist() == [3] and copies["severity"].tolist() == ["exclusion"]
    counts = flow_of(births, lookup, config)
    assert (counts["duplicates"], counts["conflicting_records"]) == (3, 0)
    assert counts["live_births"] == 17


def test_file_and_id_keeps_every_birth_with_exact_counts(tmp_path, lookup, config):
    source = {"preset": "canonical", "id": {"key": "file_and_id"}}
    births, report = ingest_release(two_years(tmp_path), source)
    assert len(births) == 2 * N
    assert births["baby_id"].is_unique
    assert births["baby_id"].iloc[[0, N]].tolist() == ["1:K0001", "2:K0001"]
    assert not report["rule"].str.contains("across_files").any()
    counts = flow_of(births, lookup, config)
    assert (counts["duplicates"], counts["conflicting_records"]) == (0, 0)
    assert counts["live_births"] == 2 * N


def test_file_and_id_still_finds_repeats_within_a_file(tmp_path, lookup, config):
    body = rows(2022)
    body[5] = body[0]  # an exact copy of the file's first record
    source = {"preset": "canonical", "id": {"key": "file_and_id"}}
    births, _ = ingest_release([write(tmp_path / "a.csv", body)], source)
    counts = flow_of(births, lookup, config)
    assert (counts["duplicates"], counts["live_births"]) == (1, N - 1)


def test_file_and_row_reads_a_file_without_an_id_column(tmp_path, lookup, config):
    header = ",".join(c for c in REQUIRED_COLUMNS if c != "baby_id")
    body = [r.split(",", 1)[1] for r in rows(2022)]
    body[3] = body[2]  # two identical rows: without ids they are two births
    files = [
        write(tmp_path / "a.csv", body, header),
        write(tmp_path / "b.csv", body[:4], header),
    ]
    source = {"preset": "canonical", "id": {"key": "file_and_row"}}
    assert "baby_id" not in expected_columns(load_source(source))
    births, report = ingest_release(files, source)
    assert len(births) == N + 4
    assert births["baby_id"].tolist()[:2] == ["1:r1", "1:r2"]
    assert births["baby_id"].tolist()[N:] == ["2:r1", "2:r2", "2:r3", "2:r4"]
    counts = flow_of(births, lookup, config)
    assert (counts["duplicates"], counts["live_births"]) == (0, N + 4)


def test_without_file_and_row_a_missing_id_column_is_named(tmp_path):
    header = ",".join(c for c in REQUIRED_COLUMNS if c != "baby_id")
    path = write(tmp_path / "a.csv", [r.split(",", 1)[1] for r in rows(2022)], header)
    with pytest.raises(InputError) as info:
        ingest_release([path], "canonical")
    assert "columns_missing" in str(info.value) and "baby_id" in str(info.value)


def test_file_and_row_with_a_mapped_id_column_is_a_config_error():
    source = {"preset": "canonical", "columns": {"ID": "baby_id"}, "id": {"key": "file_and_row"}}
    with pytest.raises(InputError) as info:
        load_source(source)
    assert info.value.key == "source.id.key"


def test_an_unknown_id_key_is_named():
    with pytest.raises(InputError) as info:
        load_source({"preset": "canonical", "id": {"key": "row"}})
    assert info.value.key == "source.id.key" and "file_and_id" in str(info.value)


def test_preflight_accepts_a_file_without_ids_under_file_and_row(tmp_path, repo_config):
    header = ",".join(c for c in REQUIRED_COLUMNS if c != "baby_id")
    config = validate_config(real_release(tmp_path, repo_config))
    write(tmp_path / "births.csv", [r.split(",", 1)[1] for r in rows(2022)], header)
    (tmp_path / "imd.csv").write_text("lsoa_code,imd_decile\nE01000001,3\n")
    with pytest.raises(InputError) as info:
        preflight(config)
    assert "baby_id" in str(info.value)
    config["releases"]["real"]["source"] = {"preset": "canonical", "id": {"key": "file_and_row"}}
    preflight(config)


@pytest.mark.workflow
def test_two_files_with_ids_restarting_at_one_stop_the_workflow(tmp_path, repo_config):
    from birthgaps.ingest.synth import simulate_release

    config = real_release(tmp_path, repo_config)
    settings = {**config["synthetic"], "live_births": 400}
    births, lookup = simulate_release(settings, config["areas"], [2022, 2023])
    births = births.drop_duplicates("baby_id")
    paths = []
    for year in (2022, 2023):
        part = births.loc[births["birth_date"].dt.year == year].reset_index(drop=True)
        part["baby_id"] = [str(i + 1) for i in range(len(part))]  # each file numbers from 1
        paths.append(tmp_path / f"births_{year}.csv")
        part.to_csv(paths[-1], index=False)
    lookup.to_csv(tmp_path / "imd.csv", index=False)
    config["releases"]["real"]["extract"] = [str(p) for p in paths]
    result = snakemake(tmp_path, configfile=write_config(tmp_path / "config.yaml", config))
    assert result.returncode != 0
    assert "id_collision_across_files" in result.stderr
    assert "births_2022.csv" in result.stderr and "births_2023.csv" in result.stderr
    assert "column: baby_id" in result.stderr and "rows affected: " in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "results/real/published").exists()
    assert not list((tmp_path / "results").rglob("*.parquet"))
