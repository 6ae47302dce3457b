"""Unit tests of birthgaps.stats.measures: behaviour, edge cases and cross-checks against independent code.

These need no shared data; test_stats_reference.py and test_ons_figures.py check the reference values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.stats import poisson
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from statsmodels.stats.rates import confint_poisson_2indep

from birthgaps.core.errors import InputError
from birthgaps.stats import inequality
from birthgaps.stats import measures as stats

# ---------------------------------------------------------------------------------------------
# proportions
# ---------------------------------------------------------------------------------------------


def test_proportion_ci_columns_index_and_multiplier():
    x = pd.Series([5, 50, 0], index=["a", "b", "c"])
    n = pd.Series([100, 1000, 40], index=["a", "b", "c"])
    out = stats.proportion_ci(x, n, confidence=(0.95, 0.998), multiplier=100)
    assert list(out.columns) == ["value", "lower_95", "upper_95", "lower_99_8", "upper_99_8"]
    assert list(out.index) == ["a", "b", "c"]
    assert out.loc["a", "value"] == pytest.approx(5.0)
    assert out.loc["c", "lower_95"] == 0.0 and out.loc["c", "upper_95"] > 0
    assert (out["lower_99_8"] <= out["lower_95"]).all() and (
        out["upper_99_8"] >= out["upper_95"]
    ).all()


def test_proportion_ci_equals_statsmodels_wilson():
    rng = np.random.default_rng(1)
    n = rng.integers(1, 5000, 200)
    x = rng.binomial(n, 0.07)
    for level in (0.95, 0.998):
        lo, hi = proportion_confint(x, n, alpha=1 - level, method="wilson")
        out = stats.proportion_ci(x, n, level)
        suffix = stats.level_suffix(level)
        np.testing.assert_allclose(out[f"lower_{suffix}"], lo, rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(out[f"upper_{suffix}"], hi, rtol=1e-10)


def test_proportion_ci_scalar_missing_and_zero_denominator():
    out = stats.proportion_ci(169, 3905)
    assert len(out) == 1 and out.loc[0, "value"] == pytest.approx(169 / 3905)
    out = stats.proportion_ci([np.nan, 3, 0], [10, np.nan, 0])
    assert out.isna().all().all()


def test_proportion_ci_bad_counts_raise_input_error():
    with pytest.raises(InputError, match="larger than its denominator") as error:
        stats.proportion_ci([5, 11, 12], [10, 10, 10])
    assert error.value.rows == 2 and error.value.column == "numerator"
    with pytest.raises(InputError, match="negative"):
        stats.proportion_ci([-1], [10])
    with pytest.raises(ValueError, match="confidence"):
        stats.proportion_ci([1], [10], confidence=95)


def test_wilson_ci_wrapper_keeps_its_contract():
    lower, upper = stats.wilson_ci(pd.Series([5, 0]), pd.Series([100, 0]))
    assert isinstance(lower, np.ndarray) and lower.shape == (2,)
    lo, hi = proportion_confint(5, 100, method="wilson")
    assert (lower[0], upper[0]) == pytest.approx((lo, hi))
    assert np.isnan(lower[1]) and np.isnan(upper[1])


def test_level_suffix():
    assert [stats.level_suffix(c) for c in (0.95, 0.998, 0.99, 0.9)] == ["95", "99_8", "99", "90"]
    assert abs(stats.CHI2_998 - 9.5495) < 1e-4


# ---------------------------------------------------------------------------------------------
# rates
# ---------------------------------------------------------------------------------------------


def test_rate_ci_exact_below_ten_byars_from_ten():
    out = stats.rate_ci([0, 3, 9, 10, 250], [1000, 1000, 1000, 1000, 1000], multiplier=1000)
    assert list(out["method"]) == ["Exact", "Exact", "Exact", "Byars", "Byars"]
    assert out.loc[0, "lower_95"] == 0 and out.loc[0, "upper_95"] == pytest.approx(-np.log(0.025))
    # the exact limits are the Poisson means whose tails reach the count with probability 2.5%
    for x in (3, 9):
        lower, upper = out.loc[[3, 9].index(x) + 1, ["lower_95", "upper_95"]]
        assert poisson.sf(x - 1, lower) == pytest.approx(0.025, rel=1e-9)
        assert poisson.cdf(x, upper) == pytest.approx(0.025, rel=1e-9)


def test_rate_ci_allows_numerator_above_denominator_and_per_1000():
    out = stats.rate_ci(pd.Series([33, 250]), pd.Series([4376, 220]), multiplier=1000)
    assert out.loc[0, "value"] == pytest.approx(7.5411, abs=1e-4)
    assert out.loc[1, "value"] == pytest.approx(1136.36, abs=0.01)


def test_poisson_count_ci_byars_negative_lower_is_nan_and_methods():
    lower, upper = stats.poisson_count_ci([1], 0.998, method="byars")
    assert np.isnan(lower[0]) and upper[0] > 1
    with pytest.raises(ValueError):
        stats.poisson_count_ci([1], method="normal")


@pytest.mark.parametrize("kind", ["rate", "risk"])
def test_rate_ratio_equals_statsmodels_log_intervals(kind):
    a, n1, b, n0 = 471, 76729, 93, 41895
    out = stats.rate_ratio(a, n1, b, n0, kind=kind)
    if kind == "rate":
        lo, hi = confint_poisson_2indep(a, n1, b, n0, method="wald-log", compare="ratio")
    else:
        lo, hi = confint_proportions_2indep(a, n1, b, n0, method="log", compare="ratio")
    assert out.loc[0, "ratio"] == pytest.approx((a / n1) / (b / n0))
    assert (out.loc[0, "lower_95"], out.loc[0, "upper_95"]) == pytest.approx((lo, hi), rel=1e-12)
    assert out.loc[0, "p_value"] < 1e-10


def test_rate_ratio_zero_events_is_not_estimable():
    out = stats.rate_ratio(pd.Series([0, 5]), pd.Series([100, 100]), 4, 100)
    assert np.isnan(out.loc[0, "ratio"]) and out.loc[0, "note"].startswith("zero events")
    assert out.loc[1, "ratio"] == pytest.approx(1.25) and out.loc[1, "note"] == ""


# ---------------------------------------------------------------------------------------------
# comparison with a benchmark
# ---------------------------------------------------------------------------------------------


def test_compare_with_benchmark_method_one():
    value = [5.0, 5.0, 5.0, 5.0, np.nan]
    lower = [4.0, 4.0, 5.5, 3.0, 1.0]
    upper = [6.0, 6.0, 6.0, 4.5, 2.0]
    bench = [
        6.0,
        4.0,
        5.0,
        5.0,
        1.5,
    ]  # on the upper limit, on the lower limit, below, above, missing
    plain = stats.compare_with_benchmark(value, lower, upper, bench)
    assert list(plain) == ["Similar", "Similar", "Higher", "Lower", "Not compared"]
    low_good = stats.compare_with_benchmark(value, lower, upper, bench, "low_is_good")
    assert list(low_good) == ["Similar", "Similar", "Worse", "Better", "Not compared"]
    high_good = stats.compare_with_benchmark(value, lower, upper, bench, "high_is_good")
    assert list(high_good[2:4]) == ["Better", "Worse"]
    with pytest.raises(ValueError):
        stats.compare_with_benchmark(value, lower, upper, bench, "better")


def test_compare_with_benchmark_two_levels():
    labels = stats.compare_with_benchmark(
        [8.0, 8.0, 5.0, 2.0],
        [7.0, 6.0, 4.0, 1.0],
        [9.0, 10.0, 6.0, 3.0],
        5.0,
        polarity="low_is_good",
        lower_998=[6.0, 4.0, 3.0, 0.5],
        upper_998=[10.0, 12.0, 7.0, 4.0],
    )
    assert list(labels) == ["Worse (99.8%)", "Worse (95%)", "Similar", "Better (99.8%)"]
    with pytest.raises(ValueError):
        stats.compare_with_benchmark([1], [0], [2], 1, lower_998=[0])


# ---------------------------------------------------------------------------------------------
# recent trend
# ---------------------------------------------------------------------------------------------


def test_chi2_trend_statistic_equals_r_prop_trend_test():
    """R's documented example: prop.trend.test(c(83, 90, 129, 70), c(86, 93, 136, 82)) = 8.2249."""
    result = stats.recent_trend([1, 2, 3, 4], [83, 90, 129, 70], [86, 93, 136, 82], points=4)
    assert result.chi2_statistic == pytest.approx(8.2249, abs=1e-4)
    assert result.direction == "no significant change"  # below 9.5495


