"""Protect first, derive after: every published statistic is a function of the published counts.

If a percentage, a confidence limit, a ratio, a funnel limit or a trend were computed from the
unrounded counts, inverting it would give those counts back (issue 8). These tests change the
unrounded counts within their rounding interval and check that nothing published changes, and
recompute each published statistic from the published counts alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import FAKE_AREAS, _fake_cells

from birthgaps import indicators
from birthgaps.rates import compute_rates, hidden_groups, publish_rates, rate_statistics

RULES = {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5}
SETTINGS = {"confidence": [0.95, 0.998], "sii": {"reps": 2000, "seed": 3}}
STATISTICS = ["percent", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "comparison"]


def _nudge_within_rounding(rates: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The same table with events moved by -1, 0 or +1 wherever the rounded value stays the same
    and the row stays out of the suppression range (so no suppression decision can change)."""
    rng = np.random.default_rng(seed)
    out = rates.copy()
    events = out["events"].to_numpy(dtype="int64")
    births = out["denominator"].to_numpy(dtype="int64")
    step = rng.integers(-1, 2, size=len(out))
    moved = events + step

    def rounded(values):
        return np.floor(values / 5 + 0.5) * 5

    same = (rounded(moved) == rounded(events)) & (moved >= 8) & (births - moved >= 8)
    same &= (events >= 8) & (births - events >= 8)
    out["events"] = np.where(same, moved, events)
    return out


@pytest.fixture(scope="module")
def published_pair():
    cells = _fake_cells()
    rates = compute_rates(cells, FAKE_AREAS, SETTINGS)
    nudged = _nudge_within_rounding(rates, seed=5)
    assert (nudged["events"] != rates["events"]).sum() > 20, "the test must move some counts"
    # nudged rows no longer add up, which would change the secondary suppression's additive sets;
    # the primary rule alone is enough to show where the statistics come from
    return tuple(publish_rates(r, RULES, SETTINGS, secondary=False) for r in (rates, nudged))


def test_published_rates_do_not_move_when_unrounded_counts_move_within_rounding(published_pair):
    first, second = published_pair
    pd.testing.assert_frame_equal(first, second)


def test_published_statistics_are_recomputed_from_published_counts_alone(published_pair):
    published, _ = published_pair
    again = rate_statistics(published, SETTINGS, published=True)
    for column in STATISTICS:
        pd.testing.assert_series_equal(
            published[column], again[column], check_dtype=False, check_names=False
        )


def test_limits_are_not_those_of_the_unrounded_counts():
    """Guard for the test above: on this data the two would differ, so the check can fail."""
    rates = compute_rates(_fake_cells(), FAKE_AREAS, SETTINGS)
    published = publish_rates(rates, RULES, SETTINGS)
    shown = ~published["suppressed"] & published["lower_95"].notna()
    unrounded = rates["lower_95"].round(2)
    assert (published.loc[shown, "lower_95"] != unrounded[shown]).sum() > 10


def test_indicator_tables_follow_the_published_counts_only(published_pair):
    first, second = published_pair
    for rates in (first, second):
        assert hidden_groups(rates) == hidden_groups(first)
    inequality = [
        indicators.publish_inequality(
            indicators.inequality_table(r, FAKE_AREAS, SETTINGS), RULES, hidden_groups(r)
        )
        for r in (first, second)
    ]
    pd.testing.assert_frame_equal(*inequality)
    funnel = [
        indicators.publish_funnel(indicators.funnel_points(r, FAKE_AREAS), RULES)
        for r in (first, second)
    ]
    pd.testing.assert_frame_equal(*funnel)


def _trend_cells(events: list[int]) -> pd.DataFrame:
    """One area, one quintile and ethnic group, six years of 1,000 births."""
    years = list(range(2019, 2025))
    frame = pd.DataFrame(
        {
            "area_code": "A1",
            "year": years,
            "imd_quintile": "1",
            "ethnic_group": "White",
            "age_band": "25-29",
            "outcome": "preterm",
            "events": events,
            "denominator": 1000,
        }
    )
    for column in ("area_code", "imd_quintile", "ethnic_group", "age_band", "outcome"):
        frame[column] = frame[column].astype("string")
    return frame


def test_trends_follow_the_rounded_yearly_counts_only():
    exact = [60, 71, 79, 92, 101, 118]
    nudged = [61, 69, 81, 91, 102, 119]  # each rounds to the same multiple of 5
    tables = [
        indicators.trends_table(_trend_cells(e), {"A1": "Alpha"}, SETTINGS, RULES)
        for e in (exact, nudged)
    ]
    assert tables[0]["statistic"].notna().all()
    pd.testing.assert_frame_equal(*tables)
    moved = [60, 71, 79, 92, 101, 123]  # the last year rounds to 125, not 120
    other = indicators.trends_table(_trend_cells(moved), {"A1": "Alpha"}, SETTINGS, RULES)
    assert not other["statistic"].equals(tables[0]["statistic"])


def test_groups_withheld_in_rates_get_no_trend():
    cells = _fake_cells()
    published = publish_rates(compute_rates(cells, FAKE_AREAS, SETTINGS), RULES, SETTINGS)
    hidden = hidden_groups(published)
    table = indicators.trends_table(cells, FAKE_AREAS, SETTINGS, RULES, hidden)
    keys = list(
        zip(table["area_code"], table["outcome"], table["dimension"], table["group"], strict=True)
    )
    withheld = table[[k in hidden for k in keys]]
    assert not withheld.empty
    assert withheld["statistic"].isna().all() and withheld["slope_pp_per_year"].isna().all()
    assert (withheld["reason"] == indicators.WITHHELD_TREND).all()
