"""The linked deaths extract: read through its source, joined onto the births on baby_id, and
every check in the validation report (unlinked, repeated, conflicting, stillbirth, wrong id
column) with the stops naming file, column, rule and count."""

from __future__ import annotations

import pandas as pd
import pytest
from support.births import make_births

from birthgaps.core.errors import InputError
from birthgaps.core.settings import deaths_complete_to, validate_config
from birthgaps.ingest.deaths import LINK_RULES, deaths_flow
from birthgaps.ingest.extract import ingest_release
from birthgaps.ingest.preflight import preflight

N = 40


def births_file(tmp_path, stillbirths: int = 2) -> str:
    """``N`` births B00000..B00039; the last ``stillbirths`` are stillbirths."""
    rows = [{"mother_lsoa": "E01000001"}] * (N - stillbirths)
    rows += [{"mother_lsoa": "E01000001", "birth_outcome": "still"}] * stillbirths
    births = make_births(rows)
    births["birth_date"] = births["birth_date"].dt.strftime("%Y-%m-%d")
    path = tmp_path / "births.csv"
    births.to_csv(path, index=False)
    return str(path)


def deaths_file(
    tmp_path,
    rows: list[tuple[str, str, str]],
    header=("baby_id", "death_date", "age_at_death_days"),
) -> str:
    path = tmp_path / "deaths.csv"
    frame = pd.DataFrame(rows, columns=list(header))
    frame.to_csv(path, index=False)
    return str(path)


def run(tmp_path, deaths_rows, source="canonical", **kwargs):
    spec = {"extract": deaths_file(tmp_path, deaths_rows), "source": source}
    return ingest_release([births_file(tmp_path)], "canonical", deaths=spec, **kwargs)


def counts(report: pd.DataFrame) -> dict[str, int]:
    rows = report.loc[report["rule"].isin(list(LINK_RULES))]
    return {str(r.rule): int(r.rows) for r in rows.itertuples()}


def test_deaths_are_joined_on_baby_id(tmp_path):
    births, report = run(
        tmp_path,
        [("B00003", "2020-06-20", "5"), ("B00010", "2020-09-01", ""), ("B00011", "", "200")],
    )
    died = births.set_index("baby_id")
    assert died.loc["B00003", "death_date"] == pd.Timestamp("2020-06-20")
    assert died.loc["B00003", "age_at_death_days"] == 5
    assert pd.isna(died.loc["B00010", "age_at_death_days"])
    assert died.loc["B00011", "age_at_death_days"] == 200
    assert births["death_date"].notna().sum() == 2
    assert births["age_at_death_days"].notna().sum() == 2
    assert counts(report) == {"deaths_read": 3, "deaths_linked": 3}
    assert str(births["death_date"].dtype) == "datetime64[ns]"


def test_counted_checks_and_the_flow(tmp_path):
    rows = [
        ("B00001", "2020-06-20", "5"),
        ("B00001", "2020-06-20", "5"),  # identical repeat: one kept
        ("X99999", "2020-07-01", "16"),  # no such birth: dropped
        ("B00039", "2020-06-15", "0"),  # a stillbirth: dropped
        ("", "2020-06-30", "15"),  # no identifier: dropped
        ("B00002", "2020-06-22", "7"),
    ]
    births, report = run(tmp_path, rows)
    assert counts(report) == {
        "deaths_read": 6,
        "death_baby_id_missing": 1,
        "death_duplicate": 1,
        "death_not_linked": 1,
        "death_of_stillbirth": 1,
        "deaths_linked": 2,
    }
    assert births["death_date"].notna().sum() == 2
    assert pd.isna(births.set_index("baby_id").loc["B00039", "death_date"])
    assert deaths_flow(report) == [
        ("deaths_read", LINK_RULES["deaths_read"], 6),
        ("death_baby_id_missing", LINK_RULES["death_baby_id_missing"], 1),
        ("death_undated", LINK_RULES["death_undated"], 0),
        ("death_duplicate", LINK_RULES["death_duplicate"], 1),
        ("death_not_linked", LINK_RULES["death_not_linked"], 1),
        ("death_of_stillbirth", LINK_RULES["death_of_stillbirth"], 1),
        ("deaths_linked", LINK_RULES["deaths_linked"], 2),
    ]
    not_linked = report.loc[report["rule"] == "death_not_linked"].iloc[0]
    assert not_linked["severity"] == "exclusion"
    assert not_linked["file"].endswith("deaths.csv")


