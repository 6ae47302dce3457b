"""Source mappings: presets, inline mappings and overrides, ethnicity labels, preflight, and a
round trip of a synthetic release through every shipped layout.

The helpers at the top (``synthetic_births``, ``exclusion_counts``) are reused by the reader and
bad-input tests.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support.births import YEARS, synthetic_births, with_optional

from birthgaps.core.codes import REQUIRED_COLUMNS
from birthgaps.core.errors import InputError
from birthgaps.core.settings import validate_config
from birthgaps.ingest.extract import ingest_release
from birthgaps.ingest.preflight import preflight
from birthgaps.ingest.sources import (
    PRESETS_DIR,
    ethnic_code_for_label,
    ethnic_codes_from_labels,
    load_source,
    release_files,
    release_source,
    source_missing_columns,
    source_preset_files,
    to_layout,
)

REPO = Path(__file__).resolve().parents[1]
PRESETS = sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))


def exclusion_counts(births: pd.DataFrame) -> dict[str, int]:
    """Expected counts of the exclusion rules, computed directly from canonical births."""
    weeks, weight = births["gestation_weeks"], births["birth_weight_g"]
    ethnic = births["mother_ethnic_category"]
    counts = {
        "duplicate_baby_id": int(births["baby_id"].duplicated().sum()),
        "gestation_missing": int(weeks.isna().sum()),
        "gestation_sentinel": int((weeks == 99).sum()),
        "gestation_out_of_range": int((~weeks.between(22, 44) & (weeks != 99)).sum()),
        "birth_weight_missing": int(weight.isna().sum()),
        "birth_weight_sentinel": int((weight == 9999).sum()),
        "birth_weight_out_of_range": int((~weight.between(250, 6500) & (weight != 9999)).sum()),
        "mother_age_missing": int(births["mother_age"].isna().sum()),
        "ethnicity_not_stated": int((ethnic.isna() | ethnic.isin(["Z", "99"])).sum()),
        "lsoa_missing": int(births["mother_lsoa"].isna().sum()),
    }
    return {rule: n for rule, n in counts.items() if n}


def report_counts(report: pd.DataFrame, severity: str = "exclusion") -> dict[str, int]:
    rows = report.loc[report["severity"] == severity]
    return {r.rule: int(r.rows) for r in rows.itertuples()}


def write_frame(frame: pd.DataFrame, path: Path, **kwargs) -> Path:
    """Write text columns as CSV, XLSX or parquet by the file's suffix."""
    if path.suffix == ".csv":
        frame.to_csv(path, index=False, **kwargs)
    elif path.suffix == ".xlsx":
        frame.to_excel(path, index=False, **kwargs)
    else:
        frame.to_parquet(path, index=False)
    return path


# --------------------------------------------------------------------------------------------
# Presets and mappings
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PRESETS)
def test_shipped_presets_are_valid_and_described(name):
    source = load_source(name)
    assert source["description"].strip()
    assert source["name"] == name
    assert not source_missing_columns(list(to_layout(synthetic_births().head(3), name)), source)


def test_the_three_required_presets_ship():
    assert {"canonical", "ons_births", "local_maternity_export"} <= set(PRESETS)
    local = load_source("local_maternity_export")
    assert local["ethnicity"]["format"] == "labels"
    assert local["gestation"]["format"] == "weeks_plus_days_text"
    assert local["date_format"] == "%d/%m/%Y"


def test_loading_a_resolved_source_again_changes_nothing():
    once = load_source("local_maternity_export")
    assert load_source(copy.deepcopy(once)) == once


def test_inline_mapping_over_a_preset_overrides_only_what_it_names():
    source = load_source(
        {
            "preset": "local_maternity_export",
            "reader": {"sheet": "Births", "header_row": 4},
            "columns": {"DOB": "birth_date"},
        }
    )
    assert source["reader"]["header_row"] == 4
    assert source["reader"]["encoding"] == "auto"  # kept from the preset
    assert source["columns"]["DOB"] == "birth_date"
    assert "Date of Birth" not in source["columns"]  # replaced, not doubled
    assert source["columns"]["Baby ID"] == "baby_id"


def test_inline_mapping_without_preset_starts_from_defaults():
    source = load_source({"columns": {"BirthWeight": "birth_weight_g"}})
    assert source["reader"]["encoding"] == "utf-8-sig"
    assert source["date_format"] == "%Y-%m-%d"
    assert source_missing_columns(["BirthWeight"], source)[0] == "baby_id"


