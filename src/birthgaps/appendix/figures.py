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

from birthgaps.core.codes import (
    AGE_BAND_ORDER,
    ETHNIC_GROUPS,
    IMD_QUINTILE_LABELS,
    IMD_QUINTILES,
    NOT_STATED,
    OUTCOMES,
    UNKNOWN,
)
from birthgaps.core.errors import InputError
from birthgaps.core.provenance import SYNTHETIC_NOTICE

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
#: The one explanation of the c / [c] marker (docs/disclosure.md): a value is withheld for a count
#: of 1 to 7 or to protect another value, and the published outputs do not say which.
WITHHELD_TEXT = (
    "[c] withheld to protect confidentiality: a count of 1 to 7 or a figure that would reveal one"
)
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
#: Columns of the published risk-ratio table (``risk_ratios.csv``, same layout as the odds ratios).
RISK_RATIOS_COLUMNS = [c if c != "odds_ratio" else "risk_ratio" for c in MODELS_COLUMNS]


@dataclass(frozen=True)
class RatioMeasure:
    """Wording of one ratio measure of the model tables (odds ratio or risk ratio)."""

    column: str  # estimate column of the published table
    table: str  # name of the published table, for error messages
    noun: str  # "odds" / "risk"
    verb: str  # "are" / "is": agrees with the noun in titles
    name: str  # "odds ratio" / "risk ratio"
    short: str  # "OR" / "RR"
    method: str  # the regression, for captions
    columns: tuple[str, ...]


#: The ratio measures the forest plot can draw, by the estimate column of their table.
RATIO_MEASURES: dict[str, RatioMeasure] = {
    "odds_ratio": RatioMeasure(
        "odds_ratio",
        "models",
        "odds",
        "are",
        "odds ratio",
        "OR",
        "Binomial (logistic) regression",
        tuple(MODELS_COLUMNS),
    ),
    "risk_ratio": RatioMeasure(
        "risk_ratio",
        "risk ratios",
        "risk",
        "is",
        "risk ratio",
        "RR",
        "Modified Poisson regression (log link, robust sandwich standard errors)",
        tuple(RISK_RATIOS_COLUMNS),
    ),
}