def test_no_deaths_extract_no_flow_rows(tmp_path):
    _, report = ingest_release([births_file(tmp_path)], "canonical")
    assert deaths_flow(report) == []


def test_conflicting_repeats_stop(tmp_path):
    rows = [
        ("B00001", "2020-06-20", "5"),
        ("B00001", "2020-06-25", "10"),
        ("B00002", "2020-06-20", "5"),
    ]
    with pytest.raises(InputError) as info:
        run(tmp_path, rows)
    error = info.value
    assert (error.column, error.check, error.rows) == ("baby_id", "death_records_conflict", 2)
    assert error.file.endswith("deaths.csv")
    assert "1 baby has death records that differ (2 records)" in error.problem


def test_mostly_unlinked_deaths_stop_as_the_wrong_id_column(tmp_path):
    rows = [(f"Z{i}", "2020-06-20", "5") for i in range(6)] + [("B00001", "2020-06-20", "5")] * 1
    with pytest.raises(InputError) as info:
        run(tmp_path, rows)
    error = info.value
    assert (error.column, error.check, error.rows) == ("baby_id", "death_not_linked", 6)
    assert "86%" in error.problem and "wrong column" in error.problem
    assert "deaths extract's baby identifier" in error.hint
    _, report = run(tmp_path, rows, implausible_share=0.9)  # the configured share
    assert counts(report)["death_not_linked"] == 6


def test_a_deaths_source_maps_its_own_names_and_date_format(tmp_path):
    path = tmp_path / "deaths.csv"
    pd.DataFrame({"idbaby": ["B00004"], "dod": ["20200701"], "ageindays": ["16"]}).to_csv(
        path, index=False
    )
    births, _ = ingest_release(
        [births_file(tmp_path)], "canonical", deaths={"extract": str(path), "source": "ons_deaths"}
    )
    died = births.set_index("baby_id").loc["B00004"]
    assert (died["death_date"], died["age_at_death_days"]) == (pd.Timestamp("2020-07-01"), 16)


def test_a_deaths_extract_with_only_ages(tmp_path):
    path = deaths_file(tmp_path, [("B00004", "3")], header=("baby_id", "age_at_death_days"))
    births, _ = ingest_release([births_file(tmp_path)], "canonical", deaths={"extract": path})
    assert births["age_at_death_days"].sum() == 3
    assert births["death_date"].isna().all()


def test_a_deaths_extract_without_the_columns_stops(tmp_path):
    path = deaths_file(tmp_path, [("B00004", "x")], header=("id", "when"))
    with pytest.raises(InputError) as info:
        ingest_release([births_file(tmp_path)], "canonical", deaths={"extract": path})
    assert info.value.check == "columns_missing"
    assert "baby_id" in info.value.problem and "`when`" in str(info.value)


def test_unreadable_death_dates_stop(tmp_path):
    rows = [(f"B{i:05d}", "2020-06-20", "") for i in range(10)] + [("B00011", "20/06/2020", "")]
    with pytest.raises(InputError) as info:
        run(tmp_path, rows)
    assert (info.value.column, info.value.check, info.value.rows) == (
        "death_date",
        "date_format",
        1,
    )


def test_deaths_in_both_the_births_and_a_deaths_extract_stop(tmp_path):
    births = make_births([{"mother_lsoa": "E01000001"}] * 3)
    births["birth_date"] = births["birth_date"].dt.strftime("%Y-%m-%d")
    births["age_at_death_days"] = ["", "4", ""]
    births_path = tmp_path / "b.csv"
    births.to_csv(births_path, index=False)
    deaths = deaths_file(tmp_path, [("B00001", "2020-06-20", "5")])
    with pytest.raises(InputError) as info:
        ingest_release([str(births_path)], "canonical", deaths={"extract": deaths})
    assert info.value.check == "deaths_given_twice"


def test_record_keys_built_from_files_cannot_join_deaths(tmp_path):
    deaths = deaths_file(tmp_path, [("B00001", "2020-06-20", "5")])
    with pytest.raises(InputError) as info:
        ingest_release(
            [births_file(tmp_path)],
            {"id": {"key": "file_and_id"}},
            deaths={"extract": deaths},
        )
    assert "id.key" in str(info.value)


# ------------------------------------------------------------------------ config and preflight


