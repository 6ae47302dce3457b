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
from support.fakes import FAKE_AREAS, fake_cell_table

from birthgaps.core.outcomes import MEASURES
from birthgaps.stats import indicators
from birthgaps.stats.rates import (
    compute_rates,
    hidden_groups,
    previous_release,
    publish_rates,
    rate_statistics,
)

RULES = {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5}
SETTINGS = {"confidence": [0.95, 0.998], "sii": {"reps": 2000, "seed": 3}}
STATISTICS = ["value", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "comparison"]


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
    cells = fake_cell_table()
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
    rates = compute_rates(fake_cell_table(), FAKE_AREAS, SETTINGS)
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
    cells = fake_cell_table()
    published = publish_rates(compute_rates(cells, FAKE_AREAS, SETTINGS), RULES, SETTINGS)
    hidden = hidden_groups(published)
    table = indicators.trends_table(cells, FAKE_AREAS, SETTINGS, RULES, hidden)
    keys = list(
        zip(table["area_code"], table["outcome"], table["dimension"], table["group"], strict=True)
    )
    withheld = table[[k in hidden for k in keys]]
    assert not withheld.empty
    assert withheld["statistic"].isna().all() and withheld["slope_per_year"].isna().all()
    assert (withheld["reason"] == indicators.WITHHELD_TREND).all()


# ----------------------------------------------------------------------------- across releases


def _add_one_birth(cells: pd.DataFrame, position: int, *, event: bool) -> pd.DataFrame:
    """The same cells with one late-registered birth (an event or not) added to one cell."""
    out = cells.copy()
    out.loc[position, "denominator"] += 1
    if event:
        out.loc[position, "events"] += 1
    return out


@pytest.mark.parametrize("event", [True, False])
@pytest.mark.parametrize("position", [0, 17, 333, 1001])
def test_a_late_record_leaves_every_published_rate_unchanged(position, event):
    """Release B = release A plus one birth: with A as its previous release, B publishes exactly
    what A published, so subtracting the two tells nothing about the late record."""
    cells = fake_cell_table()
    exact = compute_rates(cells, FAKE_AREAS, SETTINGS)
    first = publish_rates(exact, RULES, SETTINGS)
    later = compute_rates(_add_one_birth(cells, position, event=event), FAKE_AREAS, SETTINGS)
    assert (later["denominator"] != exact["denominator"]).any()
    second = publish_rates(later, RULES, SETTINGS, previous=previous_release(first, exact))
    pd.testing.assert_frame_equal(first, second)


def test_without_the_previous_release_a_late_record_would_show():
    """Guard for the test above: published alone, the later release differs from the first for
    some of the same late records (a rounding or suppression moves), which is the attack."""
    cells = fake_cell_table()
    first = publish_rates(compute_rates(cells, FAKE_AREAS, SETTINGS), RULES, SETTINGS)
    moved = 0
    for position in (0, 17, 333, 1001):
        for event in (True, False):
            later = _add_one_birth(cells, position, event=event)
            alone = publish_rates(compute_rates(later, FAKE_AREAS, SETTINGS), RULES, SETTINGS)
            moved += not alone.equals(first)
    assert moved >= 2


def test_a_late_record_leaves_the_trend_counts_unchanged():
    cells = fake_cell_table()
    first = indicators.trend_counts(cells, FAKE_AREAS, RULES)
    second = indicators.trend_counts(
        _add_one_birth(cells, 333, event=True), FAKE_AREAS, RULES, previous=first
    )
    pd.testing.assert_frame_equal(
        first[["events", "denominator", "suppressed"]],
        second[["events", "denominator", "suppressed"]],
    )


def test_a_row_withheld_before_stays_withheld_while_its_count_is_near_the_range():
    from birthgaps.core.disclosure import protect_counts

    table = pd.DataFrame(
        {
            "key": ["a", "b", "c", "d"],
            "events": [9, 12, 38, 3],
            "denominator": [200, 200, 200, 200],
        }
    )
    previous = pd.DataFrame(
        {
            "key": ["a", "b", "c", "d"],
            "events": [pd.NA, pd.NA, 35, 0],
            "denominator": [pd.NA, pd.NA, 200, 200],
            "suppressed": [True, True, False, False],
        }
    )
    out = protect_counts(table, RULES, previous=previous, keys=["key"])
    # a: was withheld, 9 is within 7 + 4: still withheld; b: 12 is not
    assert out["suppressed"].tolist() == [True, False, False, True]
    assert out.loc[1, "events"] == 10
    # c: 38 is within 4 of the 35 published before, which is kept (nearest would be 40)
    assert out.loc[2, "events"] == 35 and out.loc[2, "denominator"] == 200
    # a row withheld before that now shows 0 events would say it had 0 then: still withheld
    zero = protect_counts(
        pd.DataFrame({"key": ["a"], "events": [0], "denominator": [40]}),
        RULES,
        previous=previous.iloc[[0]],
        keys=["key"],
    )
    assert zero["suppressed"].tolist() == [True]
    fresh = protect_counts(table, RULES)
    assert fresh.loc[2, "events"] == 40 and fresh["suppressed"].tolist() == [
        False,
        False,
        False,
        True,
    ]


