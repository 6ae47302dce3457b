"""The indicator sections' tables and sentences: each year against the benchmark, recent trends,
inequality measures (rate ratios, SII/RII, attributable fraction) and the funnel plot's points.
In: ``AppendixInputs``. Out: frames of display text (note in ``attrs["footnote"]``) and sentences.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from birthgaps.appendix import findings, frames, notes, wording
from birthgaps.appendix.blocks import WITHHELD
from birthgaps.appendix.findings import compare_intervals
from birthgaps.appendix.inputs import AppendixInputs
from birthgaps.appendix.tables import (
    DIMENSION_HEADINGS,
    count_text,
    num,
    rate_row,
    rate_words,
)
from birthgaps.appendix.wording import fmt_ci, fmt_or, fmt_pct, fmt_value, outcome_label
from birthgaps.core import labels

#: Units of the inequality measures that have one (the measures' names are in core.labels).
_UNITS = {"sii": "percentage points", "paf": "%", "paf_share": "%"}


def measure_text(measure: str, dimension: str) -> str:
    """An inequality measure in the workbook's words, with its unit and, for a rate ratio, its
    breakdown: ``Rate ratio by ethnic group``, ``Slope index of inequality (SII), percentage
    points``."""
    text = labels.MEASURE_LABELS.get(measure, measure)
    if measure == "rate_ratio":
        text += f" by {wording.lower_first(labels.breakdown_label(dimension))}"
    return f"{text}, {_UNITS[measure]}" if measure in _UNITS else text


def _clear(lower: float, upper: float, null: float) -> bool:
    """True when a confidence interval excludes the null value (1 for ratios, 0 for gaps)."""
    return compare_intervals(lower, upper, null, null) != 0


def format_benchmark_table(inputs: AppendixInputs, outcome: str) -> pd.DataFrame:
    """Each year's percentage with 95%/99.8% CIs, the benchmark and the Fingertips comparison."""
    rates = inputs.rates
    mask = (
        (rates["area_code"].astype("string") == inputs.area_code)
        & (rates["outcome"].astype("string") == outcome)
        & (rates["dimension"].astype("string").isin(["overall", "year"]))
    ).fillna(False)
    raw = rates.loc[mask.astype(bool)].copy()
    raw["_order"] = raw["dimension"].map({"year": 0, "overall": 1})
    raw = raw.sort_values(["_order", "group"], kind="stable")
    bench = frames.benchmark_label_of(rates, area_code=inputs.area_code)
    records = []
    for _, row in raw.iterrows():
        suppressed = bool(frames.as_bool(pd.Series([row["suppressed"]])).iloc[0])
        reliability = (
            frames.cell_text(row.get("reliability")) if "reliability" in raw.columns else ""
        )
        pct = num(row["value"])
        shown = not suppressed and not np.isnan(pct)
        has_998 = "lower_99_8" in raw.columns
        records.append(
            {
                "Period": (
                    f"All years ({inputs.period})"
                    if row["dimension"] == "overall" and inputs.period
                    else wording.period_text(row["group"])
                ),
                wording.denominator_heading(outcome): WITHHELD
                if suppressed
                else count_text(row["denominator"]),
                wording.value_heading(outcome): (WITHHELD if suppressed else "x")
                if not shown
                else f"{pct:.1f}" + (" u" if reliability == "u" else ""),
                "95% CI": fmt_ci(row["lower_95"], row["upper_95"]) if shown else "",
                "99.8% CI": fmt_ci(row["lower_99_8"], row["upper_99_8"])
                if shown and has_998
                else "",
                f"{bench} {wording.value_heading(outcome).lower()}": (
                    ""
                    if "benchmark" not in raw.columns or pd.isna(row["benchmark"])
                    else f"{num(row['benchmark']):.1f}"
                ),
                "Comparison": frames.cell_text(row.get("comparison"))
                if "comparison" in raw
                else "",
            }
        )
    table = pd.DataFrame(records)
    table.attrs["footnote"] = (
        notes.comparison_note(bench)
        + " "
        + notes.rates_note(inputs.disclosure, labels.outcome_words(outcome).per_1000)
    )
    return table


