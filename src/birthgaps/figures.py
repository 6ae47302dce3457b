"""Charts for the published appendix: matplotlib in the Analysis Function (afcharts) style.

Every public chart function takes the published tables (the contract formats in
docs/architecture.md), returns ``(figure, alt_text)`` and never reads record-level data.
Titles state the finding computed from the numbers; a difference is called a difference only
when the two 95% confidence intervals do not overlap, otherwise the wording is neutral.

Figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot, no global figure
registry); PNGs are rendered by the Agg canvas. :func:`save_figure` writes byte-identical files for
identical input.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.style
import numpy as np
import pandas as pd
from afcharts.af_colours import get_af_colours
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from birthgaps.definitions import (
    AGE_BAND_ORDER,
    ETHNIC_GROUPS,
    IMD_QUINTILE_LABELS,
    IMD_QUINTILES,
    NOT_STATED,
    OUTCOMES,
    UNKNOWN,
)
from birthgaps.errors import InputError
from birthgaps.provenance import SYNTHETIC_NOTICE

#: Label of the series that covers every birth whatever the ethnic group.
ALL_BIRTHS = "All births"

#: Matplotlib style sheet shipped by afcharts.
STYLE = "afcharts.afcharts"

#: Settings applied on top of the afcharts style, at creation and when saving.
_RC = {
    "svg.hashsalt": "birthgaps",
    "svg.fonttype": "path",
    "figure.dpi": 100,
    "savefig.dpi": 300,
    "axes.titlesize": "large",
    "axes.titleweight": "bold",
}

#: Dimensions that :func:`rates_by_group` draws, and the reference group each title compares with.
GROUP_DIMENSIONS: tuple[str, ...] = ("ethnic_group", "age_band", "year")
DEFAULT_REFERENCE: dict[str, str] = {
    "ethnic_group": "White",
    "age_band": "25-29",
    "imd_quintile": "5",
}

#: Columns each published table must have.
RATES_COLUMNS = [
    "area_code",
    "outcome",
    "dimension",
    "group",
    "percent",
    "lower_95",
    "upper_95",
    "suppressed",
]
MODELS_COLUMNS = [
    "area_code",
    "outcome",
    "model",
    "term",
    "level",
    "reference",
    "odds_ratio",
    "lower_95",
    "upper_95",
    "note",
]

_DIMENSION_LABELS = {
    "imd_quintile": "IMD quintile (national deprivation of the mother's neighbourhood)",
    "ethnic_group": "Mother's ethnic group",
    "age_band": "Mother's age (years)",
    "year": "Year of birth",
}
_TERM_HEADINGS = {
    "imd_quintile": "Deprivation (IMD quintile)",
    "ethnic_group": "Ethnic group",
    "age_band": "Mother's age (years)",
    "year": "Year of birth",
}
_TERM_PHRASES = {
    "imd_quintile": "deprivation quintile",
    "ethnic_group": "ethnic group",
    "age_band": "mother's age band",
    "year": "year of birth",
}
_ETHNIC_ADJECTIVES = {
    "Asian": "Asian",
    "Black": "Black",
    "Mixed": "Mixed-ethnicity",
    "White": "White",
    "Other": "Other-ethnicity",
    NOT_STATED: "ethnicity-not-stated",
}
_AGE_PHRASES = {
    "<20": "under 20",
    "20-24": "20 to 24",
    "25-29": "25 to 29",
    "30-34": "30 to 34",
    "35-39": "35 to 39",
    "40+": "40 and over",
    UNKNOWN: "of unknown age",
}


# --------------------------------------------------------------------------------------------
# One mapping for groups: colour, marker and order are the same in every chart.
# --------------------------------------------------------------------------------------------


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


def group_style(group: str) -> SeriesStyle:
    """Style of an ethnic group (or ``ALL_BIRTHS``); other groups get the primary colour."""
    return GROUP_STYLES.get(group, SeriesStyle(PRIMARY_COLOUR, "o"))


# --------------------------------------------------------------------------------------------
# Small text helpers shared with report.py (one wording for every finding).
# --------------------------------------------------------------------------------------------


def outcome_label(outcome: str) -> str:
    """Short label of an outcome, e.g. ``Preterm birth``."""
    return OUTCOMES.get(outcome, (outcome.replace("_", " ").capitalize(), ""))[0]


def outcome_definition(outcome: str) -> str:
    """Definition of an outcome as used in captions."""
    return OUTCOMES.get(outcome, ("", outcome.replace("_", " ")))[1]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def fmt_pct(value: float) -> str:
    """A percentage to one decimal place, e.g. ``7.6%``."""
    return f"{value:.1f}%"


def fmt_ci(lower: float, upper: float, digits: int = 1) -> str:
    """A confidence interval as words, e.g. ``7.2 to 8.0`` (no dash that a reader could take as minus)."""
    return f"{lower:.{digits}f} to {upper:.{digits}f}"


def fmt_or(value: float) -> str:
    """An odds ratio to two decimal places."""
    return f"{value:.2f}"


def join_words(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def compare_intervals(a_lower: float, a_upper: float, b_lower: float, b_upper: float) -> int:
    """+1 when interval a lies wholly above b, -1 wholly below, 0 when they overlap (or are missing)."""
    values = [a_lower, a_upper, b_lower, b_upper]
    if any(v is None or pd.isna(v) for v in values):
        return 0
    if a_lower > b_upper:
        return 1
    if a_upper < b_lower:
        return -1
    return 0


def imd_label(quintile: str) -> str:
    """Readable IMD quintile label, e.g. ``1 (most deprived)``."""
    return IMD_QUINTILE_LABELS.get(str(quintile), str(quintile))


def group_label(dimension: str, group: str) -> str:
    """Readable label of a group of a rates dimension."""
    if dimension == "imd_quintile":
        return imd_label(group)
    if dimension == "imd_quintile_by_ethnic_group":
        quintile, _, ethnic = str(group).partition(" | ")
        return f"{imd_label(quintile)} | {ethnic}"
    return str(group)


# --------------------------------------------------------------------------------------------
# Reading the published tables
# --------------------------------------------------------------------------------------------


def _require_columns(table: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(
            f"the {name} table lacks column(s) {', '.join(missing)}",
            column=", ".join(missing),
            hint=f"pass the published {name} table in the format of docs/architecture.md",
        )


def _as_bool(values: pd.Series) -> pd.Series:
    """Booleans from a bool column or its CSV spelling; missing counts as False."""
    if pd.api.types.is_bool_dtype(values):
        return values.fillna(False).astype(bool)
    text = values.astype("string").str.strip().str.lower()
    return text.isin(["true", "1", "yes", "t"]).fillna(False).astype(bool)


def _as_float(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()


def _select_rates(
    rates: pd.DataFrame, area_code: str, outcome: str, dimension: str, *, required: bool = True
) -> pd.DataFrame:
    """Rows of one area, outcome and dimension with typed columns ``group``, numbers and ``suppressed``."""
    _require_columns(rates, RATES_COLUMNS, "rates")
    mask = (
        (rates["area_code"].astype("string") == str(area_code))
        & (rates["outcome"].astype("string") == outcome)
        & (rates["dimension"].astype("string") == dimension)
    )
    rows = rates.loc[mask.fillna(False).astype(bool)]
    if rows.empty and required:
        raise InputError(
            f"the rates table has no rows for area {area_code}, outcome {outcome!r}, "
            f"dimension {dimension!r}",
            column="area_code, outcome, dimension",
            rows=0,
            hint="check the area code and that the rates stage produced this outcome and dimension",
        )
    out = pd.DataFrame(
        {
            "group": rows["group"].astype("string").str.strip().to_numpy(dtype=object),
            "percent": _as_float(rows["percent"]),
            "lower_95": _as_float(rows["lower_95"]),
            "upper_95": _as_float(rows["upper_95"]),
            "suppressed": _as_bool(rows["suppressed"]).to_numpy(),
        }
    )
    # A value that is missing is treated like a suppressed one: it is never drawn.
    out["suppressed"] = out["suppressed"] | np.isnan(out["percent"].to_numpy())
    return out.reset_index(drop=True)


def area_name_of(rates: pd.DataFrame, area_code: str) -> str:
    """The area's name from the rates table (``area_name``), else the code itself."""
    if "area_name" in rates.columns:
        names = rates.loc[rates["area_code"].astype("string") == str(area_code), "area_name"]
        names = names.dropna().astype(str)
        if not names.empty:
            return names.iloc[0]
    return "All study areas" if str(area_code) == "ALL" else str(area_code)