def ratio_measure(measure: str) -> RatioMeasure:
    """The wording of ``odds_ratio`` or ``risk_ratio``; anything else is an error."""
    if measure not in RATIO_MEASURES:
        raise ValueError(f"measure must be one of {', '.join(RATIO_MEASURES)}, not {measure!r}")
    return RATIO_MEASURES[measure]


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
TERM_PHRASES = {
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


def require_columns(table: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(
            f"the {name} table lacks column(s) {', '.join(missing)}",
            column=", ".join(missing),
            hint=f"pass the published {name} table in the format of docs/architecture.md",
        )


def as_bool(values: pd.Series) -> pd.Series:
    """Booleans from a bool column or its CSV spelling; missing counts as False."""
    if pd.api.types.is_bool_dtype(values):
        return values.fillna(False).astype(bool)
    text = values.astype("string").str.strip().str.lower()
    return text.isin(["true", "1", "yes", "t"]).fillna(False).astype(bool)


def _as_float(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()


def select_rates(
    rates: pd.DataFrame, area_code: str, outcome: str, dimension: str, *, required: bool = True
) -> pd.DataFrame:
    """Rows of one area, outcome and dimension with typed columns ``group``, numbers and ``suppressed``."""
    require_columns(rates, RATES_COLUMNS, "rates")
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
            "suppressed": as_bool(rows["suppressed"]).to_numpy(),
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
    require_columns(rates, ["area_code", "dimension", "group"], "rates")
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
    rows = select_rates(rates, area_code, outcome, "overall", required=False)
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
    rows = select_rates(rates, area_code, outcome, "imd_quintile")
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


def group_phrase(dimension: str, groups: Sequence[str]) -> str:
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
    rows = select_rates(rates, area_code, outcome, dimension)
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
    ref_phrase = group_phrase(dimension, [reference])
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
        parts.append(f"more common among {group_phrase(dimension, names)}")
    if lower:
        names = [g for _, g in sorted(lower)]
        parts.append(f"less common among {group_phrase(dimension, names)}")
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
                f"{WITHHELD_TEXT}. Withheld values are not shown: {'; '.join(suppressed_notes)}."
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


def order_groups(dimension: str, groups: Iterable[str]) -> list[str]:
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
    rows = select_rates(rates, area_code, outcome, dimension)
    order = order_groups(dimension, rows["group"])
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
            notes.append(f"{WITHHELD_TEXT}. Withheld values are not shown: {join_words(hidden)}.")
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
# Forest plots of odds ratios and risk ratios
# --------------------------------------------------------------------------------------------


def select_models(
    models: pd.DataFrame, area_code: str, outcome: str, measure: str = "odds_ratio"
) -> pd.DataFrame:
    """Rows of one area and outcome of a ratio table (``measure`` names its estimate column)."""
    spec = ratio_measure(measure)
    require_columns(models, spec.columns, spec.table)
    mask = (models["area_code"].astype("string") == str(area_code)) & (
        models["outcome"].astype("string") == outcome
    )
    rows = models.loc[mask.fillna(False).astype(bool)]
    if rows.empty:
        raise InputError(
            f"the {spec.table} table has no rows for area {area_code}, outcome {outcome!r}",
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
            measure: _as_float(rows[measure]),
            "lower_95": _as_float(rows["lower_95"]),
            "upper_95": _as_float(rows["upper_95"]),
            "note": rows["note"].astype("string").fillna("").to_numpy(dtype=object),
        }
    )
    # Levels written as numbers ("5.0") by a spreadsheet round trip read back as "5".
    for column in ("level", "reference"):
        out[column] = out[column].map(tidy_level)
    return out


def tidy_level(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return value
    text = str(value)
    if text.endswith(".0") and text[:-2].isdigit():
        return text[:-2]
    return text


def too_few_events(note: object) -> bool:
    """True when a models-table note says the estimate was not made for lack of events."""
    return isinstance(note, str) and "too few events" in note.lower()


#: Parts of a models-table note that describe the population, not the estimate.
_POPULATION_NOTES = ("complete cases", "crude: from the published counts")


def estimate_note(note: object) -> str:
    """The part of a models-table note that explains a missing estimate (not the notes on the
    population: the complete-case note, the crude rows' "from the published counts")."""
    if not isinstance(note, str):
        return ""
    parts = [p.strip() for p in note.split(";")]
    return "; ".join(p for p in parts if p and not p.startswith(_POPULATION_NOTES))


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
        out.append((term, reference, order_groups(term, levels)))
    return out


def model_finding(
    models: pd.DataFrame,
    area_code: str,
    outcome: str,
    terms: Sequence[str],
    measure: str = "odds_ratio",
) -> str:
    """Title for a forest plot from the adjusted (else crude) ratios whose CI excludes 1."""
    spec = ratio_measure(measure)
    rows = select_models(models, area_code, outcome, measure)
    label = outcome_label(outcome)
    model = "adjusted" if (rows["model"] == "adjusted").any() else "crude"
    rows = rows[(rows["model"] == model) & ~rows["note"].map(too_few_events)]
    rows = rows[np.isfinite(rows[measure]) & (rows["level"] != rows["reference"])]
    higher: list[str] = []
    lower: list[str] = []
    for term in terms:
        sub = rows[rows["term"] == term]
        up = sub[sub["lower_95"] > 1].sort_values(measure, ascending=False)
        down = sub[sub["upper_95"] < 1].sort_values(measure)
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
                target.append(group_phrase("ethnic_group", list(chosen["level"])))
            elif term == "age_band":
                target.append(group_phrase("age_band", list(chosen["level"])))
            else:
                target.append(f"in {join_words(list(chosen['level']))}")
    scope = "after adjustment" if model == "adjusted" else "before adjustment"
    if not higher and not lower:
        return (
            f"No clear difference in the {spec.noun} of {_lower_first(label)} between groups, "
            f"{scope}"
        )
    parts = []
    if higher:
        parts.append(f"higher {_for(higher)}")
    if lower:
        parts.append(f"lower {_for(lower)}")
    return (
        f"{spec.noun.capitalize()} of {_lower_first(label)} {spec.verb} "
        f"{' and '.join(parts)}, {scope}"
    )


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

    finite = rows[np.isfinite(rows["lower_95"]) & np.isfinite(rows["upper_95"])]
    low = float(np.nanmin(finite["lower_95"])) if not finite.empty else 0.5
    high = float(np.nanmax(finite["upper_95"])) if not finite.empty else 2.0
    low, high = min(low, 0.9) / 1.15, max(high, 1.1) * 1.15

    alt_values: list[str] = []
    few: list[str] = []
    flagged: list[str] = []  # estimated, but with a note to read them by
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
                if too_few_events(row["note"]) or not np.isfinite(row[measure]):
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
                caveat = estimate_note(row["note"])
                if caveat:
                    flagged.append(f"{text} ({model_label.lower()}: {caveat})")
                lower_err = max(row[measure] - row["lower_95"], 0)
                upper_err = max(row["upper_95"] - row[measure], 0)
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
        candidates = [0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 8, 10, 20]
        ticks = [t for t in candidates if low <= t <= high]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlabel(
            f"{spec.name.capitalize()} (log scale); 1 = same {spec.noun} as the reference group"
        )
        ax.set_ylabel("")
        if any(plotted.values()):
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, -0.08), fontsize=11)
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
        f"{TERM_PHRASES.get(t, t)} reference {level_label(t, r)}" for t, r, _ in layout if r
    )
    alt = (
        f"{'Synthetic data. ' if synthetic else ''}Forest plot of crude and adjusted {spec.name}s of "
        f"{_lower_first(label)} in {name}{f', {period}' if period else ''}, with 95% confidence "
        f"intervals on a log scale ({references}). {title}. "
    )
    if alt_values:
        alt += f"Adjusted {spec.name}s (95% CI): {'; '.join(alt_values)}."
    if few:
        alt += f" No estimate for {join_words(few)}."
    if flagged:
        alt += f" Read with care: {join_words(flagged)}."
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
    require_columns(flow, ["description", "count"], "exclusion flow")
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
        suppressed = as_bool(rows["suppressed"]).reset_index(drop=True)
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
            f"Counts are rounded to the nearest 5. {WITHHELD_TEXT}.",
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
# Trend by year against the benchmark, with the Fingertips recent-trend marker
# --------------------------------------------------------------------------------------------

