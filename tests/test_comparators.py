"""England/region comparators parsed from the published ONS tables: the figures quoted in the
data's PROVENANCE.md, and the shipped reference reproduced exactly by a rebuild."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support import REPO, SHARED

from birthgaps.core.errors import InputError
from birthgaps.ingest.national import build_reference, read_lad_regions, read_reference

DATA = SHARED / "data"
SHIPPED = REPO / "resources" / "comparators"
needs_shared = pytest.mark.skipif(not DATA.exists(), reason="../shared/data is not present")


def _row(reference: pd.DataFrame, code: str, outcome: str, year: int) -> pd.Series:
    rows = reference[
        (reference["geography_code"] == code)
        & (reference["outcome"] == outcome)
        & (reference["year"] == year)
    ]
    assert len(rows) == 1, (code, outcome, year)
    return rows.iloc[0]


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    return read_reference(SHIPPED / "ons_reference.csv")


def test_term_lbw_matches_published_figures(shipped):
    # PROVENANCE.md (birth characteristics 2022, Table 6)
    for code, numerator, denominator in [
        ("E92000001", 14982, 520167),
        ("E06000016", 169, 3905),
        ("E06000032", 119, 2976),
    ]:
        row = _row(shipped, code, "term_lbw", 2022)
        assert (row["numerator"], row["denominator"]) == (numerator, denominator)
    assert round(_row(shipped, "E92000001", "term_lbw", 2022)["percent"], 2) == 2.88


def test_lbw_matches_published_percentages(shipped):
    # Table 1: England 7.0, Leicester 8.1, Luton 8.2; England's counts from Table 4 round to 7.0
    england = _row(shipped, "E92000001", "lbw", 2022)
    assert england["numerator"] == 4777 + 6903 + 27446
    assert england["denominator"] == 577046 - 14923 - 393
    assert round(england["percent"], 1) == 7.0
    assert _row(shipped, "E06000016", "lbw", 2022)["percent"] == 8.1
    assert _row(shipped, "E06000032", "lbw", 2022)["percent"] == 8.2
    assert pd.isna(_row(shipped, "E06000016", "lbw", 2022)["numerator"])


def test_preterm_england_2022_is_table8_and_table23(shipped):
    # Table 8: 801 + 1,917 + 4,374 + 37,928 preterm; stated gestation = 576,643 - 2,177 not stated
    # - 154 inconsistent with birthweight
    row = _row(shipped, "E92000001", "preterm", 2022)
    assert row["numerator"] == 801 + 1917 + 4374 + 37928 == 45020
    assert row["denominator"] == 576643 - 2177 - 154
    assert round(row["percent"], 2) == 7.84
    years = shipped[(shipped["outcome"] == "preterm") & (shipped["geography_code"] == "E92000001")]
    assert sorted(years["year"]) == list(range(2010, 2023))
    assert _row(shipped, "E12000004", "preterm", 2022)["numerator"] == 59 + 182 + 415 + 3128


def test_region_map_places_leicester_in_the_east_midlands():
    regions = read_lad_regions(SHIPPED / "lad_region.csv")
    assert regions["E06000016"] == "E12000004"
    assert regions["E06000032"] == "E12000006"  # Luton: East


@needs_shared
def test_table23_2022_agrees_with_table8():
    from birthgaps.ingest.national import preterm_england_by_year

    by_year = preterm_england_by_year(DATA / "ons-child-infant-mortality-2022" / "cim2022_23.csv")
    row = by_year[by_year["year"] == 2022].iloc[0]
    assert (row["numerator"], row["denominator"]) == (45020, 574312)


@needs_shared
def test_rebuild_reproduces_the_shipped_files(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("build", REPO / "tools" / "build_comparators.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    build.OUT = tmp_path
    build.main(DATA)
    for name in ("ons_reference.csv", "lad_region.csv"):
        assert (tmp_path / name).read_bytes() == (SHIPPED / name).read_bytes(), name
    assert build_reference(DATA).equals(read_reference(SHIPPED / "ons_reference.csv"))


def test_bad_reference_stops(tmp_path):
    path = tmp_path / "ref.csv"
    frame = pd.read_csv(SHIPPED / "ons_reference.csv").head(3)
    frame.loc[1, "percent"] = 140
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match="outside 0-100") as error:
        read_reference(path)
    assert "rows affected: 1" in str(error.value)


MORTALITY_ENGLAND = {  # (outcome, year): deaths, denominator, ONS's published rate per 1,000
    ("infant", 2022): (2240, 577046, 3.9),  # cim2022 Table 3
    ("infant", 2021): (2209, 595948, 3.7),  # cim2022 Table 21, all deciles
    ("infant", 2020): (2100, 585195, 3.6),  # cim2020 Table 3
    ("infant", 2010): (2909, 687006, 4.2),
    ("neonatal", 2022): (1685, 577046, 2.9),
    ("postneonatal", 2022): (555, 577046, 1.0),
    ("stillbirth", 2022): (2276, 2276 + 577046, 3.9),  # per 1,000 total births
    ("perinatal", 2022): (3602, 2276 + 577046, 6.2),
    ("stillbirth", 2021): (2451, 2451 + 595948, 4.1),
    ("stillbirth", 2023): (2230, 2230 + 563561, 3.9),  # birth registrations 2023, Table 2
}


@pytest.mark.parametrize("outcome, year", list(MORTALITY_ENGLAND))
def test_mortality_england_matches_published_rates(shipped, outcome, year):
    deaths, denominator, published = MORTALITY_ENGLAND[(outcome, year)]
    row = _row(shipped, "E92000001", outcome, year)
    assert (row["numerator"], row["denominator"]) == (deaths, denominator)
    assert row["measure"] == "per_1000"
    assert row["rate"] == round(1000 * deaths / denominator, 4)
    assert round(row["rate"], 1) == published
    assert row["percent"] == pytest.approx(row["rate"] / 10, abs=1e-4)


def test_mortality_derived_rows_say_so(shipped):
    # early neonatal deaths (under 7 days) = perinatal deaths - stillbirths: 3,602 - 2,276
    early = _row(shipped, "E92000001", "early_neonatal", 2022)
    assert (early["numerator"], early["denominator"]) == (1326, 577046)
    assert round(early["rate"], 1) == 2.3 and "derived" in early["source"]
    # postneonatal before 2020 and in 2021: infant - neonatal deaths of Table 21
    post = _row(shipped, "E92000001", "postneonatal", 2021)
    assert post["numerator"] == 2209 - 1633 and "derived" in post["source"]
    region = _row(shipped, "E12000004", "infant", 2022)
    assert (region["geography_name"], region["numerator"], round(region["rate"], 1)) == (
        "East Midlands",
        200,
        4.3,
    )
    # the percentage outcomes keep their measure; rate equals percent there
    lbw = _row(shipped, "E92000001", "lbw", 2022)
    assert lbw["measure"] == "percent" and lbw["rate"] == lbw["percent"]


def test_mortality_years_and_the_leicester_report_figure(shipped):
    england = shipped[shipped["geography_code"] == "E92000001"]
    years = {o: sorted(england.loc[england["outcome"] == o, "year"]) for o in
             ("stillbirth", "perinatal", "early_neonatal", "neonatal", "postneonatal", "infant")}  # fmt: skip
    assert years["infant"] == years["neonatal"] == years["postneonatal"] == list(range(2010, 2023))
    assert years["stillbirth"] == list(range(2010, 2024))
    assert years["perinatal"] == years["early_neonatal"] == [2020, 2022]
    # the Leicester report's England infant mortality for 2022-2024 (4.2 per 1,000) needs 2023 and
    # 2024 deaths, which ../shared/data does not hold: the reference stops at 2022
    assert 2023 not in years["infant"] and 2024 not in years["infant"]


def test_mortality_three_years_pooled_from_counts(shipped):
    from birthgaps.stats.comparators import comparator_table

    areas = {"E06000016": "Leicester"}
    out = comparator_table(shipped, areas, [2020, 2021, 2022], ["infant"], "england")
    pooled = out[out["period"] == "all"].iloc[0]
    assert (pooled["reference_numerator"], pooled["reference_denominator"]) == (
        2100 + 2209 + 2240,
        585195 + 595948 + 577046,
    )
    assert pooled["benchmark_label"] == "England"
    # the value is in the outcome's unit: per 1,000 live births
    assert round(pooled["value"], 2) == round(1000 * 6549 / 1758189, 2) == 3.72
    assert pooled["unit"] == "per 1,000"
    # infant mortality is pooled over rolling three-year periods: 2020-2022 is England's 3 years
    assert list(out["period"]) == ["2020-2022", "all"]
    assert out.set_index("period").loc["2020-2022", "value"] == pooled["value"]
    regions = {"E06000016": "E12000004"}
    out = comparator_table(shipped, areas, [2020, 2021, 2022], ["infant"], "region", regions)
    by_period = out.set_index("period")
    # the region has 2020 and 2022 only: the rolling period is not compared, never part-pooled
    assert np.isnan(by_period.loc["2020-2022", "value"])
    assert by_period.loc["2020-2022", "note"] == (
        "no East Midlands value for 2020-2022 that can be pooled"
    )
    assert by_period.loc["all", "benchmark_label"] == "East Midlands (2020, 2022)"


def test_user_reference_without_measure_columns_is_filled(tmp_path):
    path = tmp_path / "ref.csv"
    frame = pd.read_csv(SHIPPED / "ons_reference.csv")
    infant = frame[(frame["outcome"] == "infant") & (frame["year"] == 2022)].head(1)
    lbw = frame[frame["outcome"] == "lbw"].head(2)
    frame = pd.concat([lbw, infant]).drop(columns=["measure", "rate"])
    frame.to_csv(path, index=False)
    out = read_reference(path).set_index("outcome")
    assert out.loc["infant", "measure"] == "per_1000"
    assert out.loc["infant", "rate"] == pytest.approx(10 * out.loc["infant", "percent"])
    assert set(out.loc["lbw", "measure"]) == {"percent"}
    bad = pd.read_csv(SHIPPED / "ons_reference.csv").head(3).assign(measure="per_100")
    bad.to_csv(path, index=False)
    with pytest.raises(InputError, match="measure must be one of") as error:
        read_reference(path)
    assert "rows affected: 3" in str(error.value)
