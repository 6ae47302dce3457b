"""How many comparisons each appendix section makes, and one plain note on reading a single
flagged result among many (issue 11, item 7): with n comparisons and no real differences at all,
about 0.05 x n would still be flagged at the 95% level by chance alone (0.002 x n at 99.8%).

In: ``AppendixInputs`` and a section name. Out: a ``Counted`` (comparisons, flagged at 95% and at
99.8%) and the note as ``Sentences``. Counted from the published tables, with the same rules as
the tables flag them: the benchmark comparison column (Fingertips labels), the funnel position,
and confidence intervals that exclude the null for ratios and the slope index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from birthgaps.appendix import figure_set, frames
from birthgaps.appendix.blocks import Sentences
from birthgaps.appendix.inputs import AppendixInputs

#: The chance of a flag at each level when there is no real difference.
FALSE_ALARM_95, FALSE_ALARM_998 = 0.05, 0.002

#: What each section compares, for the note.
SECTION_COMPARISONS = {
    "rates": "each group's rate against {bench}",
    "trends": "each year's rate against {bench}",
    "inequality": "each gap between groups against no gap",
    "funnel": "each year against the funnel limits",
    "models": "each group's odds against its reference group",
    "risk_ratios": "each group's risk against its reference group",
}

_COMPARED = ("Similar", "Worse", "Better", "Higher", "Lower")


@dataclass(frozen=True)
class Counted:
    """Comparisons a section makes, how many it flags at 95%, and how many at 99.8% (None when
    the section's tables do not test at 99.8%)."""

    comparisons: int
    flagged_95: int
    flagged_998: int | None


def _area_rows(table: pd.DataFrame, inputs: AppendixInputs, outcomes: list[str]) -> pd.DataFrame:
    if table.empty or "area_code" not in table.columns:
        return table.iloc[0:0]
    mask = (table["area_code"].astype("string") == str(inputs.area_code)) & table["outcome"].astype(
        "string"
    ).isin(outcomes)
    return table.loc[mask.fillna(False).astype(bool)]


def _benchmark_counts(rows: pd.DataFrame) -> Counted:
    if "comparison" not in rows.columns:
        return Counted(0, 0, None)
    labels = rows["comparison"].map(frames.cell_text)
    labels = labels[labels.str.split(" (", regex=False).str[0].isin(_COMPARED)]
    flagged = labels[labels != "Similar"]
    return Counted(len(labels), len(flagged), int(flagged.str.contains("99.8%").sum()))


def _interval_counts(rows: pd.DataFrame, null: pd.Series, with_998: bool) -> Counted:
    lower, upper = frames.as_float(rows["lower_95"]), frames.as_float(rows["upper_95"])
    null = null.to_numpy(dtype=float)
    tested = np.isfinite(lower) & np.isfinite(upper)
    flagged = tested & ((lower > null) | (upper < null))
    strict = None
    if with_998 and {"lower_99_8", "upper_99_8"} <= set(rows.columns):
        lo, hi = frames.as_float(rows["lower_99_8"]), frames.as_float(rows["upper_99_8"])
        strict = int((tested & ((lo > null) | (hi < null))).sum())
    return Counted(int(tested.sum()), int(flagged.sum()), strict)


def count_comparisons(inputs: AppendixInputs, section: str) -> Counted:
    """The comparisons a section makes for the area (``SECTION_COMPARISONS`` names the sections):
    rates, the groups' benchmark comparisons by deprivation and ethnic group; trends, each year's
    and the whole period's; inequality, the rate ratios and slope index whose interval is
    published; funnel, the area's points placed on the funnel; models and risk_ratios, the
    adjusted ratio of each group (reference rows and estimates not made are not counted)."""
    if section not in SECTION_COMPARISONS:
        raise ValueError(
            f"no comparisons are counted for section {section!r}; "
            f"choose one of {', '.join(SECTION_COMPARISONS)}"
        )
    # the outcomes the rates, trends, inequality and funnel sections show in full
    outcomes = figure_set.detailed_outcomes(inputs.outcomes, inputs.model_outcomes)
    if section in ("rates", "trends"):
        rows = _area_rows(inputs.rates, inputs, outcomes)
        if rows.empty:
            return Counted(0, 0, None)
        dims = ["imd_quintile", "ethnic_group"] if section == "rates" else ["overall", "year"]
        rows = rows[rows["dimension"].astype("string").isin(dims).fillna(False).astype(bool)]
        return _benchmark_counts(rows)
    if section == "inequality":
        rows = _area_rows(inputs.inequality, inputs, outcomes)
        if rows.empty:
            return Counted(0, 0, None)
        rows = rows[rows["measure"].astype("string").isin(["rate_ratio", "sii"]).fillna(False)]
        null = pd.Series(np.where(rows["measure"] == "sii", 0.0, 1.0), index=rows.index)
        return _interval_counts(rows, null, with_998=True)
    if section == "funnel":
        funnel = inputs.funnel
        if funnel.empty:
            return Counted(0, 0, None)
        mask = (funnel["area_code"].astype("string") == str(inputs.area_code)) & funnel[
            "outcome"
        ].astype("string").isin(outcomes)
        placed = funnel.loc[mask.fillna(False).astype(bool), "significance"].map(frames.cell_text)
        placed = placed[placed.str.startswith(("High", "Low", "Not significant"))]
        flagged = placed[placed.str.startswith(("High", "Low"))]
        return Counted(len(placed), len(flagged), int(flagged.str.contains("0.001").sum()))
    table = inputs.models if section == "models" else inputs.risk_ratios
    rows = _area_rows(table, inputs, list(inputs.model_outcomes))
    if rows.empty:
        return Counted(0, 0, None)
    rows = rows[(rows["model"] == "adjusted") & (rows["level"] != rows["reference"])]
    return _interval_counts(rows, pd.Series(1.0, index=rows.index), with_998=False)


def _about(expected: float) -> str:
    """``about 3`` / ``fewer than 1`` for an expected count."""
    return "fewer than 1" if expected < 0.5 else f"about {int(np.floor(expected + 0.5))}"


def comparisons_note(inputs: AppendixInputs, section: str) -> Sentences:
    """One plain paragraph: how many comparisons the section makes, how many chance alone would
    flag at the 95% level if there were no real differences (0.05 x n), how many are flagged, and
    how to read a single flagged result among many (look for a pattern; the 99.8% level as the
    stricter check, as Fingertips does)."""
    counted = count_comparisons(inputs, section)
    what = SECTION_COMPARISONS[section].format(
        bench=frames.benchmark_label_of(inputs.rates, area_code=inputs.area_code)
    )
    n = counted.comparisons
    if n == 0:
        return Sentences(
            [f"This section makes no comparisons that could be flagged ({what})."], bullets=False
        )
    plural = "s" if n != 1 else ""
    flagged = counted.flagged_95
    sentences = [
        f"This section makes {n} comparison{plural} ({what}); {flagged} "
        f"{'is' if flagged == 1 else 'are'} flagged at the 95% level.",
        f"Even if there were no real differences, {_about(FALSE_ALARM_95 * n)} of these {n} "
        "would be flagged at that level by chance alone (1 in every 20).",
        "So read a single flagged result among many with care: look for a pattern that holds "
        "across groups or years.",
    ]
    if counted.flagged_998 is not None:
        sentences.append(
            f"The stricter 99.8% level, which Fingertips also uses, would flag "
            f"{_about(FALSE_ALARM_998 * n)} by chance (1 in every 500); "
            f"{counted.flagged_998} {'passes' if counted.flagged_998 == 1 else 'pass'} it here."
        )
    else:
        sentences.append(
            "A result whose 95% interval only just misses the line of no difference deserves "
            "less weight than one far from it, which would also pass the stricter 99.8% check "
            "(1 in every 500 by chance) that Fingertips uses."
        )
    return Sentences([" ".join(sentences)], bullets=False)
