"""Indicator tables (trends, inequality, funnel) on hand-countable cells, and their disclosure control.

Expected values come from the ``birthgaps.stats.measures`` functions applied to counts summed by hand, so a
wrong grouping, reference group, orientation or scaling in ``birthgaps.stats.indicators`` fails here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support.fakes import FAKE_AREAS, fake_cell_table

from birthgaps.stats import indicators
from birthgaps.stats import measures as stats
from birthgaps.stats.rates import compute_rates, grouped_counts, hidden_groups, publish_rates

RULES = {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5}
SETTINGS = {"confidence": [0.95, 0.998], "sii": {"reps": 5000, "seed": 11}}


def make_cells(rows: list[tuple]) -> pd.DataFrame:
    """Cells from (area, year, quintile, ethnic group, events, denominator); one age band, preterm."""
    frame = pd.DataFrame(
        rows,
        columns=["area_code", "year", "imd_quintile", "ethnic_group", "events", "denominator"],
    )
    frame["age_band"] = "25-29"
    frame["outcome"] = "preterm"
    for column in ("area_code", "imd_quintile", "ethnic_group", "age_band", "outcome"):
        frame[column] = frame[column].astype("string")
    for column in ("year", "events", "denominator"):
        frame[column] = frame[column].astype("int64")
    return frame[
        [
            "area_code",
            "year",
            "imd_quintile",
            "ethnic_group",
            "age_band",
            "outcome",
            "events",
            "denominator",
        ]
    ]


def counts(cells: pd.DataFrame, areas: dict, dimensions=("imd_quintile", "ethnic_group")):
    """Unrounded rates-shaped counts, to check the statistics against hand sums."""
    return grouped_counts(cells, areas, list(dimensions))


def protected(cells: pd.DataFrame, areas: dict) -> pd.DataFrame:
    """The published rates table of the cells: the protected counts the pipeline derives from."""
    return publish_rates(compute_rates(cells, areas, SETTINGS), RULES, SETTINGS)


FUNNEL_DIMENSIONS = ("overall", "year")


# One area, one year. Quintile totals: 1: 42/420, 2: 30/400, 3: 25/500, 4: 20/500, 5: 15/500
# (Unknown quintile and "Not stated" ethnicity are left out of their own dimension's measures).
# Ethnic totals: White 63/1200 (incl. 3/50 of unknown quintile), Black 70/1150.
INEQUALITY_CELLS = [
    ("A1", 2022, "1", "White", 20, 200),
    ("A1", 2022, "1", "Black", 20, 200),
    ("A1", 2022, "1", "Not stated", 2, 20),
    ("A1", 2022, "2", "White", 15, 200),
    ("A1", 2022, "2", "Black", 15, 200),
    ("A1", 2022, "3", "White", 10, 250),
    ("A1", 2022, "3", "Black", 15, 250),
    ("A1", 2022, "4", "White", 10, 250),
    ("A1", 2022, "4", "Black", 10, 250),
    ("A1", 2022, "5", "White", 5, 250),
    ("A1", 2022, "5", "Black", 10, 250),
    ("A1", 2022, "Unknown", "White", 3, 50),
]
Q_EVENTS = [42, 30, 25, 20, 15]
Q_BIRTHS = [420, 400, 500, 500, 500]


@pytest.fixture(scope="module")
def inequality():
    return indicators.inequality_table(
        counts(make_cells(INEQUALITY_CELLS), {"A1": "Alpha"}), {"A1": "Alpha"}, SETTINGS
    )


def _row(table: pd.DataFrame, area: str, measure: str, group: str = "All") -> pd.Series:
    hit = table[
        (table["area_code"] == area) & (table["measure"] == measure) & (table["group"] == group)
    ]
    assert len(hit) == 1, (measure, group)
    return hit.iloc[0]


def test_rate_ratios_against_quintile_5_and_white(inequality):
    q1 = _row(inequality, "A1", "rate_ratio", "1")
    expected = stats.rate_ratio(42, 420, 15, 500, confidence=0.95, kind="risk").iloc[0]
    wide = stats.rate_ratio(42, 420, 15, 500, confidence=0.998, kind="risk").iloc[0]
    assert (q1["events"], q1["denominator"], q1["reference"]) == (42, 420, "5")
    assert q1["value"] == pytest.approx(expected["ratio"], rel=1e-12)
    assert q1["value"] == pytest.approx((42 / 420) / (15 / 500), rel=1e-12)
    assert q1["lower_95"] == pytest.approx(expected["lower_95"], rel=1e-12)
    assert q1["upper_99_8"] == pytest.approx(wide["upper_99_8"], rel=1e-12)
    assert q1["p_value"] == pytest.approx(expected["p_value"], rel=1e-12)
    black = _row(inequality, "A1", "rate_ratio", "Black")
    expected = stats.rate_ratio(70, 1150, 63, 1200, kind="risk").iloc[0]
    assert (black["events"], black["denominator"], black["reference"]) == (70, 1150, "White")
    assert black["value"] == pytest.approx(expected["ratio"], rel=1e-12)
    groups = set(inequality.loc[inequality["measure"] == "rate_ratio", "group"])
    assert groups == {"1", "2", "3", "4", "Black"}  # no reference, Unknown or Not stated rows
    assert set(inequality["area_code"]) == {"A1", "ALL"}


def test_sii_rii_published_as_most_minus_least_deprived(inequality):
    p = np.array(Q_EVENTS) / np.array(Q_BIRTHS)
    ci = stats.proportion_ci(Q_EVENTS, Q_BIRTHS)
    expected = stats.sii_rii(
        p,
        Q_BIRTHS,
        ci["lower_95"],
        ci["upper_95"],
        value_type="proportion",
        multiplier=-100,
        confidence=(0.95, 0.998),
        reps=5000,
        seed=11,
    )
    sii, rii = _row(inequality, "A1", "sii"), _row(inequality, "A1", "rii")
    assert sii["value"] == pytest.approx(expected["sii"], rel=1e-12)
    assert sii["value"] > 0  # commoner in the most deprived quintile: a positive gap
    assert sii["lower_95"] == pytest.approx(expected["sii_lower_95"], rel=1e-12)
    assert sii["upper_99_8"] == pytest.approx(expected["sii_upper_99_8"], rel=1e-12)
    assert sii["intercept"] == pytest.approx(100 * expected["intercept"], rel=1e-12)
    assert rii["value"] == pytest.approx(expected["rii"], rel=1e-12) and rii["value"] > 1
    # with 15 events in quintile 5 some simulated fits reach zero there: no RII limits (below)
    assert expected["rii_lower_95"] <= 0 and np.isnan(rii["lower_95"])
    assert (sii["events"], sii["denominator"]) == (sum(Q_EVENTS), sum(Q_BIRTHS))
    assert sii["unit"] == "percentage points"
    # the fitted line through the quintiles: fitted(0) - fitted(1) = SII
    ranks = np.cumsum(Q_BIRTHS) / sum(Q_BIRTHS) - np.array(Q_BIRTHS) / sum(Q_BIRTHS) / 2
    slope, intercept = np.polyfit(ranks, 100 * p, 1, w=np.sqrt(Q_BIRTHS))
    assert sii["value"] == pytest.approx(-slope, rel=1e-9)
    assert sii["intercept"] == pytest.approx(intercept, rel=1e-9)


def test_attributable_fraction_and_excess_events(inequality):
    expected = stats.attributable_fraction(
        Q_EVENTS, Q_BIRTHS, ["1", "2", "3", "4", "5"], "5", kind="risk"
    )
    paf = _row(inequality, "A1", "paf")
    total = expected[expected["group"] == "All"].iloc[0]
    assert paf["value"] == pytest.approx(100 * total["paf"], rel=1e-12)
    assert paf["value"] == pytest.approx(100 * (1 - (15 / 500) / (132 / 2320)), rel=1e-12)
    assert paf["excess_events"] == pytest.approx(132 - 15 / 500 * 2320, rel=1e-12)
    assert paf["lower_95"] == pytest.approx(100 * total["paf_lower_95"], rel=1e-12)
    assert paf["excess_upper_95"] == pytest.approx(total["excess_upper_95"], rel=1e-12)
    q1 = _row(inequality, "A1", "paf_share", "1")
    assert q1["excess_events"] == pytest.approx(42 - 0.03 * 420, rel=1e-12)
    assert q1["value"] == pytest.approx(100 * (42 - 0.03 * 420) / 132, rel=1e-12)


def test_published_inequality_rounds_counts_and_hides_what_would_give_them_back(inequality):
    published = indicators.publish_inequality(inequality, RULES)
    assert "ref_events" not in published.columns
    q1 = _row(published, "A1", "rate_ratio", "1")
    assert (q1["events"], q1["denominator"]) == (40, 420)
    assert q1["value"] == pytest.approx(
        round(_row(inequality, "A1", "rate_ratio", "1")["value"], 4)
    )
    paf = _row(published, "A1", "paf")
    assert paf["excess_events"] == 60  # 132 - 0.03 * 2320 = 62.4 -> 62 -> nearest 5
    # quintile 4's excess is 20 - 15 = 5: suppressed, and so is its share of the PAF
    q4 = _row(published, "A1", "paf_share", "4")
    assert pd.isna(q4["excess_events"]) and pd.isna(q4["value"]) and q4["flag"] == "c"
    # a rate ratio whose reference group has a small count is not shown
    cells = make_cells([*INEQUALITY_CELLS[:-3], ("A1", 2022, "5", "White", 5, 250)])
    small = indicators.publish_inequality(
        indicators.inequality_table(protected(cells, {"A1": "Alpha"}), {"A1": "Alpha"}, SETTINGS),
        RULES,
    )
    q1 = _row(small, "A1", "rate_ratio", "1")  # reference quintile 5 has 5 events: withheld
    assert q1["flag"] == "c" and pd.isna(q1["value"]) and pd.isna(q1["lower_95"])


# ----------------------------------------------------------------------------- trends

YEARS = [2019, 2020, 2021, 2022, 2023, 2024]
RISING = [(40, 1000), (40, 1000), (50, 1000), (60, 1000), (70, 1000), (80, 1000)]


def trend_cells(series: list[tuple[int, int]], quintile_one=None) -> pd.DataFrame:
    rows = [("A1", year, "2", "White", e, n) for year, (e, n) in zip(YEARS, series, strict=True)]
    for year, (e, n) in zip(YEARS, quintile_one or [], strict=False):
        rows.append(("A1", year, "1", "White", e, n))
    return make_cells(rows)


def test_trend_of_each_group_is_the_fingertips_test_on_the_last_five_years():
    table = indicators.trends_table(trend_cells(RISING), {"A1": "Alpha"}, SETTINGS, RULES)
    row = table[(table["area_code"] == "A1") & (table["dimension"] == "overall")].iloc[0]
    events = [e for e, _ in RISING]
    expected = stats.recent_trend(YEARS, events, [1000] * 6, polarity="low_is_good")
    assert row["direction"] == expected.direction == "increasing"
    assert row["label"] == "Increasing and getting worse"
    assert row["statistic"] == pytest.approx(expected.statistic, abs=1e-4)
    assert row["slope_per_year"] == pytest.approx(100 * expected.slope, abs=1e-4)
    assert (row["first_year"], row["last_year"], row["points"]) == (2020, 2024, 5)
    assert set(table["dimension"]) == {"overall", "imd_quintile", "ethnic_group"}
    assert list(table.columns) == indicators.TREND_COLUMNS


def test_a_small_or_missing_year_in_the_window_means_cannot_be_calculated():
    # quintile 1: 5 events in 2022 (disclosure range) -> no trend; quintile 2 is unaffected
    q1 = [(20, 300), (20, 300), (5, 300), (20, 300), (20, 300), (20, 300)]
    table = indicators.trends_table(trend_cells(RISING, q1), {"A1": "Alpha"}, SETTINGS, RULES)
    rows = table[(table["area_code"] == "A1") & (table["dimension"] == "imd_quintile")]
    q1_row = rows[rows["group"] == "1"].iloc[0]
    assert q1_row["direction"] == "cannot be calculated"
    assert q1_row["reason"] == indicators.SUPPRESSED_POINT
    assert np.isnan(q1_row["statistic"])
    assert rows[rows["group"] == "2"].iloc[0]["direction"] == "increasing"
    # the same small count in 2019, outside the 5-year window, does not matter
    q1_early = [(5, 300), *q1[:2], (20, 300), *q1[3:]][:6]
    table = indicators.trends_table(trend_cells(RISING, q1_early), {"A1": "Alpha"}, SETTINGS, RULES)
    row = table[(table["dimension"] == "imd_quintile") & (table["group"] == "1")]
    assert row.iloc[0]["direction"] == "no significant change"
    # a year with no births in a group is a missing point too
    table = indicators.trends_table(
        trend_cells(RISING, [(20, 300)] * 4), {"A1": "Alpha"}, SETTINGS, RULES
    )
    row = table[(table["dimension"] == "imd_quintile") & (table["group"] == "1")].iloc[0]
    assert row["direction"] == "cannot be calculated"


def test_fewer_than_five_years_cannot_be_calculated():
    cells = trend_cells(RISING)
    table = indicators.trends_table(cells[cells["year"] >= 2022], {"A1": "Alpha"}, SETTINGS, RULES)
    assert set(table["direction"]) == {"cannot be calculated"}
    assert set(table["reason"]) == {"fewer than 5 points"}


# ----------------------------------------------------------------------------- funnel

FUNNEL_CELLS = [
    ("A1", 2022, "1", "White", 90, 1000),
    ("A1", 2023, "1", "White", 100, 1000),
    ("A2", 2022, "1", "White", 50, 1000),
    ("A2", 2023, "1", "White", 62, 1000),
    ("A3", 2022, "1", "White", 3, 40),
    ("A3", 2023, "1", "White", 5, 40),
]
FUNNEL_AREAS = {"A1": "Alpha", "A2": "Beta", "A3": "Gamma"}


def test_funnel_points_against_the_pooled_average():
    points = indicators.funnel_points(
        counts(make_cells(FUNNEL_CELLS), FUNNEL_AREAS, FUNNEL_DIMENSIONS), FUNNEL_AREAS
    )
    average = (90 + 100 + 50 + 62 + 3 + 5) / 4080
    areas = points[points["row_type"] == "area"].set_index("area_code")
    assert list(areas.index) == ["A1", "A2", "A3"]
    assert areas.loc["A1", ["events", "denominator"]].tolist() == [190, 2000]
    expected = stats.funnel_significance(
        pd.Series([190, 112, 8]), pd.Series([2000, 2000, 80]), "proportion", average=average
    )
    assert list(areas["significance"]) == list(expected)
    assert areas.loc["A1", "significance"] == "High (0.001)"
    assert areas.loc["A2", "significance"].startswith("Low")
    years = points[points["row_type"] == "area_year"]
    assert len(years) == 6 and years["average"].eq(average).all()


def test_published_funnel_points_and_limits():
    points = indicators.funnel_points(
        counts(make_cells(FUNNEL_CELLS), FUNNEL_AREAS, FUNNEL_DIMENSIONS), FUNNEL_AREAS
    )
    table = indicators.publish_funnel(points, RULES)
    assert list(table.columns) == indicators.FUNNEL_COLUMNS
    shown = table[table["row_type"] != "limits"]
    gamma_years = shown[(shown["area_code"] == "A3") & (shown["row_type"] == "area_year")]
    assert gamma_years["suppressed"].all()  # 3 and 5 events
    assert gamma_years["value"].isna().all() and (gamma_years["significance"] == "").all()
    a1 = shown[(shown["area_code"] == "A1") & (shown["row_type"] == "area")].iloc[0]
    assert (a1["events"], a1["denominator"], a1["value"]) == (190, 2000, 9.5)
    average = 310 / 4080
    at = stats.funnel_limits([2000.0], average, "proportion", multiplier=100).iloc[0]
    assert a1["upper_99_8"] == pytest.approx(round(at["upper_99_8"], 4))
    limits = table[table["row_type"] == "limits"]
    published = shown.loc[~shown["suppressed"], "denominator"].astype(float)
    axis = stats.funnel_axis(published, "proportion")
    np.testing.assert_allclose(limits["axis_denominator"].astype(float), axis)
    expected = stats.funnel_limits(axis, average, "proportion", multiplier=100)
    np.testing.assert_allclose(limits["lower_95"].astype(float), expected["lower_95"].round(4))
    assert limits["events"].isna().all() and limits["denominator"].isna().all()
    assert (limits["baseline"] == round(100 * average, 4)).all()


# ----------------------------------------------------------------------------- disclosure


@pytest.fixture(scope="module")
def published_fakes() -> dict[str, pd.DataFrame]:
    """Every new published table from the fake cells (three areas, small groups)."""
    cells = fake_cell_table()
    settings = {**SETTINGS, "sii": {"reps": 2000, "seed": 1}}
    rates = publish_rates(compute_rates(cells, FAKE_AREAS, settings), RULES, settings)
    hidden = hidden_groups(rates)
    return {
        "rates": rates,
        "trends": indicators.trends_table(cells, FAKE_AREAS, settings, RULES, hidden),
        "inequality": indicators.publish_inequality(
            indicators.inequality_table(rates, FAKE_AREAS, settings), RULES, hidden
        ),
        "funnel": indicators.publish_funnel(indicators.funnel_points(rates, FAKE_AREAS), RULES),
    }


COUNT_COLUMNS = {
    "rates": ["events", "denominator"],
    "trends": [],
    "inequality": [
        "events",
        "denominator",
        "excess_events",
        "excess_lower_95",
        "excess_upper_95",
        "excess_lower_99_8",
        "excess_upper_99_8",
    ],
    "funnel": ["events", "denominator"],
}


@pytest.mark.parametrize("name", list(COUNT_COLUMNS))
def test_no_published_count_is_1_to_7_and_every_count_is_a_multiple_of_5(published_fakes, name):
    table = published_fakes[name]
    assert not {"events", "denominator"} & set(table.columns) or COUNT_COLUMNS[name]
    for column in COUNT_COLUMNS[name]:
        values = pd.to_numeric(table[column], errors="coerce").dropna().astype(float)
        assert not values.empty, column
        assert not values.abs().between(1, 7).any(), column
        assert (values % 5 == 0).all(), column
    if name in ("rates", "inequality"):  # funnel suppression: test_published_funnel_points...
        hidden = table[table["suppressed"].astype(bool)]
        assert not hidden.empty, "the fake data should exercise suppression"
        for column in COUNT_COLUMNS[name]:
            if column in ("events", "denominator") and name != "inequality":
                assert hidden[column].isna().all()


def test_suppressed_rows_carry_no_statistic_or_revealing_flag(published_fakes):
    inequality = published_fakes["inequality"]
    hidden = inequality[inequality["suppressed"]]
    assert hidden["value"].isna().all() and hidden["lower_95"].isna().all()
    # a withheld row's note says only that it is withheld (never a threshold it lies under)
    assert set(hidden["note"]) <= {"", indicators.WITHHELD_QUINTILE}
    assert (hidden["reliability"] == "").all()
    rates = published_fakes["rates"]
    hidden = rates[rates["suppressed"]]
    value = "value" if "value" in rates.columns else "percent"  # rates' value column (issue 12)
    assert hidden[value].isna().all() and hidden["upper_99_8"].isna().all()
    assert (hidden["reliability"] == "").all()
    assert set(hidden["comparison"]) <= {"Not compared", ""}
    funnel = published_fakes["funnel"]
    assert (funnel.loc[funnel["suppressed"], "significance"] == "").all()


def test_rii_limits_are_blank_when_the_simulation_reaches_zero():
    cells = make_cells(
        [
            ("A1", 2022, q, "White", e, 100)
            for q, e in zip(["1", "2", "3", "4", "5"], [12, 8, 5, 2, 1], strict=True)
        ]
    )
    table = indicators.inequality_table(counts(cells, {"A1": "Alpha"}), {"A1": "Alpha"}, SETTINGS)
    rii, sii = _row(table, "A1", "rii"), _row(table, "A1", "sii")
    raw = stats.sii_rii(
        np.array([12, 8, 5, 2, 1]) / 100,
        [100] * 5,
        *stats.proportion_ci([12, 8, 5, 2, 1], [100] * 5)[["lower_95", "upper_95"]].T.to_numpy(),
        value_type="proportion",
        multiplier=-100,
        reps=5000,
        seed=11,
    )
    assert raw["rii_lower_95"] <= 0  # what the simulation gives ...
    assert np.isnan(rii["lower_95"]) and np.isnan(rii["upper_95"])  # ... is not published
    assert rii["value"] == pytest.approx(raw["rii"]) and rii["note"] == indicators.RII_LIMITS_NOTE
    assert sii["lower_95"] == pytest.approx(raw["sii_lower_95"])
    # ten times the births: the limits are positive and published as simulated
    bigger = [(a, y, q, g, 10 * e, 10 * n) for a, y, q, g, e, n in INEQUALITY_CELLS]
    healthy = indicators.inequality_table(
        counts(make_cells(bigger), {"A1": "Alpha"}), {"A1": "Alpha"}, SETTINGS
    )
    p = np.array(Q_EVENTS) / np.array(Q_BIRTHS)
    ci = stats.proportion_ci(10 * np.array(Q_EVENTS), 10 * np.array(Q_BIRTHS))
    expected = stats.sii_rii(
        p,
        10 * np.array(Q_BIRTHS),
        ci["lower_95"],
        ci["upper_95"],
        value_type="proportion",
        multiplier=-100,
        confidence=(0.95, 0.998),
        reps=5000,
        seed=11,
    )
    rii = _row(healthy, "A1", "rii")
    assert rii["lower_95"] == pytest.approx(expected["rii_lower_95"], rel=1e-12)
    assert rii["lower_95"] > 0
    assert rii["note"] == ""


def test_groups_withheld_in_the_rates_table_are_withheld_here_too(inequality):
    """A group hidden by secondary suppression in rates.csv must not reappear with its counts."""
    outcome = inequality["outcome"].iloc[0]
    hidden = {("A1", outcome, "imd_quintile", "2"), ("A1", outcome, "ethnic_group", "White")}
    published = indicators.publish_inequality(inequality, RULES, hidden)
    q2 = published[
        (published["area_code"] == "A1")
        & (published["measure"] == "rate_ratio")
        & (published["group"] == "2")
        & (published["outcome"] == outcome)
    ].iloc[0]
    assert q2["suppressed"] and q2["flag"] == "c"
    assert pd.isna(q2["events"]) and pd.isna(q2["denominator"]) and pd.isna(q2["value"])
    black = published[
        (published["area_code"] == "A1")
        & (published["measure"] == "rate_ratio")
        & (published["group"] == "Black")
        & (published["outcome"] == outcome)
    ].iloc[0]
    assert black["suppressed"] and pd.isna(black["events"])  # its reference group is hidden
    q1 = published[
        (published["area_code"] == "A1")
        & (published["measure"] == "rate_ratio")
        & (published["group"] == "1")
        & (published["outcome"] == outcome)
    ].iloc[0]
    assert not q1["suppressed"] and q1["events"] == 40
