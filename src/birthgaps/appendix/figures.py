"""An area's set of figures from the published tables: which figures (``figure_set``), drawing
each one once and saving it as a palette PNG and alt text (``write_area_figures``); files are
deterministic."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from PIL import Image

from birthgaps.appendix import frames
from birthgaps.appendix.charts_flow import exclusion_flow
from birthgaps.appendix.charts_groups import group_dots
from birthgaps.appendix.charts_indicators import funnel_plot, sii_chart, trend_chart
from birthgaps.appendix.charts_models import forest_plot
from birthgaps.appendix.charts_rates import rates_by_group, rates_by_imd
from birthgaps.appendix.charts_style import RC
from birthgaps.appendix.figure_set import (  # noqa: F401 (the set, re-exported for callers)
    INDICATOR_KINDS,
    FigureSpec,
    area_figure_specs,
    detailed_outcomes,
    figure_specs,
    outcome_groups,
)
from birthgaps.core.errors import InputError


def _needed(table: pd.DataFrame | None, name: str, spec: FigureSpec) -> pd.DataFrame:
    if table is None:
        raise InputError(
            f"figure {spec.stem} needs the published {name} table",
            hint=f"pass {name}= (the table written by the {name} rule)",
        )
    return table


def make_figure(
    spec: FigureSpec,
    rates: pd.DataFrame,
    models: pd.DataFrame,
    flow: pd.DataFrame,
    area_code: str,
    *,
    disclosure: Mapping,
    trends: pd.DataFrame | None = None,
    inequality: pd.DataFrame | None = None,
    funnel: pd.DataFrame | None = None,
    risk_ratios: pd.DataFrame | None = None,
    synthetic: bool = False,
    source: str | None = None,
    period: str | None = None,
) -> tuple[Figure, str]:
    """Draw one figure of the set (indicator charts need their table: trends, inequality, funnel;
    the risk-ratio forest plot the risk-ratio table)."""
    period = period or frames.period_of(rates, area_code)
    common = {"synthetic": synthetic, "source": source, "period": period}
    if spec.kind == "dots":
        return group_dots(rates, area_code, spec.group, list(spec.outcomes), **common)
    if spec.kind == "imd":
        return rates_by_imd(rates, area_code, spec.outcome, disclosure=disclosure, **common)
    if spec.kind == "group":
        return rates_by_group(
            rates, area_code, spec.outcome, spec.dimension, disclosure=disclosure, **common
        )
    if spec.kind == "trend":
        return trend_chart(
            rates, _needed(trends, "trends", spec), area_code, spec.outcome, **common
        )
    if spec.kind == "sii":
        table = _needed(inequality, "inequality", spec)
        return sii_chart(rates, table, area_code, spec.outcome, **common)
    if spec.kind == "funnel":
        name = frames.area_name_of(rates, area_code)
        table = _needed(funnel, "funnel", spec)
        return funnel_plot(
            table, area_code, spec.outcome, area_name=name, disclosure=disclosure, **common
        )
    if spec.kind == "forest":
        name = frames.area_name_of(rates, area_code)
        return forest_plot(models, area_code, spec.outcome, area_name=name, **common)
    if spec.kind == "risk_forest":
        name = frames.area_name_of(rates, area_code)
        table = _needed(risk_ratios, "risk_ratios", spec)
        return forest_plot(
            table, area_code, spec.outcome, area_name=name, measure="risk_ratio", **common
        )
    if spec.kind == "flow":
        name = frames.area_name_of(rates, area_code)
        return exclusion_flow(
            flow, area_code=area_code, area_name=name, disclosure=disclosure, **common
        )
    raise ValueError(f"unknown figure kind {spec.kind!r}")


#: PNG resolution: a 10-inch chart is 1,100 pixels wide, the width the pages embed
#: (``blocks.WEB_IMAGE_WIDTH``), so the pages and PDFs use the file as it is, and about 160 dpi
#: across an A4 text width; 150 dpi cost twice the pixels to draw for nothing any output showed.
PNG_DPI = 110

#: Colours of the PNG palette: enough for the anti-aliased text and lines to stay crisp.
PNG_COLOURS = 256


def write_png(fig: Figure, path: Path) -> None:
    """The figure as a 256-colour palette PNG at ``PNG_DPI``; no metadata, so the bytes repeat.

    Drawn to raw RGBA pixels (matplotlib's own PNG would be compressed only to be decoded again
    here), flattened to RGB and reduced to the palette."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="rgba", dpi=PNG_DPI)
    pixels = buffer.getvalue()
    width = round(fig.get_figwidth() * PNG_DPI)
    for guess in (width, width - 1, width + 1):  # the canvas rounds its size down
        if guess > 0 and len(pixels) % (4 * guess) == 0:
            width = guess
            break
    size = (width, len(pixels) // (4 * width))
    rgb = Image.frombuffer("RGBA", size, pixels, "raw", "RGBA", 0, 1).convert("RGB")
    # maximum coverage keeps every flat colour (fast octree greys a white background) at under a
    # tenth of a second a chart; zlib's default level, as "optimize" costs four times the time
    palette = rgb.quantize(PNG_COLOURS, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE)
    palette.save(path, format="PNG")


def save_figure(fig: Figure, alt: str, path_stem: str | Path) -> list[Path]:
    """Write ``{stem}.png`` (``PNG_DPI``, palette) and ``{stem}.txt`` (alt text); deterministic.

    The figure is laid out once and drawn once; no SVG is written, as no page, PDF or workbook
    reads one and it cost a fifth of the rule's time.
    """
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, txt = (stem.with_name(stem.name + ext) for ext in (".png", ".txt"))
    with rc_context(RC):
        engine = fig.get_layout_engine()
        if engine is not None:
            # Lay out once and freeze: savefig with any layout engine, even the placeholder
            # "none" leaves, first draws the whole figure without rendering (about a third of the
            # job's time); with no engine at all it draws once, from the frozen positions.
            engine.execute(fig)
            with rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
                fig.set_layout_engine(None)
        write_png(fig, png)
    txt.write_text(alt.strip() + "\n", encoding="utf-8")
    return [png, txt]


def draw_area_figures(
    rates: pd.DataFrame,
    models: pd.DataFrame,
    flow: pd.DataFrame,
    area_code: str,
    *,
    disclosure: Mapping,
    trends: pd.DataFrame | None = None,
    inequality: pd.DataFrame | None = None,
    funnel: pd.DataFrame | None = None,
    risk_ratios: pd.DataFrame | None = None,
    synthetic: bool = False,
    source: str | None = None,
    period: str | None = None,
    specs: Sequence[FigureSpec] | None = None,
) -> Iterator[tuple[FigureSpec, Figure, str]]:
    """An area's figures one at a time as (spec, figure, alt text), unsaved; what the writer saves
    and what the layout tests draw.

    Without ``specs`` the set includes the indicator charts when all three indicator tables are
    given, and the risk-ratio forest plots when the risk-ratio table is.
    """
    if specs is None:
        indicators = all(t is not None for t in (trends, inequality, funnel))
        specs = area_figure_specs(
            rates, models, area_code, indicators=indicators, risk_ratios=risk_ratios is not None
        )
    for spec in specs:
        fig, alt = make_figure(
            spec,
            rates,
            models,
            flow,
            area_code,
            disclosure=disclosure,
            trends=trends,
            inequality=inequality,
            funnel=funnel,
            risk_ratios=risk_ratios,
            synthetic=synthetic,
            source=source,
            period=period,
        )
        yield spec, fig, alt


def write_area_figures(
    rates: pd.DataFrame,
    models: pd.DataFrame,
    flow: pd.DataFrame,
    area_code: str,
    out_dir: str | Path,
    **options: Any,
) -> list[Path]:
    """Draw and save an area's figure set into ``out_dir``; returns every file written.

    ``options`` are those of :func:`draw_area_figures` (disclosure, the indicator and risk-ratio
    tables, synthetic, source, period, specs).
    """
    written: list[Path] = []
    for spec, fig, alt in draw_area_figures(rates, models, flow, area_code, **options):
        written.extend(save_figure(fig, alt, Path(out_dir) / spec.stem))
    return written
