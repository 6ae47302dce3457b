"""birthgaps.stats.measures reproduces published ONS and OHID Fingertips figures read from ../shared/data.

- ONS child and infant mortality 2020 and 2022 (Table 3): infant mortality per 1,000 live births for
  Leicester and Luton, every area's published rates (1 dp) and its "[x]"/"[u]" small-number markers;
  Table 21: infant mortality by IMD decile, England.
- ONS birth characteristics 2022 (Table 6): term low birth weight, Leicester 169 of 3,905.
- A real Fingertips download (Campylobacter incidence, 2015-17): Byar's 95% limits, the "Compared to
  England/Region" labels and the "Cannot be calculated" trend marker.
Skips cleanly when ../shared is absent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from birthgaps.stats import measures as stats

CIM_TABLE_3 = {
    2020: "ons-child-infant-mortality-2020/cim2020_Table_3.csv",
    2022: "ons-child-infant-mortality-2022/cim2022_3.csv",
}
CIM_TABLE_21 = {
    2020: "ons-child-infant-mortality-2020/cim2020_Table_21.csv",
    2022: "ons-child-infant-mortality-2022/cim2022_21.csv",
}
LEICESTER, LUTON = "E06000016", "E06000032"


def _read(shared_dir: Path, relative: str) -> pd.DataFrame:
    """A converted ONS sheet as strings (markers kept), names stripped of ONS's padding."""
    path = shared_dir / "data" / relative
    if not path.exists():
        pytest.skip(f"{relative} is not available")
    table = pd.read_csv(path, dtype=str)
    table.columns = [c.strip() for c in table.columns]
    for column in table.columns:
        table[column] = table[column].str.strip()
    return table


def _number(series: pd.Series) -> pd.Series:
    """Numbers from an ONS column; markers such as "[x]" become NaN."""
    return pd.to_numeric(series.str.replace(",", "", regex=False), errors="coerce")


def _table3(shared_dir: Path, year: int) -> pd.DataFrame:
    table = _read(shared_dir, CIM_TABLE_3[year])
    return table.set_index("Area of usual residence (code)")


# ---------------------------------------------------------------------------------------------
# infant mortality, Leicester and Luton
# ---------------------------------------------------------------------------------------------

PUBLISHED_IMR = {  # (year, area): (infant deaths, live births, published rate per 1,000, [u] marker)
    (2020, LEICESTER): (24, 4458, 5.4, False),
    (2020, LUTON): (15, 3287, 4.6, True),
    (2022, LEICESTER): (33, 4376, 7.5, False),
    (2022, LUTON): (24, 3304, 7.3, False),
}


@pytest.mark.parametrize("year, area", list(PUBLISHED_IMR))
def test_infant_mortality_rate_reproduces_ons(shared_dir, year, area):
    table = _table3(shared_dir, year)
    row = table.loc[area]
    deaths = int(_number(pd.Series([row["Infant deaths"]]))[0])
    births = int(_number(pd.Series([row["Live births"]]))[0])
    published = float(row["Infant mortality rate"])
    flagged = row["Infant unreliable indicator"] in {"u", "[u]"}
    assert (deaths, births, published, flagged) == PUBLISHED_IMR[(year, area)]

    out = stats.rate_ci([deaths], [births], confidence=(0.95, 0.998), multiplier=1000)
    assert round(out.loc[0, "value"], 1) == published
    assert out.loc[0, "method"] == "Byars"  # 10 or more deaths
    assert out.loc[0, "lower_99_8"] < out.loc[0, "lower_95"] < published < out.loc[0, "upper_95"]
    # ONS publishes no CI in this table; our limits are the PHE ones (exact count limits / births)
    lower, upper = stats.poisson_count_ci([deaths], 0.95, method="byars")
    assert out.loc[0, "lower_95"] == pytest.approx(1000 * lower[0] / births, rel=1e-12)
    assert out.loc[0, "upper_95"] == pytest.approx(1000 * upper[0] / births, rel=1e-12)
    marked = stats.apply_small_number_rules(out.assign(events=deaths), "events")
    assert (marked.loc[0, "reliability"] == "u") == flagged


def test_leicester_2022_infant_mortality_worse_than_england(shared_dir):
    table = _table3(shared_dir, 2022)
    births = _number(table["Live births"])
    deaths = _number(table["Infant deaths"])
    england_and_wales = deaths["K04000001"] / births["K04000001"] * 1000
    assert round(england_and_wales, 1) == float(table.loc["K04000001", "Infant mortality rate"])
    out = stats.rate_ci(deaths[[LEICESTER, LUTON]], births[[LEICESTER, LUTON]], multiplier=1000)
    label = stats.compare_with_benchmark(
        out["value"], out["lower_95"], out["upper_95"], england_and_wales, "low_is_good"
    )
    assert label[LEICESTER] == "Worse"
    assert label[LUTON] == "Worse"


