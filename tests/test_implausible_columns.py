"""A mapped column most of whose values are implausible (wrong column, wrong unit) stops ingest with a
summary and a hint, never with raw identifiers; below the configured share it stays counted exclusions.
Two cases run the real workflow in a subprocess as a user would."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from support.implausible import GRAMS, MOTHER_DOB, POSTCODES, N, extract
from support.workflow import real_release, snakemake, write_config

from birthgaps.core.errors import InputError
from birthgaps.core.settings import validate_config
from birthgaps.ingest.extract import ingest_release

RULE = "column_implausible"


@dataclass
class Case:
    """A column replaced by wrong values; what the stop must say."""

    name: str
    column: str  # canonical column of the issue
    values: list[str]
    hint: str  # phrase of the hint (the likely unit or column)
    raw_column: str | None = None  # the raw column written (default: ``column``)
    source: dict = field(default_factory=dict)
    summary: str = "minimum"  # a phrase of the summary
    secret: list[str] = field(default_factory=list)  # raw values that must never be shown


CASES = [
    Case("weight in kg", "birth_weight_g", [f"{g / 1000:g}" for g in GRAMS], "kilograms"),
    Case(
        "weight in ounces",
        "birth_weight_g",
        [f"{g / 28.349523125:.1f}" for g in GRAMS],
        "values look like ounces",
    ),
    Case(
        "weight in pounds",
        "birth_weight_g",
        [f"{g / 453.59237:.2f}" for g in GRAMS],
        "values look like pounds",
    ),
    Case(
        "weight in pounds and ounces text",
        "birth_weight_g",
        [f"{g // 454}lb {g % 454 // 29}oz" for g in GRAMS],
        "unit: lb_oz",
        summary="commonest patterns: `9AA 9AA`",
    ),
    Case(
        "gestation in days mapped as weeks",
        "gestation_weeks",
        [str(7 * (37 + k % 5) + k % 7) for k in range(N)],
        "gestation in days",
    ),
    Case(
        "gestation in weeks read as days",
        "gestation_weeks",
        [str(37 + k % 5) for k in range(N)],
        "values look like completed weeks",
        raw_column="Gestation",
        source={"columns": {"Gestation": "gestation"}, "gestation": {"format": "days"}},
    ),
    Case(
        "postcodes mapped as LSOA",
        "mother_lsoa",
        POSTCODES,
        "values look like postcodes, not LSOA codes",
        summary="`AA9 9AA` 100%",
        secret=POSTCODES,
    ),
    Case(
        "area names mapped as area codes",
        "area_code",
        ["Leicester" if k % 2 else "Rutland" for k in range(N)],
        "area names",
        summary="`AAAAAAAAA` 50%",
    ),
    Case(
        "mother's date of birth as the birth date",
        "birth_date",
        MOTHER_DOB,
        "mother's date of birth",
        summary="years 1980-1999",
        secret=MOTHER_DOB,
    ),
    Case(
        "a text column mapped to weight",
        "birth_weight_g",
        ["White British" if k % 3 else "Pakistani" for k in range(N)],
        "check that the right column is mapped to `birth_weight_g`",
        summary="40 values are not numbers",
    ),
    Case(
        "mother's year of birth as her age",
        "mother_age",
        [str(1980 + k % 20) for k in range(N)],
        "years of birth",
    ),
    Case(
        "sex mapped as birth outcome",
        "birth_outcome",
        ["M" if k % 2 else "F" for k in range(N)],
        "add recodes",
        summary="`A` 100%",
    ),
    Case(
        "ethnicity labels read as codes",
        "mother_ethnic_category",
        ["White British" if k % 3 else "Pakistani" for k in range(N)],
        "ethnicity: {format: labels}",
        summary="commonest patterns: `AAAAA AAAAAAA` 65%, `AAAAAAAAA` 35%",
    ),
]


def write_case(tmp: Path, case: Case) -> Path:
    frame = extract()
    raw_column = case.raw_column or case.column
    if raw_column != case.column and case.column == "gestation_weeks":
        frame = frame.drop(columns=["gestation_weeks", "gestation_days"])
    frame[raw_column] = case.values
    path = tmp / "births.csv"
    frame.to_csv(path, index=False)
    return path


def test_at_least_twelve_wrong_columns_and_units():
    assert len(CASES) >= 12
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_wrong_column_or_unit_stops_with_a_summary(tmp_path, case):
    path = write_case(tmp_path, case)
    report_dir = tmp_path / "logs"
    with pytest.raises(InputError) as info:
        ingest_release([str(path)], case.source, years=[2023], report_dir=report_dir)
    message = str(info.value)
    assert message.startswith("birthgaps: the column looks like the wrong column or the wrong unit")
    assert f"[check: {RULE}]" in message
    assert f"file: {path}" in message and "rule: ingest" in message
    assert f"column: {case.column}" in message
    assert f"rows affected: {N}" in message
    assert f"{N} of {N} non-missing values (100%)" in message
    assert case.summary in message
    assert case.hint in message
    report = pd.read_csv(report_dir / "validation_report.csv")
    fatal = report[report["severity"] == "fatal"]
    assert fatal.iloc[0][["column", "rule", "rows"]].tolist() == [case.column, RULE, N]
    html = (report_dir / "validation_report.html").read_text()
    for value in case.secret:
        assert value not in message and value not in html
        assert not report["description"].str.contains(value, regex=False).any()


def test_identifying_columns_show_no_minimum_median_or_maximum(tmp_path):
    lsoa = next(c for c in CASES if c.column == "mother_lsoa")
    with pytest.raises(InputError) as info:
        ingest_release([str(write_case(tmp_path, lsoa))], {})
    assert "minimum" not in str(info.value) and "median" not in str(info.value)


def kilograms_in(share_wrong: float) -> pd.DataFrame:
    """The extract with the first ``share_wrong`` of its weights written in kilograms."""
    frame = extract()
    wrong = int(N * share_wrong)
    frame.loc[: wrong - 1, "birth_weight_g"] = [f"{g / 1000:g}" for g in GRAMS[:wrong]]
    return frame


def test_below_the_share_values_stay_counted_exclusions(tmp_path):
    path = tmp_path / "births.csv"
    kilograms_in(0.3).to_csv(path, index=False)
    births, report = ingest_release([str(path)], {}, years=[2023])
    assert not (report["severity"] == "fatal").any()
    row = report.set_index("rule").loc["birth_weight_out_of_range"]
    assert (row["column"], int(row["rows"]), row["severity"]) == ("birth_weight_g", 12, "exclusion")
    assert births["birth_weight_g"].iloc[0] == 3  # "2.6" read as grams, rounded half up
    assert births["birth_weight_g"].iloc[12:].tolist() == list(GRAMS[12:])


def test_the_share_is_configurable(tmp_path):
    path = tmp_path / "births.csv"
    kilograms_in(0.3).to_csv(path, index=False)
    with pytest.raises(InputError) as info:
        ingest_release([str(path)], {}, implausible_share=0.25)
    message = str(info.value)
    assert f"[check: {RULE}]" in message and "rows affected: 12" in message
    assert "12 of 40 non-missing values (30%)" in message
    _, report = ingest_release([str(path)], {}, implausible_share=0.3)  # 30% is not above 30%
    assert not (report["severity"] == "fatal").any()


def test_missing_and_sentinel_values_are_not_judged(tmp_path):
    frame = kilograms_in(0.3)
    frame.loc[12:35, "birth_weight_g"] = ["9999", ""] * 12  # 12 sentinels, 12 missing
    path = tmp_path / "births.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError) as info:  # 12 of the 16 stated weights are in kilograms
        ingest_release([str(path)], {})
    assert "12 of 16 non-missing values (75%)" in str(info.value)


def test_a_few_bad_values_of_a_tiny_file_keep_their_own_rules(tmp_path):
    frame = extract(5)
    frame["gestation_weeks"] = "thirty"
    path = tmp_path / "births.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"\[check: whole_number\]"):
        ingest_release([str(path)], {})


def test_the_config_declares_the_share(repo_config):
    import copy

    config = copy.deepcopy(repo_config)
    config["validation"] = {"implausible_share": 0.3}
    assert validate_config(config)["validation"]["implausible_share"] == 0.3
    for wrong in (0, 1.5, "half"):
        config["validation"] = {"implausible_share": wrong}
        with pytest.raises(InputError, match="validation.implausible_share"):
            validate_config(copy.deepcopy(config))


# --------------------------------------------------------------------------------------------
# As a user runs it: snakemake in a subprocess
# --------------------------------------------------------------------------------------------


def run_real(tmp_path: Path, repo_config: dict, frame: pd.DataFrame, **release) -> tuple:
    """Write ``frame`` as a real release's extract and run the workflow on it."""
    from birthgaps.ingest.synth import simulate_release

    config = real_release(tmp_path, repo_config)
    config["releases"]["real"].update(release)
    _, lookup = simulate_release(
        {**config["synthetic"], "live_births": 200}, config["areas"], [2022, 2023]
    )
    lookup.to_csv(tmp_path / "imd.csv", index=False)
    frame.to_csv(tmp_path / "births.csv", index=False)
    result = snakemake(tmp_path, configfile=write_config(tmp_path / "config.yaml", config))
    return result