def test_recent_trend_significant_increase_uses_last_five_points():
    years = [2015, 2016, 2017, 2018, 2019, 2020, 2021]
    counts = [900, 50, 100, 120, 140, 160, 180]  # the first two years are ignored
    result = stats.recent_trend(years, counts, [2000] * 7, polarity="low_is_good")
    assert (result.first_year, result.last_year, result.points) == (2017, 2021, 5)
    assert result.direction == "increasing" and result.sign_stable
    assert result.label == "Increasing and getting worse"
    assert result.statistic > stats.CHI2_998 and result.slope == pytest.approx(0.01)
    falling = stats.recent_trend(years[2:], counts[:1:-1], [2000] * 5, polarity="low_is_good")
    assert falling.label == "Decreasing and getting better"


def test_recent_trend_not_significant_when_one_point_drives_it():
    # a big jump in the last year only: chi2 is large but without that point the slope is negative
    result = stats.recent_trend(
        [2018, 2019, 2020, 2021, 2022], [1200, 1100, 1000, 1000, 2000], [10000] * 5
    )
    assert result.chi2_statistic > stats.CHI2_998 and result.slope > 0
    assert not result.sign_stable
    assert result.direction == "no significant change"


@pytest.mark.parametrize(
    "years, counts, denominators, reason",
    [
        ([2020, 2021, 2022, 2023], [1, 2, 3, 4], [10] * 4, "fewer than 5 points"),
        (
            [2018, 2019, 2020, 2021, 2022],
            [1, 2, 10, 4, 5],
            [10] * 5,
            "a count equals its denominator",
        ),
        ([2016, 2018, 2019, 2020, 2021], [1, 2, 3, 4, 5], [10] * 5, "a break in the yearly series"),
        (
            [2018, 2019, 2020, 2021, 2022],
            [1, np.nan, 3, 4, 5],
            [10] * 5,
            "a missing count or denominator",
        ),
    ],
)
def test_recent_trend_cannot_be_calculated(years, counts, denominators, reason):
    result = stats.recent_trend(years, counts, denominators)
    assert result.direction == "cannot be calculated" and result.label == "Cannot be calculated"
    assert result.reason == reason and np.isnan(result.statistic)