MEASURES = [  # (deaths column, rate column, marker column, denominator: live or total births)
    ("Infant deaths", "Infant mortality rate", "Infant unreliable indicator", "live"),
    ("Neonatal deaths", "Neonatal mortality rate", "Neonatal unreliable indicator", "live"),
    (
        "Postneonatal deaths",
        "Postneonatal mortality rate",
        "Postneonatal unreliable indicator",
        "live",
    ),
    ("Stillbirths", "Stillbirth rate", "Stillbirth unreliable indicator", "total"),
]


@pytest.mark.parametrize("year", [2020, 2022])
@pytest.mark.parametrize("deaths_col, rate_col, marker_col, base", MEASURES)
def test_every_area_rate_and_small_number_marker_reproduces_ons(
    shared_dir, year, deaths_col, rate_col, marker_col, base
):
    table = _table3(shared_dir, year)
    table = table[~table[rate_col].isin(["z", "[z]"])]  # "not applicable" (residence outside E&W)
    births = _number(table["Live births"])
    deaths = _number(table[deaths_col])
    denominator = births if base == "live" else births + deaths
    rates = stats.rate_ci(deaths, denominator, multiplier=1000).assign(events=deaths)
    marked = stats.apply_small_number_rules(rates, "events")
    published = _number(table[rate_col])

    shown = published.notna()
    assert shown.sum() > 100
    # ONS rounds to 1 dp: our unrounded rate lies within half a unit of the last digit
    assert (np.abs(marked.loc[shown, "value"] - published[shown]) <= 0.05 + 1e-9).all()
    # "[x]"/":" (no rate) exactly when fewer than 3 deaths; "[u]"/"u" exactly when fewer than 20
    assert (marked["value"].isna().to_numpy() == (~shown).to_numpy()).all()
    ons_unreliable = table[marker_col].isin(["u", "[u]"])
    ours_unreliable = marked["reliability"].isin(["x", "u"])
    assert (ours_unreliable.to_numpy() == ons_unreliable.to_numpy()).all()
    assert ((marked["reliability"] == "x") == (deaths < 3)).all()


@pytest.mark.parametrize("year", [2020, 2022])
def test_infant_mortality_by_imd_decile_reproduces_ons(shared_dir, year):
    table = _read(shared_dir, CIM_TABLE_21[year])
    table = table[(table["Year"] == str(year)) & (table["IMD"] != "Total")].drop_duplicates()
    assert list(table["IMD"]) == [str(d) for d in range(1, 11)]
    births = _number(table["Live births"]).to_numpy()
    deaths = _number(table["Infant deaths"]).to_numpy()
    out = stats.rate_ci(deaths, births, multiplier=1000)
    assert (np.abs(out["value"] - _number(table["Infant mortality rate"]).to_numpy()) <= 0.05).all()

    # the steep gradient: most deprived decile against the least deprived, SII and PAF
    ratio = stats.rate_ratio(deaths[0], births[0], deaths[-1], births[-1])
    assert ratio.loc[0, "lower_95"] > 1.5
    sii = stats.sii_rii(
        out["value"], births, out["lower_95"], out["upper_95"], value_type="rate", reps=10_000
    )
    # PHE orientation (most deprived first): rates fall towards the least deprived, so SII < 0, RII < 1
    assert sii["sii_lower_95"] < sii["sii"] < sii["sii_upper_95"] < 0
    assert sii["rii_lower_95"] < sii["rii"] < sii["rii_upper_95"] < 1
    paf = stats.attributable_fraction(deaths, births, [str(d) for d in range(1, 11)], "10")
    total = paf.iloc[-1]
    assert 0.2 < total["paf"] < 0.5
    assert total["paf_lower_95"] < total["paf"] < total["paf_upper_95"]


# ---------------------------------------------------------------------------------------------
# term low birth weight (birth characteristics 2022, Table 6)
# ---------------------------------------------------------------------------------------------


