"""Trends, inequality measures and funnels in each outcome's own unit: rates per 1,000 (exact Poisson
funnel limits, SII per 1,000 live births), rolling three-year periods, and a higher-is-better polarity.

Expected values are published ones (PHEindicatormethods' funnel fixtures), Poisson tail probabilities
from scipy.stats.poisson, or sums and regressions done here by hand, never the code's own output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson

from birthgaps.core.errors import InputError
from birthgaps.core.outcomes import declare
from birthgaps.stats import indicators
from birthgaps.stats import measures as stats
from birthgaps.stats.funnel import poisson_funnel_limits
from birthgaps.stats.indicator_outcomes import indicator_outcomes

RULES = {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5}
SETTINGS = {"confidence": [0.95, 0.998], "sii": {"reps": 5000, "seed": 11}}
AREAS = {"A1": "Alpha", "A2": "Beta", "A3": "Gamma"}

# ----------------------------------------------------------------------------- funnel limits


# PHEindicatormethods (v2.1.0) test fixture "funnel_rate_limits_crude_lt10": calculate_funnel_limits
# (statistic "rate", rate_type "crude", multiplier 100,000, years_of_data 3) at a baseline of
# 114.8591735 per 100,000; each row: the limit line's 1-year population at that count and its limit.
# (events, which line, 1-year population, limit per 100,000)
PHE_CRUDE_RATE_LIMITS = [
    (1, "upper_95", 7.347518827, 4536.678859),
    (1, "lower_95", 1616.949526, 20.61494982),
    (2, "upper_95", 70.2917202, 948.4284419),
    (2, "upper_99_8", 13.17613227, 5059.653722),
    (2, "lower_99_8", 3258.735028, 20.45783597),
    (3, "lower_95", 2544.354551, 39.30269858),
    (3, "upper_99_8", 55.29475788, 1808.489698),
]


@pytest.mark.parametrize(("events", "line", "population", "limit"), PHE_CRUDE_RATE_LIMITS)
def test_poisson_funnel_limits_match_phe_published_values(events, line, population, limit):
    at = poisson_funnel_limits([3 * population], 114.8591735 / 100_000, multiplier=100_000)
    assert at[line].iloc[0] == pytest.approx(limit, rel=2e-6)


def test_poisson_funnel_limit_per_1000_brackets_the_poisson_tail():
    # England-like infant mortality of 4 per 1,000 and an area with 5,000 live births: 20 expected.
    at = poisson_funnel_limits([5000], 4 / 1000, multiplier=1000).iloc[0]
    assert at["baseline"] == pytest.approx(4.0)
    for level, tail in (("95", 0.025), ("99_8", 0.001)):
        upper_count = at[f"upper_{level}"] * 5  # per 1,000 x 5,000 / 1,000
        lower_count = at[f"lower_{level}"] * 5
        # P(X >= k | 20) crosses the tail between the integers around the upper limit's count
        assert poisson.sf(np.floor(upper_count) - 1, 20) > tail
        assert poisson.sf(np.ceil(upper_count) - 1, 20) <= tail
        # P(X <= k | 20) crosses it around the lower limit's count
        assert poisson.cdf(np.ceil(lower_count), 20) > tail
        assert poisson.cdf(np.floor(lower_count), 20) <= tail
    # the limits are the same for 4 per 1,000 at 5,000 births as for 0.4% (the rate is the rate)
    assert 29 < at["upper_95"] * 5 < 30 and 11 < at["lower_95"] * 5 < 12.5


def test_a_small_expected_count_has_a_lower_limit_of_zero():
    at = poisson_funnel_limits([500], 4 / 1000, multiplier=1000).iloc[0]  # 2 expected deaths
    assert at["lower_95"] == 0 and at["lower_99_8"] == 0  # P(0 deaths | 2) = 13.5% > 2.5%
    assert at["upper_95"] > at["baseline"]


# ----------------------------------------------------------------------------- funnel table


def _rates_rows(outcome: str, area: str, dimension: str, group: str, events, births) -> dict:
    return {
        "area_code": area,
        "area_name": {**AREAS, "ALL": "All areas"}[area],
        "outcome": outcome,
        "dimension": dimension,
        "group": group,
        "events": events,
        "denominator": births,
    }


# Infant deaths by area and rolling three-year period (as the published rates table gives them).
INFANT_PERIODS = {
    "A1": {"2020-2022": (40, 6000), "2021-2023": (45, 6000), "2022-2024": (70, 6000)},
    "A2": {"2020-2022": (20, 6000), "2021-2023": (15, 6000), "2022-2024": (10, 6000)},
    "A3": {"2020-2022": (5, 600), "2021-2023": (10, 600), "2022-2024": (15, 900)},
}


def infant_rates() -> pd.DataFrame:
    rows = []
    for area, periods in INFANT_PERIODS.items():
        rows.append(_rates_rows("infant", area, "overall", "All", 150, 30_000))
        for period, (e, n) in periods.items():
            rows.append(_rates_rows("infant", area, "year", period, e, n))
    for period in ("2020-2022", "2021-2023", "2022-2024"):
        e = sum(INFANT_PERIODS[a][period][0] for a in AREAS)
        n = sum(INFANT_PERIODS[a][period][1] for a in AREAS)
        rows.append(_rates_rows("infant", "ALL", "year", period, e, n))
    rows.append(_rates_rows("infant", "ALL", "overall", "All", 450, 90_000))
    frame = pd.DataFrame(rows)
    for column in ("area_code", "area_name", "outcome", "dimension", "group"):
        frame[column] = frame[column].astype("string")
    return frame


def test_a_rolling_rate_funnel_uses_the_latest_three_year_period_per_1000():
    points = indicators.funnel_points(infant_rates(), AREAS)
    areas = points[points["row_type"] == "area"].set_index("area_code")
    assert list(areas["period"]) == ["2022-2024"] * 3
    assert list(areas["year"]) == [2024] * 3
    assert areas.loc["A1", ["events", "denominator"]].tolist() == [70, 6000]
    assert areas.loc["A1", "value"] == pytest.approx(70 / 6)  # 70 / 6,000 x 1,000
    assert set(areas["unit"]) == {"per 1,000"}
    # the target is the study areas' rate in the same period: 95 deaths / 12,900 births
    average = 95 / 12_900
    assert areas["average"].iloc[0] == pytest.approx(average)
    expected = stats.funnel_significance(
        pd.Series([70, 10, 15]), pd.Series([6000, 6000, 900]), "rate", average=average
    )
    assert list(areas["significance"]) == list(expected)
    assert areas.loc["A1", "significance"] == "High (0.001)"
    years = points[points["row_type"] == "area_year"]
    assert len(years) == 9 and set(years["period"]) == set(INFANT_PERIODS["A1"])

    table = indicators.publish_funnel(points, RULES)
    assert list(table.columns) == indicators.FUNNEL_COLUMNS
    a1 = table[(table["row_type"] == "area") & (table["area_code"] == "A1")].iloc[0]
    at = poisson_funnel_limits([6000.0], average, multiplier=1000).iloc[0]
    for column in ("lower_95", "upper_95", "lower_99_8", "upper_99_8"):
        assert a1[column] == pytest.approx(round(at[column], 4))
    assert a1["upper_99_8"] < a1["value"]  # 11.7 per 1,000 lies above the 99.8% line
    limits = table[table["row_type"] == "limits"]
    assert (limits["baseline"] == round(1000 * average, 4)).all()
    assert set(limits["unit"]) == {"per 1,000"}
    at_axis = poisson_funnel_limits(limits["axis_denominator"].astype(float), average, 1000)
    np.testing.assert_allclose(limits["upper_95"].astype(float), at_axis["upper_95"], atol=1e-4)


def test_a_pooled_outcome_without_a_full_period_is_plotted_on_the_whole_period():
    rates = infant_rates()
    two_years = rates[rates["dimension"] == "overall"]  # a two-year release: no three-year period
    points = indicators.funnel_points(two_years, AREAS)
    assert list(points["row_type"]) == ["area"] * 3
    assert points["period"].isna().all() and points["year"].isna().all()
    assert points["value"].tolist() == pytest.approx([5.0] * 3)  # 150 / 30,000 x 1,000


def test_a_comparator_target_for_a_rate_is_a_rate_per_person():
    targets = {"infant": (3.9 / 1000, "England (2022-2024)")}
    points = indicators.funnel_points(infant_rates(), AREAS, targets)
    table = indicators.publish_funnel(points, RULES)
    assert (table["baseline"] == 3.9).all()
    assert set(table["baseline_label"]) == {"England (2022-2024)"}


def test_an_outcome_without_a_declaration_stops():
    rates = infant_rates().assign(outcome=pd.array(["home_made"] * 16, dtype="string"))
    with pytest.raises(InputError, match="home_made"):
        indicators.funnel_points(rates, AREAS)


# ----------------------------------------------------------------------------- trends


def trend_cells(outcome: str, series: list[tuple[int, int, int]]) -> pd.DataFrame:
    """Cells of one area, quintile and ethnic group: (year, events, denominator) per year."""
    frame = pd.DataFrame(series, columns=["year", "events", "denominator"])
    frame["area_code"] = "A1"
    frame["imd_quintile"] = "1"
    frame["ethnic_group"] = "White"
    frame["age_band"] = "25-29"
    frame["outcome"] = outcome
    for column in ("area_code", "imd_quintile", "ethnic_group", "age_band", "outcome"):
        frame[column] = frame[column].astype("string")
    return frame


# Infant deaths and live births 2016-2024 (deaths rising): rolling sums by hand below.
INFANT_YEARS = [
    (2016, 20, 5000),
    (2017, 22, 5000),
    (2018, 21, 5000),
    (2019, 25, 5000),
    (2020, 30, 5000),
    (2021, 33, 5000),
    (2022, 38, 5000),
    (2023, 40, 5000),
    (2024, 47, 5000),
]


def test_a_rolling_three_year_trend_per_1000():
    cells = trend_cells("infant", INFANT_YEARS)
    counts = indicators.trend_counts(cells, {"A1": "Alpha"}, RULES)
    overall = counts[(counts["area_code"] == "A1") & (counts["dimension"] == "overall")]
    assert list(overall["period"]) == [f"{y - 2}-{y}" for y in range(2018, 2025)]
    # 2022-2024: 38 + 40 + 47 = 125 deaths of 15,000 births (rounded to 5: 125, 15,000)
    last = overall[overall["period"] == "2022-2024"].iloc[0]
    assert (last["events_unrounded"], last["denominator_unrounded"]) == (125, 15_000)

    table = indicators.trends_table(cells, {"A1": "Alpha"}, SETTINGS, RULES)
    row = table[(table["area_code"] == "A1") & (table["dimension"] == "overall")].iloc[0]
    # the last five periods, 2018-2020 .. 2022-2024, from the rounded rolling sums
    ends = [2020, 2021, 2022, 2023, 2024]
    deaths = [sum(e for y, e, _ in INFANT_YEARS if end - 2 <= y <= end) for end in ends]
    deaths = [5 * round(d / 5) for d in deaths]
    expected = stats.recent_trend(ends, deaths, [15_000] * 5, polarity="low_is_good")
    assert row["direction"] == expected.direction == "increasing"
    assert row["label"] == "Increasing and getting worse"
    assert row["slope_per_year"] == pytest.approx(1000 * expected.slope, abs=1e-4)
    assert row["unit"] == "per 1,000"
    assert (row["first_period"], row["last_period"], row["points"]) == (
        "2018-2020",
        "2022-2024",
        5,
    )
    assert (row["first_year"], row["last_year"]) == (2020, 2024)
    assert "overlapping three-year periods" in row["method"]
    assert list(table.columns) == indicators.TREND_COLUMNS


def test_six_years_give_four_periods_too_few_for_a_trend():
    cells = trend_cells("infant", INFANT_YEARS[3:])
    table = indicators.trends_table(cells, {"A1": "Alpha"}, SETTINGS, RULES)
    assert set(table["direction"]) == {"cannot be calculated"}
    assert set(table["reason"]) == {"fewer than 5 points"}


def test_a_missing_release_year_breaks_the_three_year_periods():
    cells = trend_cells("infant", [r for r in INFANT_YEARS if r[0] != 2019])
    counts = indicators.trend_counts(cells, {"A1": "Alpha"}, RULES)
    periods = set(counts.loc[counts["dimension"] == "overall", "period"])
    # 2017-2019, 2018-2020 and 2019-2021 would span the missing year
    assert periods == {"2016-2018", "2020-2022", "2021-2023", "2022-2024"}


def test_a_percentage_trend_keeps_percentage_points():
    cells = trend_cells(
        "preterm", [(y, 50 + 10 * i, 1000) for i, y in enumerate(range(2020, 2025))]
    )
    row = indicators.trends_table(cells, {"A1": "Alpha"}, SETTINGS, RULES).iloc[0]
    expected = stats.recent_trend(
        range(2020, 2025), [50, 60, 70, 80, 90], [1000] * 5, polarity="low_is_good"
    )
    assert row["unit"] == "%" and row["first_period"] == "2020"
    assert row["slope_per_year"] == pytest.approx(100 * expected.slope, abs=1e-4)
    assert row["slope_per_year"] == pytest.approx(1.0, abs=1e-9)  # one point a year, by hand


def test_a_higher_is_better_outcome_reverses_the_trend_wording():
    good = declare(
        "normal_weight",
        {
            "label": "Healthy birth weight",
            "group": "birth_outcomes",
            "definition": "live births of {lbw_grams} g or more",
            "numerator": "birth_weight_g >= lbw_grams",
            "requires": ["birth_weight_g"],
            "denominator": "live_births",
            "measure": "percent",
            "polarity": "higher_is_better",
        },
        {"lbw_grams": 2500},
    )
    series = [(y, 800 + 20 * i, 1000) for i, y in enumerate(range(2020, 2025))]
    cells = trend_cells("normal_weight", series)
    outcomes = {"normal_weight": good}
    row = indicators.trends_table(cells, {"A1": "Alpha"}, SETTINGS, RULES, outcomes=outcomes)
    row = row[row["dimension"] == "overall"].iloc[0]
    assert row["direction"] == "increasing"
    assert row["label"] == "Increasing and getting better"
    # the same numbers declared lower-is-better read as getting worse
    params = [{**good.as_params(), "polarity": "lower_is_better"}]
    row = indicators.trends_table(cells, {"A1": "Alpha"}, SETTINGS, RULES, outcomes=params)
    assert row[row["dimension"] == "overall"].iloc[0]["label"] == "Increasing and getting worse"
    assert indicator_outcomes(["normal_weight"], outcomes)["normal_weight"].fingertips_polarity == (
        "high_is_good"
    )


# ----------------------------------------------------------------------------- inequality

# Infant deaths and live births by IMD quintile (1 = most deprived), one area, whole period.
Q_DEATHS = [60, 45, 35, 28, 20]
Q_BIRTHS = [10_000, 9_000, 8_500, 8_000, 7_500]


def infant_quintiles() -> pd.DataFrame:
    rows = [
        _rates_rows("infant", "A1", "imd_quintile", str(q), e, n)
        for q, e, n in zip(range(1, 6), Q_DEATHS, Q_BIRTHS, strict=True)
    ]
    rows += [
        _rates_rows("infant", "A1", "ethnic_group", "White", 100, 30_000),
        _rates_rows("infant", "A1", "ethnic_group", "Black", 40, 6_000),
    ]
    frame = pd.DataFrame(rows)
    for column in ("area_code", "area_name", "outcome", "dimension", "group"):
        frame[column] = frame[column].astype("string")
    return frame


def _measure(table: pd.DataFrame, measure: str, group: str = "All") -> pd.Series:
    hit = table[(table["measure"] == measure) & (table["group"] == group)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_the_sii_of_a_rate_is_in_deaths_per_1000_live_births():
    table = indicators.inequality_table(infant_quintiles(), {"A1": "Alpha"}, SETTINGS)
    sii = _measure(table, "sii")
    assert sii["unit"] == "per 1,000 live births"
    # by hand: weighted least squares of the rate per 1,000 on the midpoint rank (most deprived
    # first), weights the quintiles' shares of births; SII = most minus least deprived end
    births = np.array(Q_BIRTHS, dtype=float)
    share = births / births.sum()
    rank = np.cumsum(share) - share / 2
    rate = 1000 * np.array(Q_DEATHS) / births
    slope, intercept = np.polyfit(rank, rate, 1, w=np.sqrt(share))
    assert sii["value"] == pytest.approx(-slope, rel=1e-9)
    assert sii["intercept"] == pytest.approx(intercept, rel=1e-9)
    assert 3.5 < sii["value"] < 4.5  # about 4 more deaths per 1,000 at the most deprived end
    assert sii["lower_95"] < sii["value"] < sii["upper_95"]
    rii = _measure(table, "rii")
    assert rii["value"] == pytest.approx(intercept / (intercept + slope), rel=1e-9)


def test_rate_ratios_and_paf_of_a_rate_use_poisson_counts():
    table = indicators.inequality_table(infant_quintiles(), {"A1": "Alpha"}, SETTINGS)
    ratio = _measure(table, "rate_ratio", "1")
    assert ratio["value"] == pytest.approx((60 / 10_000) / (20 / 7_500))
    se = np.sqrt(1 / 60 + 1 / 20)  # Poisson: 1/a + 1/b (a risk ratio would subtract 1/n's)
    assert ratio["lower_95"] == pytest.approx(ratio["value"] * np.exp(-1.959963985 * se))
    black = _measure(table, "rate_ratio", "Black")
    assert black["value"] == pytest.approx((40 / 6000) / (100 / 30_000))
    paf = _measure(table, "paf")
    total_deaths, total_births = sum(Q_DEATHS), sum(Q_BIRTHS)
    expected = 1 - (20 / 7_500) / (total_deaths / total_births)
    assert paf["value"] == pytest.approx(100 * expected)
    assert paf["unit"] == "percent"
    assert paf["excess_events"] == pytest.approx(total_deaths - 20 / 7_500 * total_births)


def test_a_percentage_sii_stays_in_percentage_points():
    preterm = infant_quintiles().assign(outcome=pd.array(["preterm"] * 7, dtype="string"))
    table = indicators.inequality_table(preterm, {"A1": "Alpha"}, SETTINGS)
    sii = _measure(table, "sii")
    assert sii["unit"] == "percentage points"
    births = np.array(Q_BIRTHS, dtype=float)
    share = births / births.sum()
    rank = np.cumsum(share) - share / 2
    slope, _ = np.polyfit(rank, 100 * np.array(Q_DEATHS) / births, 1, w=np.sqrt(share))
    assert sii["value"] == pytest.approx(-slope, rel=1e-9)


def test_each_outcome_of_one_table_keeps_its_own_unit_and_periods():
    cells = pd.concat(
        [trend_cells("infant", INFANT_YEARS), trend_cells("preterm", INFANT_YEARS)],
        ignore_index=True,
    )
    table = indicators.trends_table(cells, {"A1": "Alpha"}, SETTINGS, RULES)
    overall = table[(table["area_code"] == "A1") & (table["dimension"] == "overall")]
    overall = overall.set_index("outcome")
    assert overall.loc["infant", ["unit", "last_period"]].tolist() == ["per 1,000", "2022-2024"]
    assert overall.loc["preterm", ["unit", "last_period"]].tolist() == ["%", "2024"]
    # the same counts as a yearly percentage: 2020-2024, rounded to 5 (33 -> 35, 38 -> 40, 47 -> 45)
    yearly = stats.recent_trend(range(2020, 2025), [30, 35, 40, 40, 45], [5000] * 5)
    assert overall.loc["preterm", "slope_per_year"] == pytest.approx(100 * yearly.slope, abs=1e-4)


def test_an_outcomes_own_small_number_rules_apply_to_its_ratios_and_trend_points():
    from birthgaps.core.outcomes import builtin_declarations
    from birthgaps.core.settings import schema_defaults

    strict = declare(
        "infant",
        builtin_declarations()["infant"],
        schema_defaults("definitions"),
        {"min_events": 21, "unreliable_below": 40},
    )
    outcomes = {"infant": strict}
    table = indicators.inequality_table(infant_quintiles(), {"A1": "Alpha"}, SETTINGS, outcomes)
    # quintile 4 has 28 deaths against quintile 5's 20: fewer than 21 in the pair -> no ratio
    q4 = _measure(table, "rate_ratio", "4")
    assert np.isnan(q4["value"]) and q4["reliability"] == "x"
    assert q4["note"] == "fewer than 21 events: not calculated"
    # with the default rules (3) the same ratio is given
    default = indicators.inequality_table(infant_quintiles(), {"A1": "Alpha"}, SETTINGS)
    assert _measure(default, "rate_ratio", "4")["value"] == pytest.approx((28 / 8000) / (20 / 7500))
    # a trend point (a three-year period) with fewer than 21 rounded deaths is missing
    cells = trend_cells("infant", INFANT_YEARS[:7])  # 2016-2022: periods of 63 to 101 deaths
    assert indicators.trends_table(cells, {"A1": "Alpha"}, SETTINGS, RULES, outcomes=outcomes)[
        "direction"
    ].iloc[0] in {"increasing", "no significant change"}
    few = trend_cells("infant", [(y, 5, 5000) for y in range(2016, 2025)])  # 15 per period
    row = indicators.trends_table(few, {"A1": "Alpha"}, SETTINGS, RULES, outcomes=outcomes).iloc[0]
    assert row["direction"] == "cannot be calculated"
    assert row["reason"] == (
        "a 3-year count is suppressed (1 to 7) or below the small-number threshold"
    )