def period_of(rates: pd.DataFrame, area_code: str | None = None) -> str | None:
    """``2019–2024`` from the years of the ``year`` dimension (None when there is none)."""
    _require_columns(rates, ["area_code", "dimension", "group"], "rates")
    mask = rates["dimension"].astype("string") == "year"
    if area_code is not None:
        mask &= rates["area_code"].astype("string") == str(area_code)
    years = pd.to_numeric(
        rates.loc[mask.fillna(False).astype(bool), "group"], errors="coerce"
    ).dropna()
    if years.empty:
        return None
    first, last = int(years.min()), int(years.max())
    return str(first) if first == last else f"{first}–{last}"


def _overall(rates: pd.DataFrame, area_code: str, outcome: str) -> pd.Series | None:
    rows = _select_rates(rates, area_code, outcome, "overall", required=False)
    rows = rows[~rows["suppressed"]]
    return None if rows.empty else rows.iloc[0]


# --------------------------------------------------------------------------------------------
# Layout: title, axes, caption
# --------------------------------------------------------------------------------------------


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_on_hyphens=False)) or text


def _caption(
    *,
    synthetic: bool,
    source: str | None,
    population: str,
    period: str | None,
    notes: Sequence[str] = (),
) -> str:
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


def _new_figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _finish(fig: Figure, ax, title: str, caption: str) -> None:
    """Title above the axes, caption (source, population, period, notes) below them."""
    width_in = fig.get_figwidth()
    fig.suptitle(
        _wrap(title, int(width_in * 6.3)),
        x=0.01,
        ha="left",
        fontsize="large",
        fontweight="bold",
    )
    wrapped = _wrap(caption, int(width_in * 13.5))
    lines = wrapped.count("\n") + 1
    caption_height = (lines * 10 * 1.35 + 14) / 72  # inches: 10 pt text, line spacing, margin
    fraction = min(0.45, caption_height / fig.get_figheight())
    fig.text(0.01, 0.01, wrapped, ha="left", va="bottom", fontsize=10, color="#3D3D3D")
    fig.get_layout_engine().set(rect=(0, fraction, 1, 1 - fraction))


# --------------------------------------------------------------------------------------------
# Findings (used by titles, alt text and the appendix's headline sentences)
# --------------------------------------------------------------------------------------------


def _row(rows: pd.DataFrame, group: str) -> pd.Series | None:
    hit = rows[(rows["group"] == group) & ~rows["suppressed"]]
    return None if hit.empty else hit.iloc[0]


