"""Area of residence: constants for absent columns, the area derived from (or checked against) the
mother's LSOA through the ONS lookup, missing markers, and a missing area counted as not stated."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from support.workflow import real_release, snakemake, write_config

from birthgaps.clean.cleaning import clean_births
from birthgaps.clean.flow import publish_flow
from birthgaps.core.codes import REQUIRED_COLUMNS
from birthgaps.core.errors import InputError
from birthgaps.core.settings import validate_config
from birthgaps.ingest.extract import ingest_release
from birthgaps.ingest.lookup_files import read_area_lookup
from birthgaps.ingest.residence import apply_area, area_lookup_settings
from birthgaps.ingest.sources import load_source, source_missing_columns

N = 12
LSOAS = ["E01000001", "E01000002", "E01000003"]
AREA_OF = {"E01000001": "X1", "E01000002": "X1", "E01000003": "X2"}


def extract(tmp_path, drop=(), edit=None, name="births.csv") -> str:
    """A canonical CSV of N good rows (LSOAs in turn), without ``drop`` columns; ``edit(frame)``."""
    frame = pd.DataFrame(
        {
            "baby_id": [f"K{i:04d}" for i in range(N)],
            "birth_date": [f"2022-03-{i + 1:02d}" for i in range(N)],
            "birth_outcome": "live",
            "gestation_weeks": "39",
            "gestation_days": "2",
            "birth_weight_g": [str(3000 + 10 * i) for i in range(N)],
            "baby_sex": "F",
            "plurality": "1",
            "mother_age": "30",
            "mother_ethnic_category": "A",
            "mother_lsoa": [LSOAS[i % 3] for i in range(N)],
            "area_code": [AREA_OF[LSOAS[i % 3]] for i in range(N)],
        }
    )[REQUIRED_COLUMNS]
    if edit:
        edit(frame)
    path = tmp_path / name
    frame.drop(columns=list(drop)).to_csv(path, index=False)
    return str(path)


def area_lookup(pairs: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"lsoa_code": list(pairs), "area_code": list(pairs.values())})


def flow_of(births, config, areas=("X1", "X2"), **definitions) -> pd.Series:
    imd = pd.DataFrame({"lsoa_code": LSOAS, "imd_decile": [1, 5, 10]})
    _, flow = clean_births(
        births,
        imd,
        areas=list(areas),
        years=[2022],
        definitions={**config["definitions"], **definitions},
    )
    return flow.set_index("step")["count"]


# ------------------------------------------------------------------------------------ constants


def test_a_constant_fills_a_column_the_file_lacks(tmp_path, config):
    source = {"preset": "canonical", "constants": {"birth_outcome": "Live birth"}}
    births, _ = ingest_release([extract(tmp_path, drop=["birth_outcome"])], source)
    assert births["birth_outcome"].tolist() == ["live"] * N  # recoded like a file value
    assert flow_of(births, config)["live_births"] == N


def test_a_column_mapped_and_set_as_constant_is_a_config_error():
    source = {
        "preset": "canonical",
        "columns": {"Outcome": "birth_outcome"},
        "constants": {"birth_outcome": "live"},
    }
    with pytest.raises(InputError) as info:
        load_source(source)
    assert info.value.key == "source.constants" and "birth_outcome" in str(info.value)


def test_a_constant_over_a_preset_replaces_the_presets_column():
    source = load_source(
        {
            "preset": "local_maternity_export",
            "constants": {"birth_outcome": "live"},
            "area": {"from": "lsoa"},
        }
    )
    assert "birth_outcome" not in source["columns"].values()
    missing = source_missing_columns(["Birth Outcome", "Local Authority Code"], source)
    assert not any("birth_outcome" in m or "area_code" in m for m in missing)
    assert any("mother_lsoa" in m for m in missing)


def test_an_identifying_column_cannot_be_a_constant():
    with pytest.raises(InputError) as info:
        load_source({"preset": "canonical", "constants": {"mother_lsoa": "E01000001"}})
    assert info.value.key == "source.constants"


# ------------------------------------------------------------------------ missing area and markers


def test_missing_markers_are_missing_in_every_column(tmp_path, config):
    def edit(frame):
        frame.loc[0, "area_code"] = "#N/A"
        frame.loc[1, "area_code"] = "n/a"
        frame.loc[2, "area_code"] = " NULL "
        frame.loc[3, "area_code"] = "X9"  # a real area outside the study
        frame.loc[4, "mother_age"] = "#VALUE!"
        frame.loc[5, "birth_weight_g"] = "#DIV/0!"

    births, report = ingest_release([extract(tmp_path, edit=edit)], "canonical")
    assert births["mother_age"].isna().sum() == 1 and births["birth_weight_g"].isna().sum() == 1
    row = report.set_index("rule").loc["area_code_missing"]
    assert (row["rows"], row["severity"], row["example_rows"]) == (
        3,
        "exclusion",
        "2, 3, 4",
    )  # CSV lines
    counts = flow_of(births, config)
    assert (counts["area_not_stated"], counts["other_areas"]) == (3, 1)
    assert counts["live_births"] == N - 4


def test_area_not_stated_stop_names_file_column_rule_and_count(tmp_path):
    def edit(frame):
        frame.loc[[2, 7], "area_code"] = ["", "#N/A"]

    path = extract(tmp_path, edit=edit)
    with pytest.raises(InputError) as info:
        ingest_release([path], "canonical", definitions={"area_not_stated": "stop"})
    message = str(info.value)
    assert f"file: {path}" in message and "column: area_code" in message
    assert "area_code_missing" in message and "rows affected: 2" in message
    assert "area_not_stated: exclude" in message


def test_clean_stops_on_a_missing_area_when_told(tmp_path, config):
    births, _ = ingest_release(
        [extract(tmp_path, edit=lambda f: f.loc.__setitem__((0, "area_code"), ""))], "canonical"
    )
    with pytest.raises(InputError) as info:
        flow_of(births, config, area_not_stated="stop")
    assert info.value.key == "definitions.area_not_stated" and info.value.rows == 1
    with pytest.raises(InputError):
        flow_of(births, config, area_not_stated="sometimes")


def test_a_small_area_not_stated_count_is_hidden_with_a_partner(tmp_path, config):
    births, _ = ingest_release(
        [extract(tmp_path, edit=lambda f: f.loc.__setitem__((0, "area_code"), ""))], "canonical"
    )
    imd = pd.DataFrame({"lsoa_code": LSOAS, "imd_decile": [1, 5, 10]})
    many = pd.concat([births] * 20, ignore_index=True)
    many["baby_id"] = [f"K{i:05d}" for i in range(len(many))]
    _, flow = clean_births(
        many, imd, areas=["X1", "X2"], years=[2022], definitions=config["definitions"]
    )
    published = publish_flow(flow, {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5})
    table = published.set_index("step")
    assert flow.set_index("step").loc["area_not_stated", "count"] == 20
    assert not table.loc["area_not_stated", "suppressed"]
    few = many.copy()
    few.loc[few.index[N:], "area_code"] = few.loc[few.index[N:], "area_code"].fillna("X1")
    _, flow = clean_births(
        few, imd, areas=["X1", "X2"], years=[2022], definitions=config["definitions"]
    )
    assert flow.set_index("step").loc["area_not_stated", "count"] == 1
    table = publish_flow(flow, {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5})
    table = table.set_index("step")
    assert table.loc["area_not_stated", "suppressed"]
    chain = ["received", "duplicates", "conflicting_records", "stillbirths", "area_not_stated"]
    chain += ["other_areas", "other_years"]
    # the one birth cannot be worked out from the running totals: another row is hidden too
    assert table.loc[chain, "suppressed"].sum() >= 2


# ------------------------------------------------------------------------- area from the LSOA


def test_area_derived_from_the_lsoa_with_an_unknown_lsoa_not_stated(tmp_path, config):
    def edit(frame):
        frame.loc[0, "mother_lsoa"] = "E01999999"  # not in the lookup
        frame.loc[1, "mother_lsoa"] = "#N/A"

    source = {"preset": "canonical", "area": {"from": "lsoa"}}
    path = extract(tmp_path, drop=["area_code"], edit=edit)
    births, report = ingest_release([path], source, area_lookup=area_lookup(AREA_OF))
    assert births["area_code"].isna().tolist()[:3] == [True, True, False]
    assert births["area_code"].value_counts().to_dict() == {"X1": 6, "X2": 4}
    unmatched = report.set_index("rule").loc["lsoa_not_in_area_lookup"]
    assert (unmatched["rows"], unmatched["severity"]) == (1, "info")
    assert "E01999999" not in report.to_csv()
    counts = flow_of(births, config)
    assert (counts["area_not_stated"], counts["other_areas"], counts["live_births"]) == (2, 0, 10)


def test_area_checked_against_the_lsoa_counts_pairs_and_keeps_the_file(tmp_path):
    def edit(frame):
        frame.loc[[0, 3], "area_code"] = "X2"  # LSOA E01000001 lies in X1

    source = {"preset": "canonical", "area": {"from": "column_checked"}}
    births, report = ingest_release(
        [extract(tmp_path, edit=edit)], source, area_lookup=area_lookup(AREA_OF)
    )
    assert births["area_code"].tolist()[:4] == ["X2", "X1", "X2", "X2"]  # as given
    row = report.set_index("rule").loc["area_lsoa_mismatch"]
    assert (row["rows"], row["severity"], row["example_rows"]) == (2, "info", "2, 5")  # CSV lines
    assert "X2 given / X1 from LSOA: 2" in row["description"]
    assert "2 of 12 records" in row["description"] and "E010" not in row["description"]


def test_a_majority_of_mismatched_areas_stops(tmp_path):
    def edit(frame):
        frame["area_code"] = "X3"

    source = {"preset": "canonical", "area": {"from": "column_checked"}}
    path = extract(tmp_path, edit=edit)
    with pytest.raises(InputError) as info:
        ingest_release([path], source, area_lookup=area_lookup(AREA_OF))
    message = str(info.value)
    assert "area_lsoa_mismatch" in message and "column: area_code" in message
    assert f"file: {path}" in message and "rows affected: 12" in message
    assert "X3 given / X1 from LSOA: 8" in message and "E010" not in message


def test_an_lsoa_split_between_authorities_gets_no_area(tmp_path):
    path = tmp_path / "lookup.csv"
    path.write_text(
        "LSOA11CD,CHGIND,LSOA21CD,LAD22CD\n"
        "E01000001,U,E01000001,X1\n"
        "E01000002,S,E01033001,X1\n"
        "E01000002,S,E01033002,X2\n"
        "E01000003,S,E01033003,X2\n"
        "E01000003,S,E01033004,X2\n"
    )
    lookup = read_area_lookup(path, 2011)
    assert dict(zip(lookup["lsoa_code"], lookup["area_code"], strict=True)) == {
        "E01000001": "X1",
        "E01000003": "X2",
    }
    births = pd.DataFrame({"mother_lsoa": pd.array(LSOAS, dtype="string")})
    out, _ = apply_area(births, {"area": {"from": "lsoa"}}, lookup, "f.csv")
    assert out["area_code"].tolist() == ["X1", pd.NA, "X2"]


def test_a_lookup_without_an_lsoa_column_is_named(tmp_path):
    path = tmp_path / "lookup.csv"
    path.write_text("code,LAD24CD\nE01000001,X1\n")
    with pytest.raises(InputError) as info:
        read_area_lookup(path, 2021)
    assert info.value.file == str(path) and "LSOA 2021 code" in str(info.value)


def test_the_area_lookup_is_required_and_checked_before_any_work(tmp_path, repo_config):
    config = validate_config(real_release(tmp_path, repo_config))
    config["releases"]["real"]["source"] = {"preset": "canonical", "area": {"from": "lsoa"}}
    assert area_lookup_settings(validate_config(real_release(tmp_path, repo_config))) is None
    with pytest.raises(InputError) as info:
        area_lookup_settings(config)
    assert info.value.key == "lookups.files.lsoa21_lad24"
    config["lookups"]["files"]["lsoa21_lad24"] = {"path": str(tmp_path / "no.csv"), "sha256": "0"}
    with pytest.raises(InputError) as info:
        area_lookup_settings(config)
    assert info.value.key == "lookups.files.lsoa21_lad24.path"
    config["releases"]["real"]["lsoa_vintage"] = 2011
    assert area_lookup_settings(config)["name"] == "lsoa11_lsoa21"


def test_the_shared_ons_lookups_give_local_authorities(shared_dir):
    folder = shared_dir / "data" / "lsoa-lookups"
    lad24 = read_area_lookup(folder / "lookup_lsoa21_ward24_ltla24.csv", 2021)
    assert len(lad24) == 35672 and lad24["lsoa_code"].is_unique
    assert (lad24["area_code"] == "E06000016").sum() == 200  # Leicester (PROVENANCE.md)
    assert (lad24["area_code"] == "E06000032").sum() == 125  # Luton
    lad22 = read_area_lookup(folder / "lookup_lsoa11_lsoa21_ltla22.csv", 2011)
    assert lad22["lsoa_code"].is_unique and len(lad22) > 34000
    table = dict(zip(lad22["lsoa_code"], lad22["area_code"], strict=True))
    assert table["E01011949"] == "E06000001"  # Hartlepool 009A


# ----------------------------------------------------------------------- through the workflow


@pytest.mark.workflow
def test_trust_extract_without_outcome_and_area_columns(tmp_path, repo_config):
    """Live births only, no outcome and no area column: constants and the area from the LSOA."""
    from birthgaps.ingest.synth import simulate_release

    config = real_release(tmp_path, repo_config)
    settings = {**config["synthetic"], "live_births": 600}
    births, imd = simulate_release(settings, config["areas"], [2022, 2023])
    births = births.loc[births["birth_outcome"] == "live"].drop_duplicates("baby_id")
    births = births.reset_index(drop=True)
    dropped = births["mother_lsoa"].dropna().iloc[0]  # an LSOA the area lookup lacks
    pairs = imd.loc[imd["lsoa_code"] != dropped, ["lsoa_code", "area_code"]]
    pairs.columns = ["lsoa21_code", "ltla24_code"]
    pairs.to_csv(tmp_path / "lsoa_lad.csv", index=False)
    births.drop(columns=["birth_outcome", "area_code"]).to_csv(tmp_path / "births.csv", index=False)
    imd.to_csv(tmp_path / "imd.csv", index=False)
    digest = hashlib.sha256((tmp_path / "lsoa_lad.csv").read_bytes()).hexdigest()
    config["lookups"]["files"]["lsoa21_lad24"] = {
        "path": str(tmp_path / "lsoa_lad.csv"),
        "sha256": digest,
    }
    config["releases"]["real"]["source"] = {
        "preset": "canonical",
        "constants": {"birth_outcome": "live"},
        "area": {"from": "lsoa"},
    }
    # up to the exclusion flow as it will be published (staged: publication needs the whole run);
    # the later rules do not look at the area's origin
    target = "results/real/staged/tables/exclusion_flow.csv"
    configfile = write_config(tmp_path / "config.yaml", config)
    result = snakemake(tmp_path, target, configfile=configfile)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "Traceback" not in result.stderr
    flow = pd.read_csv(tmp_path / "results/real/restricted/exclusion_flow.csv").set_index("step")
    no_area = ~births["mother_lsoa"].isin(set(pairs["lsoa21_code"])).fillna(False)
    in_years = births["birth_date"].dt.year.isin([2022, 2023])
    assert flow.loc["received", "count"] == len(births)
    assert flow.loc["stillbirths", "count"] == 0
    assert flow.loc["area_not_stated", "count"] == int(no_area.sum())
    assert int((births["mother_lsoa"] == dropped).sum()) > 0
    assert flow.loc["other_areas", "count"] == 0
    assert flow.loc["live_births", "count"] == int((~no_area & in_years).sum())
    clean = pd.read_parquet(tmp_path / "results/real/restricted/births_clean.parquet")
    expected = births.loc[~no_area & in_years].set_index("baby_id")["area_code"]
    got = clean.set_index("baby_id")["area_code"]
    assert np.array_equal(got.sort_index().to_numpy(), expected.sort_index().to_numpy())
    published = pd.read_csv(tmp_path / target).set_index("step")
    row, rounded = published.loc["area_not_stated"], 5 * int(no_area.sum() / 5 + 0.5)
    assert bool(row["suppressed"]) or int(row["count"]) == rounded