#: Columns the indicator tables must have (birthgaps.stats.indicators; docs/architecture.md).
TRENDS_COLUMNS = [
    "area_code",
    "outcome",
    "dimension",
    "group",
    "first_year",
    "last_year",
    "direction",
    "label",
    "reason",
]
INEQUALITY_COLUMNS = [
    "area_code",
    "outcome",
    "measure",
    "dimension",
    "group",
    "value",
    "lower_95",
    "upper_95",
    "note",
]
FUNNEL_COLUMNS = [
    "outcome",
    "row_type",
    "area_code",
    "year",
    "denominator",
    "percent",
    "significance",
    "axis_denominator",
    "lower_95",
    "upper_95",
    "lower_99_8",
    "upper_99_8",
    "baseline",
]
BENCHMARK_COLOUR = "#3D3D3D"
#: Grey of other areas' points in the funnel plot (marker shapes differ too).
OTHER_COLOUR = "#8C8C8C"


def cell_text(value: object) -> str:
    """A table cell as text ('' for missing)."""
    return "" if value is None or pd.isna(value) else str(value)


def trend_row(
    trends: pd.DataFrame,
    area_code: str,
    outcome: str,
    dimension: str = "overall",
    group: str = "All",
) -> pd.Series | None:
    """The recent-trend row of one area, outcome and group (None when the table has none)."""
    require_columns(trends, TRENDS_COLUMNS, "trends")
    mask = (
        (trends["area_code"].astype("string") == str(area_code))
        & (trends["outcome"].astype("string") == outcome)
        & (trends["dimension"].astype("string") == dimension)
        & (trends["group"].astype("string") == str(group))
    )
    rows = trends.loc[mask.fillna(False).astype(bool)]
    return None if rows.empty else rows.iloc[0]


def trend_window(row: pd.Series | None) -> str:
    """``2020–2024`` from a trend row's first and last year ('' when unknown)."""
    if row is None:
        return ""
    first, last = pd.to_numeric(row["first_year"]), pd.to_numeric(row["last_year"])
    if pd.isna(first) or pd.isna(last):
        return ""
    return f"{int(first)}–{int(last)}"


def trend_phrase(row: pd.Series | None) -> str:
    """Plain words for a recent-trend verdict ("significant" only when the test says so)."""
    if row is None:
        return "no recent trend available"
    window = trend_window(row)
    span = f" in {window}" if window else ""
    direction = cell_text(row["direction"])
    if direction == "increasing":
        return f"a significant increase{span}"
    if direction == "decreasing":
        return f"a significant decrease{span}"
    if direction == "no significant change":
        return f"no significant change{span}"
    reason = cell_text(row["reason"])
    return "recent trend cannot be calculated" + (f" ({reason})" if reason else "")


def comparison_phrase(comparison: str, benchmark_label: str) -> str | None:
    """Plain words for a Fingertips comparison label, e.g. "significantly higher than England"."""
    if comparison.startswith(("Worse", "Higher")):
        return f"significantly higher than {benchmark_label}"
    if comparison.startswith(("Better", "Lower")):
        return f"significantly lower than {benchmark_label}"
    if comparison == "Similar":
        return f"similar to {benchmark_label}"
    return None