def test_a_preset_may_be_a_yaml_file_path(tmp_path):
    path = tmp_path / "mytrust.yaml"
    path.write_text("preset: local_maternity_export\ncolumns: {NHS Baby: baby_id}\n")
    source = load_source(str(path))
    assert source["columns"]["NHS Baby"] == "baby_id"
    assert source_preset_files(str(path)) == [
        str(path),
        str(PRESETS_DIR / "local_maternity_export.yaml"),
    ]


@pytest.mark.parametrize(
    ("source", "key", "needle"),
    [
        ("no_such_preset", "releases.r.source", "unknown source preset"),
        ({"reader": {"encoding": "latin-1"}}, "releases.r.source.reader.encoding", "not valid"),
        ({"columns": {"Weight": "weight"}}, "releases.r.source.columns.Weight", "not valid"),
        ({"recodes": {"sex": {"1": "M"}}}, "releases.r.source.recodes", "not valid"),
        ({"gestation": {"format": "38+4"}}, "releases.r.source.gestation.format", "not valid"),
        ({"ethnicity": {"labels": {"Kurdish": "X"}}}, "releases.r.source.ethnicity", "not valid"),
        (
            {"columns": {"a": "baby_id", "b": "baby_id"}},
            "releases.r.source.columns",
            "same canonical column",
        ),
        ({"columns": {"Gest": "gestation"}}, "releases.r.source.gestation.format", "gestation"),
        ({"reader": {"header_row": 0}}, "releases.r.source.reader.header_row", "not valid"),
    ],
)
def test_bad_source_mappings_name_the_config_key(source, key, needle):
    with pytest.raises(InputError) as info:
        load_source(source, key="releases.r.source")
    assert needle in str(info.value)
    assert f"config key: {key}" in str(info.value)


# --------------------------------------------------------------------------------------------
# Ethnicity labels
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("White British", "A"),
        ("White - British", "A"),
        ("White: English, Welsh, Scottish, Northern Irish or British", "A"),
        ("WHITE IRISH", "B"),
        ("Gypsy or Irish Traveller", "C"),
        ("Any other White background", "C"),
        ("Mixed - White and Black Caribbean", "D"),
        ("Mixed or Multiple ethnic groups: White and Asian", "F"),
        ("Indian", "H"),
        ("Pakistani", "J"),
        ("Asian or Asian British \u2013 Pakistani", "J"),
        ("Asian/Asian British: Bangladeshi", "K"),
        ("Any other Asian background", "L"),
        ("Black Caribbean", "M"),
        ("Black African", "N"),
        ("Black or Black British - African", "N"),
        ("Any other Black background", "P"),
        ("Chinese", "R"),
        ("Other ethnic group: Chinese", "R"),
        ("Arab", "S"),
        ("Any other ethnic group", "S"),
        ("Not stated", "Z"),
        ("Declined", "Z"),
        ("Not known", "99"),
        ("A - White British", "A"),
        ("n", "N"),
        ("99", "99"),
    ],
)
def test_common_ethnicity_labels_map_to_nhs_codes(label, code):
    assert ethnic_code_for_label(label) == code


def test_unknown_labels_stay_as_given_and_extra_labels_are_used():
    values = pd.Series(["Pakistani", "Kurdish", None, "White - English"], dtype="string")
    codes = ethnic_codes_from_labels(values, {"Kurdish": "S"})
    assert codes.tolist() == ["J", "S", pd.NA, "A"]
    assert ethnic_codes_from_labels(values).tolist()[1] == "Kurdish"
    assert ethnic_code_for_label("Martian") is None


# --------------------------------------------------------------------------------------------
# Round trips of a synthetic release through each layout
# --------------------------------------------------------------------------------------------


def expected_after(births: pd.DataFrame, source: dict) -> pd.DataFrame:
    """What ingest should return for births written in this source's layout."""
    out = births.reset_index(drop=True).copy()
    if source["gestation"]["format"] == "weeks_only":
        out["gestation_days"] = pd.array([pd.NA] * len(out), dtype="Int64")
    elif source["gestation"]["format"] == "weeks_plus_days_text":
        out["gestation_days"] = out["gestation_days"].mask(out["gestation_weeks"].isna())
    return with_optional(out)


@pytest.mark.parametrize(
    ("preset", "suffix"),
    [(name, ".csv") for name in PRESETS]
    + [("canonical", ".parquet"), ("canonical", ".xlsx"), ("local_maternity_export", ".xlsx")],
)
def test_synthetic_release_round_trips_through_each_layout(tmp_path, preset, suffix):
    births = synthetic_births()
    source = load_source(preset)
    path = write_frame(to_layout(births, preset), tmp_path / f"extract{suffix}")
    got, report = ingest_release([str(path)], preset)
    pd.testing.assert_frame_equal(got, expected_after(births, source))
    assert report_counts(report) == exclusion_counts(births)
    assert report_counts(report, "info") == {"records_read": len(births)}
    assert not (report["severity"] == "fatal").any()