def imd_finding(rates: pd.DataFrame, area_code: str, outcome: str) -> tuple[int, str]:
    """Direction (+1 more common in more deprived areas, -1 less, 0 no clear difference) and title."""
    rows = _select_rates(rates, area_code, outcome, "imd_quintile")
    label = outcome_label(outcome)
    most, least = _row(rows, IMD_QUINTILES[0]), _row(rows, IMD_QUINTILES[-1])
    if most is None or least is None:
        return (
            0,
            f"{label} by deprivation quintile (the most or least deprived value is suppressed)",
        )
    direction = compare_intervals(
        most["lower_95"], most["upper_95"], least["lower_95"], least["upper_95"]
    )
    numbers = f"{fmt_pct(most['percent'])} in the most deprived fifth v {fmt_pct(least['percent'])} in the least"
    if direction == 0:
        return 0, (
            f"No clear difference in {_lower_first(label)} between the most and least deprived "
            f"areas ({numbers})"
        )
    values = [_row(rows, q) for q in IMD_QUINTILES]
    steps = [
        np.sign(a["percent"] - b["percent"])
        for a, b in zip(values, values[1:], strict=False)
        if a is not None and b is not None
    ]
    graded = len(steps) >= 3 and sum(1 for s in steps if s == direction) >= len(steps) - 1
    word = "more" if direction > 0 else "less"
    where = "more deprived areas" if graded else "the most deprived areas than the least deprived"
    return direction, f"{label} is {word} common in {where}: {numbers}"


def _group_phrase(dimension: str, groups: Sequence[str]) -> str:
    if dimension == "ethnic_group":
        return f"{join_words([_ETHNIC_ADJECTIVES.get(g, g) for g in groups])} mothers"
    if dimension == "age_band":
        return f"mothers aged {join_words([_AGE_PHRASES.get(g, g) for g in groups])}"
    return join_words(list(groups))


def group_finding(
    rates: pd.DataFrame,
    area_code: str,
    outcome: str,
    dimension: str,
    reference: str | None = None,
) -> str:
    """Title for a dimension: groups clearly above or below the reference group, or a neutral line."""
    rows = _select_rates(rates, area_code, outcome, dimension)
    label = outcome_label(outcome)
    if dimension == "year":
        available = rows[~rows["suppressed"]].copy()
        available["year"] = pd.to_numeric(available["group"], errors="coerce")
        available = available.dropna(subset=["year"]).sort_values("year")
        if len(available) < 2:
            return f"{label} by year"
        first, last = available.iloc[0], available.iloc[-1]
        direction = compare_intervals(
            last["lower_95"], last["upper_95"], first["lower_95"], first["upper_95"]
        )
        y0, y1 = int(first["year"]), int(last["year"])
        if direction == 0:
            return (
                f"No clear change in {_lower_first(label)} between {y0} ({fmt_pct(first['percent'])}) "
                f"and {y1} ({fmt_pct(last['percent'])})"
            )
        verb = "rose" if direction > 0 else "fell"
        return (
            f"{label} {verb} from {fmt_pct(first['percent'])} in {y0} "
            f"to {fmt_pct(last['percent'])} in {y1}"
        )
    reference = reference or DEFAULT_REFERENCE.get(dimension)
    ref = _row(rows, reference) if reference else None
    if ref is None:
        return f"{label} by {_DIMENSION_LABELS.get(dimension, dimension).lower()}"
    higher, lower = [], []
    for _, row in rows[~rows["suppressed"]].iterrows():
        if row["group"] in (reference, NOT_STATED, UNKNOWN):
            continue
        direction = compare_intervals(
            row["lower_95"], row["upper_95"], ref["lower_95"], ref["upper_95"]
        )
        if direction > 0:
            higher.append((row["percent"], row["group"]))
        elif direction < 0:
            lower.append((row["percent"], row["group"]))
    ref_phrase = _group_phrase(dimension, [reference])
    if not higher and not lower:
        plural = {"ethnic_group": "ethnic groups", "age_band": "age groups"}.get(
            dimension, "groups"
        )
        return (
            f"No clear difference in {_lower_first(label)} between {ref_phrase} and other {plural}"
        )
    parts = []
    if higher:
        names = [g for _, g in sorted(higher, reverse=True)]
        parts.append(f"more common among {_group_phrase(dimension, names)}")
    if lower:
        names = [g for _, g in sorted(lower)]
        parts.append(f"less common among {_group_phrase(dimension, names)}")
    return f"{label} is {' and '.join(parts)} than among {ref_phrase}"


# --------------------------------------------------------------------------------------------
# Rates by deprivation quintile, one series per ethnic group
# --------------------------------------------------------------------------------------------