def _year_rows(rates: pd.DataFrame, area_code: str, outcome: str) -> pd.DataFrame:
    """Year rows of an area with percent, CI, benchmark and comparison (benchmark columns optional)."""
    rows = select_rates(rates, area_code, outcome, "year")
    mask = (
        (rates["area_code"].astype("string") == str(area_code))
        & (rates["outcome"].astype("string") == outcome)
        & (rates["dimension"].astype("string") == "year")
    )
    raw = rates.loc[mask.fillna(False).astype(bool)]
    rows["year"] = pd.to_numeric(rows["group"], errors="coerce")
    if "benchmark" in raw.columns:
        rows["benchmark"] = _as_float(raw["benchmark"])
    else:
        rows["benchmark"] = np.nan
    if "comparison" in raw.columns:
        rows["comparison"] = raw["comparison"].astype("string").fillna("").to_numpy(dtype=object)
    else:
        rows["comparison"] = ""
    return rows.dropna(subset=["year"]).sort_values("year").reset_index(drop=True)


def benchmark_label_of(rates: pd.DataFrame) -> str:
    """The benchmark's name from the rates table (``benchmark_label``), else "the benchmark"."""
    if "benchmark_label" in rates.columns:
        labels = rates["benchmark_label"].dropna().astype(str)
        labels = labels[labels != ""]
        if not labels.empty:
            return labels.iloc[0]
    return "the benchmark"


