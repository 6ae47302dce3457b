"""The appendix's core tables as frames of display text: outcome definitions, rates by group,
odds ratios and the exclusion flow, with the shared helpers of every table (counts, numbers,
headings). In: published tables and the resolved settings. Out: DataFrames whose ``attrs`` hold
the note printed under them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from birthgaps.appendix import frames, notes, wording
from birthgaps.appendix.blocks import WITHHELD
from birthgaps.appendix.wording import fmt_ci, fmt_or, fmt_value, outcome_label
from birthgaps.core import codes, labels
from birthgaps.core.codes import UNKNOWN
from birthgaps.core.errors import InputError

DIMENSION_HEADINGS = {
    "overall": "Group",
    "imd_quintile": "IMD quintile",
    "ethnic_group": "Ethnic group",
    "ethnic_group_detailed": "Ethnic group (detailed)",
    "age_band": "Mother's age (years)",
    "year": "Year",
}


def count_text(value) -> str:
    """A published count with thousands separators, or ``[c]`` when withheld."""
    return WITHHELD if pd.isna(value) else f"{int(value):,}"


def num(value: object) -> float:
    """A cell as a float (NaN when empty or not a number)."""
    number = pd.to_numeric(value, errors="coerce")
    return float("nan") if pd.isna(number) else float(number)


def rows_of(table: pd.DataFrame, area_code: str, outcome: str) -> pd.DataFrame:
    """Rows of one area and outcome of a published table (empty when the table is)."""
    if table.empty:
        return table
    mask = (table["area_code"].astype("string") == str(area_code)) & (
        table["outcome"].astype("string") == outcome
    )
    return table.loc[mask.fillna(False).astype(bool)]


def rate_row(rates: pd.DataFrame, area_code: str, outcome: str, dimension: str, group: str):
    """The published, unsuppressed rate of one group (a row), or None."""
    rows = frames.select_rates(rates, area_code, outcome, dimension, required=False)
    hit = rows[(rows["group"] == group) & ~rows["suppressed"]]
    return None if hit.empty else hit.iloc[0]


def rate_words(row, outcome: str) -> str:
    """``7.6% (95% CI 7.1 to 8.1)`` of a rate row, in the outcome's unit."""
    return f"{fmt_value(row['value'], outcome, whole=True)} (95% CI {fmt_ci(row['lower_95'], row['upper_95'])})"


def or_words(row) -> str:
    """``1.45 (95% CI 1.19 to 1.77)`` of an odds-ratio row."""
    return f"{fmt_or(row['odds_ratio'])} (95% CI {fmt_ci(row['lower_95'], row['upper_95'], 2)})"


def definitions_table(outcomes: Sequence[str] | None = None) -> pd.DataFrame:
    """Outcome definitions (the published definitions table) for the outcomes shown, by group."""
    names = list(outcomes) if outcomes else labels.known_outcomes()
    words = [labels.outcome_words(o) for o in names]
    return pd.DataFrame(
        {
            "Group": [w.group_label for w in words],
            "Outcome": [w.label for w in words],
            "Definition": [w.definition[:1].upper() + w.definition[1:] for w in words],
            "Measure": [
                f"Rate per 1,000 {w.denominator}"
                if w.per_1000
                else f"Percentage of {w.denominator}"
                for w in words
            ],
        }
    )