def rates_by_imd(
    rates: pd.DataFrame,
    area_code: str,
    outcome: str,
    *,
    synthetic: bool = False,
    source: str | None = None,
    period: str | None = None,
) -> tuple[Figure, str]:
    """Percent with 95% CIs by IMD quintile: all births plus one series per ethnic group."""
    all_rows = _select_rates(rates, area_code, outcome, "imd_quintile")
    cross = _select_rates(rates, area_code, outcome, "imd_quintile_by_ethnic_group", required=False)
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
    with matplotlib.style.context([STYLE, _RC]):
        fig = _new_figure(10, 6.6)
        ax = fig.add_subplot()
        offsets = np.linspace(-0.24, 0.24, len(series)) if len(series) > 1 else [0.0]
        for (series_name, rows), offset in zip(series, offsets, strict=True):
            style = group_style(series_name)
            by_q = {q: rows[rows["quintile"] == q] for q in IMD_QUINTILES}
            x, y, lo, hi, hidden = [], [], [], [], []
            for i, q in enumerate(IMD_QUINTILES, start=1):
                row = by_q[q]
                x.append(i + offset)
                if row.empty or bool(row["suppressed"].iloc[0]):
                    if not row.empty:
                        hidden.append(q)
                    y.append(np.nan)
                    lo.append(np.nan)
                    hi.append(np.nan)
                else:
                    y.append(float(row["percent"].iloc[0]))
                    lo.append(float(row["lower_95"].iloc[0]))
                    hi.append(float(row["upper_95"].iloc[0]))
            x_arr, y_arr = np.array(x), np.array(y)
            lo_arr, hi_arr = np.array(lo), np.array(hi)
            shown = ~np.isnan(y_arr)
            if shown.any():
                ax.errorbar(
                    x_arr[shown],
                    y_arr[shown],
                    yerr=[
                        np.clip(y_arr[shown] - lo_arr[shown], 0, None),
                        np.clip(hi_arr[shown] - y_arr[shown], 0, None),
                    ],
                    fmt="none",
                    ecolor=style.color,
                    elinewidth=1.2,
                    capsize=3,
                    alpha=0.9,
                    zorder=2,
                )
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
                f"quintile {q} {fmt_pct(v)}"
                for q, v in zip(IMD_QUINTILES, y, strict=True)
                if not np.isnan(v)
            ]
            if values:
                alt_series.append(f"{series_name}: {', '.join(values)}.")
        ax.set_xticks(range(1, 6), [imd_label(q).replace(" (", "\n(") for q in IMD_QUINTILES])
        ax.set_xlim(0.5, 5.5)
        ax.set_ylim(bottom=0)
        ax.set_xlabel(_DIMENSION_LABELS["imd_quintile"])
        ax.set_ylabel(f"{label} (% of live births)")
        ax.legend(
            title="Ethnic group", loc="upper left", bbox_to_anchor=(1.01, 1.0), alignment="left"
        )
        notes = [
            "Points show percentages and bars 95% confidence intervals; quintile 1 is the most "
            "deprived fifth of neighbourhoods in England.",
            "Births with ethnicity not stated are in All births only; births with unknown "
            "quintile are not shown.",
        ]
        if suppressed_notes:
            notes.append(
                "Values based on small numbers are suppressed (c) and not shown: "
                f"{'; '.join(suppressed_notes)}."
            )
        caption = _caption(
            synthetic=synthetic,
            source=source,
            population=f"{outcome_definition(outcome)}, mothers resident in {name}",
            period=period,
            notes=notes,
        )
        _finish(fig, ax, title, caption)

    alt = (
        f"{'Synthetic data. ' if synthetic else ''}Line chart of {_lower_first(label)} as a "
        f"percentage of live births by deprivation quintile (1 most deprived to 5 least deprived) "
        f"in {name}{f', {period}' if period else ''}, for all births and for each ethnic group, "
        f"with 95% confidence intervals. {title}. " + " ".join(alt_series)
    )
    if suppressed_notes:
        alt += f" Suppressed values not shown: {'; '.join(suppressed_notes)}."
    return fig, alt


# --------------------------------------------------------------------------------------------
# Rates by ethnic group, age band or year
# --------------------------------------------------------------------------------------------


def _order(dimension: str, groups: Iterable[str]) -> list[str]:
    groups = list(dict.fromkeys(groups))
    if dimension == "ethnic_group":
        known = ETHNIC_GROUPS
    elif dimension == "age_band":
        known = AGE_BAND_ORDER
    elif dimension == "imd_quintile":
        known = [*IMD_QUINTILES, UNKNOWN]
    else:
        return sorted(groups, key=lambda g: (pd.to_numeric(g, errors="coerce"), g))
    return [g for g in known if g in groups] + sorted(g for g in groups if g not in known)