def format_trends_table(inputs: AppendixInputs, outcome: str) -> pd.DataFrame:
    """Recent trend of the area and of each IMD quintile and ethnic group, with the statistic."""
    trends = inputs.trends
    mask = (
        (trends["area_code"].astype("string") == inputs.area_code)
        & (trends["outcome"].astype("string") == outcome)
    ).fillna(False)
    rows = trends.loc[mask.astype(bool)]
    records = []
    for _, row in rows.iterrows():
        dimension = str(row["dimension"])
        group = str(row["group"])
        statistic = num(row.get("statistic"))
        slope = num(row.get("slope_pp_per_year"))
        records.append(
            {
                "Group": "All births"
                if dimension == "overall"
                else f"{DIMENSION_HEADINGS.get(dimension, dimension)} {labels.group_text(dimension, group)}",
                "Years": wording.trend_window(row),
                "Recent trend": str(row["label"]),
                "Chi-squared": "" if np.isnan(statistic) else f"{statistic:.2f}",
                "Change per year (percentage points)": "" if np.isnan(slope) else f"{slope:.2f}",
                "Note": frames.cell_text(row.get("reason")),
            }
        )
    table = pd.DataFrame(
        records,
        columns=[
            "Group",
            "Years",
            "Recent trend",
            "Chi-squared",
            "Change per year (percentage points)",
            "Note",
        ],
    )
    table.attrs["footnote"] = notes.TRENDS_NOTE
    return table


def benchmark_sentence(inputs: AppendixInputs, outcome: str) -> str | None:
    """The area's overall percentage against the benchmark's (Fingertips comparison), or None."""
    label = outcome_label(outcome)
    bench = frames.benchmark_label_of(inputs.rates, outcome, inputs.area_code)
    overall = rate_row(inputs.rates, inputs.area_code, outcome, "overall", "All")
    raw = inputs.rates[
        (inputs.rates["area_code"] == inputs.area_code)
        & (inputs.rates["outcome"] == outcome)
        & (inputs.rates["dimension"] == "overall")
    ]
    if overall is None or "comparison" not in raw.columns or raw.empty:
        return None
    comparison = str(raw["comparison"].fillna("").iloc[0])
    phrase = wording.comparison_phrase(comparison, bench)
    bench_value = num(raw["benchmark"].iloc[0]) if "benchmark" in raw.columns else np.nan
    if not phrase or np.isnan(bench_value):
        return None
    period = f" in {inputs.period}" if inputs.period else ""
    level = f" ({comparison})" if comparison != "Similar" else ""
    return f"{label}{period}: {rate_words(overall, outcome)}, {phrase} ({fmt_value(bench_value, outcome)}){level}."


def trend_sentences(inputs: AppendixInputs, outcome: str) -> list[str]:
    """The recent trend, the comparison with the benchmark and the groups with a significant trend."""
    label = outcome_label(outcome)
    lower = label[:1].lower() + label[1:]
    sentences = []
    row = (
        frames.trend_row(inputs.trends, inputs.area_code, outcome)
        if not inputs.trends.empty
        else None
    )
    if row is not None:
        phrase = findings.trend_phrase(row)
        statistic = num(row.get("statistic"))
        detail = ""
        if not np.isnan(statistic):
            detail = f" (chi-squared statistic {statistic:.2f})"
        sentences.append(f"Recent trend of {lower} in {inputs.area_name}: {phrase}{detail}.")
    sentence = benchmark_sentence(inputs, outcome)
    if sentence:
        sentences.append(sentence)
    if not inputs.trends.empty:
        groups = inputs.trends[
            (inputs.trends["area_code"] == inputs.area_code)
            & (inputs.trends["outcome"] == outcome)
            & (inputs.trends["dimension"] != "overall")
        ]
        significant = groups[groups["direction"].isin(["increasing", "decreasing"])]
        if significant.empty:
            sentences.append(
                "No deprivation quintile or ethnic group shows a significant recent trend"
                + (
                    f" ({len(groups[groups['direction'] == 'cannot be calculated'])} could not be "
                    "calculated)."
                    if (groups["direction"] == "cannot be calculated").any()
                    else "."
                )
            )
        else:
            parts = [
                f"{wording.group_label(str(r['dimension']), str(r['group']))}: "
                f"{str(r['label']).lower()}"
                for _, r in significant.iterrows()
            ]
            sentences.append(f"Groups with a significant recent trend: {'; '.join(parts)}.")
    return sentences


