"""Charts of the rates table: percentages with 95% CIs by deprivation quintile (one series per
ethnic group) and by ethnic group, age band or year; each returns (figure, alt text)."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from birthgaps.appendix.charts_axes import beyond_note, cut, mark_beyond, value_top
from birthgaps.appendix.charts_style import (
    PRIMARY_COLOUR,
    RC,
    STYLE,
    SeriesStyle,
    chart_caption,
    finish,
    group_style,
    new_figure,
)
from birthgaps.appendix.figure_set import GROUP_DIMENSIONS
from birthgaps.appendix.findings import group_finding, imd_finding
from birthgaps.appendix.frames import (
    area_name_of,
    order_groups,
    overall_row,
    period_end,
    period_of,
    select_rates,
)
from birthgaps.appendix.wording import (
    ALL_BIRTHS,
    DIMENSION_LABELS,
    as_unit,
    fmt_ci,
    fmt_value,
    imd_label,
    join_words,
    lower_first,
    outcome_definition,
    outcome_label,
    value_axis,
    values_noun,
)
from birthgaps.core.codes import ETHNIC_GROUPS, IMD_QUINTILES, NOT_STATED
from birthgaps.core.errors import InputError
from birthgaps.core.methods import withheld_text


def rates_by_imd(
    rates: pd.DataFrame,
    area_code: str,
    outcome: str,
    *,
    disclosure: Mapping,
    synthetic: bool = False,
    source: str | None = None,
    period: str | None = None,
) -> tuple[Figure, str]:
    """Percent with 95% CIs by IMD quintile: all births plus one series per ethnic group."""
    all_rows = select_rates(rates, area_code, outcome, "imd_quintile")
    cross = select_rates(rates, area_code, outcome, "imd_quintile_by_ethnic_group", required=False)
    cross["quintile"] = cross["group"].str.partition(" | ")[0].str.strip()
    cross["ethnic"] = cross["group"].str.partition(" | ")[2].str.strip()
    all_rows["quintile"] = all_rows["group"]

    series: list[tuple[str, pd.DataFrame]] = [(ALL_BIRTHS, all_rows)]
    for ethnic in ETHNIC_GROUPS:
        if ethnic == NOT_STATED:
            continue
        rows = cross[cross["ethnic"] == ethnic]
        if not rows.empty:
            series.append((ethnic, rows))

    name = area_name_of(rates, area_code)
    period = period or period_of(rates, area_code)
    label = outcome_label(outcome)
    _, title = imd_finding(rates, area_code, outcome)

    suppressed_notes: list[str] = []
    alt_series: list[str] = []
    drawn: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, list[str]]] = []
    for series_name, rows in series:
        by_q = {q: rows[rows["quintile"] == q] for q in IMD_QUINTILES}
        y, lo, hi, hidden = [], [], [], []
        for q in IMD_QUINTILES:
            row = by_q[q]
            if row.empty or bool(row["suppressed"].iloc[0]):
                if not row.empty:
                    hidden.append(q)
                y.append(np.nan)
                lo.append(np.nan)
                hi.append(np.nan)
            else:
                y.append(float(row["value"].iloc[0]))
                lo.append(float(row["lower_95"].iloc[0]))
                hi.append(float(row["upper_95"].iloc[0]))
        drawn.append((series_name, np.array(y), np.array(lo), np.array(hi), hidden))
    top = value_top(*(np.concatenate([d[i] for d in drawn]) for i in (1, 2, 3)))
    beyond: list[str] = []
    with matplotlib.style.context([STYLE, RC]):
        fig = new_figure(10, 6.6)
        ax = fig.add_subplot()
        offsets = np.linspace(-0.24, 0.24, len(series)) if len(series) > 1 else [0.0]
        for (series_name, y_arr, lo_arr, hi_arr, hidden), offset in zip(
            drawn, offsets, strict=True
        ):
            style = group_style(series_name)
            x_arr = np.arange(1, 6) + offset
            shown = ~np.isnan(y_arr)
            hi_cut, _, above = cut(hi_arr, 0.0, top)
            if shown.any():
                ax.errorbar(
                    x_arr[shown],
                    y_arr[shown],
                    yerr=[
                        np.clip(y_arr[shown] - lo_arr[shown], 0, None),
                        np.clip(hi_cut[shown] - y_arr[shown], 0, None),
                    ],
                    fmt="none",
                    ecolor=style.color,
                    elinewidth=1.2,
                    capsize=3,
                    alpha=0.9,
                    zorder=2,
                )
            if above.any():
                mark_beyond(ax, x_arr[above], top, horizontal=False, upper=True, colour=style.color)
                quintiles = [q for q, a in zip(IMD_QUINTILES, above, strict=True) if a]
                beyond.append(f"{series_name} in quintile {join_words(quintiles)}")
            ax.plot(
                x_arr,
                y_arr,
                color=style.color,
                marker=style.marker,
                linewidth=style.linewidth,
                markersize=style.markersize,
                label=series_name,
                zorder=3 if series_name == ALL_BIRTHS else 2.5,
            )
            if hidden:
                suppressed_notes.append(f"{series_name} in quintile {join_words(hidden)}")
            values = [
                f"quintile {q} {fmt_value(v, outcome)}"
                for q, v in zip(IMD_QUINTILES, y_arr, strict=True)
                if not np.isnan(v)
            ]
            if values:
                alt_series.append(f"{series_name}: {', '.join(values)}.")
        ax.set_xticks(range(1, 6), [imd_label(q).replace(" (", "\n(") for q in IMD_QUINTILES])
        ax.set_xlim(0.5, 5.5)
        ax.set_ylim(0, top)
        ax.set_xlabel(DIMENSION_LABELS["imd_quintile"])
        ax.set_ylabel(value_axis(outcome))
        ax.legend(
            title="Ethnic group", loc="upper left", bbox_to_anchor=(1.01, 1.0), alignment="left"
        )
        notes = [
            f"Points show {values_noun(outcome)} and bars 95% confidence intervals; quintile 1 is "
            "the most deprived fifth of neighbourhoods in England.",
            "Births with ethnicity not stated are in All births only; births with unknown "
            "quintile are not shown.",
        ]
        if suppressed_notes:
            notes.append(
                f"{withheld_text(disclosure)}. Withheld values are not shown: {'; '.join(suppressed_notes)}."
            )
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

    alt = (
        f"{'Synthetic data. ' if synthetic else ''}Line chart of {lower_first(label)} "
        f"{as_unit(outcome)} by deprivation quintile (1 most deprived to 5 least deprived) "
        f"in {name}{f', {period}' if period else ''}, for all births and for each ethnic group, "
        f"with 95% confidence intervals. {title}. " + " ".join(alt_series)
    )
    if suppressed_notes:
        alt += f" Suppressed values not shown: {'; '.join(suppressed_notes)}."
    if beyond:
        alt += f" {beyond_note(beyond)}"
    return fig, alt


def rates_by_group(
    rates: pd.DataFrame,
    area_code: str,
    outcome: str,
    dimension: str,
    *,
    disclosure: Mapping,
    synthetic: bool = False,
    source: str | None = None,
    period: str | None = None,
    reference: str | None = None,
) -> tuple[Figure, str]:
    """Percent with 95% CIs by ethnic group or age band (horizontal points) or by year (line)."""
    if dimension not in GROUP_DIMENSIONS:
        raise InputError(
            f"rates_by_group draws {', '.join(GROUP_DIMENSIONS)}, not {dimension!r}",
            column="dimension",
        )
    rows = select_rates(rates, area_code, outcome, dimension)
    order = order_groups(dimension, rows["group"])
    rows = rows.set_index("group").loc[order].reset_index()
    name = area_name_of(rates, area_code)
    period = period or period_of(rates, area_code)
    label = outcome_label(outcome)
    title = group_finding(rates, area_code, outcome, dimension, reference)
    overall = overall_row(rates, area_code, outcome)
    hidden = rows.loc[rows["suppressed"], "group"].tolist()
    shown = rows[~rows["suppressed"]]

    with matplotlib.style.context([STYLE, RC]):
        if dimension == "year":
            fig = new_figure(10, 6.0)
            ax = fig.add_subplot()
            x = period_end(rows["group"]).to_numpy(dtype=float)
            y = np.where(rows["suppressed"], np.nan, rows["value"])
            ok = ~np.isnan(y)
            lo, hi = rows["lower_95"].to_numpy(dtype=float), rows["upper_95"].to_numpy(dtype=float)
            top = value_top(y[ok], lo[ok], hi[ok])
            hi_cut, _, above = cut(hi, 0.0, top)
            ax.errorbar(
                x[ok],
                y[ok],
                yerr=[np.clip(y[ok] - lo[ok], 0, None), np.clip(hi_cut[ok] - y[ok], 0, None)],
                fmt="none",
                ecolor=PRIMARY_COLOUR,
                capsize=3,
                zorder=2,
            )
            above &= ok
            mark_beyond(ax, x[above], top, horizontal=False, upper=True, colour=PRIMARY_COLOUR)
            beyond = rows.loc[above, "group"].tolist()
            ax.plot(x, y, color=PRIMARY_COLOUR, marker="o", label=label, zorder=3)
            ax.set_xticks(x, [str(g).replace("-", "–") for g in rows["group"]])
            ax.set_xlim(np.nanmin(x) - 0.6, np.nanmax(x) + 0.6)
            ax.set_ylim(0, top)
            ax.set_xlabel(DIMENSION_LABELS["year"])
            ax.set_ylabel(value_axis(outcome))
        else:
            fig = new_figure(10, max(4.8, 2.6 + 0.5 * len(rows)))
            ax = fig.add_subplot()
            ax.grid(axis="y", visible=False)
            ax.grid(axis="x", visible=True)
            positions = {g: len(rows) - 1 - i for i, g in enumerate(rows["group"])}
            also = [float(overall["value"])] if overall is not None else []
            upper = value_top(shown["value"], shown["lower_95"], shown["upper_95"], also=also)
            beyond = []
            for _, row in shown.iterrows():
                style = (
                    group_style(row["group"])
                    if dimension == "ethnic_group"
                    else SeriesStyle(PRIMARY_COLOUR, "o")
                )
                high = min(row["upper_95"], upper)
                ax.errorbar(
                    [row["value"]],
                    [positions[row["group"]]],
                    xerr=[
                        [max(row["value"] - row["lower_95"], 0)],
                        [max(high - row["value"], 0)],
                    ],
                    fmt=style.marker,
                    color=style.color,
                    markersize=style.markersize + 1,
                    capsize=4,
                    label=row["group"],
                    zorder=3,
                )
                if row["upper_95"] > upper:
                    beyond.append(row["group"])
                    mark_beyond(
                        ax,
                        [positions[row["group"]]],
                        upper,
                        horizontal=True,
                        upper=True,
                        colour=style.color,
                    )
            if overall is not None:
                ax.axvline(overall["value"], color="#3D3D3D", linestyle="--", linewidth=1.2)
                ax.annotate(
                    f"All births {fmt_value(overall['value'], outcome)}",
                    xy=(overall["value"], 1.0),
                    xycoords=("data", "axes fraction"),
                    xytext=(4, -2),
                    textcoords="offset points",
                    va="top",
                    fontsize=11,
                    color="#3D3D3D",
                )
            for group in hidden:
                ax.text(
                    upper * 0.02,
                    positions[group],
                    "c (suppressed)",
                    va="center",
                    fontsize=11,
                    style="italic",
                    color="#3D3D3D",
                )
            ax.set_yticks(list(positions.values()), list(positions.keys()))
            ax.set_ylim(-0.7, len(rows) - 0.3)
            ax.set_xlim(0, upper)
            ax.set_xlabel(value_axis(outcome))
            ax.set_ylabel(DIMENSION_LABELS[dimension])
        notes = [f"Points show {values_noun(outcome)} and bars 95% confidence intervals."]
        if overall is not None and dimension != "year":
            notes.append("The dashed line is the rate for all births in the area.")
        if hidden:
            notes.append(
                f"{withheld_text(disclosure)}. Withheld values are not shown: {join_words(hidden)}."
            )
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

    kind = "Line chart" if dimension == "year" else "Chart of points with confidence intervals"
    values = "; ".join(
        f"{r['group']} {fmt_value(r['value'], outcome)} (95% CI {fmt_ci(r['lower_95'], r['upper_95'])})"
        for _, r in shown.iterrows()
    )
    alt = (
        f"{'Synthetic data. ' if synthetic else ''}{kind} of {lower_first(label)} {as_unit(outcome)} by {DIMENSION_LABELS[dimension].lower()} in {name}"
        f"{f', {period}' if period else ''}, with 95% confidence intervals. {title}. {values}."
    )
    if overall is not None:
        alt += f" All births: {fmt_value(overall['value'], outcome)}."
    if hidden:
        alt += f" Suppressed values not shown: {join_words(hidden)}."
    if beyond:
        alt += f" {beyond_note(beyond)}"
    return fig, alt
