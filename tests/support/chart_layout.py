"""Where a chart's text lands once drawn: the window extents of every visible text (titles, axis
and tick labels, annotations, boxed notes, legends) and the clashes among them, so a test can
say that no two texts overlap, none leaves the canvas and no legend covers a label or a point."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from birthgaps.appendix.charts_style import RC

#: Pixels two boxes may share and still count as touching, not overlapping.
TOUCH_PX = 1.0


@dataclass(frozen=True)
class Block:
    """One piece of text as drawn: what it is, its words and its box in display pixels."""

    kind: str  # "suptitle", "caption", "title", "label", "tick", "text", "legend"
    text: str
    box: Bbox


def _visible(artist) -> bool:
    return artist.get_visible() and (not isinstance(artist, Text) or artist.get_text().strip())


def _text_box(text: Text, renderer) -> Bbox:
    """The text's box, or the box drawn round it when it has one."""
    patch = text.get_bbox_patch()
    box = text.get_window_extent(renderer)
    if patch is not None:
        box = Bbox.union([box, patch.get_window_extent(renderer)])
    return box


def _legend_block(legend: Legend, renderer) -> Block:
    """A legend's box: its frame when drawn, else its entries without the empty border."""
    words = [t.get_text() for t in legend.get_texts()]
    box = legend.get_window_extent(renderer)
    if not (legend.get_frame_on() and legend.get_frame().get_visible()):
        pad = legend.borderpad * renderer.points_to_pixels(legend.prop.get_size_in_points())
        box = box.padded(-pad)
    return Block("legend", " / ".join(words), box)


def text_blocks(fig: Figure, renderer) -> list[Block]:
    """Every visible text of a drawn figure; a legend (frame, title and entries) is one block."""
    blocks: list[Block] = []
    for text in fig.texts:
        if _visible(text):
            kind = "suptitle" if text.get_text() == fig.get_suptitle() else "caption"
            blocks.append(Block(kind, text.get_text(), _text_box(text, renderer)))
    for legend in fig.legends:
        blocks.append(_legend_block(legend, renderer))
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        if _visible(ax.title):
            blocks.append(Block("title", ax.title.get_text(), _text_box(ax.title, renderer)))
        for axis in (ax.xaxis, ax.yaxis):
            if _visible(axis.label):
                blocks.append(
                    Block("label", axis.label.get_text(), _text_box(axis.label, renderer))
                )
            low, high = sorted(axis.get_view_interval())
            span = (high - low) * 1e-9
            for loc, tick in zip(
                axis.get_majorticklocs(), axis.get_majorticklabels(), strict=False
            ):
                if _visible(tick) and low - span <= loc <= high + span:
                    blocks.append(Block("tick", tick.get_text(), _text_box(tick, renderer)))
        for text in ax.texts:
            if _visible(text):
                blocks.append(Block("text", text.get_text(), _text_box(text, renderer)))
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            blocks.append(_legend_block(legend, renderer))
    return blocks


def _overlap(a: Bbox, b: Bbox) -> bool:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width > TOUCH_PX and height > TOUCH_PX


def _data_points(fig: Figure) -> np.ndarray:
    """Display positions of every plotted marker and line vertex inside the axes."""
    points = [np.empty((0, 2))]
    for ax in fig.axes:
        for line in ax.lines:
            if not line.get_visible() or line.get_label() == "_nolegend_":
                continue
            xy = line.get_xydata()
            if xy is None or len(xy) == 0:
                continue
            shown = line.get_transform().transform(np.asarray(xy, dtype=float))
            shown = shown[np.isfinite(shown).all(axis=1)]
            box = ax.bbox
            inside = (
                (shown[:, 0] >= box.x0)
                & (shown[:, 0] <= box.x1)
                & (shown[:, 1] >= box.y0)
                & (shown[:, 1] <= box.y1)
            )
            points.append(shown[inside])
    return np.concatenate(points)


def drawn(fig: Figure):
    """Lay the figure out and draw it as the saving step does; returns the renderer."""
    canvas = FigureCanvasAgg(fig)
    with rc_context(RC):
        canvas.draw()
    return canvas.get_renderer()


def layout_problems(fig: Figure) -> list[str]:
    """Clashes on a figure: overlapping texts, text off the canvas, a legend over a point."""
    renderer = drawn(fig)
    blocks = text_blocks(fig, renderer)
    canvas = fig.bbox
    problems: list[str] = []
    for block in blocks:
        box = block.box
        if (
            box.x0 < canvas.x0 - TOUCH_PX
            or box.y0 < canvas.y0 - TOUCH_PX
            or box.x1 > canvas.x1 + TOUCH_PX
            or box.y1 > canvas.y1 + TOUCH_PX
        ):
            problems.append(f"{block.kind} {block.text[:40]!r} leaves the canvas ({box.extents})")
    for i, a in enumerate(blocks):
        for b in blocks[i + 1 :]:
            if _overlap(a.box, b.box):
                problems.append(f"{a.kind} {a.text[:40]!r} overlaps {b.kind} {b.text[:40]!r}")
    points = _data_points(fig)
    for block in blocks:
        if block.kind == "legend" and len(points):
            box = block.box
            inside = (
                (points[:, 0] > box.x0 + TOUCH_PX)
                & (points[:, 0] < box.x1 - TOUCH_PX)
                & (points[:, 1] > box.y0 + TOUCH_PX)
                & (points[:, 1] < box.y1 - TOUCH_PX)
            )
            if inside.any():
                problems.append(f"legend {block.text[:40]!r} covers {int(inside.sum())} points")
    return problems
