"""Chart of the published exclusion flow: records at each cleaning step as horizontal bars, kinds
told apart by hatch and colour; returns (figure, alt text)."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from birthgaps.appendix.charts_style import (
    PRIMARY_COLOUR,
    RC,
    SECONDARY_COLOUR,
    STYLE,
    chart_caption,
    finish,
    legend_below,
    new_figure,
    wrap,
)
from birthgaps.appendix.findings import flow_finding
from birthgaps.appendix.frames import normalise_flow
from birthgaps.core.methods import counts_sentence, withheld_text

#: Kinds of flow row, told apart by marker, hatch and colour (never colour alone).
FLOW_KINDS: dict[str, tuple[str, str, str]] = {
    # kind: (legend label, colour, hatch)
    "total": ("Records or births counted", PRIMARY_COLOUR, ""),
    "excluded": ("Records removed", SECONDARY_COLOUR, "//"),
    "flagged": ("Kept but flagged, or out of one outcome's denominator", "#A285D1", ".."),
}


def exclusion_flow(
    flow: pd.DataFrame,
    *,
    disclosure: Mapping,
    area_code: str | None = None,
    area_name: str | None = None,
    synthetic: bool = False,
    source: str | None = None,
    period: str | None = None,
) -> tuple[Figure, str]:
    """The record flow as horizontal bars (counts labelled), kinds told apart by hatch and colour."""
    steps = normalise_flow(flow, area_code)
    title = flow_finding(steps)
    where = "all study areas" if "area_code" not in flow.columns else (area_name or "the area")

    with matplotlib.style.context([STYLE, RC]):
        labels = [wrap(str(d), 46) for d in steps["description"]]
        # each row as tall as its label: one unit per bar, more for labels of 3 or more lines
        units = np.array([max(1.0, 0.4 * (label.count("\n") + 1) + 0.2) for label in labels])
        fig = new_figure(10, max(4.5, 2.8 + 0.42 * units.sum()))
        ax = fig.add_subplot()
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        y = units.sum() - (np.cumsum(units) - units / 2)
        values = steps["count"].astype("float64").to_numpy(na_value=np.nan)
        top = float(np.nanmax(values)) if np.isfinite(values).any() else 1.0
        for kind, (kind_label, colour, hatch) in FLOW_KINDS.items():
            mask = (steps["kind"] == kind).to_numpy() & ~np.isnan(values)
            if mask.any():
                ax.barh(
                    y[mask],
                    values[mask],
                    color=colour,
                    edgecolor="white" if hatch else colour,
                    hatch=hatch or None,
                    height=0.62,
                    label=kind_label,
                    zorder=2,
                )
        for yy, (_, row) in zip(y, steps.iterrows(), strict=True):
            text = "c (suppressed)" if row["suppressed"] else f"{int(row['count']):,}"
            if not row["suppressed"]:
                text += {"total": "", "excluded": " removed", "flagged": " flagged"}[row["kind"]]
            x = 0.0 if row["suppressed"] else float(row["count"])
            ax.text(x + top * 0.01, yy, text, va="center", ha="left", fontsize=11, color="#3D3D3D")
        ax.set_yticks(y, labels, fontsize=11)
        ax.set_ylim(0, units.sum())
        ax.set_xlim(0, top * 1.22)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_xlabel("Records")
        legend_below(ax, ncols=1, fontsize=11)
        notes = [
            f"{counts_sentence(disclosure)} {withheld_text(disclosure)}.",
            "Gestation and weight problems remove a birth only from the denominators that need them.",
        ]
        caption = chart_caption(
            synthetic=synthetic,
            source=source,
            population=f"birth records in the extract for {where}",
            period=period,
            notes=notes,
        )
        finish(fig, ax, title, caption)

    described = "; ".join(
        f"{row['description']}: {'suppressed' if row['suppressed'] else format(int(row['count']), ',')}"
        for _, row in steps.iterrows()
    )
    alt = (
        f"{'Synthetic data. ' if synthetic else ''}Horizontal bar chart of birth records at each "
        f"step of cleaning for {where}. {title}. {described}."
    )
    return fig, alt
