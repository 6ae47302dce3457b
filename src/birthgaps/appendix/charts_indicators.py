"""Charts of the indicator tables: trend against the benchmark, slope index of inequality and
funnel plot, each from the published tables; each returns (figure, alt text)."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from birthgaps.appendix.charts_axes import beyond_note, cut, mark_beyond, value_top
from birthgaps.appendix.charts_style import (
    BENCHMARK_COLOUR,
    OTHER_COLOUR,
    PRIMARY_COLOUR,
    RC,
    STYLE,
    chart_caption,
    finish,
    legend_below,
    new_figure,
    wrap,
)
from birthgaps.appendix.findings import funnel_finding, sii_finding, trend_finding
from birthgaps.appendix.frames import (
    area_name_of,
    as_float,
    benchmark_label_of,
    cell_text,
    funnel_rows,
    funnel_target_of,
    inequality_rows,
    measure_row,
    period_of,
    select_rates,
    trend_row,
    year_rows,
)
from birthgaps.appendix.wording import (
    DIMENSION_LABELS,
    as_unit,
    comparison_phrase,
    denominator_heading,
    fmt_ci,
    fmt_gap,
    fmt_value,
    join_words,
    lower_first,
    outcome_definition,
    outcome_label,
    period_text,
    rii_words,
    significance_phrase,
    trend_window,
    value_axis,
    values_noun,
)
from birthgaps.core.codes import IMD_QUINTILES
from birthgaps.core.errors import InputError
from birthgaps.core.methods import rounded


def trend_chart(
    rates: pd.DataFrame,
    trends: pd.DataFrame,
    area_code: str,
    outcome: str,
    *,
    synthetic: bool = False,
    source: str | None = None,
    period: str | None = None,
) -> tuple[Figure, str]:
    """The area's yearly percentage (95% CIs) against the benchmark, the years of the recent-trend test
    shaded, the Fingertips trend verdict and each year's significant comparison written on the chart."""
    years = year_rows(rates, area_code, outcome)
    name = area_name_of(rates, area_code)
    period = period or period_of(rates, area_code)
    label = outcome_label(outcome)
    bench_label = benchmark_label_of(rates, area_code=area_code)
    row = trend_row(trends, area_code, outcome)
    title = trend_finding(rates, trends, area_code, outcome)
    shown = years[~years["suppressed"]]
    hidden = [period_text(g) for g in years.loc[years["suppressed"], "group"]]
    has_benchmark = bool(np.isfinite(years["benchmark"].to_numpy(dtype=float)).any())

    with matplotlib.style.context([STYLE, RC]):
        fig = new_figure(10, 6.4)
        ax = fig.add_subplot()
        window = trend_window(row)
        tested = window and cell_text(row["direction"]) != "cannot be calculated"
        if tested:
            first, last = int(row["first_year"]), int(row["last_year"])
            ax.axvspan(
                first - 0.4,
                last + 0.4,
                color="#F0F0F0",
                zorder=0,
                label="Years of the recent-trend test",
            )
        x = shown["year"].to_numpy(dtype=float)
        y = shown["value"].to_numpy(dtype=float)
        hi = shown["upper_95"].to_numpy(dtype=float)
        bench = years["benchmark"].to_numpy(dtype=float) if has_benchmark else []
        top = value_top(y, shown["lower_95"], hi, also=bench) * 1.2  # room for the trend box
        hi_cut, _, above = cut(hi, 0.0, top)
        ax.errorbar(
            x,
            y,
            yerr=[
                np.clip(y - shown["lower_95"].to_numpy(dtype=float), 0, None),
                np.clip(hi_cut - y, 0, None),
            ],
            fmt="none",
            ecolor=PRIMARY_COLOUR,
            capsize=3,
            zorder=2,
        )
        mark_beyond(ax, x[above], top, horizontal=False, upper=True, colour=PRIMARY_COLOUR)
        beyond = [str(int(v)) for v in x[above]]
        ax.plot(
            x, y, color=PRIMARY_COLOUR, marker="o", markersize=8, label=f"{name} (95% CI)", zorder=3
        )
        if has_benchmark:
            bx = years["year"].to_numpy(dtype=float)
            by = years["benchmark"].to_numpy(dtype=float)
            ax.plot(
                bx,
                by,
                color=BENCHMARK_COLOUR,
                linestyle="--",
                marker="s",
                markersize=6,
                linewidth=1.6,
                label=f"{bench_label} (benchmark)",
                zorder=2.5,
            )
        for _, r in shown.iterrows():
            comparison = str(r["comparison"])
            if comparison_phrase(comparison, "") and comparison != "Similar":
                ax.annotate(
                    comparison,
                    xy=(r["year"], min(r["upper_95"], top)),
                    xytext=(0, 6),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=9,
                    color="#3D3D3D",
                )
        verdict = cell_text(row["label"]) if row is not None else "not available"
        marker_text = f"Recent trend{f' {window}' if window else ''}: {verdict}"
        if row is not None and cell_text(row["reason"]):
            marker_text += f"\n({cell_text(row['reason'])})"
        ax.text(
            0.01,
            0.98,
            wrap(marker_text, 70),
            transform=ax.transAxes,
            ha="left",
            va="top",
            fontsize=11,
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "#3D3D3D"},
        )
        all_years = years["year"].to_numpy(dtype=float)
        ax.set_xticks(all_years, [period_text(g) for g in years["group"]])
        if all_years.size:
            ax.set_xlim(all_years.min() - 0.6, all_years.max() + 0.6)
        ax.set_ylim(0, top)
        ax.set_xlabel(DIMENSION_LABELS["year"])
        ax.set_ylabel(value_axis(outcome))
        legend_below(ax, ncols=3, fontsize=10)
        notes = [
            f"Points show {values_noun(outcome)} and bars 95% confidence intervals.",
            "Recent trend: Fingertips method (chi-squared test for trend over the most recent "
            "years, shaded when the test can be run; "
            "99.8% level, slope stable when any one year is left out).",
        ]
        if has_benchmark:
            notes.append(
                f"Comparison with {bench_label}: Fingertips method (benchmark outside the 95% or "
                "99.8% confidence interval); years marked Worse or Better differ significantly."
            )
        if hidden:
            notes.append(f"Values based on small numbers are not shown: {join_words(hidden)}.")
        if beyond:
            notes.append(beyond_note(beyond))
        caption = chart_caption(
            synthetic=synthetic,
            source=source,
            population=f"{outcome_definition(outcome)}, mothers resident in {name}",
            period=period,
            notes=notes,
        )
        finish(fig, ax, title, caption)

    values = "; ".join(
        f"{period_text(r['group'])} {fmt_value(r['value'], outcome)} (95% CI {fmt_ci(r['lower_95'], r['upper_95'])})"
        + (
            f", {bench_label} {fmt_value(r['benchmark'], outcome)}, {r['comparison']}"
            if np.isfinite(r["benchmark"]) and r["comparison"]
            else ""
        )
        for _, r in shown.iterrows()
    )
    alt = (
        f"{'Synthetic data. ' if synthetic else ''}Line chart of {lower_first(label)} "
        f"{as_unit(outcome)} by year in {name}"
        + (f", with {bench_label} as the benchmark" if has_benchmark else "")
        + f" and 95% confidence intervals. {title}. {marker_text.replace(chr(10), ' ')}. {values}."
    )
    if hidden:
        alt += f" Not shown (small numbers): {join_words(hidden)}."
    if beyond:
        alt += f" {beyond_note(beyond)}"
    return fig, alt