def test_recent_trend_duplicate_year_raises():
    with pytest.raises(InputError, match="more than once"):
        stats.recent_trend([2020, 2020, 2021, 2022, 2023], [1] * 5, [10] * 5)


def test_weighted_slope_test_equals_statsmodels_wls():
    years = np.array([2018, 2019, 2020, 2021, 2022], dtype=float)
    values = np.array([7.9, 7.4, 7.6, 6.9, 6.5])
    se = np.array([0.30, 0.25, 0.35, 0.20, 0.22])
    result = stats.recent_trend(years, values=values, se=se, polarity="low_is_good")
    fit = sm.WLS(values, sm.add_constant(years), weights=1 / se**2).fit(cov_type="fixed scale")
    assert result.method == "weighted slope"
    assert result.wls_slope == pytest.approx(fit.params[1], rel=1e-10)
    assert result.wls_statistic == pytest.approx((fit.params[1] / fit.bse[1]) ** 2, rel=1e-10)
    assert np.isnan(result.chi2_statistic)
    assert result.label == "Decreasing and getting better"
    # SEs derived from 95% limits give the same answer
    z = 1.959963984540054
    from_ci = stats.recent_trend(years, values=values, lower=values - z * se, upper=values + z * se)
    assert from_ci.wls_statistic == pytest.approx(result.wls_statistic, rel=1e-12)


def test_recent_trend_table_one_row_per_group():
    frame = pd.DataFrame(
        {
            "area_code": ["A"] * 5 + ["B"] * 3,
            "year": [2018, 2019, 2020, 2021, 2022, 2020, 2021, 2022],
            "events": [100, 120, 140, 160, 180, 5, 6, 7],
            "denominator": [2000] * 5 + [100] * 3,
        }
    )
    table = stats.recent_trend_table(frame, by=["area_code"])
    assert list(table["area_code"]) == ["A", "B"]
    assert list(table["direction"]) == ["increasing", "cannot be calculated"]


# ---------------------------------------------------------------------------------------------
# funnels
# ---------------------------------------------------------------------------------------------