def rates_by_group(
    rates: pd.DataFrame,
    area_code: str,
    outcome: str,
    dimension: str,
    *,
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
    rows = _select_rates(rates, area_code, outcome, dimension)
    order = _order(dimension, rows["group"])
    rows = rows.set_index("group").loc[order].reset_index()
    name = area_name_of(rates, area_code)
    period = period or period_of(rates, area_code)
    label = outcome_label(outcome)
    title = group_finding(rates, area_code, outcome, dimension, reference)
    overall = _overall(rates, area_code, outcome)
    hidden = rows.loc[rows["suppressed"], "group"].tolist()
    shown = rows[~rows["suppressed"]]

    with matplotlib.style.context([STYLE, _RC]):
        if dimension == "year":
            fig = _new_figure(10, 6.0)
            ax = fig.add_subplot()
            x = pd.to_numeric(rows["group"], errors="coerce").to_numpy(dtype=float)
            y = np.where(rows["suppressed"], np.nan, rows["percent"])
            ok = ~np.isnan(y)
            ax.errorbar(
                x[ok],
                y[ok],
                yerr=[
                    np.clip(y[ok] - rows["lower_95"].to_numpy()[ok], 0, None),
                    np.clip(rows["upper_95"].to_numpy()[ok] - y[ok], 0, None),
                ],
                fmt="none",
                ecolor=PRIMARY_COLOUR,
                capsize=3,
                zorder=2,
            )
            ax.plot(x, y, color=PRIMARY_COLOUR, marker="o", label=label, zorder=3)
            ax.set_xticks(x, [str(int(v)) for v in x])
            ax.set_ylim(bottom=0)
            ax.set_xlabel(_DIMENSION_LABELS["year"])
            ax.set_ylabel(f"{label} (% of live births)")
        else:
            fig = _new_figure(10, max(4.8, 2.6 + 0.5 * len(rows)))
            ax = fig.add_subplot()
            ax.grid(axis="y", visible=False)
            ax.grid(axis="x", visible=True)
            positions = {g: len(rows) - 1 - i for i, g in enumerate(rows["group"])}
            for _, row in shown.iterrows():
                style = (
                    group_style(row["group"])
                    if dimension == "ethnic_group"
                    else SeriesStyle(PRIMARY_COLOUR, "o")
                )
                ax.errorbar(
                    [row["percent"]],
                    [positions[row["group"]]],
                    xerr=[
                        [max(row["percent"] - row["lower_95"], 0)],
                        [max(row["upper_95"] - row["percent"], 0)],
                    ],
                    fmt=style.marker,
                    color=style.color,
                    markersize=style.markersize + 1,
                    capsize=4,
                    label=row["group"],
                    zorder=3,
                )
            upper = np.nanmax(shown["upper_95"].to_numpy()) if not shown.empty else 1.0
            if overall is not None:
                upper = max(upper, float(overall["percent"]))
                ax.axvline(overall["percent"], color="#3D3D3D", linestyle="--", linewidth=1.2)
                ax.annotate(
                    f"All births {fmt_pct(overall['percent'])}",
                    xy=(overall["percent"], 1.0),
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
            ax.set_xlim(0, upper * 1.15 if upper > 0 else 1)
            ax.set_xlabel(f"{label} (% of live births)")
            ax.set_ylabel(_DIMENSION_LABELS[dimension])
        notes = ["Points show percentages and bars 95% confidence intervals."]
        if overall is not None and dimension != "year":
            notes.append("The dashed line is the rate for all births in the area.")
        if hidden:
            notes.append(
                "Values based on small numbers are suppressed (c) and not shown: "
                f"{join_words(hidden)}."
            )
        caption = _caption(
            synthetic=synthetic,
            source=source,
            population=f"{outcome_definition(outcome)}, mothers resident in {name}",
            period=period,
            notes=notes,
        )
        _finish(fig, ax, title, caption)

    kind = "Line chart" if dimension == "year" else "Chart of points with confidence intervals"
    values = "; ".join(
        f"{r['group']} {fmt_pct(r['percent'])} (95% CI {fmt_ci(r['lower_95'], r['upper_95'])})"
        for _, r in shown.iterrows()
    )
    alt = (
        f"{'Synthetic data. ' if synthetic else ''}{kind} of {_lower_first(label)} as a percentage of "
        f"live births by {_DIMENSION_LABELS[dimension].lower()} in {name}"
        f"{f', {period}' if period else ''}, with 95% confidence intervals. {title}. {values}."
    )
    if overall is not None:
        alt += f" All births: {fmt_pct(overall['percent'])}."
    if hidden:
        alt += f" Suppressed values not shown: {join_words(hidden)}."
    return fig, alt


# --------------------------------------------------------------------------------------------
# Forest plot of odds ratios
# --------------------------------------------------------------------------------------------


def _select_models(models: pd.DataFrame, area_code: str, outcome: str) -> pd.DataFrame:
    _require_columns(models, MODELS_COLUMNS, "models")
    mask = (models["area_code"].astype("string") == str(area_code)) & (
        models["outcome"].astype("string") == outcome
    )
    rows = models.loc[mask.fillna(False).astype(bool)]
    if rows.empty:
        raise InputError(
            f"the models table has no rows for area {area_code}, outcome {outcome!r}",
            column="area_code, outcome",
            rows=0,
            hint="check the area code and the models: outcomes list in the config",
        )
    out = pd.DataFrame(
        {
            "model": rows["model"].astype("string").to_numpy(dtype=object),
            "term": rows["term"].astype("string").to_numpy(dtype=object),
            "level": rows["level"].astype("string").str.strip().to_numpy(dtype=object),
            "reference": rows["reference"].astype("string").str.strip().to_numpy(dtype=object),
            "odds_ratio": _as_float(rows["odds_ratio"]),
            "lower_95": _as_float(rows["lower_95"]),
            "upper_95": _as_float(rows["upper_95"]),
            "note": rows["note"].astype("string").fillna("").to_numpy(dtype=object),
        }
    )
    # Levels written as numbers ("5.0") by a spreadsheet round trip read back as "5".
    for column in ("level", "reference"):
        out[column] = out[column].map(_tidy_level)
    return out


def _tidy_level(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return value
    text = str(value)
    if text.endswith(".0") and text[:-2].isdigit():
        return text[:-2]
    return text


def too_few_events(note: object) -> bool:
    """True when a models-table note says the estimate was not made for lack of events."""
    return isinstance(note, str) and "too few events" in note.lower()


def estimate_note(note: object) -> str:
    """The part of a models-table note that explains a missing estimate (not the complete-case note)."""
    if not isinstance(note, str):
        return ""
    parts = [p.strip() for p in note.split(";")]
    return "; ".join(p for p in parts if p and not p.startswith("complete cases"))


def level_label(term: str, level: str) -> str:
    """Readable label of a model level."""
    return imd_label(level) if term == "imd_quintile" else str(level)


def model_terms(
    models: pd.DataFrame, terms: Sequence[str]
) -> list[tuple[str, str | None, list[str]]]:
    """(term, reference, ordered levels including the reference) for the terms present."""
    out = []
    for term in terms:
        rows = models[models["term"] == term]
        if rows.empty:
            continue
        refs = rows["reference"].dropna()
        reference = str(refs.iloc[0]) if not refs.empty else None
        levels = list(rows["level"].dropna())
        if reference is not None:
            levels.append(reference)
        out.append((term, reference, _order(term, levels)))
    return out


def model_finding(models: pd.DataFrame, area_code: str, outcome: str, terms: Sequence[str]) -> str:
    """Title for a forest plot from the adjusted (else crude) odds ratios whose CI excludes 1."""
    rows = _select_models(models, area_code, outcome)
    label = outcome_label(outcome)
    model = "adjusted" if (rows["model"] == "adjusted").any() else "crude"
    rows = rows[(rows["model"] == model) & ~rows["note"].map(too_few_events)]
    rows = rows[np.isfinite(rows["odds_ratio"]) & (rows["level"] != rows["reference"])]
    higher: list[str] = []
    lower: list[str] = []
    for term in terms:
        sub = rows[rows["term"] == term]
        up = sub[sub["lower_95"] > 1].sort_values("odds_ratio", ascending=False)
        down = sub[sub["upper_95"] < 1].sort_values("odds_ratio")
        for chosen, target in ((up, higher), (down, lower)):
            if chosen.empty:
                continue
            if term == "imd_quintile":
                quintiles = sorted(chosen["level"])
                ref = str(chosen["reference"].iloc[0])
                target.append(
                    f"in IMD quintile{'s' if len(quintiles) > 1 else ''} {join_words(quintiles)} "
                    f"(v {ref})"
                )
            elif term == "ethnic_group":
                target.append(_group_phrase("ethnic_group", list(chosen["level"])))
            elif term == "age_band":
                target.append(_group_phrase("age_band", list(chosen["level"])))
            else:
                target.append(f"in {join_words(list(chosen['level']))}")
    scope = "after adjustment" if model == "adjusted" else "before adjustment"
    if not higher and not lower:
        return f"No clear difference in the odds of {_lower_first(label)} between groups, {scope}"
    parts = []
    if higher:
        parts.append(f"higher {_for(higher)}")
    if lower:
        parts.append(f"lower {_for(lower)}")
    return f"Odds of {_lower_first(label)} are {' and '.join(parts)}, {scope}"


def _for(phrases: list[str]) -> str:
    return join_words([p if p.startswith("in ") else f"for {p}" for p in phrases])


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
) -> tuple[Figure, str]:
    """Crude and adjusted odds ratios with 95% CIs on a log axis, reference line at 1."""
    rows = _select_models(models, area_code, outcome)
    label = outcome_label(outcome)
    name = area_name or ("All study areas" if str(area_code) == "ALL" else str(area_code))
    title = model_finding(models, area_code, outcome, terms)
    layout = model_terms(rows, terms)
    if not layout:
        raise InputError(
            f"the models table has no rows for terms {', '.join(terms)} (area {area_code}, "
            f"outcome {outcome!r})",
            column="term",
        )
    model_styles = {
        "crude": ("Crude", SeriesStyle(SECONDARY_COLOUR, "o"), 0.18, "none"),
        "adjusted": ("Adjusted", SeriesStyle(PRIMARY_COLOUR, "s"), -0.18, None),
    }
    present = set(rows.loc[rows["model"] == "adjusted", "term"])
    adjusted_terms = [t for t in _TERM_PHRASES if t in present] + sorted(
        present - set(_TERM_PHRASES)
    )

    # y positions, top to bottom: a heading row per term, then its levels.
    entries: list[tuple[str, str, str | None]] = []  # (kind, term, level)
    for term, _, levels in layout:
        entries.append(("heading", term, None))
        entries.extend(("level", term, level) for level in levels)
    y_of = {i: len(entries) - 1 - i for i in range(len(entries))}

    finite = rows[np.isfinite(rows["lower_95"]) & np.isfinite(rows["upper_95"])]
    low = float(np.nanmin(finite["lower_95"])) if not finite.empty else 0.5
    high = float(np.nanmax(finite["upper_95"])) if not finite.empty else 2.0
    low, high = min(low, 0.9) / 1.15, max(high, 1.1) * 1.15

    alt_values: list[str] = []
    few: list[str] = []
    with matplotlib.style.context([STYLE, _RC]):
        fig = _new_figure(10, max(4.8, 2.9 + 0.42 * len(entries)))
        ax = fig.add_subplot()
        ax.grid(False)
        ax.set_xscale("log")
        ax.axvline(1.0, color="#3D3D3D", linewidth=1.2, zorder=1)
        tick_labels: dict[float, str] = {}
        plotted = {"crude": False, "adjusted": False}
        for i, (kind, term, level) in enumerate(entries):
            y = y_of[i]
            if kind == "heading":
                tick_labels[y] = _TERM_HEADINGS.get(term, term)
                continue
            reference = next(ref for t, ref, _ in layout if t == term)
            text = level_label(term, level)
            if level == reference:
                tick_labels[y] = f"{text} (reference)"
                ax.plot([1.0], [y], marker="|", color="#3D3D3D", markersize=10, zorder=3)
                continue
            tick_labels[y] = text
            for model, (model_label, style, offset, face) in model_styles.items():
                hit = rows[
                    (rows["model"] == model) & (rows["term"] == term) & (rows["level"] == level)
                ]
                if hit.empty:
                    continue
                row = hit.iloc[0]
                if too_few_events(row["note"]) or not np.isfinite(row["odds_ratio"]):
                    reason = estimate_note(row["note"]) or "no estimate"
                    ax.text(
                        1.0,
                        y + offset,
                        f"  {model_label.lower()}: {reason}",
                        va="center",
                        ha="left",
                        fontsize=10,
                        style="italic",
                        color="#3D3D3D",
                    )
                    few.append(f"{text} ({model_label.lower()}: {reason})")
                    continue
                lower_err = max(row["odds_ratio"] - row["lower_95"], 0)
                upper_err = max(row["upper_95"] - row["odds_ratio"], 0)
                ax.errorbar(
                    [row["odds_ratio"]],
                    [y + offset],
                    xerr=[[lower_err], [upper_err]],
                    fmt=style.marker,
                    color=style.color,
                    markerfacecolor=face or style.color,
                    markeredgewidth=1.6,
                    markersize=style.markersize,
                    capsize=3,
                    label=None if plotted[model] else f"{model_label} odds ratio",
                    zorder=3,
                )
                plotted[model] = True
                if model == "adjusted":
                    alt_values.append(
                        f"{text} {fmt_or(row['odds_ratio'])} "
                        f"({fmt_ci(row['lower_95'], row['upper_95'], 2)})"
                    )
                    ax.annotate(
                        f"{fmt_or(row['odds_ratio'])} ({fmt_ci(row['lower_95'], row['upper_95'], 2)})",
                        xy=(1.0, y + offset),
                        xycoords=("axes fraction", "data"),
                        xytext=(6, 0),
                        textcoords="offset points",
                        va="center",
                        fontsize=10,
                        color=PRIMARY_COLOUR,
                    )
        ax.annotate(
            "Adjusted OR (95% CI)",
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
        candidates = [0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 8, 10, 20]
        ticks = [t for t in candidates if low <= t <= high]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlabel("Odds ratio (log scale); 1 = same odds as the reference group")
        ax.set_ylabel("")
        if any(plotted.values()):
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, -0.08), fontsize=11)
        adjusted_for = [_TERM_PHRASES.get(t, t) for t in adjusted_terms]
        notes = [
            "Binomial (logistic) regression; bars show 95% confidence intervals. "
            "Right: adjusted odds ratio (95% CI).",
        ]
        if adjusted_for:
            notes.append(f"Adjusted model includes {join_words(adjusted_for)}.")
        if few:
            notes.append(f"No estimate for {join_words(few)}.")
        caption = _caption(
            synthetic=synthetic,
            source=source,
            population=(
                f"{outcome_definition(outcome)}, mothers resident in {name}, with known "
                "deprivation, ethnic group and age"
            ),
            period=period,
            notes=notes,
        )
        _finish(fig, ax, title, caption)

    references = "; ".join(
        f"{_TERM_PHRASES.get(t, t)} reference {level_label(t, r)}" for t, r, _ in layout if r
    )
    alt = (
        f"{'Synthetic data. ' if synthetic else ''}Forest plot of crude and adjusted odds ratios of "
        f"{_lower_first(label)} in {name}{f', {period}' if period else ''}, with 95% confidence "
        f"intervals on a log scale ({references}). {title}. "
    )
    if alt_values:
        alt += f"Adjusted odds ratios (95% CI): {'; '.join(alt_values)}."
    if few:
        alt += f" No estimate for {join_words(few)}."
    return fig, alt.strip()


# --------------------------------------------------------------------------------------------
# Exclusion flow
# --------------------------------------------------------------------------------------------

#: Kinds of flow row, told apart by marker, hatch and colour (never colour alone).
FLOW_KINDS: dict[str, tuple[str, str, str]] = {
    # kind: (legend label, colour, hatch)
    "total": ("Records or births counted", PRIMARY_COLOUR, ""),
    "excluded": ("Records removed", SECONDARY_COLOUR, "//"),
    "flagged": ("Kept but flagged, or out of one outcome's denominator", "#A285D1", ".."),
}


def normalise_flow(flow: pd.DataFrame, area_code: str | None = None) -> pd.DataFrame:
    """The published exclusion flow as ``step``, ``description``, ``count``, ``remaining``,
    ``suppressed`` and ``kind`` (``total``, ``excluded``, ``flagged``), in table order.

    The flow of ``clean.clean_births`` covers the whole extract; when a table has an ``area_code``
    column, the rows of ``area_code`` (else of ``ALL``) are used.
    """
    _require_columns(flow, ["description", "count"], "exclusion flow")
    rows = flow
    if "area_code" in flow.columns:
        codes = flow["area_code"].astype("string")
        wanted = str(area_code) if area_code is not None else "ALL"
        if not (codes == wanted).any():
            wanted = "ALL"
        rows = flow[(codes == wanted).fillna(False).astype(bool)]
        if rows.empty:
            raise InputError(
                f"the exclusion flow table has no rows for area {area_code} or ALL",
                column="area_code",
                rows=0,
            )
    count = pd.to_numeric(rows["count"], errors="coerce").astype("Int64").reset_index(drop=True)
    if "remaining" in rows.columns:
        remaining = pd.to_numeric(rows["remaining"], errors="coerce").astype("Int64")
    else:
        remaining = pd.Series(pd.NA, index=rows.index, dtype="Int64")
    remaining = remaining.reset_index(drop=True)
    if "suppressed" in rows.columns:
        suppressed = _as_bool(rows["suppressed"]).reset_index(drop=True)
    else:
        suppressed = count.isna()
    suppressed = (suppressed | count.isna()).astype(bool)
    kind = []
    for c, r, s in zip(count, remaining, suppressed, strict=True):
        if s or pd.isna(r):
            kind.append("flagged" if not s else "excluded")
        elif c == r:
            kind.append("total")
        else:
            kind.append("excluded")
    # A suppressed row's kind comes from its position: rows before the first flag-only row are
    # removal steps; later ones are flags (their remaining is always empty).
    first_flag = next((i for i, k in enumerate(kind) if k == "flagged"), len(kind))
    kind = [
        ("excluded" if i < first_flag else "flagged") if suppressed.iloc[i] else k
        for i, k in enumerate(kind)
    ]
    steps = (
        rows["step"].astype("string").fillna("").to_numpy(dtype=object)
        if "step" in rows.columns
        else np.array([str(i) for i in range(len(rows))], dtype=object)
    )
    return pd.DataFrame(
        {
            "step": steps,
            "description": rows["description"].astype("string").fillna("").to_numpy(dtype=object),
            "count": count,
            "remaining": remaining,
            "suppressed": suppressed.to_numpy(),
            "kind": kind,
        }
    )


def flow_finding(steps: pd.DataFrame) -> str:
    """Title of the flow chart: how many of the records received remain at the end."""
    known = steps[~steps["suppressed"] & steps["remaining"].notna()]
    if len(known) < 2:
        return "Birth records at each step of cleaning"
    first, last = known.iloc[0], known.iloc[-1]
    if not first["remaining"]:
        return "Birth records at each step of cleaning"
    share = 100 * int(last["remaining"]) / int(first["remaining"])
    return (
        f"{int(last['remaining']):,} of {int(first['remaining']):,} records ({share:.1f}%) "
        f"are counted in the analysis after cleaning"
    )


def exclusion_flow(
    flow: pd.DataFrame,
    *,
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

    with matplotlib.style.context([STYLE, _RC]):
        fig = _new_figure(10, max(4.5, 2.8 + 0.42 * len(steps)))
        ax = fig.add_subplot()
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        y = np.arange(len(steps))[::-1]
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
        ax.set_yticks(y, [_wrap(str(d), 40) for d in steps["description"]], fontsize=11)
        ax.set_ylim(-0.7, len(steps) - 0.3)
        ax.set_xlim(0, top * 1.22)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_xlabel("Records")
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.1), ncols=1, fontsize=11)
        notes = [
            "Counts are rounded to the nearest 5; counts of 1 to 7 are suppressed (c).",
            "Gestation and weight problems remove a birth only from the denominators that need them.",
        ]
        caption = _caption(
            synthetic=synthetic,
            source=source,
            population=f"birth records in the extract for {where}",
            period=period,
            notes=notes,
        )
        _finish(fig, ax, title, caption)

    described = "; ".join(
        f"{row['description']}: {'suppressed' if row['suppressed'] else format(int(row['count']), ',')}"
        for _, row in steps.iterrows()
    )
    alt = (
        f"{'Synthetic data. ' if synthetic else ''}Horizontal bar chart of birth records at each "
        f"step of cleaning for {where}. {title}. {described}."
    )
    return fig, alt