def format_inequality_table(inputs: AppendixInputs, outcome: str) -> pd.DataFrame:
    """Rate ratios, SII, RII, attributable fraction and shares of one outcome, readable."""
    rows = frames.inequality_rows(inputs.inequality, inputs.area_code, outcome)
    records = []
    for _, row in rows.iterrows():
        measure, dimension = str(row["measure"]), str(row["dimension"])
        value, lower, upper = row["value"], row["lower_95"], row["upper_95"]
        digits = 2 if measure in ("rate_ratio", "rii") else 1
        suppressed = "flag" in rows.columns and frames.cell_text(row.get("flag")) == "c"
        reliability = frames.cell_text(row.get("reliability"))
        if suppressed:
            estimate = ci = WITHHELD
        elif np.isnan(value):
            estimate, ci = ("x" if reliability == "x" else "–"), ""
        else:
            estimate = f"{value:.{digits}f}" + (" u" if reliability == "u" else "")
            ci = fmt_ci(lower, upper, digits) if np.isfinite(lower) and np.isfinite(upper) else ""
        group = str(row["group"])
        reference = frames.cell_text(row.get("reference"))
        excess = row.get("excess_events", np.nan)
        records.append(
            {
                "Measure": measure_text(measure, dimension),
                "Group": "All quintiles" if group == "All" else labels.group_text(dimension, group),
                "Compared with": labels.group_text(dimension, reference) if reference else "",
                "Estimate": estimate,
                "95% CI": ci,
                "Excess events": ""
                if measure not in ("paf", "paf_share")
                else (WITHHELD if suppressed or pd.isna(excess) else f"{int(excess):,}"),
                "Note": frames.cell_text(row.get("note")),
            }
        )
    table = pd.DataFrame(
        records,
        columns=[
            "Measure",
            "Group",
            "Compared with",
            "Estimate",
            "95% CI",
            "Excess events",
            "Note",
        ],
    )
    table.attrs["footnote"] = notes.inequality_note(inputs.disclosure, inputs.statistics)
    return table


def inequality_sentences(inputs: AppendixInputs, outcome: str) -> list[str]:
    """Rate ratios (most v least deprived, Black and Asian v White), SII/RII and the attributable
    fraction, in words; "clear" only when the 95% CI excludes no difference."""
    rows = frames.inequality_rows(inputs.inequality, inputs.area_code, outcome)
    label = outcome_label(outcome)
    lower = label[:1].lower() + label[1:]
    sentences = []

    def ratio_words(row: pd.Series, reference: str) -> str:
        verdict = (
            "a clear difference"
            if _clear(row["lower_95"], row["upper_95"], 1)
            else "not a clear difference"
        )
        return (
            f"{fmt_or(row['value'])} times that {reference} (95% CI "
            f"{fmt_ci(row['lower_95'], row['upper_95'], 2)}; {verdict})"
        )

    most = frames.measure_row(rows, "rate_ratio", "1", "imd_quintile")
    if most is not None and np.isfinite(most["value"]):
        sentences.append(
            f"The percentage with {lower} in the most deprived fifth (quintile 1) is "
            f"{ratio_words(most, 'in the least deprived fifth (quintile 5)')}."
        )
    for group in ("Black", "Asian"):
        row = frames.measure_row(rows, "rate_ratio", group, "ethnic_group")
        if row is not None and np.isfinite(row["value"]):
            sentences.append(
                f"Among {wording.group_phrase('ethnic_group', [group])} it is "
                f"{ratio_words(row, 'among White mothers')}, not adjusted for deprivation."
            )
    sii = frames.measure_row(rows, "sii")
    rii = frames.measure_row(rows, "rii")
    if sii is not None and np.isfinite(sii["value"]):
        sentence = findings.sii_finding(
            inputs.inequality, inputs.area_code, outcome, inputs.area_name
        )
        if rii is not None and np.isfinite(rii["value"]):
            sentence += f"; relative index {wording.rii_words(rii)}"
        sentences.append(sentence + ".")
    paf = frames.measure_row(rows, "paf")
    if paf is not None and np.isfinite(paf["value"]):
        excess = paf.get("excess_events", np.nan)
        excess_words = ""
        if np.isfinite(excess):
            low, high = paf.get("excess_lower_95", np.nan), paf.get("excess_upper_95", np.nan)
            limits = (
                f", 95% CI {int(low):,} to {int(high):,}"
                if np.isfinite(low) and np.isfinite(high)
                else ""
            )
            base = int(inputs.disclosure["rounding_base"])
            rounding = f"rounded to {base}" if base > 1 else "not rounded"
            excess_words = f": about {int(excess):,} births ({rounding}{limits})"
        sentences.append(
            f"{fmt_pct(paf['value'])} of all cases of {lower} (95% CI "
            f"{fmt_ci(paf['lower_95'], paf['upper_95'])}%) are in excess of what the least "
            f"deprived fifth's rate would give across all quintiles{excess_words}. This is a "
            "measure of the size of the gap, not of what any action would change."
        )
    return sentences