def test_proportion_funnel_limit_is_where_wilson_interval_reaches_the_average():
    average = 0.08
    n = np.array([50.0, 400.0, 3000.0, 20000.0])
    limits = stats.funnel_limits(n, average, "proportion", multiplier=1)
    for level, suffix in ((0.95, "95"), (0.998, "99_8")):
        upper = limits[f"upper_{suffix}"].to_numpy()
        lower = limits[f"lower_{suffix}"].to_numpy()
        wilson = stats.proportion_ci(upper * n, n, level)
        np.testing.assert_allclose(wilson[f"lower_{suffix}"], average, rtol=1e-10)
        keep = lower > 0
        wilson = stats.proportion_ci(lower[keep] * n[keep], n[keep], level)
        np.testing.assert_allclose(wilson[f"upper_{suffix}"], average, rtol=1e-10)


def test_rate_funnel_limit_is_where_exact_interval_reaches_the_average():
    average = 0.004
    events = np.array([1.0, 4.0, 12.0, 60.0])
    limits = stats.funnel_limits(events, average, "rate", multiplier=1000)
    lower_exact, upper_exact = stats.poisson_count_ci(events, 0.95, method="exact")
    # at the lower limit the count's exact upper limit equals the expected count, and vice versa
    np.testing.assert_allclose(upper_exact / limits["lower_95_denominator"], average, rtol=1e-10)
    np.testing.assert_allclose(lower_exact / limits["upper_95_denominator"], average, rtol=1e-10)
    assert (limits["lower_99_8"] < limits["lower_95"]).all()
    assert (limits["baseline"] == 4.0).all()


def test_funnel_significance_labels():
    n = np.array([1000, 1000, 1000, 1000, 1000, 1000])
    x = np.array([100, 125, 150, 75, 50, 102])  # 95% limits 8.1-11.9%, 99.8% limits 7.1-12.9%
    labels = stats.funnel_significance(x, n, average=0.1)
    assert list(labels) == [
        "Not significant",
        "High (0.025)",
        "High (0.001)",
        "Low (0.025)",
        "Low (0.001)",
        "Not significant",
    ]
    rates = stats.funnel_significance([10, 30, 2], [10000, 10000, 10000], "rate", average=0.001)
    assert list(rates) == ["Not significant", "High (0.001)", "Low (0.025)"]
    with pytest.raises(InputError):
        stats.funnel_significance([1], [0])


def test_funnel_axis_is_geometric_and_starts_at_zero_for_a_wide_range():
    axis = stats.funnel_axis([120, 5000, 31000])
    assert len(axis) == 100 and axis[0] == 1
    assert (np.diff(axis) >= 1).all() and axis[-1] == 33000


# ---------------------------------------------------------------------------------------------
# small numbers
# ---------------------------------------------------------------------------------------------


def test_apply_small_number_rules_ons_defaults_and_configurable():
    table = pd.DataFrame(
        {
            "events": [0, 2, 3, 19, 20, 150],
            "value": [0.0, 1.0, 1.5, 9.0, 10.0, 70.0],
            "lower_95": [0.0, 0.1, 0.3, 5.0, 6.0, 60.0],
            "upper_95": [3.0, 4.0, 4.5, 14.0, 15.0, 80.0],
            "area": list("abcdef"),
        }
    )
    out = stats.apply_small_number_rules(table)
    assert list(out["reliability"]) == ["x", "x", "u", "u", "", ""]
    assert out.loc[:1, ["value", "lower_95", "upper_95"]].isna().all().all()
    assert out.loc[2:, "value"].notna().all()
    assert table["value"].notna().all()  # the input is not changed
    custom = stats.apply_small_number_rules(
        table, min_events=5, unreliable_below=100, value_cols=["value"]
    )
    assert list(custom["reliability"]) == ["x", "x", "x", "u", "u", ""]
    assert custom["lower_95"].notna().all()
    with pytest.raises(InputError):
        stats.apply_small_number_rules(table, events_col="deaths")


# ---------------------------------------------------------------------------------------------
# SII / RII
# ---------------------------------------------------------------------------------------------


