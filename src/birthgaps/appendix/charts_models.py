"""Forest plot of a published ratio table (odds ratios or risk ratios, crude and adjusted, 95% CIs
on a log axis); returns (figure, alt text)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from birthgaps.appendix.charts_axes import beyond_note, mark_beyond, ratio_limits
from birthgaps.appendix.charts_style import (
    PRIMARY_COLOUR,
    RC,
    SECONDARY_COLOUR,
    STYLE,
    SeriesStyle,
    chart_caption,
    finish,
    legend_below,
    new_figure,
)
from birthgaps.appendix.findings import model_finding
from birthgaps.appendix.frames import (
    estimate_note,
    model_terms,
    ratio_measure,
    select_models,
    too_few_events,
)
from birthgaps.appendix.wording import (
    TERM_HEADINGS,
    TERM_PHRASES,
    fmt_ci,
    fmt_or,
    join_words,
    level_label,
    lower_first,
    outcome_definition,
    outcome_label,
)
from birthgaps.core.errors import InputError


def forest_plot(
    models: pd.DataFrame,
    area_code: str,
    outcome: str,
    *,
    terms: Sequence[str] = ("imd_quintile", "ethnic_group"),
    area_name: str | None = None,
    synthetic: bool = False,
    source: str | None = None,
    period: str | None = None,
    measure: str = "odds_ratio",
) -> tuple[Figure, str]:
    """Crude and adjusted ratios with 95% CIs on a log axis, reference line at 1.

    ``measure="odds_ratio"`` draws the models table (logistic regression);
    ``measure="risk_ratio"`` the risk-ratio table (modified Poisson), with the same layout.
    """
    spec = ratio_measure(measure)
    rows = select_models(models, area_code, outcome, measure)
    label = outcome_label(outcome)
    name = area_name or ("All study areas" if str(area_code) == "ALL" else str(area_code))
    title = model_finding(models, area_code, outcome, terms, measure)
    layout = model_terms(rows, terms)
    if not layout:
        raise InputError(
            f"the {spec.table} table has no rows for terms {', '.join(terms)} (area {area_code}, "
            f"outcome {outcome!r})",
            column="term",
        )
    model_styles = {
        "crude": ("Crude", SeriesStyle(SECONDARY_COLOUR, "o"), 0.18, "none"),
        "adjusted": ("Adjusted", SeriesStyle(PRIMARY_COLOUR, "s"), -0.18, None),
    }
    present = set(rows.loc[rows["model"] == "adjusted", "term"])
    adjusted_terms = [t for t in TERM_PHRASES if t in present] + sorted(present - set(TERM_PHRASES))

    # y positions, top to bottom: a heading row per term, then its levels.
    entries: list[tuple[str, str, str | None]] = []  # (kind, term, level)
    for term, _, levels in layout:
        entries.append(("heading", term, None))
        entries.extend(("level", term, level) for level in levels)
    y_of = {i: len(entries) - 1 - i for i in range(len(entries))}

    low, high = ratio_limits(rows[measure], rows["lower_95"], rows["upper_95"])
    beyond: dict[str, list[str]] = {}  # level -> models whose interval runs off the chart

    alt_values: list[str] = []
    few: list[str] = []
    flagged: list[str] = []  # estimated, but with a note to read them by
    with matplotlib.style.context([STYLE, RC]):
        fig = new_figure(10, max(4.8, 2.9 + 0.42 * len(entries)))
        ax = fig.add_subplot()
        ax.grid(False)
        ax.set_xscale("log")
        ax.axvline(1.0, color="#3D3D3D", linewidth=1.2, zorder=1)
        tick_labels: dict[float, str] = {}
        plotted = {"crude": False, "adjusted": False}
        for i, (kind, term, level) in enumerate(entries):
            y = y_of[i]
            if kind == "heading":
                tick_labels[y] = TERM_HEADINGS.get(term, term)
                continue
            reference = next(ref for t, ref, _ in layout if t == term)
            text = level_label(term, level)
            if level == reference:
                tick_labels[y] = f"{text} (reference)"
                ax.plot([1.0], [y], marker="|", color="#3D3D3D", markersize=10, zorder=3)
                continue
            tick_labels[y] = text
            missing: list[tuple[str, str, float]] = []  # (model, reason, offset) without estimate
            for model, (model_label, style, offset, face) in model_styles.items():
                hit = rows[
                    (rows["model"] == model) & (rows["term"] == term) & (rows["level"] == level)
                ]
                if hit.empty:
                    continue
                row = hit.iloc[0]
                if too_few_events(row["note"]) or not np.isfinite(row[measure]):
                    reason = estimate_note(row["note"]) or "no estimate"
                    missing.append((model_label.lower(), reason, offset))
                    few.append(f"{text} ({model_label.lower()}: {reason})")
                    continue
                caveat = estimate_note(row["note"])
                if caveat:
                    flagged.append(f"{text} ({model_label.lower()}: {caveat})")
                lower_err = max(row[measure] - max(row["lower_95"], low), 0)
                upper_err = max(min(row["upper_95"], high) - row[measure], 0)
                for edge, out, upper in (
                    (low, row["lower_95"] < low, False),
                    (high, row["upper_95"] > high, True),
                ):
                    if out:
                        mark_beyond(
                            ax, [y + offset], edge, horizontal=True, upper=upper, colour=style.color
                        )
                if row["lower_95"] < low or row["upper_95"] > high:
                    beyond.setdefault(text, []).append(model_label.lower())
                ax.errorbar(
                    [row[measure]],
                    [y + offset],
                    xerr=[[lower_err], [upper_err]],
                    fmt=style.marker,
                    color=style.color,
                    markerfacecolor=face or style.color,
                    markeredgewidth=1.6,
                    markersize=style.markersize,
                    capsize=3,
                    label=None if plotted[model] else f"{model_label} {spec.name}",
                    zorder=3,
                )
                plotted[model] = True
                if model == "adjusted":
                    alt_values.append(
                        f"{text} {fmt_or(row[measure])} "
                        f"({fmt_ci(row['lower_95'], row['upper_95'], 2)})"
                    )
                    ax.annotate(
                        f"{fmt_or(row[measure])} ({fmt_ci(row['lower_95'], row['upper_95'], 2)})",
                        xy=(1.0, y + offset),
                        xycoords=("axes fraction", "data"),
                        xytext=(6, 0),
                        textcoords="offset points",
                        va="center",
                        fontsize=10,
                        color=PRIMARY_COLOUR,
                    )
            if len(missing) == 2 and missing[0][1] == missing[1][1]:
                # one line for both models: two lines a third of a row apart would overlap
                missing = [(join_words([m for m, _, _ in missing]), missing[0][1], 0.0)]
            for model_words, reason, offset in missing:
                ax.text(
                    1.0,
                    y + offset,
                    f"  {model_words}: {reason}",
                    va="center",
                    ha="left",
                    fontsize=10,
                    style="italic",
                    color="#3D3D3D",
                )
        ax.annotate(
            f"Adjusted {spec.short} (95% CI)",
            xy=(1.0, len(entries) - 1),
            xycoords=("axes fraction", "data"),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=10,
            fontweight="bold",
            color=PRIMARY_COLOUR,
        )
        ys = sorted(tick_labels)
        ax.yaxis.set_major_locator(FixedLocator(ys))
        ax.set_yticks(ys, [tick_labels[y] for y in ys])
        for tick, y in zip(ax.get_yticklabels(), ys, strict=True):
            if entries[len(entries) - 1 - int(y)][0] == "heading":
                tick.set_fontweight("bold")
        ax.set_ylim(-0.8, len(entries) - 0.2)
        ax.set_xlim(low, high)
        candidates = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 10, 20, 50, 100]
        ticks = [t for t in candidates if low <= t <= high]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlabel(
            f"{spec.name.capitalize()} (log scale); 1 = same {spec.noun} as the reference group"
        )
        ax.set_ylabel("")
        if any(plotted.values()):
            legend_below(ax, x=1.0, fontsize=11)
        adjusted_for = [TERM_PHRASES.get(t, t) for t in adjusted_terms]
        notes = [
            f"{spec.method}; bars show 95% confidence intervals. "
            f"Right: adjusted {spec.name} (95% CI).",
        ]
        if adjusted_for:
            notes.append(f"Adjusted model includes {join_words(adjusted_for)}.")
        if few:
            notes.append(f"No estimate for {join_words(few)}.")
        if flagged:
            notes.append(f"Read with care: {join_words(flagged)}.")
        cut_off = [f"{text} ({join_words(models)})" for text, models in beyond.items()]
        if cut_off:
            notes.append(beyond_note(cut_off))
        caption = chart_caption(
            synthetic=synthetic,
            source=source,
            population=(
                f"{outcome_definition(outcome)}, mothers resident in {name}, with known "
                "deprivation, ethnic group and age"
            ),
            period=period,
            notes=notes,
        )
        finish(fig, ax, title, caption)

    references = "; ".join(
        f"{TERM_PHRASES.get(t, t)} reference {level_label(t, r)}" for t, r, _ in layout if r
    )
    alt = (
        f"{'Synthetic data. ' if synthetic else ''}Forest plot of crude and adjusted {spec.name}s of "
        f"{lower_first(label)} in {name}{f', {period}' if period else ''}, with 95% confidence "
        f"intervals on a log scale ({references}). {title}. "
    )
    if alt_values:
        alt += f"Adjusted {spec.name}s (95% CI): {'; '.join(alt_values)}."
    if few:
        alt += f" No estimate for {join_words(few)}."
    if flagged:
        alt += f" Read with care: {join_words(flagged)}."
    if cut_off:
        alt += f" {beyond_note(cut_off)}"
    return fig, alt.strip()