# --------------------------------------------------------------------------------------------
# Saving, and the set of figures each area gets
# --------------------------------------------------------------------------------------------


def save_figure(fig: Figure, alt: str, path_stem: str | Path) -> list[Path]:
    """Write ``{stem}.png`` (300 dpi), ``{stem}.svg`` and ``{stem}.txt`` (alt text); deterministic."""
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg, txt = (stem.with_name(stem.name + ext) for ext in (".png", ".svg", ".txt"))
    with rc_context(_RC):
        if fig.get_layout_engine() is not None:
            # Lay out once, then freeze: every later save starts from the same positions.
            fig.draw_without_rendering()
            fig.set_layout_engine("none")
        fig.savefig(png, format="png", dpi=300, metadata={"Software": None})
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    txt.write_text(alt.strip() + "\n", encoding="utf-8")
    return [png, svg, txt]


@dataclass(frozen=True)
class FigureSpec:
    """One figure of an area's set: file stem, chart kind, outcome and dimension."""

    stem: str
    kind: str  # "imd", "group", "forest" or "flow"
    outcome: str | None = None
    dimension: str | None = None


def figure_specs(
    outcomes: Sequence[str],
    model_outcomes: Sequence[str],
    dimensions: Sequence[str] = GROUP_DIMENSIONS,
) -> list[FigureSpec]:
    """The figures of one area, in appendix order; stems are file names without extension.

    Snakemake can expand its outputs from the config with this (each stem gives .png, .svg, .txt).
    """
    specs: list[FigureSpec] = []
    for outcome in outcomes:
        specs.append(FigureSpec(f"{outcome}_by_imd_quintile", "imd", outcome, "imd_quintile"))
        specs.extend(
            FigureSpec(f"{outcome}_by_{dimension}", "group", outcome, dimension)
            for dimension in dimensions
        )
    specs.extend(
        FigureSpec(f"{outcome}_odds_ratios", "forest", outcome) for outcome in model_outcomes
    )
    specs.append(FigureSpec("exclusion_flow", "flow"))
    return specs