def test_sii_of_exactly_linear_values_is_the_slope():
    pops = np.array([100.0, 300.0, 200.0, 250.0, 150.0])
    share = pops / pops.sum()
    ranks = np.cumsum(share) - share / 2
    values = 10 - 4 * ranks
    result = stats.sii_rii(values, pops, se=np.full(5, 0.01), reps=2000)
    assert result["sii"] == pytest.approx(-4.0) and result["intercept"] == pytest.approx(10.0)
    assert result["rii"] == pytest.approx(0.6)
    assert result["sii_lower_95"] < -4.0 < result["sii_upper_95"]


def test_sii_point_estimates_equal_statsmodels_wls_on_midpoint_ranks():
    pops = np.array([7291.0, 7997, 6105, 7666, 5790])
    values = np.array([75.9, 78.3, 83.8, 83.6, 80.5])
    share = pops / pops.sum()
    ranks = np.cumsum(share) - share / 2
    fit = sm.WLS(values, sm.add_constant(ranks), weights=share).fit()
    result = stats.sii_rii(values, pops, se=np.ones(5), reps=1000)
    assert result["sii"] == pytest.approx(fit.params[1], rel=1e-12)
    assert result["intercept"] == pytest.approx(fit.params[0], rel=1e-12)


def test_sii_simulation_is_reproducible_and_seeded():
    args = ([6.1, 5.1, 4.5, 3.5, 3.4], [76729, 69743, 66227, 61181, 57286])
    kwargs = {
        "lower": [5.6, 4.6, 4.0, 3.0, 2.9],
        "upper": [6.7, 5.7, 5.0, 4.0, 3.9],
        "value_type": "rate",
    }
    first = stats.sii_rii(*args, **kwargs, reps=5000, seed=7)
    again = stats.sii_rii(*args, **kwargs, reps=5000, seed=7)
    other = stats.sii_rii(*args, **kwargs, reps=5000, seed=8)
    assert first == again
    assert first["sii_lower_95"] != other["sii_lower_95"]
    assert first["sii"] == other["sii"]
    flipped = stats.sii_rii(*args, **kwargs, reps=5000, seed=7, multiplier=-1)
    assert flipped["sii"] == pytest.approx(-first["sii"])
    # the same draws, negated: the order statistics swap ends (one position apart, as in PHE)
    assert flipped["sii_lower_95"] == pytest.approx(-first["sii_upper_95"], rel=0.01)
    assert flipped["rii"] == pytest.approx(1 / first["rii"])
    assert flipped["rii_upper_95"] == pytest.approx(1 / first["rii_lower_95"], rel=0.01)


def test_sii_transform_regresses_on_log_scale():
    pops = np.ones(5)
    values = np.exp(np.log(8) - np.log(2) * (np.arange(5) + 0.5) / 5)  # halves from rank 0 to 1
    result = stats.sii_rii(values, pops, se=np.full(5, 0.01), transform="log", reps=1000)
    assert result["rii"] == pytest.approx(0.5) and result["intercept"] == pytest.approx(8.0)
    assert result["sii"] == pytest.approx(-4.0)


def test_sii_input_checks():
    with pytest.raises(InputError, match="between 5 and 100"):
        stats.sii_rii([1, 2, 3], [1, 1, 1], se=[1, 1, 1])
    with pytest.raises(InputError, match="positive"):
        stats.sii_rii([1, 2, 3, 4, 5], [1, 0, 1, 1, 1], se=[1] * 5)
    with pytest.raises(InputError, match="between 0 and 1"):
        stats.sii_rii([5, 6, 7, 8, 9], [1] * 5, se=[1] * 5, value_type="proportion")
    with pytest.raises(ValueError, match="goes with"):
        stats.sii_rii(
            [1, 2, 3, 4, 5], [1] * 5, se=[1] * 5, value_type="proportion", transform="log"
        )
    with pytest.raises(ValueError, match="standard errors"):
        stats.sii_rii([1, 2, 3, 4, 5], [1] * 5)


def test_sii_rii_table_notes_incomplete_groups():
    rows = []
    for area, quintiles in (("A", range(1, 6)), ("B", range(1, 5))):
        for q in quintiles:
            rows.append({"area": area, "q": q, "pop": 1000, "rate": 10 - q, "se": 0.5})
    table = stats.sii_rii_table(
        pd.DataFrame(rows), ["area"], "q", "pop", "rate", se="se", reps=1000
    )
    assert list(table["area"]) == ["A", "B"]
    assert table.loc[0, "note"] == "" and table.loc[0, "sii"] == pytest.approx(-5.0)
    assert "quantile" in table.loc[1, "note"] and np.isnan(table.loc[1, "sii"])


