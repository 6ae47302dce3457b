"""Published ONS mortality figures reproduced from their own counts (``ingest.national_mortality``).

For every row of the tables used (child and infant mortality 2020 and 2022: Table 3 by area,
Table 18 by ethnicity of the infant, Table 21 by IMD decile; birth registrations 2023: Table 2
stillbirths by area, Table 9 by IMD decile) each rate is recomputed with
``stats.intervals.rate_ci`` (stillbirth and perinatal per 1,000 total births, the others per 1,000
live births), rounded half up to ONS's 1 decimal and compared with the published rate; ONS's
small-number markers are compared with ``stats.measures.apply_small_number_rules`` (no rate from
fewer than 3 deaths, "[x]"; low reliability from 3 to 19, "[u]"). Result on this data: every one
of 5,157 rows (3,875 published rates) matches; :data:`CHECKED` lists them per table.

ONS publishes no confidence limits in these tables, so there are none to compare; ours are the
PHE/OHID ones (exact Poisson below 10 deaths, Byar's from 10), worked from the formulas below for
Leicester and Luton. The UK SDG platform's 2020 neonatal rates by ethnic group (indicator 3.2.2) are
checked against the same counts. Skips cleanly when ../shared/data is absent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from support import SHARED

from birthgaps.core.errors import InputError
from birthgaps.ingest import national_mortality as nm
from birthgaps.stats.intervals import rate_ci
from birthgaps.stats.measures import apply_small_number_rules

DATA = SHARED / "data"
needs_shared = pytest.mark.skipif(not DATA.exists(), reason="../shared/data is not present")
LEICESTER, LUTON = "E06000016", "E06000032"
LOCAL_AUTHORITY = {
    "Unitary Authority",
    "Metropolitan District",
    "Non-metropolitan District",
    "London Borough",
}


def _cim(year: int, table: int) -> str:
    return nm.CIM_SOURCE.format(year=year, table=table)


#: (source, outcome) -> (rows checked, rows with a published rate). Rows marked "not applicable"
#: (residence outside England and Wales; deaths not linked to a birth) have no rate to check.
CHECKED = {
    **{
        (_cim(year, 3), outcome): counts
        for year, published in {
            2020: {
                "stillbirth": 287,
                "perinatal": 339,
                "neonatal": 255,
                "postneonatal": 118,
                "infant": 287,
            },
            2022: {
                "stillbirth": 304,
                "perinatal": 345,
                "neonatal": 254,
                "postneonatal": 117,
                "infant": 284,
            },
        }.items()
        for outcome, counts in ((o, (375, n)) for o, n in published.items())
    },  # fmt: skip
    (_cim(2020, 18), "stillbirth"): (39, 30),
    (_cim(2020, 18), "neonatal"): (39, 31),
    (_cim(2020, 18), "infant"): (39, 32),
    (_cim(2022, 18), "stillbirth"): (39, 33),
    (_cim(2022, 18), "neonatal"): (39, 30),
    (_cim(2022, 18), "infant"): (39, 30),
    **{(_cim(2020, 21), o): (121, 121) for o in ("stillbirth", "neonatal", "infant")},
    **{(_cim(2022, 21), o): (143, 143) for o in ("stillbirth", "neonatal", "infant")},
    (nm.BIRTHS_SOURCE.format(table=2), "stillbirth"): (359, 285),
    (nm.BIRTHS_SOURCE.format(table=9), "stillbirth"): (22, 22),
}


def _one_decimal(value: float) -> float:
    """ONS's rounding: half up to 1 decimal (float noise removed first)."""
    if pd.isna(value):
        return np.nan
    return float(Decimal(repr(round(float(value), 9))).quantize(Decimal("0.1"), ROUND_HALF_UP))


@pytest.fixture(scope="module")
def ons_mortality() -> pd.DataFrame:
    if not DATA.exists():
        pytest.skip("../shared/data is not present")
    return nm.published_mortality(DATA)


@pytest.fixture(scope="module")
def recomputed(ons_mortality: pd.DataFrame) -> pd.DataFrame:
    """The published rows with a rate to check, our rate (1 dp) and our small-number flag."""
    rows = ons_mortality[ons_mortality["marker"] != "z"].reset_index(drop=True)
    rates = rate_ci(rows["deaths"], rows["denominator"], multiplier=1000)
    marked = apply_small_number_rules(rates.assign(events=rows["deaths"]), "events")
    return rows.assign(
        value=marked["value"].astype("float64"),
        ours=[_one_decimal(v) for v in marked["value"]],
        flag=marked["reliability"].astype(str),
    )


