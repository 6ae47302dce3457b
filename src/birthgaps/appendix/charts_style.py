"""The look of every chart: afcharts style and settings, one colour and marker per group, and the
layout of title and caption. Figures are built on matplotlib's Figure (no pyplot)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from afcharts.af_colours import get_af_colours
from matplotlib.figure import Figure
from matplotlib.transforms import offset_copy

from birthgaps.appendix.wording import ALL_BIRTHS
from birthgaps.core.codes import NOT_STATED
from birthgaps.core.provenance import SYNTHETIC_NOTICE

#: Matplotlib style sheet shipped by afcharts.
STYLE = "afcharts.afcharts"

#: Settings applied on top of the afcharts style, at creation and when saving.
RC = {
    "svg.hashsalt": "birthgaps",
    "svg.fonttype": "path",
    "figure.dpi": 100,
    "savefig.dpi": 110,  # figures.PNG_DPI
    "axes.titlesize": "large",
    "axes.titleweight": "bold",
}


@dataclass(frozen=True)
class SeriesStyle:
    """How one group is drawn: colour and marker (never colour alone) and line weight."""

    color: str
    marker: str
    linewidth: float = 1.6
    markersize: float = 7.0


def _build_group_styles() -> dict[str, SeriesStyle]:
    blue, teal, plum, orange, dark_grey, lilac = get_af_colours("categorical", number_of_colours=6)
    light_grey = get_af_colours("focus")[1]
    return {
        ALL_BIRTHS: SeriesStyle(dark_grey, "o", linewidth=3.0, markersize=9.0),
        "Asian": SeriesStyle(blue, "s"),
        "Black": SeriesStyle(teal, "^"),
        "Mixed": SeriesStyle(plum, "D"),
        "White": SeriesStyle(orange, "v"),
        "Other": SeriesStyle(lilac, "P"),
        NOT_STATED: SeriesStyle(light_grey, "X"),
    }


#: Ethnic group (and "All births") -> style; the order is ``definitions.ETHNIC_GROUPS``.
GROUP_STYLES: dict[str, SeriesStyle] = _build_group_styles()

#: Colour of single-series charts (age band, year, exclusion flow) and of the model estimates.
PRIMARY_COLOUR: str = get_af_colours("duo")[0]

SECONDARY_COLOUR: str = get_af_colours("duo")[1]

#: Colour of the benchmark, the fitted slope-index line and the funnel limits.
BENCHMARK_COLOUR = "#3D3D3D"

#: Grey of other areas' points in the funnel plot (marker shapes differ too).
OTHER_COLOUR = "#8C8C8C"


def group_style(group: str) -> SeriesStyle:
    """Style of an ethnic group (or ``ALL_BIRTHS``); other groups get the primary colour."""
    return GROUP_STYLES.get(group, SeriesStyle(PRIMARY_COLOUR, "o"))


def wrap(text: str, width: int) -> str:
    """Text wrapped at ``width`` characters, never breaking at a hyphen."""
    return "\n".join(textwrap.wrap(text, width=width, break_on_hyphens=False)) or text


def chart_caption(
    *,
    synthetic: bool,
    source: str | None,
    population: str,
    period: str | None,
    notes: Sequence[str] = (),
) -> str:
    """The caption under a chart: synthetic notice, source, population, period, notes."""
    if source is None:
        source = (
            "synthetic birth records made by the birthgaps generator"
            if synthetic
            else "maternity birth records, birthgaps analysis"
        )
    parts = []
    if synthetic:
        parts.append(SYNTHETIC_NOTICE)
    parts.append(f"Source: {source}.")
    parts.append(f"Population: {population}.")
    if period:
        parts.append(f"Period: {period}.")
    parts.extend(notes)
    return " ".join(parts)


def new_figure(width: float, height: float) -> Figure:
    """An empty figure of the given size in inches, laid out by the constrained engine."""
    return Figure(figsize=(width, height), layout="constrained")


def finish(fig: Figure, ax, title: str, caption: str) -> None:
    """Title above the axes, caption (source, population, period, notes) below them."""
    width_in = fig.get_figwidth()
    fig.suptitle(
        wrap(title, int(width_in * 6.3)),
        x=0.01,
        ha="left",
        fontsize="large",
        fontweight="bold",
    )
    wrapped = wrap(caption, int(width_in * 12.6))
    lines = wrapped.count("\n") + 1
    caption_height = (lines * 10 * 1.35 + 14) / 72  # inches: 10 pt text, line spacing, margin
    fraction = min(0.45, caption_height / fig.get_figheight())
    fig.text(0.01, 0.01, wrapped, ha="left", va="bottom", fontsize=10, color="#3D3D3D")
    fig.get_layout_engine().set(rect=(0, fraction, 1, 1 - fraction))
    fit_axis_labels(ax, width_in, fig.get_figheight() * (1 - fraction))
    legend = ax.get_legend()
    if legend is not None and legend.get_gid() == BELOW:
        _anchor_below(ax, legend)


#: ``gid`` of a legend set under the x-axis label by :func:`legend_below`.
BELOW = "legend-below"


def legend_below(ax, *, x: float = 0.0, ncols: int = 1, fontsize: float = 10, **options):
    """A legend under the axes, below the tick labels and the x-axis label whatever their number
    of lines (placed when the chart is finished); long entries are wrapped and the columns cut to
    what fits the figure's width. ``options`` go to ``Axes.legend``."""
    handles, labels = ax.get_legend_handles_labels()
    labels = [wrap(label, LEGEND_CHARS) for label in labels]
    longest = max((len(line) for label in labels for line in label.split("\n")), default=1)
    entry_in = longest * fontsize * 0.6 / 72 + 0.8  # text plus handle and spacing
    room_in = ax.figure.get_figwidth() * (1 - x) - 1.2
    ncols = max(1, min(ncols, int(room_in // entry_in)))
    legend = ax.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(x, 0.0),
        ncols=ncols,
        fontsize=fontsize,
        **options,
    )
    legend.set_gid(BELOW)
    return legend


#: Characters of a legend entry's line before it wraps.
LEGEND_CHARS = 45


def _lines(text: str) -> int:
    return text.count("\n") + 1 if text else 0


def _anchor_below(ax, legend) -> None:
    ticks = max((_lines(t.get_text()) for t in ax.get_xticklabels()), default=0)
    label = _lines(ax.get_xlabel())
    size = ax.xaxis.label.get_size()
    points = 8 + (ticks + label) * size * 1.25 + 4
    x = legend.get_bbox_to_anchor().transformed(ax.transAxes.inverted()).x0
    below = offset_copy(ax.transAxes, fig=ax.figure, y=-points, units="points")
    legend.set_bbox_to_anchor((x, 0.0), transform=below)


#: Inches per character of a 14 pt axis label (a generous average for sans-serif text).
LABEL_CHAR_IN = 0.105


def fit_axis_labels(ax, width_in: float, height_in: float) -> None:
    """Wrap an axis label longer than its side of the plot (less room for title and ticks), so
    a long outcome name never runs into the title or off the canvas."""
    for label, room in ((ax.yaxis.label, height_in - 1.6), (ax.xaxis.label, width_in - 2.0)):
        text = label.get_text()
        chars = max(12, int(room / LABEL_CHAR_IN))
        if text and "\n" not in text and len(text) > chars:
            label.set_text(wrap(text, chars))