def _midpoint_ranks(denominators: np.ndarray) -> np.ndarray:
    """Relative rank of each quintile: the midpoint of its share of births (0 = most deprived)."""
    share = denominators / denominators.sum()
    return np.cumsum(share) - share / 2


def sii_chart(
    rates: pd.DataFrame,
    inequality: pd.DataFrame,
    area_code: str,
    outcome: str,
    *,
    synthetic: bool = False,
    source: str | None = None,
    period: str | None = None,
) -> tuple[Figure, str]:
    """Percent by IMD quintile at each quintile's relative rank (share of births), with the fitted
    line whose end-to-end difference is the slope index of inequality (PHE method)."""
    quint = select_rates(rates, area_code, outcome, "imd_quintile")
    mask = (
        (rates["area_code"].astype("string") == str(area_code))
        & (rates["outcome"].astype("string") == outcome)
        & (rates["dimension"].astype("string") == "imd_quintile")
    )
    raw = rates.loc[mask.fillna(False).astype(bool)]
    quint["denominator"] = as_float(raw["denominator"]) if "denominator" in raw else np.nan
    quint = quint[quint["group"].isin(IMD_QUINTILES)].set_index("group").reindex(IMD_QUINTILES)
    name = area_name_of(rates, area_code)
    period = period or period_of(rates, area_code)
    label = outcome_label(outcome)
    rows = inequality_rows(inequality, area_code, outcome)
    sii, rii = measure_row(rows, "sii"), measure_row(rows, "rii")
    title = sii_finding(inequality, area_code, outcome, name)
    denominators = quint["denominator"].to_numpy(dtype=float)
    equal_ranks = not np.isfinite(denominators).all() or denominators.sum() <= 0
    ranks = np.linspace(0.1, 0.9, 5) if equal_ranks else _midpoint_ranks(denominators)
    suppressed = quint["suppressed"].fillna(True).astype(bool).to_numpy()
    has_sii = (
        sii is not None
        and np.isfinite(sii["value"])
        and "intercept" in rows.columns
        and (np.isfinite(sii.get("intercept", np.nan)))
    )

    with matplotlib.style.context([STYLE, RC]):
        fig = new_figure(10, 7.2)
        ax = fig.add_subplot()
        ok = ~suppressed
        pct = quint["value"].to_numpy(dtype=float)
        lo = quint["lower_95"].to_numpy(dtype=float)
        hi = quint["upper_95"].to_numpy(dtype=float)
        line_ends = [sii["intercept"], sii["intercept"] - sii["value"]] if has_sii else []
        top = value_top(pct[ok], lo[ok], hi[ok], also=line_ends) * 1.25  # room for the index box
        hi_cut, _, above = cut(hi, 0.0, top)
        above &= ok
        ax.errorbar(
            ranks[ok],
            pct[ok],
            yerr=[np.clip(pct[ok] - lo[ok], 0, None), np.clip(hi_cut[ok] - pct[ok], 0, None)],
            fmt="o",
            color=PRIMARY_COLOUR,
            markersize=9,
            capsize=4,
            zorder=3,
            label="Quintile percentage (95% CI)",
        )
        mark_beyond(ax, ranks[above], top, horizontal=False, upper=True, colour=PRIMARY_COLOUR)
        beyond = [f"quintile {q}" for q, a in zip(IMD_QUINTILES, above, strict=True) if a]
        for rank, upper, quintile, shown in zip(ranks, hi_cut, IMD_QUINTILES, ok, strict=True):
            ax.annotate(
                f"Q{quintile}" + ("" if shown else " c"),
                xy=(rank, upper if shown else 0),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=10,
                color="#3D3D3D",
            )
        if has_sii:
            start = float(sii["intercept"])
            end = start - float(sii["value"])
            ax.plot(
                [0, 1],
                [start, end],
                color=BENCHMARK_COLOUR,
                linestyle="--",
                linewidth=2,
                label="Fitted line (slope index of inequality)",
                zorder=2,
            )
            text = f"Slope index: {fmt_gap(sii['value'], outcome)} (95% CI {fmt_ci(sii['lower_95'], sii['upper_95'])})"
            if rii is not None and np.isfinite(rii["value"]):
                text += f"\nRelative index: {rii_words(rii)}"
            ax.text(
                0.99,
                0.98,
                text,
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize=11,
                bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "#3D3D3D"},
            )
        ax.set_xlim(0, 1)
        ax.set_ylim(0, top)
        ax.set_xticks(
            [0, 0.25, 0.5, 0.75, 1],
            ["0\nmost deprived", "0.25", "0.5", "0.75", "1\nleast deprived"],
        )
        ends = ax.get_xticklabels()
        ends[0].set_horizontalalignment("left")  # the end words stay over the axis, off the y ticks
        ends[-1].set_horizontalalignment("right")
        ax.set_xlabel("Relative deprivation rank of the mother's neighbourhood (share of births)")
        ax.set_ylabel(value_axis(outcome))
        legend_below(ax, ncols=2, fontsize=10)
        notes = [
            "Each IMD quintile is placed at the middle of its share of births, ranked from most to "
            "least deprived; bars are 95% confidence intervals.",
            "Slope index of inequality (PHE method): the difference between the fitted values at the "
            "most and least deprived ends, in percentage points; relative index: their ratio. "
            "Confidence intervals by simulation.",
        ]
        if equal_ranks:
            notes.append("Quintile counts are suppressed, so the points are evenly spaced.")
        if suppressed.any():
            hidden = [q for q, s in zip(IMD_QUINTILES, suppressed, strict=True) if s]
            notes.append(f"Suppressed values (c) not shown: quintile {join_words(hidden)}.")
        if beyond:
            notes.append(beyond_note(beyond))
        caption = chart_caption(
            synthetic=synthetic,
            source=source,
            population=(
                f"{outcome_definition(outcome)}, mothers resident in {name} with known "
                "deprivation quintile"
            ),
            period=period,
            notes=notes,
        )
        finish(fig, ax, title, caption)

    values = "; ".join(
        f"quintile {q} {fmt_value(v, outcome)}"
        for q, v, s in zip(IMD_QUINTILES, pct, ok, strict=True)
        if s
    )
    alt = (
        f"{'Synthetic data. ' if synthetic else ''}Chart of {lower_first(label)} {as_unit(outcome)} "
        f"by deprivation quintile in {name}{f', {period}' if period else ''}, each "
        f"quintile at its relative deprivation rank (0 most deprived, 1 least deprived), with 95% "
        f"confidence intervals"
        + (" and the fitted slope-index line" if has_sii else "")
        + f". {title}. {values}."
    )
    if has_sii and rii is not None and np.isfinite(rii["value"]):
        alt += f" Relative index of inequality {rii_words(rii)}."
    if beyond:
        alt += f" {beyond_note(beyond)}"
    return fig, alt


