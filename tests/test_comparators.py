"""England/region comparators parsed from the published ONS tables: the figures quoted in the
data's PROVENANCE.md, and the shipped reference reproduced exactly by a rebuild."""

from __future__ import annotations

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
