"""Chart layout: no text overlaps another, leaves the canvas or hides under a legend in any figure
the figures step draws, on ordinary and awkward tables; one imprecise group never sets the axis."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from support.appendix import DISCLOSURE
from support.chart_layout import layout_problems
from support.crowded import AREA, LONG_NAME, WIDE, crowded_tables

from birthgaps.appendix import charts_axes, charts_models, charts_rates, figures

FLAT = "X06000003"  # Southwick: a model level with too few events, written on the forest plot


@pytest.fixture(scope="module")
def crowded() -> dict[str, pd.DataFrame]:
    return crowded_tables()


@pytest.fixture(scope="module")
def ordinary(fake_indicator_tables, fake_models, fake_flow, fake_model_tables):
    return {
        **fake_indicator_tables,
        "models": fake_models,
        "flow": fake_flow,
        "risk_ratios": fake_model_tables["risk_ratios"],
    }


def _all_problems(tables: dict[str, pd.DataFrame], area: str) -> dict[str, list[str]]:
    drawn = figures.draw_area_figures(
        tables["rates"],
        tables["models"],
        tables["flow"],
        area,
        trends=tables["trends"],
        inequality=tables["inequality"],
        funnel=tables["funnel"],
        risk_ratios=tables["risk_ratios"],
        synthetic=True,
        disclosure=DISCLOSURE,
    )
    found = {spec.stem: layout_problems(fig) for spec, fig, _ in drawn}
    assert len(found) == 3 + 4 * 7 + 2 * 2 + 1  # every chart of the set was drawn
    return found


def test_no_chart_of_an_ordinary_area_has_clashing_text(ordinary):
    problems = {stem: p for stem, p in _all_problems(ordinary, FLAT).items() if p}
    assert not problems


def test_no_chart_has_clashing_text_with_long_names_and_many_groups(crowded):
    # 16 detailed ethnic groups with long labels (two withheld, one near 0%, one near 100%, one
    # with a very wide interval), a 60-character area name and a long benchmark label
    assert LONG_NAME in set(crowded["rates"]["area_name"])
    problems = {stem: p for stem, p in _all_problems(crowded, AREA).items() if p}
    assert not problems


def _clashing_figure() -> Figure:
    fig = Figure(figsize=(4, 3), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [0, 1, 2], marker="o", label="points under the legend")
    ax.set_xticks([0, 1, 2], ["White and Black Caribbean", "Any other ethnic group", "Mixed"])
    ax.text(0.5, 1.0, "a data label", fontsize=12)
    ax.text(0.52, 1.02, "another label on top", fontsize=12)
    ax.text(2.5, 2.0, "a note that runs far past the right edge of the figure", fontsize=12)
    ax.legend(loc="center", fontsize=14)
    return fig


@pytest.mark.filterwarnings("ignore:constrained_layout not applied")
def test_the_layout_check_fails_on_a_crowded_chart():
    problems = "\n".join(layout_problems(_clashing_figure()))
    assert "tick 'White and Black Caribbean' overlaps tick 'Any other ethnic group'" in problems
    assert "text 'a data label' overlaps text 'another label on top'" in problems
    assert "leaves the canvas" in problems
    assert "legend 'points under the legend' covers 1 points" in problems
    assert "overlaps legend" in problems  # the legend sits on a data label too


def test_the_layout_check_passes_a_tidy_chart():
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([1, 2, 3], [1, 3, 2], marker="o", label="Rate")
    ax.set_xlabel("Year")
    ax.set_ylabel("Percent")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    assert layout_problems(fig) == []


# ------------------------------------------------------------------ wide intervals and axis range


def test_precision_and_ranges_follow_the_rule():
    lower = np.array([8.0, 9.0, 7.5, 2.0])
    upper = np.array([10.0, 11.0, 9.5, 62.0])
    assert charts_axes.precise(lower, upper).tolist() == [True, True, True, False]
    # the top is the highest estimate or precise upper limit (11) with 8% headroom
    assert charts_axes.value_top([9, 10, 8.5, 9], lower, upper) == pytest.approx(11 * 1.08)
    assert charts_axes.ratio_limits([1.2, 0.9], [1.0, 0.7], [1.4, 1.1]) == (0.25, 4.0)
    low, high = charts_axes.ratio_limits([6.0, 1.0], [5.0, 0.9], [7.2, 1.1])
    assert low == 0.25 and high == pytest.approx(7.2 * 1.15)  # a precise large ratio widens it


def _without(rates: pd.DataFrame, group: str) -> pd.DataFrame:
    return rates[~((rates["dimension"] == "ethnic_group") & (rates["group"] == group))]


def _with_wide_group(rates: pd.DataFrame, area: str) -> pd.DataFrame:
    row = rates[
        (rates["area_code"] == area)
        & (rates["outcome"] == "preterm")
        & (rates["dimension"] == "ethnic_group")
        & ~rates["suppressed"]
    ].iloc[[0]]
    row = row.assign(group=WIDE, percent=9.0, lower_95=2.0, upper_95=62.0)
    return pd.concat([rates, row], ignore_index=True)


def _beyond_marks(fig: Figure) -> list:
    return [line for line in fig.axes[0].lines if line.get_gid() == charts_axes.BEYOND_GID]


def test_a_wide_interval_does_not_stretch_the_group_chart(fake_rates):
    area = "X06000001"
    plain, _ = charts_rates.rates_by_group(
        fake_rates, area, "preterm", "ethnic_group", disclosure=DISCLOSURE
    )
    wide, alt = charts_rates.rates_by_group(
        _with_wide_group(fake_rates, area), area, "preterm", "ethnic_group", disclosure=DISCLOSURE
    )
    assert wide.axes[0].get_xlim() == plain.axes[0].get_xlim()
    assert wide.axes[0].get_xlim()[1] < 20  # not stretched to 62%
    assert not _beyond_marks(plain)
    (marks,) = _beyond_marks(wide)
    assert marks.get_marker() == ">" and marks.get_xdata()[0] == wide.axes[0].get_xlim()[1]
    note = f"The 95% confidence interval of {WIDE} runs beyond the chart"
    assert note in alt
    assert any(note in t.get_text().replace("\n", " ") for t in wide.texts)


def test_a_wide_interval_does_not_stretch_the_forest_plot(crowded):
    models = crowded["models"]
    narrow = models[models["level"] != WIDE]
    plain, _ = charts_models.forest_plot(narrow, AREA, "preterm")
    wide, alt = charts_models.forest_plot(models, AREA, "preterm")
    assert wide.axes[0].get_xlim() == plain.axes[0].get_xlim() == pytest.approx((0.25, 4.0))
    marks = _beyond_marks(wide)
    assert sorted(m.get_marker() for m in marks) == ["<", "<", ">", ">"]  # crude and adjusted
    assert f"The 95% confidence interval of {WIDE} (crude and adjusted) runs beyond" in alt


def test_a_precise_group_far_from_the_rest_still_sets_the_axis(crowded):
    # "Any other ethnic group" at 96.5% (91.0 to 98.8) is precise: the axis reaches it
    fig, _ = charts_rates.rates_by_group(
        crowded["rates"], AREA, "preterm", "ethnic_group", disclosure=DISCLOSURE
    )
    assert fig.axes[0].get_xlim()[1] == pytest.approx(98.8 * 1.08)
    assert not _beyond_marks(fig)  # the wide group ends within that range


def test_a_wide_interval_in_one_year_does_not_stretch_the_year_chart(fake_rates):
    area = "X06000001"
    years = (
        (fake_rates["area_code"] == area)
        & (fake_rates["outcome"] == "preterm")
        & (fake_rates["dimension"] == "year")
    )
    narrowest = fake_rates.loc[years, "upper_95"].astype(float).idxmin()  # never the top
    wide_rates = fake_rates.copy()
    wide_rates.loc[narrowest, ["lower_95", "upper_95"]] = [1.0, 60.0]
    year = fake_rates.loc[narrowest, "group"]
    plain, _ = charts_rates.rates_by_group(
        fake_rates, area, "preterm", "year", disclosure=DISCLOSURE
    )
    wide, alt = charts_rates.rates_by_group(
        wide_rates, area, "preterm", "year", disclosure=DISCLOSURE
    )
    assert wide.axes[0].get_ylim() == plain.axes[0].get_ylim()
    (marks,) = _beyond_marks(wide)
    assert marks.get_marker() == "^" and marks.get_xdata()[0] == float(year)
    assert f"The 95% confidence interval of {year} runs beyond the chart" in alt