def _point_period(point: pd.Series) -> str:
    """An area-year point's year, or its three-year period (``period``) for a pooled outcome."""
    period = cell_text(point.get("period"))
    return period_text(period) if "-" in period else str(int(point["year"]))


def funnel_plot(
    funnel: pd.DataFrame,
    area_code: str,
    outcome: str,
    *,
    disclosure: Mapping,
    area_name: str | None = None,
    synthetic: bool = False,
    source: str | None = None,
    period: str | None = None,
) -> tuple[Figure, str]:
    """PHE funnel plot: value against births for every study area (whole period) and area-year,
    with the pooled average and 95%/99.8% limits; the appendix's area is drawn and labelled apart."""
    rows = funnel_rows(funnel, outcome)
    name = area_name or (
        rows.loc[rows["area_code"] == str(area_code), "area_name"].iloc[0]
        if (rows["area_code"] == str(area_code)).any()
        else str(area_code)
    )
    label = outcome_label(outcome)
    title = funnel_finding(funnel, area_code, outcome, name)
    if period is None:
        years = rows["year"].dropna()
        if not years.empty:
            first, last = int(years.min()), int(years.max())
            period = str(first) if first == last else f"{first}–{last}"
    limits = rows[rows["row_type"] == "limits"].sort_values("axis_denominator")
    points = rows[rows["row_type"].isin(["area", "area_year"]) & rows["value"].notna()]
    mine = points["area_code"] == str(area_code)
    if limits.empty or points.empty:
        raise InputError(
            f"the funnel table has no limits or points for outcome {outcome!r}",
            column="row_type",
            rows=0,
        )
    baseline = float(limits["baseline"].iloc[0])
    target = funnel_target_of(rows)
    x_min = float(points["denominator"].min()) * 0.8
    x_max = float(points["denominator"].max()) * 1.1
    span = limits[
        (limits["axis_denominator"] >= x_min * 0.9) & (limits["axis_denominator"] <= x_max * 1.1)
    ]
    if len(span) < 2:
        span = limits

    series = [
        ("area_year", False, "Other areas, single years", OTHER_COLOUR, "o", 6),
        ("area", False, "Other areas, whole period", OTHER_COLOUR, "D", 9),
        ("area_year", True, wrap(f"{name}, single years", 28), PRIMARY_COLOUR, "s", 7),
        ("area", True, wrap(f"{name}, whole period", 28), PRIMARY_COLOUR, "D", 12),
    ]
    with matplotlib.style.context([STYLE, RC]):
        fig = new_figure(10, 6.6)
        ax = fig.add_subplot()
        ax.grid(axis="x", visible=True)
        ax.axhline(
            baseline,
            color=BENCHMARK_COLOUR,
            linewidth=1.5,
            label=wrap(f"{target} ({fmt_value(baseline, outcome)})", 28),
            zorder=1,
        )
        for level, style, text in (("95", "--", "95% limits"), ("99_8", ":", "99.8% limits")):
            ax.plot(
                span["axis_denominator"],
                span[f"upper_{level}"],
                color=BENCHMARK_COLOUR,
                linestyle=style,
                linewidth=1.4,
                label=text,
                zorder=1,
            )
            ax.plot(
                span["axis_denominator"],
                span[f"lower_{level}"],
                color=BENCHMARK_COLOUR,
                linestyle=style,
                linewidth=1.4,
                zorder=1,
            )
        # area names fanned out by value, so that areas of like size and value stay apart
        areas = points[points["row_type"] == "area"]
        rank = areas["value"].rank(method="first", ascending=True) - 1
        for row_type, own, text, colour, marker, size in series:
            part = points[(points["row_type"] == row_type) & (mine if own else ~mine)]
            if part.empty:
                continue
            ax.plot(
                part["denominator"],
                part["value"],
                linestyle="none",
                marker=marker,
                markersize=size,
                color=colour,
                markeredgecolor="white",
                label=text,
                zorder=4 if own else 3,
            )
            if row_type == "area":
                for index, p in part.iterrows():
                    right = p["denominator"] > (x_min + x_max) / 2  # name to the left, in the plot
                    lift = 4 + 14 * (rank[index] - (len(rank) - 1) / 2)
                    ax.annotate(
                        wrap(str(p["area_name"]), 24),
                        xy=(p["denominator"], p["value"]),
                        xytext=(-6 if right else 6, lift),
                        textcoords="offset points",
                        ha="right" if right else "left",
                        fontsize=9,
                        color=colour if own else "#3D3D3D",
                    )
        y_values = np.concatenate(
            [
                points["value"].to_numpy(dtype=float),
                span["upper_99_8"].to_numpy(dtype=float),
                span["lower_99_8"].to_numpy(dtype=float),
            ]
        )
        y_low, y_high = float(np.nanmin(y_values)), float(np.nanmax(y_values))
        pad = (y_high - y_low) * 0.08 or 1.0
        ax.set_xlim(x_min, x_max)
        ax.set_ylim(max(0.0, y_low - pad), y_high + pad)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_xlabel(f"{denominator_heading(outcome)} in the denominator ({rounded(disclosure)})")
        ax.set_ylabel(value_axis(outcome))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=10)
        notes = [
            f"Funnel limits (PHE method, Wilson score) around {target} "
            f"({fmt_value(baseline, outcome)}): a point outside the 95% (dashed) or 99.8% (dotted) limits "
            "differs significantly from it.",
            "Values based on small numbers are suppressed and not shown.",
        ]
        caption = chart_caption(
            synthetic=synthetic,
            source=source,
            population=f"{outcome_definition(outcome)}, mothers resident in the study areas",
            period=period,
            notes=notes,
        )
        finish(fig, ax, title, caption)

    described = "; ".join(
        f"{p['area_name']}{'' if p['row_type'] == 'area' else ' ' + _point_period(p)} "
        f"{fmt_value(p['value'], outcome)} of {int(p['denominator']):,} "
        f"{denominator_heading(outcome).lower()} "
        f"({significance_phrase(str(p['significance']))})"
        for _, p in points[mine].iterrows()
    )
    alt = (
        f"{'Synthetic data. ' if synthetic else ''}Funnel plot of {lower_first(label)} "
        f"{as_unit(outcome)} against the number of births, for each study area over the "
        f"whole period and for each year, with {target} ({fmt_value(baseline, outcome)}) and 95% and "
        f"99.8% limits. {title}. {name}: {described}."
    )
    return fig, alt
