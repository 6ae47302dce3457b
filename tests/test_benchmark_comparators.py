"""The benchmark against England (the default) and the region: values by year and pooled over the
years the reference covers, the label with those years, no comparison for a year without a value, the
funnel's target, and the stop on a one-area release compared with itself."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from support import REPO
from support.workflow import snakemake, tiny_config, write_config

from birthgaps.clean.cells import CELL_COLUMNS
from birthgaps.core.errors import InputError
from birthgaps.core.settings import validate_config
from birthgaps.ingest.national import read_lad_regions, read_reference
from birthgaps.stats.comparators import (
    check_self_comparison,
    comparator_table,
    configured_comparators,
    funnel_targets,
    with_comparators,
    year_span,
)
from birthgaps.stats.funnel_table import funnel_points
from birthgaps.stats.rates import compute_rates

REFERENCE = read_reference(REPO / "resources" / "comparators" / "ons_reference.csv")
REGIONS = read_lad_regions(REPO / "resources" / "comparators" / "lad_region.csv")
AREAS = {"E06000016": "Leicester", "X06000001": "Northbrook"}
# Published England preterm counts (cim2022 Table 23 for 2021; birth characteristics Table 8 for 2022)
ENGLAND_2021 = (44854, 593181)
ENGLAND_2022 = (801 + 1917 + 4374 + 37928, 576643 - 2177 - 154)


def cells(rows: list[tuple]) -> pd.DataFrame:
    """Cells from (area, year, outcome, events, denominator): one group of each dimension."""
    frame = pd.DataFrame(rows, columns=["area_code", "year", "outcome", "events", "denominator"])
    frame["imd_quintile"] = "1"
    frame["ethnic_group"] = "White"
    frame["age_band"] = "25-29"
    for column in ("area_code", "imd_quintile", "ethnic_group", "age_band", "outcome"):
        frame[column] = frame[column].astype("string")
    return frame[CELL_COLUMNS]


CELLS = cells(
    [
        ("E06000016", 2021, "preterm", 45, 500),
        ("E06000016", 2022, "preterm", 60, 500),
        ("E06000016", 2023, "preterm", 40, 500),
        ("X06000001", 2021, "preterm", 38, 500),
        ("X06000001", 2022, "preterm", 39, 500),
        ("X06000001", 2023, "preterm", 41, 500),
        ("E06000016", 2022, "very_preterm", 9, 500),
        ("X06000001", 2022, "very_preterm", 6, 500),
    ]
)
YEARS = [2021, 2022, 2023]


def _rates(source: str = "england") -> tuple[pd.DataFrame, pd.DataFrame]:
    table = comparator_table(REFERENCE, AREAS, YEARS, ["preterm", "very_preterm"], source, REGIONS)
    statistics = with_comparators({"benchmark": {"source": source}}, table)
    return compute_rates(CELLS, AREAS, statistics), table


def _get(rates: pd.DataFrame, area: str, outcome: str, dimension: str, group: str) -> pd.Series:
    hit = rates[
        (rates["area_code"] == area)
        & (rates["outcome"] == outcome)
        & (rates["dimension"] == dimension)
        & (rates["group"] == group)
    ]
    assert len(hit) == 1
    return hit.iloc[0]


def test_a_year_is_compared_with_englands_value_for_that_year_only():
    rates, _ = _rates()
    year = _get(rates, "E06000016", "preterm", "year", "2022")
    assert year["benchmark"] == pytest.approx(100 * ENGLAND_2022[0] / ENGLAND_2022[1], abs=1e-4)
    assert year["benchmark_label"] == "England"
    # 60 of 500 = 12.0%: the Wilson 99.8% interval (about 8.6% to 16.5%) lies above England's 7.84%
    assert year["comparison"] == "Worse (99.8%)"
    no_value = _get(rates, "E06000016", "preterm", "year", "2023")  # England's figures end in 2022
    assert np.isnan(no_value["benchmark"])
    assert no_value["comparison"] == "Not compared" and no_value["benchmark_label"] == ""


def test_the_whole_period_is_england_pooled_over_the_years_it_covers_and_says_so():
    rates, table = _rates()
    overall = _get(rates, "X06000001", "preterm", "overall", "All")
    pooled = 100 * (ENGLAND_2021[0] + ENGLAND_2022[0]) / (ENGLAND_2021[1] + ENGLAND_2022[1])
    assert overall["benchmark"] == pytest.approx(pooled, abs=1e-4)
    assert overall["benchmark_label"] == "England (2021-2022)"
    # 118 of 1,500 = 7.87%: England's 7.70% lies inside its 95% interval
    assert overall["comparison"] == "Similar"
    quintile = _get(rates, "X06000001", "preterm", "imd_quintile", "1")
    assert quintile["benchmark"] == overall["benchmark"]
    row = table[(table["area_code"] == "X06000001") & (table["period"] == "all")]
    row = row[row["outcome"] == "preterm"].iloc[0]
    assert (
        row["years"] == "2021-2022" and "Table 23" in row["source"] and "Table 8" in row["source"]
    )
    assert row["reference_denominator"] == ENGLAND_2021[1] + ENGLAND_2022[1]


def test_the_label_has_no_years_when_england_covers_the_release():
    table = comparator_table(REFERENCE, AREAS, [2021, 2022], ["preterm"], "england")
    assert set(table["benchmark_label"]) == {"England"}


def test_no_comparator_means_no_comparison_and_a_note():
    rates, table = _rates()
    row = _get(rates, "E06000016", "very_preterm", "overall", "All")
    assert np.isnan(row["benchmark"]) and row["comparison"] == "Not compared"
    notes = table.loc[table["outcome"] == "very_preterm", "note"]
    assert notes.str.contains("no published england comparator for very_preterm").all()
    pooled = rates[rates["area_code"] == "ALL"]  # the study areas together are not compared
    assert pooled["benchmark"].isna().all() and (pooled["comparison"] == "").all()


def test_region_comparator_uses_the_areas_region_and_none_for_a_fictional_area():
    rates, table = _rates("region")
    year = _get(rates, "E06000016", "preterm", "year", "2022")
    east_midlands = 100 * (59 + 182 + 415 + 3128) / (46837 - 11 - 69)  # Table 8
    assert year["benchmark"] == pytest.approx(east_midlands, abs=1e-4)
    assert year["benchmark_label"] == "East Midlands"
    assert _get(rates, "E06000016", "preterm", "overall", "All")["benchmark_label"] == (
        "East Midlands (2022)"
    )
    fictional = _get(rates, "X06000001", "preterm", "overall", "All")
    assert fictional["comparison"] == "Not compared"
    note = table.loc[table["area_code"] == "X06000001", "note"]
    assert note.str.contains("no region").all()


def test_the_funnel_target_is_england():
    rates, table = _rates()
    targets = funnel_targets(table, AREAS)
    pooled = (ENGLAND_2021[0] + ENGLAND_2022[0]) / (ENGLAND_2021[1] + ENGLAND_2022[1])
    target, label = targets["preterm"]
    assert target == pytest.approx(pooled, abs=1e-6)
    assert label.startswith("England")
    assert "very_preterm" not in targets
    points = funnel_points(rates, AREAS, targets)
    preterm = points[points["outcome"] == "preterm"]
    assert (preterm["average"] == target).all()
    assert (preterm["baseline_label"] == label).all()  # the funnel says what it compares with
    leicester = preterm[(preterm["area_code"] == "E06000016") & (preterm["row_type"] == "area")]
    # 145/1,500 = 9.67%: above the 95% limit (7.70% + 1.96 x 0.69% = 9.05%), under the 99.8% (9.83%)
    assert leicester["significance"].iloc[0] == "High (0.025)"
    own = funnel_points(rates, AREAS)  # without a target: the study areas' average
    assert own.loc[own["outcome"] == "preterm", "average"].iloc[0] == pytest.approx(263 / 3000)
    assert (own["baseline_label"] == "Average of the study areas").all()


def test_year_span():
    assert year_span([2022, 2019, 2020, 2021]) == "2019-2022"
    assert year_span([2019, 2021]) == "2019, 2021"
    assert year_span([2022]) == "2022"


def _one_area(config: dict, **benchmark) -> dict:
    config["areas"] = {"E06000016": "Leicester"}
    config["statistics"]["benchmark"] = {"source": "pooled", **benchmark}
    return validate_config(config)


def test_one_area_pooled_stops_at_config_validation(config):
    with pytest.raises(InputError, match="statistics.benchmark.source") as error:
        check_self_comparison(_one_area(config))
    assert "compares the area with itself" in str(error.value)


def test_self_comparison_warn_lets_it_go_ahead(config):
    with pytest.warns(UserWarning, match="compares the area with itself"):
        check_self_comparison(_one_area(config, self_comparison="warn"))


def test_several_areas_pooled_and_england_are_fine(config):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_self_comparison(validate_config(config))  # demo: three areas, England
        config["statistics"]["benchmark"] = {"source": "pooled"}
        check_self_comparison(validate_config(config))
    assert config["statistics"]["benchmark"]["self_comparison"] == "stop"


def test_snakefile_stops_a_one_area_pooled_release_before_any_job(tmp_path, repo_config):
    config = tiny_config(repo_config)
    config["areas"] = {"X06000001": "Northbrook"}
    config["statistics"]["benchmark"] = {"source": "pooled"}
    result = snakemake(tmp_path, "-n", configfile=write_config(tmp_path / "c.yaml", config))
    assert result.returncode != 0
    assert "statistics.benchmark.source" in result.stderr + result.stdout
    assert "compares the area with itself" in result.stderr + result.stdout
    assert not (tmp_path / "results").exists()


def test_default_england_works_without_the_rule():
    rates = compute_rates(CELLS, AREAS)  # library use: England from the shipped reference
    year = _get(rates, "E06000016", "preterm", "year", "2022")
    assert year["benchmark"] == pytest.approx(100 * ENGLAND_2022[0] / ENGLAND_2022[1], abs=1e-4)
    assert _get(rates, "E06000016", "preterm", "overall", "All")["benchmark_label"] == (
        "England (2021-2022)"
    )


def test_pooled_and_given_values_are_listed_in_the_comparators_table():
    pooled = configured_comparators(AREAS, [2022], ["preterm"], {"source": "pooled"})
    assert len(pooled) == 2 * 2 and set(pooled["benchmark_label"]) == {"All study areas"}
    assert pooled["value"].isna().all() and pooled["note"].str.contains("pooled").all()
    given = {"source": "values", "label": "England", "values": {"preterm": {2022: 7.9}}}
    values = configured_comparators(AREAS, [2022], ["preterm"], given)
    by_period = values.drop_duplicates("period").set_index("period")
    assert by_period.loc["2022", "value"] == 7.9 and by_period.loc["2022", "unit"] == "%"
    assert np.isnan(by_period.loc["all", "value"]) and by_period.loc["all", "note"] != ""
    assert funnel_targets(values, AREAS) == {}  # no whole-period value given