# ---------------------------------------------------------------------------------------------
# attributable fraction
# ---------------------------------------------------------------------------------------------


def test_attributable_fraction_by_hand():
    events = [60, 40, 20]
    births = [1000, 1000, 1000]
    table = stats.attributable_fraction(events, births, ["1", "2", "5"], reference_group="5")
    total = table.iloc[-1]
    assert list(table["group"]) == ["1", "2", "5", "All"]
    assert total["excess_events"] == pytest.approx(120 - 0.02 * 3000)
    assert total["paf"] == pytest.approx(0.5)
    assert table["paf_share"].iloc[:3].sum() == pytest.approx(total["paf"])
    assert list(table["excess_events"].iloc[:3]) == pytest.approx([40, 20, 0])
    assert total["paf_lower_95"] < 0.5 < total["paf_upper_95"]
    assert total["excess_lower_95"] == pytest.approx(total["paf_lower_95"] * 120)


def test_attributable_fraction_reference_problems():
    with pytest.raises(InputError, match="reference group"):
        stats.attributable_fraction([1, 2], [10, 10], ["a", "b"], "z")
    table = stats.attributable_fraction([5, 0], [10, 10], ["a", "b"], "b")
    assert table.iloc[-1]["paf"] == pytest.approx(1.0)
    assert "no events" in table.iloc[-1]["note"]


@pytest.mark.parametrize("kind", ["rate", "risk"])
def test_attributable_fraction_ci_covers_the_truth(kind):
    """Delta-method 95% CI: coverage within 2 points of 95% over 4,000 simulated populations."""
    rng = np.random.default_rng(2026)
    births = np.array([9000, 8000, 7000, 6000, 5000])
    risks = np.array([0.10, 0.09, 0.08, 0.07, 0.06])
    truth = 1 - risks[-1] / ((risks * births).sum() / births.sum())
    sims = 4000
    if kind == "risk":
        events = rng.binomial(births, risks, size=(sims, 5))
    else:
        events = rng.poisson(risks * births, size=(sims, 5))
    z = 1.959963984540054
    args = (events[:, -1], births[-1], events.sum(axis=1), births.sum())
    paf, lower, upper = inequality.paf_interval(*args, kind=kind, z=z)
    coverage = np.mean((lower <= truth) & (truth <= upper))
    assert abs(coverage - 0.95) < 0.02
    assert abs(paf.mean() - truth) < 0.01
    # the public function gives the same interval as the vectorised helper
    row = stats.attributable_fraction(events[0], births, list("12345"), "5", kind=kind).iloc[-1]
    assert (row["paf"], row["paf_lower_95"], row["paf_upper_95"]) == pytest.approx(
        (paf[0], lower[0], upper[0]), rel=1e-12
    )


def test_inequality_names_are_reexported_from_stats():
    assert stats.sii_rii is inequality.sii_rii
    assert stats.attributable_fraction is inequality.attributable_fraction
    assert set(stats.__all__) >= {"sii_rii", "sii_rii_table", "attributable_fraction"}
    with pytest.raises(AttributeError):
        stats.not_a_function  # noqa: B018


def test_statistics_settings_fill_defaults_and_follow_the_repo_config(repo_config):
    assert stats.statistics_settings({}) == stats.DEFAULT_SETTINGS
    partial = stats.statistics_settings({"statistics": {"small_numbers": {"unreliable_below": 10}}})
    assert partial["small_numbers"] == {"min_events": 3, "unreliable_below": 10}
    assert partial["sii"] == stats.DEFAULT_SETTINGS["sii"]
    with pytest.raises(InputError):
        stats.statistics_settings({"statistics": {"small_numbers": {"min_events": 30}}})
    settings = stats.statistics_settings(repo_config)
    assert settings["trend"]["threshold"] == pytest.approx(stats.CHI2_998, abs=1e-4)
    assert settings["sii"]["seed"] == inequality.DEFAULT_SEED


def test_repo_config_with_statistics_block_passes_the_schema(config):
    from birthgaps.core.settings import validate_config

    validate_config(config)
    config["statistics"]["sii"]["reps"] = 10
    with pytest.raises(InputError, match="statistics"):
        validate_config(config)