def test_a_late_record_leaves_the_exclusion_flow_unchanged():
    from birthgaps.clean.flow import publish_flow

    flow = pd.DataFrame(
        {
            "step": ["received", "duplicates", "stillbirths", "other_areas", "live_births"],
            "description": ["r", "d", "s", "o", "l"],
            "count": [1012, 12, 6, 0, 994],
            "remaining": [1012, 1000, 994, 994, 994],
        }
    )
    first = publish_flow(flow, RULES)
    assert first["suppressed"].any()  # 6 stillbirths: withheld, with a complement
    # one late stillbirth: 7 stillbirths, 1,013 received
    later = flow.assign(count=[1013, 12, 7, 0, 994], remaining=[1013, 1001, 994, 994, 994])
    second = publish_flow(later, RULES, (first, flow))
    pd.testing.assert_frame_equal(first, second)
    # and one more stillbirth than that still does not surface: 8 is within 7 + 4
    third = later.assign(count=[1014, 12, 8, 0, 994], remaining=[1014, 1002, 994, 994, 994])
    assert publish_flow(third, RULES, (first, flow))["suppressed"].iloc[2]
    assert not publish_flow(third, RULES)["suppressed"].iloc[2]


def test_published_percentages_are_within_the_rounding_bound_of_the_exact_ones():
    """Counts within 2 of the truth move a percentage by at most 100 x 2 x (1 + p) / n points
    (docs/disclosure.md, "What it costs in accuracy"), plus half of the last published decimal;
    a rate per 1,000 by at most 1,000 x 2 x (1 + p) / n (the same bound on its own scale)."""
    exact = compute_rates(fake_cell_table(), FAKE_AREAS, SETTINGS)
    published = publish_rates(exact, RULES, SETTINGS)
    shown = published["value"].notna()
    assert shown.sum() > 100
    scales = {unit: scale for scale, unit in MEASURES.values()}
    scale = published["unit"].astype("object").map(scales)
    assert scale.notna().all() and set(scale[shown]) == {100, 1000}  # both units are checked
    p = exact["events"] / exact["denominator"]
    bound = scale * 2 * (1 + p) / published["denominator"].astype("float64") + 0.005
    error = (published["value"] - exact["value"]).abs()
    assert (error[shown] <= bound[shown]).all()
    assert (error[shown] > 0.005).any()  # the rounding does cost something


def test_models_of_an_area_whose_data_barely_changed_are_carried_over():
    from birthgaps.core.disclosure import barely_changed_areas, carry_rows

    cells = fake_cell_table()
    late = _add_one_birth(cells, 17, event=True)  # one birth in the first area
    area = str(cells.loc[17, "area_code"])
    carried = barely_changed_areas(late, cells, list(FAKE_AREAS), RULES)
    assert carried == set(FAKE_AREAS) | {"ALL"}
    more = late.copy()
    more.loc[17, "denominator"] += 10  # eleven births more: estimates are new
    assert area not in barely_changed_areas(more, cells, list(FAKE_AREAS), RULES)
    assert "ALL" not in barely_changed_areas(more, cells, list(FAKE_AREAS), RULES)
    new = pd.DataFrame({"area_code": ["A", "A", "B"], "odds_ratio": [1.25, 0.5, 2.0]})
    old = pd.DataFrame(
        {"release": ["r0"] * 3, "area_code": ["A", "A", "B"], "odds_ratio": ["1.24", "0.5", "1.9"]}
    )
    out = carry_rows(new, old, {"A"})
    assert out["odds_ratio"].tolist() == ["1.24", "0.5", 2.0]
    assert carry_rows(new, old.rename(columns={"odds_ratio": "other"}), {"A"}) is new