def deaths_release(config: dict, tmp_path, deaths: dict, **extra) -> dict:
    config["releases"]["real"] = {
        "label": "Real",
        "extract": births_file(tmp_path),
        "years": [2020],
        "deaths": deaths,
        **extra,
    }
    config["release"] = "real"
    return validate_config(config)


def test_the_config_takes_a_deaths_extract_and_its_follow_up_end(config, tmp_path):
    path = deaths_file(tmp_path, [("B00001", "2020-06-20", "5")])
    loaded = deaths_release(
        config, tmp_path, {"extract": path, "source": "ons_deaths"}, deaths_complete_to="2021-03-31"
    )
    assert loaded["releases"]["real"]["deaths"]["source"] == "ons_deaths"
    assert deaths_complete_to(loaded) == "2021-03-31"
    with pytest.raises(InputError, match="deaths_complete_to"):
        deaths_release(config, tmp_path, {"extract": path}, deaths_complete_to="31/03/2021")
    with pytest.raises(InputError, match="deaths"):
        deaths_release(config, tmp_path, {"source": "canonical"})  # no extract


def test_preflight_checks_the_deaths_source_and_file(config, tmp_path):
    path = deaths_file(tmp_path, [("B00001", "2020-06-20", "5")])
    preflight(deaths_release(config, tmp_path, {"extract": path}), warn=False)
    with pytest.raises(InputError, match="deaths extract file does not exist") as info:
        preflight(deaths_release(config, tmp_path, {"extract": "nope.csv"}), warn=False)
    assert info.value.key == "releases.real.deaths.extract"
    with pytest.raises(InputError) as info:
        preflight(deaths_release(config, tmp_path, {"extract": path, "source": "nope"}), warn=False)
    assert info.value.key == "releases.real.deaths.source"


@pytest.mark.workflow
def test_the_ingest_rule_joins_the_deaths_extract_and_reruns_when_it_changes(tmp_path, repo_config):
    from support.workflow import real_release as workflow_release
    from support.workflow import snakemake, write_config

    from birthgaps.ingest.synth import simulate_release

    config = workflow_release(tmp_path, repo_config)
    settings = {**config["synthetic"], "live_births": 2000}
    births, lookup = simulate_release(settings, config["areas"], [2022, 2023])
    births.to_csv(tmp_path / "births.csv", index=False)
    lookup.to_csv(tmp_path / "imd.csv", index=False)
    live = births.loc[births["birth_outcome"] == "live", "baby_id"].drop_duplicates().head(5)
    pd.DataFrame({"idbaby": live, "dod": "20231231", "ageindays": ""}).to_csv(
        tmp_path / "deaths.csv", index=False
    )
    config["releases"]["real"]["deaths"] = {"extract": "deaths.csv", "source": "ons_deaths"}
    configfile = write_config(tmp_path / "config.yaml", config)
    target = "results/real/restricted/births.parquet"
    result = snakemake(tmp_path, target, configfile=configfile)
    assert result.returncode == 0, result.stderr[-4000:]
    staged = pd.read_parquet(tmp_path / target)
    assert staged.loc[staged["baby_id"].isin(live), "death_date"].notna().all()
    assert staged["death_date"].notna().sum() == staged["baby_id"].isin(live).sum()
    report = pd.read_csv(tmp_path / "results/real/restricted/qa/validation_report.csv")
    assert dict(zip(report["rule"], report["rows"], strict=True))["deaths_linked"] == 5
    (tmp_path / "deaths.csv").write_text("idbaby,dod,ageindays\n")
    dry = snakemake(tmp_path, target, "-n", configfile=configfile)
    assert "rule ingest" in dry.stdout, dry.stdout[-2000:]


def test_a_deaths_source_recodes_its_values(tmp_path):
    path = deaths_file(
        tmp_path, [("B00004", "", "3"), ("B00005", "", "Unknown")], header=("baby_id", "dd", "age")
    )
    source = {
        "columns": {"age": "age_at_death_days"},
        "recodes": {"age_at_death_days": {"Unknown": None}},
    }
    births, report = ingest_release(
        [births_file(tmp_path)], "canonical", deaths={"extract": path, "source": source}
    )
    assert births.set_index("baby_id").loc["B00004", "age_at_death_days"] == 3
    assert births["age_at_death_days"].notna().sum() == 1
    assert counts(report)["deaths_linked"] == 1
    assert counts(report)["death_undated"] == 1  # B00005: no date, age not known