def test_term_lbw_leicester_2022_wilson_ci(shared_dir):
    table = _read(shared_dir, "ons-birth-characteristics-2022/bc2022_Table_6.csv")
    table = table.drop_duplicates().set_index("Area of usual residence Code")
    denominator_col = "Live births at 37 weeks or more gestation with known birthweight"
    numerator_col = next(c for c in table.columns if "with low birthweight" in c)
    events = _number(table[numerator_col])
    births = _number(table[denominator_col])
    assert (events[LEICESTER], births[LEICESTER]) == (169, 3905)

    out = stats.proportion_ci(events, births, confidence=(0.95, 0.998), multiplier=100)
    leicester = out.loc[LEICESTER]
    # Table 6 publishes counts only; OHID's indicator (Fingertips 20101) is 169/3,905 = 4.33%
    assert round(leicester["value"], 2) == 4.33
    # Wilson score limits worked from the formula: (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / 2(n + z^2)
    x, n, z = 169.0, 3905.0, 1.959963984540054
    root = z * np.sqrt(z**2 + 4 * x * (1 - x / n))
    assert leicester["lower_95"] == pytest.approx(
        100 * (2 * x + z**2 - root) / (2 * (n + z**2)), rel=1e-12
    )
    assert leicester["upper_95"] == pytest.approx(
        100 * (2 * x + z**2 + root) / (2 * (n + z**2)), rel=1e-12
    )
    assert (round(leicester["lower_95"], 2), round(leicester["upper_95"], 2)) == (3.73, 5.01)
    assert (round(leicester["lower_99_8"], 2), round(leicester["upper_99_8"], 2)) == (3.43, 5.45)

    england = events["E92000001"] / births["E92000001"] * 100
    assert round(england, 2) == 2.88
    label = stats.compare_with_benchmark(
        out["value"],
        out["lower_95"],
        out["upper_95"],
        england,
        "low_is_good",
        lower_998=out["lower_99_8"],
        upper_998=out["upper_99_8"],
    )
    assert label[LEICESTER] == "Worse (99.8%)"
    assert label[LUTON] == "Worse (99.8%)"


# ---------------------------------------------------------------------------------------------
# a real Fingertips download (format fixture; Campylobacter incidence per 100,000)
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def fingertips(shared_dir: Path) -> pd.DataFrame:
    path = shared_dir / "data" / "fingertips-format-sample" / "indicators-CountyUA.data.csv"
    if not path.exists():
        pytest.skip("the Fingertips sample is not available")
    return pd.read_csv(path)


def test_rate_ci_reproduces_fingertips_byars_limits(fingertips):
    rows = fingertips[fingertips["Count"].notna() & fingertips["Lower CI 95.0 limit"].notna()]
    assert len(rows) == 755
    out = stats.rate_ci(rows["Count"], rows["Denominator"], multiplier=100_000)
    np.testing.assert_allclose(out["value"], rows["Value"], rtol=1e-8)
    big = rows["Count"] >= 10
    # Fingertips' own arithmetic differs in the 5th significant figure at most
    np.testing.assert_allclose(
        out.loc[big, "lower_95"], rows.loc[big, "Lower CI 95.0 limit"], rtol=2e-4
    )
    np.testing.assert_allclose(
        out.loc[big, "upper_95"], rows.loc[big, "Upper CI 95.0 limit"], rtol=2e-4
    )
    # this indicator used Byar's method below 10 events too
    small = rows[~big]
    lower, upper = stats.poisson_count_ci(small["Count"], 0.95, method="byars")
    np.testing.assert_allclose(
        1e5 * lower / small["Denominator"], small["Lower CI 95.0 limit"], rtol=2e-4
    )
    np.testing.assert_allclose(
        1e5 * upper / small["Denominator"], small["Upper CI 95.0 limit"], rtol=2e-4
    )


def test_compare_with_benchmark_reproduces_fingertips_labels(fingertips):
    rows = fingertips[fingertips["Category Type"].isna()]
    key = ["Sex", "Age", "Time period"]
    england = rows[rows["Area Type"] == "Country"].set_index(key)["Value"].rename("england")
    regions = rows[rows["Area Type"] == "Region"].set_index(["Area Code", *key])["Value"]
    areas = rows[rows["Area Type"] != "Country"].join(england, on=key)
    areas = areas.join(regions.rename("region"), on=["Parent Code", *key])
    args = (areas["Value"], areas["Lower CI 95.0 limit"], areas["Upper CI 95.0 limit"])
    to_england = stats.compare_with_benchmark(*args, areas["england"], polarity="low_is_good")
    assert len(areas) == 787
    assert (to_england == areas["Compared to England value or percentiles"]).all()
    counties = areas["Area Type"] == "County & UA"
    to_region = stats.compare_with_benchmark(*args, areas["region"], polarity="low_is_good")
    published = areas["Compared to Region value or percentiles"]
    assert (to_region[counties] == published[counties]).all()
    assert set(published[counties]) == {"Better", "Similar", "Worse", "Not compared"}


def test_recent_trend_cannot_be_calculated_on_three_years_as_fingertips(fingertips):
    rows = fingertips[fingertips["Category Type"].isna() & fingertips["Count"].notna()]
    marked = rows[rows["Recent Trend"] == "Cannot be calculated"]
    assert len(marked) > 100
    for (area, age), series in rows.groupby(["Area Code", "Age"]):
        result = stats.recent_trend(series["Time period"], series["Count"], series["Denominator"])
        assert result.label == "Cannot be calculated", (area, age)
        assert result.reason == "fewer than 5 points"