def trend_finding(rates: pd.DataFrame, trends: pd.DataFrame, area_code: str, outcome: str) -> str:
    """Title of the trend chart: the recent-trend verdict and the latest year's benchmark comparison."""
    label = outcome_label(outcome)
    name = area_name_of(rates, area_code)
    row = trend_row(trends, area_code, outcome)
    parts = [f"{label} in {name}: {trend_phrase(row)}"]
    years = _year_rows(rates, area_code, outcome)
    compared = years[
        ~years["suppressed"]
        & years["comparison"].map(lambda c: comparison_phrase(str(c), "") is not None)
    ]
    if not compared.empty:
        last = compared.iloc[-1]
        phrase = comparison_phrase(str(last["comparison"]), benchmark_label_of(rates))
        parts.append(f"{phrase} in {int(last['year'])}")
    return "; ".join(parts)


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
    years = _year_rows(rates, area_code, outcome)
    name = area_name_of(rates, area_code)
    period = period or period_of(rates, area_code)
    label = outcome_label(outcome)
    bench_label = benchmark_label_of(rates)
    row = trend_row(trends, area_code, outcome)
    title = trend_finding(rates, trends, area_code, outcome)
    shown = years[~years["suppressed"]]
    hidden = [str(int(y)) for y in years.loc[years["suppressed"], "year"]]
    has_benchmark = bool(np.isfinite(years["benchmark"].to_numpy(dtype=float)).any())

    with matplotlib.style.context([STYLE, _RC]):
        fig = _new_figure(10, 6.4)
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
        y = shown["percent"].to_numpy(dtype=float)
        ax.errorbar(
            x,
            y,
            yerr=[
                np.clip(y - shown["lower_95"].to_numpy(dtype=float), 0, None),
                np.clip(shown["upper_95"].to_numpy(dtype=float) - y, 0, None),
            ],
            fmt="none",
            ecolor=PRIMARY_COLOUR,
            capsize=3,
            zorder=2,
        )
        ax.plot(
            x, y, color=PRIMARY_COLOUR, marker="o", markersize=8, label=f"{name} (95% CI)", zorder=3
        )
        top = float(np.nanmax(shown["upper_95"].to_numpy(dtype=float))) if not shown.empty else 1.0
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
            if np.isfinite(by).any():
                top = max(top, float(np.nanmax(by)))
        for _, r in shown.iterrows():
            comparison = str(r["comparison"])
            if comparison_phrase(comparison, "") and comparison != "Similar":
                ax.annotate(
                    comparison,
                    xy=(r["year"], r["upper_95"]),
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
            _wrap(marker_text, 70),
            transform=ax.transAxes,
            ha="left",
            va="top",
            fontsize=11,
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "#3D3D3D"},
        )
        all_years = years["year"].to_numpy(dtype=float)
        ax.set_xticks(all_years, [str(int(v)) for v in all_years])
        ax.set_ylim(0, top * 1.3 if top > 0 else 1)
        ax.set_xlabel(_DIMENSION_LABELS["year"])
        ax.set_ylabel(f"{label} (% of live births)")
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12), ncols=3, fontsize=10)
        notes = [
            "Points show percentages and bars 95% confidence intervals.",
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
        caption = _caption(
            synthetic=synthetic,
            source=source,
            population=f"{outcome_definition(outcome)}, mothers resident in {name}",
            period=period,
            notes=notes,
        )
        _finish(fig, ax, title, caption)

    values = "; ".join(
        f"{int(r['year'])} {fmt_pct(r['percent'])} (95% CI {fmt_ci(r['lower_95'], r['upper_95'])})"
        + (
            f", {bench_label} {fmt_pct(r['benchmark'])}, {r['comparison']}"
            if np.isfinite(r["benchmark"]) and r["comparison"]
            else ""
        )
        for _, r in shown.iterrows()
    )
    alt = (
        f"{'Synthetic data. ' if synthetic else ''}Line chart of {_lower_first(label)} as a "
        f"percentage of live births by year in {name}"
        + (f", with {bench_label} as the benchmark" if has_benchmark else "")
        + f" and 95% confidence intervals. {title}. {marker_text.replace(chr(10), ' ')}. {values}."
    )
    if hidden:
        alt += f" Not shown (small numbers): {join_words(hidden)}."
    return fig, alt


# --------------------------------------------------------------------------------------------
# Slope index of inequality: rates by quintile against relative deprivation rank
# --------------------------------------------------------------------------------------------


def inequality_rows(inequality: pd.DataFrame, area_code: str, outcome: str) -> pd.DataFrame:
    """Rows of one area and outcome of the published inequality table, numbers as floats."""
    require_columns(inequality, INEQUALITY_COLUMNS, "inequality")
    mask = (inequality["area_code"].astype("string") == str(area_code)) & (
        inequality["outcome"].astype("string") == outcome
    )
    rows = inequality.loc[mask.fillna(False).astype(bool)].copy()
    for column in rows.columns:
        if column in ("value", "p_value", "intercept", "excess_events") or column.startswith(
            ("lower_", "upper_", "excess_")
        ):
            rows[column] = pd.to_numeric(rows[column], errors="coerce").astype("float64")
    for column in ("measure", "dimension", "group", "note"):
        rows[column] = rows[column].astype("string").fillna("").str.strip()
    return rows.reset_index(drop=True)


def measure_row(
    rows: pd.DataFrame, measure: str, group: str = "All", dimension: str | None = None
) -> pd.Series | None:
    """One measure's row (e.g. ``sii``) from ``inequality_rows`` (None when absent)."""
    hit = rows[(rows["measure"] == measure) & (rows["group"] == str(group))]
    if dimension is not None:
        hit = hit[hit["dimension"] == dimension]
    return None if hit.empty else hit.iloc[0]


def rii_words(row: pd.Series) -> str:
    """``2.03 (95% CI 1.71 to 2.41)``, or the RII alone when its limits are not published."""
    if np.isfinite(row["lower_95"]) and np.isfinite(row["upper_95"]):
        return f"{row['value']:.2f} (95% CI {fmt_ci(row['lower_95'], row['upper_95'], 2)})"
    return f"{row['value']:.2f} (no reliable confidence interval)"


def fmt_pp(value: float) -> str:
    """Percentage points to one decimal place, e.g. ``3.1 percentage points``."""
    return f"{value:.1f} percentage points"


def sii_finding(inequality: pd.DataFrame, area_code: str, outcome: str, name: str) -> str:
    """Title of the SII chart: the gap across the deprivation scale, called clear only when its 95% CI
    excludes 0."""
    label = outcome_label(outcome)
    sii = measure_row(inequality_rows(inequality, area_code, outcome), "sii")
    if sii is None or not np.isfinite(sii["value"]):
        note = cell_text(sii["note"]) if sii is not None else ""
        return (
            f"{label} by deprivation in {name}: the slope index of inequality cannot be calculated"
            + (f" ({note})" if note else "")
        )
    ci = fmt_ci(sii["lower_95"], sii["upper_95"])
    direction = compare_intervals(sii["lower_95"], sii["upper_95"], 0, 0)
    if direction == 0:
        return (
            f"No clear gradient in {_lower_first(label)} across deprivation in {name} "
            f"(slope index {fmt_pp(sii['value'])}, 95% CI {ci})"
        )
    where = "higher" if direction > 0 else "lower"
    return (
        f"{label} is {where} towards the more deprived end in {name}: a gap of "
        f"{fmt_pp(abs(sii['value']))} from most to least deprived (slope index, 95% CI {ci})"
    )


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
    quint["denominator"] = _as_float(raw["denominator"]) if "denominator" in raw else np.nan
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

    with matplotlib.style.context([STYLE, _RC]):
        fig = _new_figure(10, 7.2)
        ax = fig.add_subplot()
        ok = ~suppressed
        pct = quint["percent"].to_numpy(dtype=float)
        lo = quint["lower_95"].to_numpy(dtype=float)
        hi = quint["upper_95"].to_numpy(dtype=float)
        ax.errorbar(
            ranks[ok],
            pct[ok],
            yerr=[np.clip(pct[ok] - lo[ok], 0, None), np.clip(hi[ok] - pct[ok], 0, None)],
            fmt="o",
            color=PRIMARY_COLOUR,
            markersize=9,
            capsize=4,
            zorder=3,
            label="Quintile percentage (95% CI)",
        )
        for rank, upper, quintile, shown in zip(ranks, hi, IMD_QUINTILES, ok, strict=True):
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
        top = float(np.nanmax(hi[ok])) if ok.any() else 1.0
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
            top = max(top, start, end)
            text = f"Slope index: {fmt_pp(sii['value'])} (95% CI {fmt_ci(sii['lower_95'], sii['upper_95'])})"
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
        ax.set_ylim(0, top * 1.35 if top > 0 else 1)
        ax.set_xticks(
            [0, 0.25, 0.5, 0.75, 1],
            ["0\nmost deprived", "0.25", "0.5", "0.75", "1\nleast deprived"],
        )
        ax.set_xlabel("Relative deprivation rank of the mother's neighbourhood (share of births)")
        ax.set_ylabel(f"{label} (% of live births)")
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.2), ncols=2, fontsize=10)
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
        caption = _caption(
            synthetic=synthetic,
            source=source,
            population=(
                f"{outcome_definition(outcome)}, mothers resident in {name} with known "
                "deprivation quintile"
            ),
            period=period,
            notes=notes,
        )
        _finish(fig, ax, title, caption)

    values = "; ".join(
        f"quintile {q} {fmt_pct(v)}" for q, v, s in zip(IMD_QUINTILES, pct, ok, strict=True) if s
    )
    alt = (
        f"{'Synthetic data. ' if synthetic else ''}Chart of {_lower_first(label)} as a percentage "
        f"of live births by deprivation quintile in {name}{f', {period}' if period else ''}, each "
        f"quintile at its relative deprivation rank (0 most deprived, 1 least deprived), with 95% "
        f"confidence intervals"
        + (" and the fitted slope-index line" if has_sii else "")
        + f". {title}. {values}."
    )
    if has_sii and rii is not None and np.isfinite(rii["value"]):
        alt += f" Relative index of inequality {rii_words(rii)}."
    return fig, alt