def format_rates_table(
    rates: pd.DataFrame,
    area_code: str,
    outcome: str,
    dimension: str,
    *,
    disclosure: Mapping,
    statistics: Mapping,
) -> pd.DataFrame:
    """Rates of one area, outcome and dimension with readable labels; "[c]" where withheld.

    The footnote is in ``table.attrs["footnote"]`` (``table_html`` prints it).
    """
    frames.require_columns(rates, [*frames.RATES_COLUMNS, "events", "denominator"], "rates")
    mask = (
        (
            (rates["area_code"].astype("string") == str(area_code))
            & (rates["outcome"].astype("string") == outcome)
            & (rates["dimension"].astype("string") == dimension)
        )
        .fillna(False)
        .astype(bool)
    )
    raw = rates.loc[mask].copy()
    if raw.empty:
        raise InputError(
            f"the rates table has no rows for area {area_code}, outcome {outcome!r}, dimension "
            f"{dimension!r}",
            column="dimension",
            rows=0,
        )
    raw["group"] = raw["group"].astype("string").str.strip()
    raw["_suppressed"] = frames.as_bool(raw["suppressed"]) | pd.to_numeric(raw["value"]).isna()
    label = outcome_label(outcome)
    if dimension == "imd_quintile_by_ethnic_group":
        parts = raw["group"].str.partition(" | ")
        raw["_q"], raw["_e"] = parts[0].str.strip(), parts[2].str.strip()
        q_order = {q: i for i, q in enumerate([*codes.IMD_QUINTILES, UNKNOWN])}
        e_order = {g: i for i, g in enumerate(codes.ETHNIC_GROUPS)}
        raw = raw.assign(
            _k1=raw["_q"].map(q_order).fillna(99), _k2=raw["_e"].map(e_order).fillna(99)
        ).sort_values(["_k1", "_k2", "_q", "_e"], kind="stable")
        lead = {
            "IMD quintile": [wording.imd_label(q) for q in raw["_q"]],
            "Ethnic group": list(raw["_e"]),
        }
    else:
        order = frames.order_groups(dimension, list(raw["group"]))
        raw = raw.set_index("group", drop=False).loc[order]
        lead = {
            DIMENSION_HEADINGS.get(dimension, dimension): [
                labels.group_text(dimension, g) for g in raw["group"]
            ]
        }
    reliability = (
        raw["reliability"].astype("string").fillna("").to_numpy(dtype=object)
        if "reliability" in raw.columns
        else np.full(len(raw), "", dtype=object)
    )
    # a rate not calculated from too few events ("x") is blank but its counts are published
    counted = frames.as_bool(raw["suppressed"]).to_numpy()
    suppressed = raw["_suppressed"].to_numpy() & (reliability != "x")
    pct = pd.to_numeric(raw["value"]).to_numpy()
    lo = pd.to_numeric(raw["lower_95"]).to_numpy()
    hi = pd.to_numeric(raw["upper_95"]).to_numpy()

    def rate_text(s: bool, flag: str, text: str) -> str:
        if s:
            return WITHHELD
        if flag == "x":
            return "x"
        return f"{text} u" if flag == "u" else text

    columns = {
        **lead,
        wording.denominator_heading(outcome): [
            WITHHELD if s else count_text(v)
            for s, v in zip(counted, raw["denominator"], strict=True)
        ],
        label: [
            WITHHELD if s else count_text(v) for s, v in zip(counted, raw["events"], strict=True)
        ],
        wording.value_heading(outcome): [
            rate_text(s, f, f"{p:.1f}")
            for s, f, p in zip(suppressed, reliability, pct, strict=True)
        ],
        "95% CI": [
            rate_text(s, f, fmt_ci(a, b)).removesuffix(" u")
            for s, f, a, b in zip(suppressed, reliability, lo, hi, strict=True)
        ],
    }
    footnote = notes.rates_note(disclosure, labels.outcome_words(outcome).per_1000)
    if "comparison" in raw.columns:
        bench = frames.benchmark_label_of(raw)
        comparisons = raw["comparison"].astype("string").fillna("").to_numpy(dtype=object)
        columns[f"Compared with {bench}"] = [
            WITHHELD if s else (c or "–") for s, c in zip(suppressed, comparisons, strict=True)
        ]
        footnote += " " + notes.comparison_note(bench)
    if "reliability" in raw.columns:
        footnote += " " + notes.reliability_note(statistics)
    table = pd.DataFrame(columns).reset_index(drop=True)
    table.attrs["footnote"] = footnote
    return table


def format_models_table(
    models: pd.DataFrame, area_code: str, outcome: str, *, disclosure: Mapping
) -> pd.DataFrame:
    """Crude and adjusted odds ratios (95% CI) of the exposures, reference rows included.

    Counts are not shown (the models table's ``n_births``/``n_events`` are model totals).
    """
    rows = frames.select_models(models, area_code, outcome)
    layout = frames.model_terms(rows, ("imd_quintile", "ethnic_group"))
    records = []
    for term, reference, levels in layout:
        for level in levels:
            record = {
                "Exposure": labels.breakdown_label(term),
                "Group": labels.group_text(term, level),
            }
            for model, column in (
                ("crude", "Crude OR (95% CI)"),
                ("adjusted", "Adjusted OR (95% CI)"),
            ):
                if level == reference:
                    record[column] = "1 (reference)"
                    continue
                hit = rows[
                    (rows["model"] == model) & (rows["term"] == term) & (rows["level"] == level)
                ]
                if hit.empty:
                    record[column] = "–"
                    continue
                row = hit.iloc[0]
                if frames.too_few_events(row["note"]) or pd.isna(row["odds_ratio"]):
                    record[column] = frames.estimate_note(row["note"]) or "not estimated"
                else:
                    record[column] = (
                        f"{fmt_or(row['odds_ratio'])} ({fmt_ci(row['lower_95'], row['upper_95'], 2)})"
                    )
            records.append(record)
    table = pd.DataFrame(
        records, columns=["Exposure", "Group", "Crude OR (95% CI)", "Adjusted OR (95% CI)"]
    )
    table.attrs["footnote"] = notes.models_note(disclosure)
    return table


def format_flow_table(
    flow: pd.DataFrame, area_code: str | None = None, *, disclosure: Mapping
) -> pd.DataFrame:
    """The exclusion flow with readable columns; "[c]" where withheld."""
    steps = frames.normalise_flow(flow, area_code)
    kinds = {"total": "Counted", "excluded": "Removed", "flagged": "Kept, flagged"}
    table = pd.DataFrame(
        {
            "Step": list(steps["description"]),
            "Records": [
                WITHHELD if s else count_text(v)
                for s, v in zip(steps["suppressed"], steps["count"], strict=True)
            ],
            "Records remaining": [
                (WITHHELD if k != "flagged" else "") if s else ("" if pd.isna(v) else count_text(v))
                for s, v, k in zip(
                    steps["suppressed"], steps["remaining"], steps["kind"], strict=True
                )
            ],
            "Type": [kinds.get(k, k) for k in steps["kind"]],
        }
    )
    table.attrs["footnote"] = notes.flow_note(disclosure)
    return table