def _funnel_period(inputs: AppendixInputs, row: pd.Series, outcome: str) -> str:
    """A funnel point's period: the whole period, a year, or a three-year period (``period``) of
    an outcome pooled over three years (whose area point is its latest period)."""
    period = frames.cell_text(row.get("period"))
    pooled = labels.outcome_words(outcome).pooling == "rolling_3" and period
    if row["row_type"] == "area":
        if pooled:
            return wording.period_text(period)
        return f"All years ({inputs.period})" if inputs.period else "All years"
    return wording.period_text(period) if pooled else str(int(row["year"]))


def format_funnel_table(inputs: AppendixInputs, outcome: str) -> pd.DataFrame:
    """The area's funnel points: whole period and each year, with the funnel position."""
    rows = frames.funnel_rows(inputs.funnel, outcome)
    rows = rows[
        rows["row_type"].isin(["area", "area_year"]) & (rows["area_code"] == inputs.area_code)
    ]
    records = []
    value_column = wording.value_heading(outcome)
    count_column = wording.denominator_heading(outcome)
    for _, row in rows.iterrows():
        suppressed = pd.isna(row["value"])
        records.append(
            {
                "Period": _funnel_period(inputs, row, outcome),
                count_column: WITHHELD if suppressed else count_text(row["denominator"]),
                value_column: WITHHELD if suppressed else f"{row['value']:.1f}",
                "95% limits": "" if suppressed else fmt_ci(row["lower_95"], row["upper_95"]),
                "99.8% limits": "" if suppressed else fmt_ci(row["lower_99_8"], row["upper_99_8"]),
                "Funnel position": WITHHELD
                if suppressed
                else labels.funnel_position_text(str(row["significance"])),
            }
        )
    table = pd.DataFrame(
        records,
        columns=[
            "Period",
            count_column,
            value_column,
            "95% limits",
            "99.8% limits",
            "Funnel position",
        ],
    )
    table.attrs["footnote"] = notes.funnel_note(inputs.disclosure, frames.funnel_target_of(rows))
    return table


def format_group_table(inputs: AppendixInputs, outcomes: list[str]) -> pd.DataFrame:
    """Every outcome of a group over the whole period: events, denominator, value in its unit,
    95% CI and the comparison with the benchmark; "[c]" where withheld, "x" not calculated."""
    rates = inputs.rates
    bench = frames.benchmark_label_of(rates, area_code=inputs.area_code)
    records = []
    for outcome in outcomes:
        words = labels.outcome_words(outcome)
        mask = (
            (rates["area_code"].astype("string") == str(inputs.area_code))
            & (rates["outcome"].astype("string") == outcome)
            & (rates["dimension"].astype("string") == "overall")
        ).fillna(False)
        raw = rates.loc[mask.astype(bool)]
        if raw.empty:
            continue
        row = raw.iloc[0]
        suppressed = bool(frames.as_bool(pd.Series([row["suppressed"]])).iloc[0])
        reliability = frames.cell_text(row.get("reliability"))
        value = pd.to_numeric(row["value"], errors="coerce")
        shown = not suppressed and not pd.isna(value)
        benchmark = pd.to_numeric(row.get("benchmark"), errors="coerce")
        records.append(
            {
                "Outcome": words.label,
                "Events": WITHHELD if suppressed else count_text(row["events"]),
                "Of": WITHHELD
                if suppressed
                else f"{count_text(row['denominator'])} {words.denominator}",
                "Value": (WITHHELD if suppressed else "x")
                if not shown
                else fmt_value(value, outcome) + (" u" if reliability == "u" else ""),
                "95% CI": fmt_ci(row["lower_95"], row["upper_95"]) if shown else "",
                bench: "" if pd.isna(benchmark) else fmt_value(benchmark, outcome),
                "Comparison": frames.cell_text(row.get("comparison")) if shown else "",
            }
        )
    table = pd.DataFrame(records)
    per_1000 = any(labels.outcome_words(o).per_1000 for o in outcomes)
    table.attrs["footnote"] = (
        notes.comparison_note(bench) + " " + notes.rates_note(inputs.disclosure, per_1000)
    )
    return table