def test_weeks_plus_days_booking_reads_negative_and_mistyped_values(tmp_path):
    """A booking dated before the pregnancy (-0+1, -2+0) or mistyped (142+5) is read, to be
    judged implausible later; it is written back the same way; text is still unreadable."""
    births = synthetic_births().head(5).reset_index(drop=True)
    days = pd.array([-1, -14, 999, 73, None], dtype="Int64")
    births["booking_gestation_days"] = days
    layout = to_layout(births, "local_maternity_export")
    written = layout["Gestation at Booking"].tolist()
    assert written[:4] == ["-0+1", "-2+0", "142+5", "10+3"]
    path = write_frame(layout, tmp_path / "extract.csv")
    got, _ = ingest_release([str(path)], "local_maternity_export")
    assert got["booking_gestation_days"].tolist() == [-1, -14, 999, 73, pd.NA]
    layout.loc[4, "Gestation at Booking"] = "ten weeks"
    write_frame(layout, path)
    with pytest.raises(InputError, match="booking gestation not readable as weeks"):
        ingest_release([str(path)], "local_maternity_export")


def test_ons_layout_written_by_hand(tmp_path):
    """Literal ONS-style rows (not produced by to_layout) reach the canonical values."""
    text = (
        "idbaby,dob,sbind,gestwk,bthwgt,sex,multtype,agebm,ethcatm,lsoa,laua\n"
        "P1,20220315,0,39,3450,1,1,31,J,E01000001,E06000016\n"
        "P2,20221231,1,27,910,2,1,99,z,E01000002,E06000016\n"
        "P3,20230101,0,36,2480,2,2,24,,E01000003,E06000016\n"
    )
    path = tmp_path / "ons.csv"
    path.write_text(text)
    births, report = ingest_release([str(path)], "ons_births")
    assert births["baby_id"].tolist() == ["P1", "P2", "P3"]
    assert births["birth_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2022-03-15",
        "2022-12-31",
        "2023-01-01",
    ]
    assert births["birth_outcome"].tolist() == ["live", "still", "live"]
    assert births["baby_sex"].tolist() == ["M", "F", "F"]
    assert births["gestation_weeks"].tolist() == [39, 27, 36]
    assert births["gestation_days"].isna().all()
    assert births["plurality"].tolist() == [1, 1, 2]
    assert births["mother_age"].tolist() == [31, pd.NA, 24]  # 99 = not stated
    assert births["mother_ethnic_category"].tolist() == ["J", "Z", pd.NA]
    assert report_counts(report) == {"mother_age_missing": 1, "ethnicity_not_stated": 2}


LOCAL_LABELS = {
    "A": ["White British", "White - British", "WHITE \u2013 BRITISH"],
    "J": ["Pakistani", "Asian or Asian British \u2013 Pakistani"],
    "N": ["Black African", "Black or Black British - African"],
    "S": ["Any other ethnic group", "Arab"],
    "Z": ["Not stated", "Declined"],
}