@pytest.mark.parametrize("source, outcome", list(CHECKED))
def test_every_row_reproduces_the_published_rate_and_marker(recomputed, source, outcome):
    rows = recomputed[(recomputed["source"] == source) & (recomputed["outcome"] == outcome)]
    published = rows["published_rate"].notna()
    assert (len(rows), int(published.sum())) == CHECKED[(source, outcome)]
    # the rate, to ONS's rounding, wherever ONS gives one; no rate exactly where ONS gives none
    assert (rows.loc[published, "ours"] == rows.loc[published, "published_rate"]).all()
    assert rows.loc[~published, "ours"].isna().all()
    # "[x]" (":" in 2020): fewer than 3 deaths, exactly
    assert ((rows["flag"] == "x") == (rows["marker"] == "x")).all()
    assert ((rows["marker"] == "x") == (rows["deaths"] < 3)).all()
    flagged = rows["unreliable"]
    if flagged.isna().all():  # Tables 21 and 9 carry no indicator: England's deciles are large
        assert (rows.loc[rows["geography_code"] == "E92000001", "flag"] == "").all()
    elif source == nm.BIRTHS_SOURCE.format(table=2):  # [u] only beside a rate (3-19)
        assert ((rows["flag"] == "u") == flagged.astype(bool)).all()
    else:  # the cim editions mark "u" from 0 to 19 deaths, with or without a rate
        assert (rows["flag"].isin(["x", "u"]) == flagged.astype(bool)).all()


def test_all_rows_of_the_tables_are_checked(recomputed):
    assert len(recomputed) == sum(rows for rows, _ in CHECKED.values()) == 5157
    assert sum(rates for _, rates in CHECKED.values()) == 3875
    assert set(zip(recomputed["source"], recomputed["outcome"], strict=True)) == set(CHECKED)


def test_every_local_authority_row_is_checked(recomputed):
    authorities = recomputed[recomputed["geography"].isin(LOCAL_AUTHORITY)]
    per_table = authorities.groupby("source")["geography_code"].nunique().to_dict()
    assert per_table == {
        _cim(2020, 3): 330,
        _cim(2022, 3): 330,
        nm.BIRTHS_SOURCE.format(table=2): 317,
    }
    # 330 x 5 outcomes x 2 editions + 317 stillbirth rows, each checked above
    assert len(authorities) == 330 * 5 * 2 + 317


CITY_FIGURES = {  # (year, area): live births, stillbirths, perinatal, neonatal, postneonatal,
    # infant deaths, and ONS's rates per 1,000 with "u" where marked low reliability
    (2020, LEICESTER): (4458, 24, 40, 19, 5, 24, ("5.4", "8.9", "4.3u", "1.1u", "5.4")),
    (2020, LUTON): (3287, 10, 14, 9, 6, 15, ("3.0u", "4.2u", "2.7u", "1.8u", "4.6u")),
    (2022, LEICESTER): (4376, 21, 47, 28, 5, 33, ("4.8", "10.7", "6.4", "1.1u", "7.5")),
    (2022, LUTON): (3304, 11, 26, 19, 5, 24, ("3.3u", "7.8", "5.8u", "1.5u", "7.3")),
}


@needs_shared
@pytest.mark.parametrize("year, area", list(CITY_FIGURES))
def test_leicester_and_luton(ons_mortality, year, area):
    live, still, perinatal, neonatal, post, infant, published = CITY_FIGURES[(year, area)]
    rows = ons_mortality[
        (ons_mortality["source"] == _cim(year, 3)) & (ons_mortality["geography_code"] == area)
    ].set_index("outcome")
    outcomes = ["stillbirth", "perinatal", "neonatal", "postneonatal", "infant"]
    assert list(rows.loc[outcomes, "deaths"]) == [still, perinatal, neonatal, post, infant]
    total = live + still
    assert list(rows.loc[outcomes, "denominator"]) == [total, total, live, live, live]
    rates, marks = rows.loc[outcomes, "published_rate"], rows.loc[outcomes, "unreliable"]
    shown = [f"{r:.1f}{'u' if u else ''}" for r, u in zip(rates, marks, strict=True)]
    assert tuple(shown) == published
    deaths = np.array([still, perinatal, neonatal, post, infant], dtype=float)
    bases = np.array([total, total, live, live, live], dtype=float)
    ours = rate_ci(deaths, bases, multiplier=1000)
    assert [f"{_one_decimal(v):.1f}" for v in ours["value"]] == [p.rstrip("u") for p in published]
    # our 95% limits from the PHE formulas: Byar's from 10 deaths, exact (chi-squared) below
    z = 1.959963984540054
    for i, x in enumerate(deaths):
        if x >= 10:
            lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
            upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3
        else:
            from scipy.stats import chi2

            lower, upper = chi2.ppf(0.025, 2 * x) / 2, chi2.ppf(0.975, 2 * x + 2) / 2
        assert ours.loc[i, "lower_95"] == pytest.approx(1000 * lower / bases[i], rel=1e-10)
        assert ours.loc[i, "upper_95"] == pytest.approx(1000 * upper / bases[i], rel=1e-10)
    # early neonatal deaths (under 7 days) are perinatal deaths less stillbirths
    assert perinatal - still == {
        (2020, LEICESTER): 16, (2020, LUTON): 4, (2022, LEICESTER): 26, (2022, LUTON): 15,
    }[(year, area)]  # fmt: skip


