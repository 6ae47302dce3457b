"""Axis ranges that one imprecise group cannot stretch for everyone: limits from the point estimates
and the intervals of reasonably precise groups; intervals beyond the edge are cut there, marked
with a triangle and named in the caption and alt text."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from birthgaps.appendix.wording import join_words

#: An interval wider than this many times the median width of a chart's intervals is imprecise:
#: it does not set the axis range.
IMPRECISE_WIDTH = 3.0

#: Range of a ratio (log) axis unless the estimates or precise intervals need more.
RATIO_RANGE: tuple[float, float] = (0.25, 4.0)

#: Room left above the highest value on a percentage axis that starts at 0.
HEADROOM = 1.08

#: ``gid`` of the triangles marking an interval cut at the axis edge (tests look for it).
BEYOND_GID = "interval-beyond-axis"


def _floats(values) -> np.ndarray:
    return np.asarray(values, dtype=float).ravel()


def precise(lower, upper, *, log: bool = False) -> np.ndarray:
    """Which intervals are reasonably precise: no wider than ``IMPRECISE_WIDTH`` times the median
    width (on the log scale for ratios); missing intervals count as precise (nothing to draw)."""
    lo, hi = _floats(lower), _floats(upper)
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            lo, hi = np.log(lo), np.log(hi)
    width = hi - lo
    known = np.isfinite(width)
    if known.sum() < 2:
        return np.ones(width.shape, dtype=bool)
    median = float(np.median(width[known]))
    return ~known | (width <= IMPRECISE_WIDTH * max(median, 1e-12))


def value_top(estimates, lower, upper, *, also: Sequence[float] = ()) -> float:
    """Top of a percentage axis starting at 0: the highest point estimate, upper limit of a precise
    interval or extra value (``also``, e.g. a benchmark), with ``HEADROOM``; 1 when there is none."""
    ok = precise(lower, upper)
    values = np.concatenate([_floats(estimates), _floats(upper)[ok], _floats(list(also))])
    values = values[np.isfinite(values)]
    top = float(values.max()) if values.size else 0.0
    return top * HEADROOM if top > 0 else 1.0


def ratio_limits(estimates, lower, upper) -> tuple[float, float]:
    """Limits of a ratio (log) axis: ``RATIO_RANGE``, widened only for point estimates and precise
    intervals beyond it (with a little room)."""
    ok = precise(lower, upper, log=True)
    values = np.concatenate([_floats(estimates), _floats(lower)[ok], _floats(upper)[ok]])
    values = values[np.isfinite(values) & (values > 0)]
    low, high = RATIO_RANGE
    if values.size:
        low = min(low, float(values.min()) / 1.15)
        high = max(high, float(values.max()) * 1.15)
    return low, high


def cut(values, low: float, high: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values held within [low, high], and which were below ``low`` and above ``high``."""
    v = _floats(values)
    with np.errstate(invalid="ignore"):
        below, above = v < low, v > high
    return np.clip(v, low, high), below, above


def mark_beyond(ax, positions, edge: float, *, horizontal: bool, upper: bool, colour: str) -> None:
    """Triangles at the axis edge pointing out, where intervals run beyond the chart."""
    positions = _floats(positions)
    if not positions.size:
        return
    marker = (">" if upper else "<") if horizontal else ("^" if upper else "v")
    edges = np.full(positions.shape, edge)
    x, y = (edges, positions) if horizontal else (positions, edges)
    ax.plot(
        x,
        y,
        linestyle="none",
        marker=marker,
        markersize=8,
        color=colour,
        clip_on=False,
        zorder=4,
        label="_nolegend_",
        gid=BEYOND_GID,
    )


def beyond_note(names: Sequence[str]) -> str:
    """The caption and alt-text sentence naming the intervals cut at the chart's edge."""
    if not names:
        return ""
    one = len(names) == 1
    return (
        f"The 95% confidence interval{'' if one else 's'} of {join_words(list(names))} "
        f"run{'s' if one else ''} beyond the chart (a triangle marks the edge); see the table."
    )