def local_export(births: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """A realistic local export written by hand: varied label spellings, '3,450' weights, 38+4."""
    out = pd.DataFrame(
        {
            "Baby ID": births["baby_id"],
            "Date of Birth": births["birth_date"].dt.strftime("%d/%m/%Y"),
            "Birth Outcome": births["birth_outcome"].map(
                {"live": "Live birth", "still": "Stillbirth"}
            ),
            "Gestation": births["gestation_weeks"].astype("string")
            + "+"
            + births["gestation_days"].astype("string"),
            "Birth Weight (g)": births["birth_weight_g"].map(
                lambda v: f"{v:,}", na_action="ignore"
            ),
            "Baby Sex": births["baby_sex"].map({"M": "Male", "F": "Female", "U": "Indeterminate"}),
            "Number of Babies": births["plurality"].map({1: "Singleton", 2: "Twins"}),
            "Mother Age at Delivery": births["mother_age"].astype("string"),
            "Mother Ethnicity": births["mother_ethnic_category"].map(
                lambda c: rng.choice(LOCAL_LABELS.get(c, [f"{c} - some label"])),
                na_action="ignore",
            ),
            "Mother LSOA": births["mother_lsoa"],
            "Local Authority Code": births["area_code"],
        }
    )
    return out


def test_local_export_with_real_world_spellings_cp1252_csv_and_titled_xlsx(tmp_path):
    births = synthetic_births()
    births = births.loc[births["gestation_weeks"].notna() & births["gestation_days"].notna()]
    births = births.reset_index(drop=True)
    export = local_export(births, np.random.default_rng(1))
    export.loc[5, "Mother Ethnicity"] = "Martian"  # an unknown label: kept and counted
    csv_path = tmp_path / "export.csv"
    export.to_csv(csv_path, index=False, encoding="cp1252")
    assert b"\x96" in csv_path.read_bytes()  # the en dash of Windows-1252
    xlsx_path = tmp_path / "export.xlsx"
    with pd.ExcelWriter(xlsx_path, engine="openpyxl") as writer:
        export.to_excel(writer, sheet_name="Births", startrow=3, index=False)
        writer.sheets["Births"]["A1"] = "Maternity system export: births"
        writer.sheets["Births"]["A2"] = "Produced 01/02/2025 by the information team"
    expected = with_optional(births[REQUIRED_COLUMNS])  # the export has no maternity columns
    expected.loc[5, "mother_ethnic_category"] = "Martian"
    sources = {
        csv_path: "local_maternity_export",
        xlsx_path: {
            "preset": "local_maternity_export",
            "reader": {"sheet": "Births", "header_row": 4},
        },
    }
    for path, source in sources.items():
        got, report = ingest_release([str(path)], source)
        pd.testing.assert_frame_equal(got, expected, obj=str(path))
        counts = report_counts(report)
        assert counts["ethnic_code_unknown"] == 1
        unknown = report.loc[report["rule"] == "ethnic_code_unknown"].iloc[0]
        assert unknown["example_rows"] == ("10" if path == xlsx_path else "7")  # sheet row, line
        assert "Mother Ethnicity" in unknown["description"]


# --------------------------------------------------------------------------------------------
# Releases and preflight
# --------------------------------------------------------------------------------------------


def test_release_files_and_source_defaults(config):
    spec = config["releases"]["demo"]
    assert release_files(spec) == [spec["extract"]]
    assert release_files({"extract": ["a.csv", "b.csv"]}) == ["a.csv", "b.csv"]
    assert release_source(config)["name"] == "canonical"
    del spec["source"]
    validate_config(config)  # the schema's default fills it at load
    assert release_source(config)["name"] == "canonical"
    config["column_map"] = {"BirthWeight": "birth_weight_g"}
    assert release_source(config)["columns"] == {"BirthWeight": "birth_weight_g"}


def real_release(config: dict, extract, source) -> dict:
    config["releases"]["real"] = {
        "label": "Real",
        "extract": extract,
        "source": source,
        "years": YEARS,
    }
    config["release"] = "real"
    return validate_config(config)


def test_schema_accepts_a_list_of_files_and_an_inline_source(config, tmp_path):
    real_release(config, ["a.csv", "b.csv"], {"preset": "ons_births"})
    with pytest.raises(InputError, match="releases.real.extract"):
        real_release(config, [], "canonical")
    with pytest.raises(InputError, match="releases.real.source"):
        real_release(config, "a.csv", 7)


def test_preflight_checks_every_file_with_the_source_reader(config, tmp_path):
    births = synthetic_births()
    source = {"preset": "local_maternity_export", "reader": {"header_row": 4}}
    layout = to_layout(births, "local_maternity_export")
    files = []
    for year in YEARS:
        path = tmp_path / f"births_{year}.xlsx"
        part = layout.loc[births["birth_date"].dt.year == year]
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            part.to_excel(writer, sheet_name="Sheet1", startrow=3, index=False)
            writer.sheets["Sheet1"]["A1"] = f"Births {year}"
        files.append(str(path))
    preflight(real_release(config, files, source))  # passes: header found on row 4

    with pytest.raises(InputError) as info:
        preflight(real_release(config, [files[0], str(tmp_path / "missing.xlsx")], source))
    assert "releases.real.extract[1]" in str(info.value)

    with pytest.raises(InputError) as info:
        preflight(real_release(config, files, "local_maternity_export"))  # header_row 1
    message = str(info.value)
    assert "required columns are missing" in message and "Baby ID (-> baby_id)" in message

    other = tmp_path / "other.xlsx"
    with pd.ExcelWriter(other, engine="openpyxl") as writer:
        layout.drop(columns="Baby Sex").to_excel(writer, startrow=3, index=False)
    with pytest.raises(InputError) as info:
        preflight(real_release(config, [files[0], str(other)], source))
    assert "Baby Sex" in str(info.value)