@pytest.mark.workflow
def test_workflow_stops_on_weights_in_kilograms(tmp_path, repo_config):
    frame = extract()
    frame["birth_weight_g"] = [f"{g / 1000:g}" for g in GRAMS]
    frame["area_code"] = "X06000001"
    result = run_real(tmp_path, repo_config, frame, years=[2023])
    assert result.returncode != 0
    assert f"[check: {RULE}]" in result.stderr and "column: birth_weight_g" in result.stderr
    assert f"rows affected: {N}" in result.stderr and "kilograms" in result.stderr
    assert "Traceback" not in result.stderr
    assert not list((tmp_path / "results/real/published").rglob("*"))
    assert not (tmp_path / "results/real/restricted/births.parquet").exists()


@pytest.mark.workflow
def test_workflow_stops_on_postcodes_without_showing_them(tmp_path, repo_config):
    frame = extract()
    frame["mother_lsoa"] = POSTCODES
    frame["area_code"] = "X06000001"
    result = run_real(tmp_path, repo_config, frame, years=[2023])
    assert result.returncode != 0
    assert f"[check: {RULE}]" in result.stderr and "column: mother_lsoa" in result.stderr
    assert "postcodes, not LSOA codes" in result.stderr
    assert not any(p in result.stderr + result.stdout for p in POSTCODES)
    assert "Traceback" not in result.stderr
    assert not list((tmp_path / "results/real/published").rglob("*"))


def test_an_extract_with_earlier_years_is_counted_not_stopped(tmp_path):
    """A ten-year extract for a one-year release: most dates lie outside the release's years,
    but they are births (clean counts them out), not the mother's date of birth."""
    from support.bad_extracts import N_GOOD, csv_text, good_row

    rows = [good_row(i).replace(",2022-03-", f",{2013 + i % 10}-03-") for i in range(N_GOOD * 2)]
    path = tmp_path / "births.csv"
    path.write_text(csv_text(rows))
    births, report = ingest_release([str(path)], "canonical", years=[2022])
    assert len(births) == N_GOOD * 2
    assert "column_implausible" not in set(report["rule"])
