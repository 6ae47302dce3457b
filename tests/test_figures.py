"""Charts: return types, titles from the data, suppression, styles, deterministic files."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from birthgaps.appendix import (
    charts_flow,
    charts_indicators,
    charts_models,
    charts_rates,
    charts_style,
    figures,
    frames,
    wording,
)
from birthgaps.core import provenance
from birthgaps.core.errors import InputError
from birthgaps.core.settings import load_config

#: The demo config's resolved disclosure rule (what the charts' notes state).
DISCLOSURE = load_config(Path(__file__).resolve().parents[1] / "config" / "config.yaml")[
    "disclosure"
]
STEEP, FLAT = "X06000001", "X06000003"  # Northbrook: steep deprivation gradient; Southwick: none


def _texts(fig: Figure) -> str:
    """Every piece of text on a figure (suptitle, figure texts, axes texts), joined."""
    parts = [t.get_text() for t in fig.texts]
    parts.append(fig.get_suptitle())
    for ax in fig.axes:
        parts += [t.get_text() for t in ax.texts]
        parts += [t.get_text() for t in ax.get_yticklabels()]
    return "\n".join(parts)


def _title(fig: Figure) -> str:
    return fig.get_suptitle().replace("\n", " ")


def _series(fig: Figure) -> dict:
    """Labelled lines of the first axes: label -> Line2D."""
    return {
        line.get_label(): line for line in fig.axes[0].lines if not line.get_label().startswith("_")
    }


@pytest.mark.parametrize(
    "draw",
    [
        lambda r, m, f: charts_rates.rates_by_imd(r, STEEP, "preterm", disclosure=DISCLOSURE),
        lambda r, m, f: charts_rates.rates_by_group(
            r, STEEP, "lbw", "ethnic_group", disclosure=DISCLOSURE
        ),
        lambda r, m, f: charts_rates.rates_by_group(
            r, FLAT, "term_lbw", "age_band", disclosure=DISCLOSURE
        ),
        lambda r, m, f: charts_rates.rates_by_group(
            r, "ALL", "preterm", "year", disclosure=DISCLOSURE
        ),
        lambda r, m, f: charts_models.forest_plot(m, FLAT, "preterm"),
        lambda r, m, f: charts_flow.exclusion_flow(f, disclosure=DISCLOSURE),
    ],
    ids=["imd", "ethnic_group", "age_band", "year", "forest", "flow"],
)
def test_each_chart_returns_a_figure_with_title_caption_and_alt_text(
    draw, fake_rates, fake_models, fake_flow
):
    fig, alt = draw(fake_rates, fake_models, fake_flow)
    assert isinstance(fig, Figure)
    assert isinstance(alt, str) and len(alt) > 80
    assert _title(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel()
    assert "Source:" in _texts(fig) and "Population:" in _texts(fig)


def test_inputs_are_not_changed(fake_rates, fake_models, fake_flow):
    before = (fake_rates.copy(), fake_models.copy(), fake_flow.copy())
    charts_rates.rates_by_imd(fake_rates, FLAT, "lbw", disclosure=DISCLOSURE)
    charts_rates.rates_by_group(fake_rates, FLAT, "lbw", "ethnic_group", disclosure=DISCLOSURE)
    charts_models.forest_plot(fake_models, FLAT, "lbw")
    charts_flow.exclusion_flow(fake_flow, disclosure=DISCLOSURE)
    pd.testing.assert_frame_equal(before[0], fake_rates)
    pd.testing.assert_frame_equal(before[1], fake_models)
    pd.testing.assert_frame_equal(before[2], fake_flow)


def test_imd_title_states_a_gradient_only_when_the_data_show_one(fake_rates):
    steep, alt = charts_rates.rates_by_imd(fake_rates, STEEP, "preterm", disclosure=DISCLOSURE)
    assert _title(steep).startswith("Preterm birth is more common in more deprived areas")
    assert "more deprived" in alt
    flat, _ = charts_rates.rates_by_imd(fake_rates, FLAT, "preterm", disclosure=DISCLOSURE)
    assert _title(flat).startswith("No clear difference in preterm birth")


def test_imd_title_reverses_when_the_gradient_reverses(fake_rates):
    rates = fake_rates.copy()
    rows = (rates["area_code"] == STEEP) & (rates["dimension"] == "imd_quintile")
    for column in ("value", "lower_95", "upper_95"):
        values = rates.loc[rows & (rates["outcome"] == "lbw"), column].to_numpy()
        # groups are "1".."5", "Unknown": reverse the five quintiles
        rates.loc[rows & (rates["outcome"] == "lbw"), column] = [*values[:5][::-1], values[5]]
    fig, _ = charts_rates.rates_by_imd(rates, STEEP, "lbw", disclosure=DISCLOSURE)
    assert "less common in more deprived areas" in _title(fig)


def test_group_titles_follow_the_numbers(fake_rates):
    fig, _ = charts_rates.rates_by_group(
        fake_rates, STEEP, "preterm", "ethnic_group", disclosure=DISCLOSURE
    )
    assert "more common among" in _title(fig) and "Black" in _title(fig)
    assert _title(fig).endswith("than among White mothers")

    # Make every ethnic group look like White: the title turns neutral.
    rates = fake_rates.copy()
    mask = (
        (rates["area_code"] == STEEP)
        & (rates["outcome"] == "preterm")
        & (rates["dimension"] == "ethnic_group")
    )
    white = rates[mask & (rates["group"] == "White")].iloc[0]
    for column in ("value", "lower_95", "upper_95"):
        rates.loc[mask & ~rates["suppressed"], column] = white[column]
    fig, _ = charts_rates.rates_by_group(
        rates, STEEP, "preterm", "ethnic_group", disclosure=DISCLOSURE
    )
    assert _title(fig).startswith("No clear difference")


def test_year_title_says_rose_only_for_a_clear_rise(fake_rates):
    fig, _ = charts_rates.rates_by_group(fake_rates, FLAT, "preterm", "year", disclosure=DISCLOSURE)
    assert _title(fig).startswith("No clear change")
    rates = fake_rates.copy()
    last = (
        (rates["area_code"] == FLAT)
        & (rates["outcome"] == "preterm")
        & (rates["dimension"] == "year")
        & (rates["group"] == "2024")
    )
    rates.loc[last, ["value", "lower_95", "upper_95"]] = [15.0, 13.5, 16.5]
    fig, alt = charts_rates.rates_by_group(rates, FLAT, "preterm", "year", disclosure=DISCLOSURE)
    assert _title(fig).startswith("Preterm birth rose from")
    assert "15.0% in 2024" in _title(fig) and "15.0%" in alt


def test_suppressed_rows_are_not_plotted_and_a_note_says_so(fake_rates):
    rates = fake_rates.copy()
    target = (
        (rates["area_code"] == STEEP)
        & (rates["outcome"] == "preterm")
        & (rates["dimension"] == "imd_quintile")
        & (rates["group"] == "3")
    )
    rates.loc[target, ["events", "denominator", "value", "lower_95", "upper_95"]] = pd.NA
    rates.loc[target, "suppressed"] = True
    fig, alt = charts_rates.rates_by_imd(rates, STEEP, "preterm", disclosure=DISCLOSURE)
    lines = _series(fig)
    all_births = lines[wording.ALL_BIRTHS].get_ydata()
    assert np.isnan(all_births[2]) and np.isfinite(np.delete(all_births, 2)).all()

    cross = rates[
        (rates["area_code"] == STEEP)
        & (rates["outcome"] == "preterm")
        & (rates["dimension"] == "imd_quintile_by_ethnic_group")
        & ~rates["group"].str.startswith("Unknown")
    ]
    for group, line in lines.items():
        if group == wording.ALL_BIRTHS:
            continue
        rows = cross[cross["group"].str.endswith(f"| {group}")]
        shown = int((~rows["suppressed"]).sum())
        assert np.isfinite(np.asarray(line.get_ydata(), dtype=float)).sum() == shown, group
    assert "or a figure that would reveal one. Withheld values are not shown" in " ".join(
        _texts(fig).split()
    )
    assert "All births in quintile 3" in _texts(fig)
    assert "Suppressed values not shown" in alt


def test_suppressed_group_is_shown_as_c_not_as_a_point(fake_rates):
    rows = fake_rates[
        (fake_rates["area_code"] == FLAT)
        & (fake_rates["outcome"] == "preterm")
        & (fake_rates["dimension"] == "ethnic_group")
    ]
    assert rows.loc[rows["group"] == "Other", "suppressed"].item()
    fig, alt = charts_rates.rates_by_group(
        fake_rates, FLAT, "preterm", "ethnic_group", disclosure=DISCLOSURE
    )
    labels = {c.get_label() for c in fig.axes[0].containers}
    assert "Other" not in labels and "White" in labels
    assert "c (suppressed)" in _texts(fig)
    assert "Suppressed values not shown: Other" in alt


def test_each_ethnic_group_keeps_its_colour_and_marker_across_charts(fake_rates):
    imd, _ = charts_rates.rates_by_imd(fake_rates, STEEP, "preterm", disclosure=DISCLOSURE)
    group, _ = charts_rates.rates_by_group(
        fake_rates, STEEP, "preterm", "ethnic_group", disclosure=DISCLOSURE
    )
    lines = _series(imd)
    markers = {line.get_marker() for line in lines.values()}
    assert len(markers) == len(lines), "every series needs its own marker (never colour alone)"
    assert imd.axes[0].get_legend() is not None
    for container in group.axes[0].containers:
        name = container.get_label()
        data_line = container.lines[0]
        style = charts_style.GROUP_STYLES[name]
        assert to_hex(data_line.get_color()) == to_hex(style.color)
        assert data_line.get_marker() == style.marker
        if name in lines:  # "Not stated" is only in the ethnic group chart
            assert to_hex(lines[name].get_color()) == to_hex(style.color)
            assert lines[name].get_marker() == style.marker


def test_forest_plot_log_axis_reference_line_and_labels(fake_models):
    fig, alt = charts_models.forest_plot(fake_models, FLAT, "preterm")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert any(list(line.get_xdata()) == [1.0, 1.0] for line in ax.lines)
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert "White (reference)" in ticks and "5 (least deprived) (reference)" in ticks
    too_few = [t for t in ax.texts if "too few events" in t.get_text()]
    # crude and adjusted, as one line of text rather than points (two lines would overlap)
    assert [t.get_text().strip() for t in too_few] == ["crude and adjusted: too few events"]
    other_y = ticks.index("Other")
    other_y = ax.get_yticks()[other_y]
    for container in ax.containers:
        assert all(abs(y - other_y) > 0.3 for y in container.lines[0].get_ydata())
    assert "too few events" in alt
    # Southwick's deprivation odds ratios are all 1: the title names ethnic groups only.
    assert "IMD" not in _title(fig) and "Black" in _title(fig)
    steep, _ = charts_models.forest_plot(fake_models, STEEP, "preterm")
    assert "IMD quintiles 1, 2 and 3" in _title(steep)


def test_synthetic_caption_starts_with_the_notice(fake_rates, fake_flow):
    fig, alt = charts_rates.rates_by_imd(
        fake_rates, STEEP, "lbw", synthetic=True, disclosure=DISCLOSURE
    )
    caption = next(t.get_text() for t in fig.texts if "Source:" in t.get_text()).replace("\n", " ")
    assert caption.startswith(provenance.SYNTHETIC_NOTICE)
    assert "Period: 2019–2024" in caption and "Northbrook" in caption
    assert alt.startswith("Synthetic data.")
    real, _ = charts_flow.exclusion_flow(
        fake_flow, synthetic=False, source="Trust maternity system", disclosure=DISCLOSURE
    )
    caption = next(t.get_text() for t in real.texts if "Source:" in t.get_text()).replace("\n", " ")
    assert "SYNTHETIC" not in caption and "Source: Trust maternity system." in caption


def test_exclusion_flow_marks_suppressed_steps(fake_flow):
    fig, alt = charts_flow.exclusion_flow(fake_flow, disclosure=DISCLOSURE)
    assert _title(fig).startswith("59,790 of 60,180 records")
    assert "c (suppressed)" in _texts(fig)
    assert "Mother resident outside the study areas: suppressed" in alt


def test_unknown_area_is_a_clear_error(fake_rates, fake_models):
    with pytest.raises(InputError, match="X99999999"):
        charts_rates.rates_by_imd(fake_rates, "X99999999", "preterm", disclosure=DISCLOSURE)
    with pytest.raises(InputError, match="no rows for area X99999999"):
        charts_models.forest_plot(fake_models, "X99999999", "preterm")
    with pytest.raises(InputError, match="lacks column"):
        charts_rates.rates_by_imd(
            fake_rates.drop(columns="suppressed"), STEEP, "preterm", disclosure=DISCLOSURE
        )


def test_save_figure_writes_png_and_alt_text_identically_each_time(fake_rates, tmp_path):
    fig, alt = charts_rates.rates_by_imd(
        fake_rates, STEEP, "preterm", synthetic=True, disclosure=DISCLOSURE
    )
    first = figures.save_figure(fig, alt, tmp_path / "a" / "preterm_by_imd")
    # PNG and alt text only: no SVG, which nothing read and cost a fifth of the figures rule
    assert [p.name for p in first] == ["preterm_by_imd.png", "preterm_by_imd.txt"]
    assert not (tmp_path / "a" / "preterm_by_imd.svg").exists()
    assert all(p.stat().st_size > 0 for p in first)
    assert first[1].read_text(encoding="utf-8").strip() == alt.strip()
    (width,) = struct.unpack(">I", first[0].read_bytes()[16:20])  # PNG IHDR width
    assert width == 1100  # 10 inches at 110 dpi: the width the pages embed, used as it is
    assert first[0].read_bytes()[25] == 3  # PNG IHDR colour type 3: a palette image
    assert first[0].stat().st_size < 120_000  # light: was about 400 kB at 300 dpi in full colour
    contents = [p.read_bytes() for p in first]
    again = figures.save_figure(fig, alt, tmp_path / "a" / "preterm_by_imd")
    assert [p.read_bytes() for p in again] == contents
    # A figure drawn afresh from the same table gives the same bytes too.
    fig2, alt2 = charts_rates.rates_by_imd(
        fake_rates, STEEP, "preterm", synthetic=True, disclosure=DISCLOSURE
    )
    fresh = figures.save_figure(fig2, alt2, tmp_path / "b" / "preterm_by_imd")
    assert [p.read_bytes() for p in fresh] == contents


def test_figure_specs_and_write_area_figures(fake_rates, fake_models, fake_flow, tmp_path):
    specs = figures.figure_specs(["preterm"], ["preterm"])
    assert [s.stem for s in specs] == [
        "birth_outcomes_vs_benchmark",
        "preterm_by_imd_quintile",
        "preterm_by_ethnic_group",
        "preterm_by_age_band",
        "preterm_by_year",
        "preterm_trend",
        "preterm_sii",
        "preterm_funnel",
        "preterm_odds_ratios",
        "preterm_risk_ratios",
        "exclusion_flow",
    ]
    plain = figures.figure_specs(["preterm"], ["preterm"], indicators=False, risk_ratios=False)
    assert [s.kind for s in plain] == ["dots", "imd", "group", "group", "group", "forest", "flow"]
    area_specs = figures.area_figure_specs(fake_rates, fake_models, FLAT)
    # a dot chart per group (birth outcomes, mortality, maternity); every chart of the modelled
    # outcomes (preterm, lbw in the models; infant, emergency caesarean declared modelled); term
    # LBW (not modelled) only in its group's chart
    assert len(area_specs) == 3 + 4 * (4 + 3) + 2 * 2 + 1
    assert not any(s.outcome == "term_lbw" for s in area_specs)
    assert [s.outcomes for s in area_specs[:3]] == [
        ("preterm", "lbw", "term_lbw"),
        ("infant",),
        ("emergency_caesarean",),
    ]
    written = figures.write_area_figures(
        fake_rates,
        fake_models,
        fake_flow,
        FLAT,
        tmp_path,
        synthetic=True,
        specs=specs[-3::2],
        disclosure=DISCLOSURE,
    )
    assert sorted(p.name for p in written) == sorted(
        f"{stem}{ext}"
        for stem in ("preterm_odds_ratios", "exclusion_flow")
        for ext in (".png", ".txt")
    )
    # without the indicator tables the default set leaves their charts out ...
    default = figures.write_area_figures(
        fake_rates,
        fake_models,
        fake_flow,
        FLAT,
        tmp_path / "plain",
        specs=None,
        disclosure=DISCLOSURE,
    )
    assert not any("_trend" in p.name or "_funnel" in p.name for p in default)
    assert not any("_risk_ratios" in p.name for p in default)
    # ... and asking for one names the missing table
    with pytest.raises(InputError, match="needs the published trends table"):
        figures.write_area_figures(
            fake_rates,
            fake_models,
            fake_flow,
            FLAT,
            tmp_path,
            specs=[specs[5]],
            disclosure=DISCLOSURE,
        )


# ----------------------------------------------------------------------------- indicator charts


@pytest.fixture(scope="module")
def ind(fake_indicator_tables):
    return fake_indicator_tables


@pytest.mark.parametrize(
    "draw",
    [
        lambda t: charts_indicators.trend_chart(
            t["rates"], t["trends"], STEEP, "preterm", synthetic=True
        ),
        lambda t: charts_indicators.sii_chart(
            t["rates"], t["inequality"], STEEP, "lbw", synthetic=True
        ),
        lambda t: charts_indicators.funnel_plot(
            t["funnel"], STEEP, "term_lbw", synthetic=True, disclosure=DISCLOSURE
        ),
    ],
    ids=["trend", "sii", "funnel"],
)
def test_indicator_charts_return_a_figure_with_title_caption_and_alt_text(draw, ind):
    fig, alt = draw(ind)
    assert isinstance(fig, Figure)
    assert isinstance(alt, str) and len(alt) > 120 and alt.startswith("Synthetic data.")
    assert _title(fig) and _title(fig) in alt.replace("\n", " ")
    assert fig.axes[0].get_xlabel() and fig.axes[0].get_ylabel()
    caption = next(t.get_text() for t in fig.texts if "Source:" in t.get_text()).replace("\n", " ")
    assert caption.startswith(provenance.SYNTHETIC_NOTICE)
    assert "Population:" in caption and "Period: 2019–2024" in caption
    assert fig.axes[0].get_legend() is not None


def test_trend_title_follows_the_trend_table_and_the_benchmark(ind):
    rates, trends = ind["rates"], ind["trends"]
    row = frames.trend_row(trends, STEEP, "preterm")
    assert row["direction"] == "no significant change"
    fig, alt = charts_indicators.trend_chart(rates, trends, STEEP, "preterm")
    assert _title(fig).startswith("Preterm birth in Northbrook: no significant change in 2020–2024")
    assert "Recent trend 2020–2024: No significant change" in alt
    rising = trends.copy()
    mask = (
        (rising["area_code"] == STEEP)
        & (rising["outcome"] == "preterm")
        & (rising["dimension"] == "overall")
    )
    rising.loc[mask, ["direction", "label"]] = ["increasing", "Increasing and getting worse"]
    fig, alt = charts_indicators.trend_chart(rates, rising, STEEP, "preterm")
    assert "a significant increase in 2020–2024" in _title(fig)
    assert "Increasing and getting worse" in _texts(fig)
    # the latest year's comparison with the benchmark is in the title, worded from its label
    years = rates[
        (rates["area_code"] == STEEP)
        & (rates["outcome"] == "preterm")
        & (rates["dimension"] == "year")
    ]
    last = years[years["group"] == "2024"].iloc[0]
    phrase = wording.comparison_phrase(str(last["comparison"]), "All study areas")
    assert _title(fig).endswith(f"{phrase} in 2024")
    worse = rates.copy()
    worse.loc[last.name, "comparison"] = "Worse (99.8%)"
    fig, _ = charts_indicators.trend_chart(worse, rising, STEEP, "preterm")
    assert _title(fig).endswith("significantly higher than All study areas in 2024")
    assert "Worse (99.8%)" in _texts(fig)  # written on the chart, not shown by colour alone
    benchmark = [line for line in fig.axes[0].lines if "benchmark" in line.get_label()]
    assert len(benchmark) == 1 and benchmark[0].get_linestyle() == "--"
    np.testing.assert_allclose(
        benchmark[0].get_ydata(), years["benchmark"].astype(float).to_numpy()
    )


def test_trend_chart_without_benchmark_columns_still_draws(fake_rates, ind):
    fig, alt = charts_indicators.trend_chart(fake_rates, ind["trends"], FLAT, "lbw")
    assert not [line for line in fig.axes[0].lines if "benchmark" in line.get_label()]
    assert "benchmark" not in alt


def test_sii_chart_line_is_the_published_slope_index(ind):
    rates, inequality = ind["rates"], ind["inequality"]
    fig, alt = charts_indicators.sii_chart(rates, inequality, STEEP, "preterm")
    rows = frames.inequality_rows(inequality, STEEP, "preterm")
    sii = frames.measure_row(rows, "sii")
    assert sii["value"] > 0 and sii["lower_95"] > 0
    assert _title(fig).startswith("Preterm birth is higher towards the more deprived end")
    line = next(ln for ln in fig.axes[0].lines if "slope index" in ln.get_label())
    start, end = line.get_ydata()
    assert start == pytest.approx(sii["intercept"]) and start - end == pytest.approx(sii["value"])
    assert "Relative index of inequality" in alt
    flat, _ = charts_indicators.sii_chart(rates, inequality, FLAT, "preterm")
    flat_sii = frames.measure_row(frames.inequality_rows(inequality, FLAT, "preterm"), "sii")
    assert flat_sii["lower_95"] < 0 < flat_sii["upper_95"]
    assert _title(flat).startswith("No clear gradient in preterm birth")
    # no SII (e.g. a quintile without events): the points are drawn and the title says why
    missing = inequality.copy()
    target = (missing["area_code"] == STEEP) & (missing["measure"] == "sii")
    missing.loc[target, ["value", "lower_95", "upper_95", "intercept"]] = np.nan
    missing.loc[target, "note"] = "not every quantile has exactly one row"
    fig, _ = charts_indicators.sii_chart(rates, missing, STEEP, "preterm")
    assert "cannot be calculated (not every quantile has exactly one row)" in _title(fig)
    assert not [ln for ln in fig.axes[0].lines if "slope index" in ln.get_label()]


def test_funnel_plot_draws_limits_and_tells_the_area_apart(ind):
    funnel = ind["funnel"]
    fig, alt = charts_indicators.funnel_plot(
        funnel, STEEP, "preterm", area_name="Northbrook", disclosure=DISCLOSURE
    )
    ax = fig.axes[0]
    styles = {line.get_label(): line for line in ax.lines if not line.get_label().startswith("_")}
    assert styles["95% limits"].get_linestyle() == "--"
    assert styles["99.8% limits"].get_linestyle() == ":"
    own = styles["Northbrook, whole period"]
    others = styles["Other areas, whole period"]
    assert own.get_marker() == others.get_marker() == "D"
    assert to_hex(own.get_color()) != to_hex(others.get_color())
    assert (
        styles["Northbrook, single years"].get_marker()
        != styles["Other areas, single years"].get_marker()
    )  # never colour alone
    area = funnel[
        (funnel["outcome"] == "preterm")
        & (funnel["row_type"] == "area")
        & (funnel["area_code"] == STEEP)
    ].iloc[0]
    assert wording.significance_phrase(area["significance"]) in _title(fig)
    assert "Eastmere" in _texts(fig) and "Southwick" in _texts(fig)
    for year in range(2019, 2025):
        assert f"Northbrook {year}" in alt
    with pytest.raises(InputError, match="no rows for outcome"):
        charts_indicators.funnel_plot(funnel, STEEP, "very_preterm", disclosure=DISCLOSURE)


# ----------------------------------------------------------------------------- risk-ratio forest plot


@pytest.fixture(scope="module")
def risk_ratios(fake_model_tables):
    return fake_model_tables["risk_ratios"]


def _rr_rows(table, area, outcome, model="adjusted"):
    return table[
        (table["area_code"] == area) & (table["outcome"] == outcome) & (table["model"] == model)
    ]


def test_risk_ratio_forest_plot_draws_the_risk_ratios(risk_ratios):
    fig, alt = charts_models.forest_plot(
        risk_ratios,
        STEEP,
        "preterm",
        area_name="Northbrook",
        synthetic=True,
        period="2019–2024",
        measure="risk_ratio",
    )
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "Risk ratio (log scale); 1 = same risk as the reference group"
    assert any(list(line.get_xdata()) == [1.0, 1.0] for line in ax.lines)
    assert _title(fig).startswith("Risk of preterm birth is higher in IMD quintiles 1, 2 and 3")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Crude risk ratio", "Adjusted risk ratio"]
    # never colour alone: crude and adjusted differ in marker and fill too
    crude, adjusted = ax.containers[0].lines[0], ax.containers[1].lines[0]
    assert crude.get_marker() != adjusted.get_marker()
    assert crude.get_markerfacecolor() == "none" != adjusted.get_markerfacecolor()
    texts = _texts(fig)
    assert "Adjusted RR (95% CI)" in texts and "Adjusted OR" not in texts
    caption = next(t.get_text() for t in fig.texts if "Source:" in t.get_text()).replace("\n", " ")
    assert caption.startswith(provenance.SYNTHETIC_NOTICE)
    assert "Modified Poisson regression (log link, robust sandwich standard errors)" in caption
    assert "Period: 2019–2024" in caption and "Northbrook" in caption
    assert alt.startswith(
        "Synthetic data. Forest plot of crude and adjusted risk ratios of preterm birth in "
        "Northbrook, 2019–2024"
    )
    assert _title(fig) in alt
    # every adjusted estimate is drawn where the table says and written in the alt text
    points = {round(float(c.lines[0].get_xdata()[0]), 10) for c in ax.containers}
    for _, row in _rr_rows(risk_ratios, STEEP, "preterm").iterrows():
        if row["term"] in ("imd_quintile", "ethnic_group"):
            assert round(float(row["risk_ratio"]), 10) in points
            assert (
                f"{row['risk_ratio']:.2f} ({row['lower_95']:.2f} to {row['upper_95']:.2f})" in alt
            )


def test_risk_ratio_forest_plot_notes_and_neutral_title(risk_ratios):
    fig, alt = charts_models.forest_plot(risk_ratios, FLAT, "preterm", measure="risk_ratio")
    assert len([t for t in fig.axes[0].texts if "too few events" in t.get_text()]) == 1
    assert "No estimate for Other (crude: too few events) and Other (adjusted" in alt
    fig, alt = charts_models.forest_plot(risk_ratios, "X06000002", "lbw", measure="risk_ratio")
    caption = next(t.get_text() for t in fig.texts if "Source:" in t.get_text()).replace("\n", " ")
    assert "Read with care: Asian (adjusted: fitted risk above 1 in some covariate patterns)" in (
        caption
    )
    assert "fitted risk above 1" in alt
    # when every interval includes 1 the title says no clear difference, in risk words
    neutral = risk_ratios.copy()
    neutral["lower_95"], neutral["upper_95"] = 0.5, 2.0
    fig, _ = charts_models.forest_plot(neutral, STEEP, "lbw", measure="risk_ratio")
    assert _title(fig) == (
        "No clear difference in the risk of low birth weight between groups, after adjustment"
    )


def test_risk_ratio_forest_plot_bad_input(risk_ratios, fake_models):
    with pytest.raises(InputError, match="risk ratios table lacks column.*risk_ratio"):
        charts_models.forest_plot(fake_models, STEEP, "preterm", measure="risk_ratio")
    with pytest.raises(InputError, match="risk ratios table has no rows for area X99999999"):
        charts_models.forest_plot(risk_ratios, "X99999999", "preterm", measure="risk_ratio")
    with pytest.raises(ValueError, match="measure must be one of"):
        charts_models.forest_plot(risk_ratios, STEEP, "preterm", measure="hazard_ratio")


def test_area_figures_include_the_risk_ratio_plots_when_the_table_is_given(
    fake_rates, fake_models, fake_flow, risk_ratios, tmp_path
):
    written = figures.write_area_figures(
        fake_rates,
        fake_models,
        fake_flow,
        STEEP,
        tmp_path,
        risk_ratios=risk_ratios,
        disclosure=DISCLOSURE,
    )
    names = {p.name for p in written}
    for outcome in ("preterm", "lbw"):
        for ext in (".png", ".txt"):
            assert f"{outcome}_risk_ratios{ext}" in names
    alt = (tmp_path / "preterm_risk_ratios.txt").read_text(encoding="utf-8")
    assert alt.startswith("Forest plot of crude and adjusted risk ratios of preterm birth")
    spec = figures.FigureSpec("preterm_risk_ratios", "risk_forest", "preterm")
    with pytest.raises(InputError, match="needs the published risk_ratios table"):
        figures.make_figure(spec, fake_rates, fake_models, fake_flow, STEEP, disclosure=DISCLOSURE)


#: The ONS rule for birth statistics: counts 1 to 2 withheld, counts not rounded.
ONS_RULE = {"rule_set": "ons_births", "suppress_min": 1, "suppress_max": 2, "rounding_base": 1}


def test_chart_notes_state_the_configured_disclosure_rule(fake_rates, fake_flow):
    """Issue 10 bug: the charts printed the NHS England rule (1 to 7, nearest 5) whatever the config."""
    flow, _ = charts_flow.exclusion_flow(fake_flow, disclosure=ONS_RULE)
    text = " ".join(_texts(flow).split())
    assert "a count of 1 to 2" in text and "Counts are not rounded." in text
    assert "1 to 7" not in text and "nearest 5" not in text
    nhs, _ = charts_flow.exclusion_flow(fake_flow, disclosure=DISCLOSURE)
    nhs_text = " ".join(_texts(nhs).split())
    assert "Counts are rounded to the nearest 5." in nhs_text and "1 to 7" in nhs_text
    for dimension in ("ethnic_group", "age_band", "year"):
        fig, _ = charts_rates.rates_by_group(
            fake_rates, FLAT, "lbw", dimension, disclosure=ONS_RULE
        )
        fig_text = " ".join(_texts(fig).split())
        assert "1 to 7" not in fig_text and "nearest 5" not in fig_text


def test_pages_embed_the_saved_png_as_it_is_and_shrink_other_images(fake_rates, tmp_path):
    from PIL import Image

    from birthgaps.appendix.blocks import WEB_IMAGE_WIDTH, web_png

    fig, alt = charts_rates.rates_by_imd(
        fake_rates, STEEP, "preterm", synthetic=True, disclosure=DISCLOSURE
    )
    png, _ = figures.save_figure(fig, alt, tmp_path / "preterm_by_imd")
    # the figures rule's PNG is already the embedded width and a palette: no second encoding
    assert web_png(str(png), png.stat().st_mtime_ns) == png.read_bytes()
    # a wider full-colour image (a council's own chart) is still shrunk and made a palette
    wide = tmp_path / "wide.png"
    Image.new("RGBA", (2 * WEB_IMAGE_WIDTH, 300), (200, 30, 30, 255)).save(wide)
    with Image.open(io.BytesIO(web_png(str(wide), wide.stat().st_mtime_ns))) as shown:
        assert shown.mode == "P" and shown.width <= WEB_IMAGE_WIDTH


def test_the_notebook_kernel_does_not_import_matplotlib():
    # the appendix notebook only shows saved charts: loading matplotlib there cost CPU per area
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import birthgaps.appendix.sections, birthgaps.appendix.blocks, birthgaps.appendix.inputs\n"
        "print(sorted(m for m in ('matplotlib', 'afcharts') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
