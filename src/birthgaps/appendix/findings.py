"""Findings as sentences from the published tables (chart titles and the appendix's headlines): a
difference is called one only when the two 95% confidence intervals do not overlap."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from birthgaps.appendix.frames import (
    area_name_of,
    benchmark_label_of,
    cell_text,
    funnel_rows,
    funnel_target_of,
    inequality_rows,
    measure_row,
    ratio_measure,
    select_models,
    select_rates,
    too_few_events,
    trend_row,
    year_rows,
)
from birthgaps.appendix.wording import (
    DIMENSION_LABELS,
    comparison_phrase,
    fmt_ci,
    fmt_gap,
    fmt_value,
    group_phrase,
    join_words,
    lower_first,
    outcome_label,
    significance_phrase,
    trend_window,
)
from birthgaps.core.codes import IMD_QUINTILES, NOT_STATED, UNKNOWN

#: The reference group each title of :func:`group_finding` compares with, by dimension.
DEFAULT_REFERENCE: dict[str, str] = {
    "ethnic_group": "White",
    "age_band": "25-29",
    "imd_quintile": "5",
}


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
    numbers = f"{fmt_value(most['value'], outcome)} in the most deprived fifth v {fmt_value(least['value'], outcome)} in the least"
    if direction == 0:
        return 0, (
            f"No clear difference in {lower_first(label)} between the most and least deprived "
            f"areas ({numbers})"
        )
    values = [_row(rows, q) for q in IMD_QUINTILES]
    steps = [
        np.sign(a["value"] - b["value"])
        for a, b in zip(values, values[1:], strict=False)
        if a is not None and b is not None
    ]
    graded = len(steps) >= 3 and sum(1 for s in steps if s == direction) >= len(steps) - 1
    word = "more" if direction > 0 else "less"
    where = "more deprived areas" if graded else "the most deprived areas than the least deprived"
    return direction, f"{label} is {word} common in {where}: {numbers}"


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
                f"No clear change in {lower_first(label)} between {y0} ({fmt_value(first['value'], outcome)}) "
                f"and {y1} ({fmt_value(last['value'], outcome)})"
            )
        verb = "rose" if direction > 0 else "fell"
        return (
            f"{label} {verb} from {fmt_value(first['value'], outcome)} in {y0} "
            f"to {fmt_value(last['value'], outcome)} in {y1}"
        )
    reference = reference or DEFAULT_REFERENCE.get(dimension)
    ref = _row(rows, reference) if reference else None
    if ref is None:
        return f"{label} by {DIMENSION_LABELS.get(dimension, dimension).lower()}"
    higher, lower = [], []
    for _, row in rows[~rows["suppressed"]].iterrows():
        if row["group"] in (reference, NOT_STATED, UNKNOWN):
            continue
        direction = compare_intervals(
            row["lower_95"], row["upper_95"], ref["lower_95"], ref["upper_95"]
        )
        if direction > 0:
            higher.append((row["value"], row["group"]))
        elif direction < 0:
            lower.append((row["value"], row["group"]))
    ref_phrase = group_phrase(dimension, [reference])
    if not higher and not lower:
        plural = {"ethnic_group": "ethnic groups", "age_band": "age groups"}.get(
            dimension, "groups"
        )
        return (
            f"No clear difference in {lower_first(label)} between {ref_phrase} and other {plural}"
        )
    parts = []
    if higher:
        names = [g for _, g in sorted(higher, reverse=True)]
        parts.append(f"more common among {group_phrase(dimension, names)}")
    if lower:
        names = [g for _, g in sorted(lower)]
        parts.append(f"less common among {group_phrase(dimension, names)}")
    return f"{label} is {' and '.join(parts)} than among {ref_phrase}"


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
            f"No clear difference in the {spec.noun} of {lower_first(label)} between groups, "
            f"{scope}"
        )
    parts = []
    if higher:
        parts.append(f"higher {_for(higher)}")
    if lower:
        parts.append(f"lower {_for(lower)}")
    return (
        f"{spec.noun.capitalize()} of {lower_first(label)} {spec.verb} "
        f"{' and '.join(parts)}, {scope}"
    )


def _for(phrases: list[str]) -> str:
    return join_words([p if p.startswith("in ") else f"for {p}" for p in phrases])


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


def trend_finding(rates: pd.DataFrame, trends: pd.DataFrame, area_code: str, outcome: str) -> str:
    """Title of the trend chart: the recent-trend verdict and the latest year's benchmark comparison."""
    label = outcome_label(outcome)
    name = area_name_of(rates, area_code)
    row = trend_row(trends, area_code, outcome)
    parts = [f"{label} in {name}: {trend_phrase(row)}"]
    years = year_rows(rates, area_code, outcome)
    compared = years[
        ~years["suppressed"]
        & years["comparison"].map(lambda c: comparison_phrase(str(c), "") is not None)
    ]
    if not compared.empty:
        last = compared.iloc[-1]
        # a year is compared with that year's value: the benchmark's name, without the whole
        # period's years ("England", not "England (2019-2022)")
        bench = benchmark_label_of(rates, area_code=area_code)
        phrase = comparison_phrase(str(last["comparison"]), bench)
        parts.append(f"{phrase} in {int(last['year'])}")
    return "; ".join(parts)


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
            f"No clear gradient in {lower_first(label)} across deprivation in {name} "
            f"(slope index {fmt_gap(sii['value'], outcome)}, 95% CI {ci})"
        )
    where = "higher" if direction > 0 else "lower"
    return (
        f"{label} is {where} towards the more deprived end in {name}: a gap of "
        f"{fmt_gap(abs(sii['value']), outcome)} from most to least deprived (slope index, 95% CI {ci})"
    )


def funnel_finding(funnel: pd.DataFrame, area_code: str, outcome: str, name: str) -> str:
    """Title of the funnel plot: where the area lies against its target (England, or the study
    areas' average), and its years."""
    rows = funnel_rows(funnel, outcome)
    label = outcome_label(outcome)
    area = rows[(rows["row_type"] == "area") & (rows["area_code"] == str(area_code))]
    years = rows[(rows["row_type"] == "area_year") & (rows["area_code"] == str(area_code))]
    if area.empty or not area.iloc[0]["significance"]:
        head = f"{label} in {name}: the whole period cannot be placed on the funnel"
    else:
        head = (
            f"{label} in {name} is {significance_phrase(area.iloc[0]['significance'])} around "
            f"{funnel_target_of(rows)}"
        )
    outside = years[years["significance"].str.startswith(("High", "Low"))]
    placed = years[years["significance"] != ""]
    if not placed.empty:
        head += f"; {len(outside)} of its {len(placed)} years lie outside the 95% limits"
    return head
