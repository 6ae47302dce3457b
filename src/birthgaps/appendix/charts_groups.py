"""One compact dot chart per outcome group (birth outcomes, mortality, maternity indicators): each
outcome of the group in the area against the benchmark, so that outcomes without charts of their
own are still seen at a glance while the per-area render time stays flat."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from birthgaps.appendix.charts_axes import value_top
from birthgaps.appendix.charts_style import (
    PRIMARY_COLOUR,
    RC,
    STYLE,
    chart_caption,
    finish,
    legend_below,
    new_figure,
)
from birthgaps.appendix.frames import area_name_of, as_float, benchmark_label_of, select_rates
from birthgaps.appendix.wording import fmt_ci, fmt_value, join_words, outcome_words
from birthgaps.core.errors import InputError

#: Colour of the benchmark marker.
BENCHMARK_COLOUR = "#3D3D3D"


def group_rows(rates: pd.DataFrame, area_code: str, outcomes: Sequence[str]) -> pd.DataFrame:
    """The area's whole-period row of each outcome: value, 95% limits, benchmark, comparison
    (``shown`` False when withheld or not calculated)."""
    records = []
    for outcome in outcomes:
        rows = select_rates(rates, area_code, outcome, "overall", required=False)
        mask = (
            (rates["area_code"].astype("string") == str(area_code))
            & (rates["outcome"].astype("string") == outcome)
            & (rates["dimension"].astype("string") == "overall")
        ).fillna(False)
        raw = rates.loc[mask.astype(bool)]
        bench = as_float(raw["benchmark"]) if "benchmark" in raw.columns else np.array([np.nan])
        comparison = (
            raw["comparison"].astype("string").fillna("").iloc[0]
            if "comparison" in raw.columns and not raw.empty
            else ""
        )
        row = rows.iloc[0] if not rows.empty else None
        records.append(
            {
                "outcome": outcome,
                "label": outcome_words(outcome).label,
                "value": np.nan if row is None else row["value"],
                "lower_95": np.nan if row is None else row["lower_95"],
                "upper_95": np.nan if row is None else row["upper_95"],
                "shown": row is not None and not bool(row["suppressed"]),
                "benchmark": float(bench[0]) if len(bench) else np.nan,
                "comparison": str(comparison),
            }
        )
    return pd.DataFrame(records)


def group_dots(
    rates: pd.DataFrame,
    area_code: str,
    group: str,
    outcomes: Sequence[str],
    *,
    synthetic: bool = False,
    source: str | None = None,
    period: str | None = None,
) -> tuple[Figure, str]:
    """The outcomes of one group in the area (points, 95% CI) and the benchmark (diamonds)."""
    if not outcomes:
        raise InputError(f"no outcomes of group {group!r} to draw", key="outcomes")
    rows = group_rows(rates, area_code, outcomes)
    words = outcome_words(outcomes[0])
    name = area_name_of(rates, area_code)
    bench = benchmark_label_of(rates, outcomes[0], area_code)
    shown = rows[rows["shown"]]
    hidden = rows.loc[~rows["shown"], "label"].tolist()
    with matplotlib.style.context([STYLE, RC]):
        fig = new_figure(10, max(3.8, 2.4 + 0.55 * len(rows)))
        ax = fig.add_subplot()
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        positions = {o: len(rows) - 1 - i for i, o in enumerate(rows["outcome"])}
        upper = value_top(
            shown["value"], shown["lower_95"], shown["upper_95"], also=list(rows["benchmark"])
        )
        ax.errorbar(
            shown["value"],
            [positions[o] for o in shown["outcome"]],
            xerr=[
                np.clip(shown["value"] - shown["lower_95"], 0, None),
                np.clip(np.minimum(shown["upper_95"], upper) - shown["value"], 0, None),
            ],
            fmt="o",
            color=PRIMARY_COLOUR,
            capsize=4,
            label=name,
            zorder=3,
        )
        marked = rows[np.isfinite(rows["benchmark"])]
        if not marked.empty:
            ax.scatter(
                marked["benchmark"],
                [positions[o] for o in marked["outcome"]],
                marker="D",
                color=BENCHMARK_COLOUR,
                s=40,
                label=bench,
                zorder=4,
            )
        for label, outcome in zip(rows["label"], rows["outcome"], strict=True):
            if label in hidden:
                ax.text(
                    upper * 0.02,
                    positions[outcome],
                    "c (suppressed)",
                    va="center",
                    fontsize=11,
                    style="italic",
                    color=BENCHMARK_COLOUR,
                )
        ax.set_yticks(list(positions.values()), list(rows["label"]))
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_xlim(0, upper)
        ax.set_xlabel(words.axis_label if words.per_1000 else f"Percentage of {words.denominator}")
        legend_below(ax, ncols=2, fontsize=10)
        notes = [
            f"Points show {name}'s values and bars 95% confidence intervals; diamonds show {bench}."
        ]
        if hidden:
            notes.append(f"Withheld values are not shown: {join_words(hidden)}.")
        title = f"{words.group_label} in {name} compared with {bench}"
        caption = chart_caption(
            synthetic=synthetic,
            source=source,
            population=f"{words.group_label.lower()} of mothers resident in {name}",
            period=period,
            notes=notes,
        )
        finish(fig, ax, title, caption)
    values = "; ".join(
        f"{r['label']} {fmt_value(r['value'], r['outcome'])} (95% CI "
        f"{fmt_ci(r['lower_95'], r['upper_95'])})"
        + (
            f", {bench} {fmt_value(r['benchmark'], r['outcome'])}"
            if np.isfinite(r["benchmark"])
            else ""
        )
        + (f", {r['comparison']}" if r["comparison"] else "")
        for _, r in shown.iterrows()
    )
    alt = (
        f"{'Synthetic data. ' if synthetic else ''}Chart of points with confidence intervals: "
        f"{words.group_label.lower()} in {name}{f', {period}' if period else ''} against {bench}. "
        f"{values}."
    )
    if hidden:
        alt += f" Suppressed values not shown: {join_words(hidden)}."
    return fig, alt