# --------------------------------------------------------------------------------------------
# Funnel plot of areas (and area-years) against the pooled average
# --------------------------------------------------------------------------------------------


def funnel_rows(funnel: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The published funnel table's rows of one outcome, numbers as floats."""
    require_columns(funnel, FUNNEL_COLUMNS, "funnel")
    rows = funnel.loc[(funnel["outcome"].astype("string") == outcome).fillna(False).astype(bool)]
    if rows.empty:
        raise InputError(
            f"the funnel table has no rows for outcome {outcome!r}", column="outcome", rows=0
        )
    out = rows.copy()
    for column in (
        "year",
        "denominator",
        "percent",
        "axis_denominator",
        "lower_95",
        "upper_95",
        "lower_99_8",
        "upper_99_8",
        "baseline",
    ):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    for column in ("row_type", "area_code", "significance"):
        out[column] = out[column].astype("string").fillna("").str.strip()
    if "area_name" not in out.columns:
        out["area_name"] = out["area_code"]
    out["area_name"] = out["area_name"].astype("string").fillna("")
    return out.reset_index(drop=True)


def _significance_phrase(significance: str) -> str:
    """Plain words for a PHE funnel label, e.g. "above the 99.8% limit"."""
    if significance.startswith("High"):
        return "above the " + ("99.8%" if "0.001" in significance else "95%") + " funnel limit"
    if significance.startswith("Low"):
        return "below the " + ("99.8%" if "0.001" in significance else "95%") + " funnel limit"
    if significance == "Not significant":
        return "within the funnel limits"
    return "not placed on the funnel"


def funnel_finding(funnel: pd.DataFrame, area_code: str, outcome: str, name: str) -> str:
    """Title of the funnel plot: where the area lies against the pooled average, and its years."""
    rows = funnel_rows(funnel, outcome)
    label = outcome_label(outcome)
    area = rows[(rows["row_type"] == "area") & (rows["area_code"] == str(area_code))]
    years = rows[(rows["row_type"] == "area_year") & (rows["area_code"] == str(area_code))]
    if area.empty or not area.iloc[0]["significance"]:
        head = f"{label} in {name}: the whole period cannot be placed on the funnel"
    else:
        head = (
            f"{label} in {name} is {_significance_phrase(area.iloc[0]['significance'])} around "
            f"the study areas' average"
        )
    outside = years[years["significance"].str.startswith(("High", "Low"))]
    placed = years[years["significance"] != ""]
    if not placed.empty:
        head += f"; {len(outside)} of its {len(placed)} years lie outside the 95% limits"
    return head


def funnel_plot(
    funnel: pd.DataFrame,
    area_code: str,
    outcome: str,
    *,
    area_name: str | None = None,
    synthetic: bool = False,
    source: str | None = None,
    period: str | None = None,
) -> tuple[Figure, str]:
    """PHE funnel plot: percent against births for every study area (whole period) and area-year,
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
    points = rows[rows["row_type"].isin(["area", "area_year"]) & rows["percent"].notna()]
    mine = points["area_code"] == str(area_code)
    if limits.empty or points.empty:
        raise InputError(
            f"the funnel table has no limits or points for outcome {outcome!r}",
            column="row_type",
            rows=0,
        )
    baseline = float(limits["baseline"].iloc[0])
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
        ("area_year", True, f"{name}, single years", PRIMARY_COLOUR, "s", 7),
        ("area", True, f"{name}, whole period", PRIMARY_COLOUR, "D", 12),
    ]
    with matplotlib.style.context([STYLE, _RC]):
        fig = _new_figure(10, 6.6)
        ax = fig.add_subplot()
        ax.grid(axis="x", visible=True)
        ax.axhline(
            baseline,
            color=BENCHMARK_COLOUR,
            linewidth=1.5,
            label=f"Average of the study areas ({fmt_pct(baseline)})",
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
        for row_type, own, text, colour, marker, size in series:
            part = points[(points["row_type"] == row_type) & (mine if own else ~mine)]
            if part.empty:
                continue
            ax.plot(
                part["denominator"],
                part["percent"],
                linestyle="none",
                marker=marker,
                markersize=size,
                color=colour,
                markeredgecolor="white",
                label=text,
                zorder=4 if own else 3,
            )
            if row_type == "area":
                for _, p in part.iterrows():
                    ax.annotate(
                        p["area_name"],
                        xy=(p["denominator"], p["percent"]),
                        xytext=(6, 4),
                        textcoords="offset points",
                        fontsize=9,
                        color=colour if own else "#3D3D3D",
                    )
        y_values = np.concatenate(
            [
                points["percent"].to_numpy(dtype=float),
                span["upper_99_8"].to_numpy(dtype=float),
                span["lower_99_8"].to_numpy(dtype=float),
            ]
        )
        y_low, y_high = float(np.nanmin(y_values)), float(np.nanmax(y_values))
        pad = (y_high - y_low) * 0.08 or 1.0
        ax.set_xlim(x_min, x_max)
        ax.set_ylim(max(0.0, y_low - pad), y_high + pad)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_xlabel("Live births in the denominator (rounded to the nearest 5)")
        ax.set_ylabel(f"{label} (% of live births)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=10)
        notes = [
            "Funnel limits (PHE method, Wilson score) around the average of all study areas and "
            "years: a point outside the 95% (dashed) or 99.8% (dotted) limits differs significantly "
            "from that average.",
            "Values based on small numbers are suppressed and not shown.",
        ]
        caption = _caption(
            synthetic=synthetic,
            source=source,
            population=f"{outcome_definition(outcome)}, mothers resident in the study areas",
            period=period,
            notes=notes,
        )
        _finish(fig, ax, title, caption)

    described = "; ".join(
        f"{p['area_name']}{'' if p['row_type'] == 'area' else ' ' + str(int(p['year']))} "
        f"{fmt_pct(p['percent'])} of {int(p['denominator']):,} births ({p['significance']})"
        for _, p in points[mine].iterrows()
    )
    alt = (
        f"{'Synthetic data. ' if synthetic else ''}Funnel plot of {_lower_first(label)} as a "
        f"percentage of live births against the number of births, for each study area over the "
        f"whole period and for each year, with the average of the study areas "
        f"({fmt_pct(baseline)}) and 95% and 99.8% limits. {title}. {name}: {described}."
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
    kind: str  # "imd", "group", "trend", "sii", "funnel", "forest", "risk_forest" or "flow"
    outcome: str | None = None
    dimension: str | None = None


#: Chart kinds drawn from the indicator tables (trends, inequality, funnel).
INDICATOR_KINDS: tuple[str, ...] = ("trend", "sii", "funnel")


def figure_specs(
    outcomes: Sequence[str],
    model_outcomes: Sequence[str],
    dimensions: Sequence[str] = GROUP_DIMENSIONS,
    *,
    indicators: bool = True,
    risk_ratios: bool = True,
) -> list[FigureSpec]:
    """The figures of one area, in appendix order; stems are file names without extension.

    ``indicators`` adds, per outcome, the trend against the benchmark, the slope index of inequality
    and the funnel plot; ``risk_ratios`` adds, per modelled outcome, the forest plot of risk ratios
    (``{outcome}_risk_ratios``) after that of odds ratios. Snakemake can expand its outputs from the
    config with this (each stem gives .png, .svg, .txt).
    """
    specs: list[FigureSpec] = []
    for outcome in outcomes:
        specs.append(FigureSpec(f"{outcome}_by_imd_quintile", "imd", outcome, "imd_quintile"))
        specs.extend(
            FigureSpec(f"{outcome}_by_{dimension}", "group", outcome, dimension)
            for dimension in dimensions
        )
        if indicators:
            specs.append(FigureSpec(f"{outcome}_trend", "trend", outcome, "year"))
            specs.append(FigureSpec(f"{outcome}_sii", "sii", outcome, "imd_quintile"))
            specs.append(FigureSpec(f"{outcome}_funnel", "funnel", outcome))
    for outcome in model_outcomes:
        specs.append(FigureSpec(f"{outcome}_odds_ratios", "forest", outcome))
        if risk_ratios:
            specs.append(FigureSpec(f"{outcome}_risk_ratios", "risk_forest", outcome))
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
    *,
    indicators: bool = True,
    risk_ratios: bool = True,
) -> list[FigureSpec]:
    """The figure set of an area, with the outcomes found in the tables."""
    return figure_specs(
        outcomes_in(rates, area_code),
        outcomes_in(models, area_code),
        dimensions,
        indicators=indicators,
        risk_ratios=risk_ratios,
    )


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
    period = period or period_of(rates, area_code)
    common = {"synthetic": synthetic, "source": source, "period": period}
    if spec.kind == "imd":
        return rates_by_imd(rates, area_code, spec.outcome, **common)
    if spec.kind == "group":
        return rates_by_group(rates, area_code, spec.outcome, spec.dimension, **common)
    if spec.kind == "trend":
        return trend_chart(
            rates, _needed(trends, "trends", spec), area_code, spec.outcome, **common
        )
    if spec.kind == "sii":
        table = _needed(inequality, "inequality", spec)
        return sii_chart(rates, table, area_code, spec.outcome, **common)
    if spec.kind == "funnel":
        name = area_name_of(rates, area_code)
        table = _needed(funnel, "funnel", spec)
        return funnel_plot(table, area_code, spec.outcome, area_name=name, **common)
    if spec.kind == "forest":
        name = area_name_of(rates, area_code)
        return forest_plot(models, area_code, spec.outcome, area_name=name, **common)
    if spec.kind == "risk_forest":
        name = area_name_of(rates, area_code)
        table = _needed(risk_ratios, "risk_ratios", spec)
        return forest_plot(
            table, area_code, spec.outcome, area_name=name, measure="risk_ratio", **common
        )
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
    trends: pd.DataFrame | None = None,
    inequality: pd.DataFrame | None = None,
    funnel: pd.DataFrame | None = None,
    risk_ratios: pd.DataFrame | None = None,
    synthetic: bool = False,
    source: str | None = None,
    period: str | None = None,
    specs: Sequence[FigureSpec] | None = None,
) -> list[Path]:
    """Draw and save an area's figure set into ``out_dir``; returns every file written.

    Without ``specs`` the set includes the indicator charts when all three indicator tables are
    given, and the risk-ratio forest plots when the risk-ratio table is.
    """
    if specs is None:
        indicators = all(t is not None for t in (trends, inequality, funnel))
        specs = area_figure_specs(
            rates, models, area_code, indicators=indicators, risk_ratios=risk_ratios is not None
        )
    written: list[Path] = []
    for spec in specs:
        fig, alt = make_figure(
            spec,
            rates,
            models,
            flow,
            area_code,
            trends=trends,
            inequality=inequality,
            funnel=funnel,
            risk_ratios=risk_ratios,
            synthetic=synthetic,
            source=source,
            period=period,
        )
        written.extend(save_figure(fig, alt, Path(out_dir) / spec.stem))
    return written