def outcomes_in(table: pd.DataFrame, area_code: str) -> list[str]:
    """Outcomes with rows for an area, in the order of ``definitions.OUTCOMES``."""
    present = set(
        table.loc[table["area_code"].astype("string") == str(area_code), "outcome"].dropna()
    )
    return [o for o in OUTCOMES if o in present] + sorted(present - set(OUTCOMES))


def area_figure_specs(
    rates: pd.DataFrame,
    models: pd.DataFrame,
    area_code: str,
    dimensions: Sequence[str] = GROUP_DIMENSIONS,
) -> list[FigureSpec]:
    """The figure set of an area, with the outcomes found in the tables."""
    return figure_specs(outcomes_in(rates, area_code), outcomes_in(models, area_code), dimensions)


def make_figure(
    spec: FigureSpec,
    rates: pd.DataFrame,
    models: pd.DataFrame,
    flow: pd.DataFrame,
    area_code: str,
    *,
    synthetic: bool = False,
    source: str | None = None,
    period: str | None = None,
) -> tuple[Figure, str]:
    """Draw one figure of the set."""
    period = period or period_of(rates, area_code)
    common = {"synthetic": synthetic, "source": source, "period": period}
    if spec.kind == "imd":
        return rates_by_imd(rates, area_code, spec.outcome, **common)
    if spec.kind == "group":
        return rates_by_group(rates, area_code, spec.outcome, spec.dimension, **common)
    if spec.kind == "forest":
        name = area_name_of(rates, area_code)
        return forest_plot(models, area_code, spec.outcome, area_name=name, **common)
    if spec.kind == "flow":
        name = area_name_of(rates, area_code)
        return exclusion_flow(flow, area_code=area_code, area_name=name, **common)
    raise ValueError(f"unknown figure kind {spec.kind!r}")


def write_area_figures(
    rates: pd.DataFrame,
    models: pd.DataFrame,
    flow: pd.DataFrame,
    area_code: str,
    out_dir: str | Path,
    *,
    synthetic: bool = False,
    source: str | None = None,
    period: str | None = None,
    specs: Sequence[FigureSpec] | None = None,
) -> list[Path]:
    """Draw and save an area's figure set into ``out_dir``; returns every file written."""
    specs = list(specs) if specs is not None else area_figure_specs(rates, models, area_code)
    written: list[Path] = []
    for spec in specs:
        fig, alt = make_figure(
            spec, rates, models, flow, area_code, synthetic=synthetic, source=source, period=period
        )
        written.extend(save_figure(fig, alt, Path(out_dir) / spec.stem))
    return written