@needs_shared
def test_leicester_2022_infant_mortality_limits(recomputed):
    row = recomputed[
        (recomputed["source"] == _cim(2022, 3))
        & (recomputed["geography_code"] == LEICESTER)
        & (recomputed["outcome"] == "infant")
    ].iloc[0]
    limits = rate_ci([33], [4376], confidence=(0.95, 0.998), multiplier=1000).iloc[0]
    assert round(row["value"], 2) == 7.54
    assert (round(limits["lower_95"], 2), round(limits["upper_95"], 2)) == (5.19, 10.59)
    assert limits["method"] == "Byars"


@needs_shared
def test_stillbirths_2023_leicester_and_luton(recomputed):
    rows = recomputed[recomputed["source"] == nm.BIRTHS_SOURCE.format(table=2)]
    rows = rows.set_index("geography_code")
    assert (rows.loc[LEICESTER, "deaths"], rows.loc[LEICESTER, "published_rate"]) == (21, 4.7)
    assert (rows.loc[LUTON, "deaths"], rows.loc[LUTON, "published_rate"]) == (24, 6.9)
    assert rows.loc[LUTON, "ours"] == 6.9


@needs_shared
def test_imd_and_ethnicity_rows(recomputed):
    imd = recomputed[
        (recomputed["source"] == _cim(2022, 21))
        & (recomputed["year"] == 2022)
        & (recomputed["outcome"] == "infant")
    ]
    assert list(imd["group"]) == ["Total", *map(str, range(1, 11))]
    assert list(imd["ours"]) == [3.9, 6.1, 5.1, 4.5, 3.5, 3.4, 3.3, 3.5, 2.6, 2.5, 2.2]
    ethnic = recomputed[
        (recomputed["source"] == _cim(2022, 18))
        & (recomputed["geography_code"] == "E92000001")
        & (recomputed["outcome"] == "infant")
    ].set_index("group")
    assert ethnic.loc["Pakistani", "ours"] == 8.7
    assert ethnic.loc["Black African", "ours"] == 6.6
    assert ethnic.loc["White British", "ours"] == 3.1
    # deaths not linked to a birth have no denominator: "not applicable", not checked
    assert "Unlinked deaths" not in ethnic.index


@needs_shared
def test_markers_of_both_editions_read_alike(ons_mortality):
    darlington = ons_mortality[
        (ons_mortality["geography_code"] == "E06000005") & (ons_mortality["outcome"] == "infant")
        & (ons_mortality["breakdown"] == "area")
    ].set_index("year")  # fmt: skip
    # 2022 "[x]" and 2020 "5.6"/"u": the one-letter markers
    assert darlington.loc[2022, "marker"] == "x" and bool(darlington.loc[2022, "unreliable"])
    assert darlington.loc[2020, "marker"] == "" and darlington.loc[2020, "published_rate"] == 5.6
    hartlepool = ons_mortality[
        (ons_mortality["geography_code"] == "E06000001")
        & (ons_mortality["source"] == _cim(2020, 3))
    ]
    assert set(hartlepool.loc[hartlepool["deaths"] < 3, "marker"]) == {"x"}  # ":" in 2020


def test_unknown_marker_and_text_count_stop(tmp_path):
    header = (
        "Year,IMD,Live births,Stillbirths,Neonatal deaths,Infant deaths,Stillbirth rate,"
        "Neonatal mortality rate,Infant mortality rate\n"
    )
    path = tmp_path / "t21.csv"
    path.write_text(header + "2022,1,100,3,3,3,29.1,30,30\n2022,2,100,3,3,3,[q],30,30\n")
    with pytest.raises(InputError, match=r"unknown marker \(\[q\]\)") as error:
        nm.imd_table(path, 2022)
    assert "Stillbirth rate" in str(error.value) and "rows affected: 1" in str(error.value)
    path.write_text(header + "2022,1,100,three,3,3,29.1,30,30\n")
    with pytest.raises(InputError, match="not a number") as error:
        nm.imd_table(path, 2022)
    assert "Stillbirths" in str(error.value)


@needs_shared
def test_sdg_neonatal_rates_by_ethnicity_agree_with_table_18(recomputed):
    # the UK SDG platform (indicator 3.2.2) republishes 2020 neonatal mortality by ethnic group for
    # England and Wales and for England: all 24 equal our rates from cim2020 Table 18's counts,
    # and its "Low reliability" is our "u" (fewer than 20 deaths)
    path = DATA / "ons-uk-sdg-child-mortality" / "indicator_3-2-2.csv"
    sdg = pd.read_csv(path, dtype=str, keep_default_na=False)
    sdg = sdg[(sdg["Year"] == "2020") & (sdg["Ethnic group"] != "")]
    ours = recomputed[
        (recomputed["source"] == _cim(2020, 18)) & (recomputed["outcome"] == "neonatal")
    ]
    ours = ours.assign(country=ours["geography_name"].str.title().str.replace(" And ", " and "))
    ours = ours.set_index(["country", "group"])
    assert len(sdg) == 24
    for country, group, status, value in zip(
        sdg["Country"], sdg["Ethnic group"], sdg["Observation status"], sdg["Value"], strict=True
    ):
        row = ours.loc[(country, group)]
        assert row["ours"] == float(value), (country, group)
        assert (row["flag"] == "u") == (status == "Low reliability"), (country, group)
