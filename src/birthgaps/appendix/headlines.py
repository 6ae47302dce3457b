"""The appendix's narrative sentences that span sections: headline findings, the data summary of
'Data and methods' and the release's own limitations. In: ``AppendixInputs``. Out: sentences
computed from the published tables, never from record-level data.
"""

from __future__ import annotations

import pandas as pd

from birthgaps.appendix import findings, frames, wording
from birthgaps.appendix.findings import compare_intervals
from birthgaps.appendix.indicator_tables import benchmark_sentence
from birthgaps.appendix.inputs import AppendixInputs
from birthgaps.appendix.tables import or_words, rate_row, rate_words
from birthgaps.appendix.wording import join_words, outcome_label
from birthgaps.core import labels, methods
from birthgaps.core.codes import NOT_STATED


def headline_findings(inputs: AppendixInputs) -> list[str]:
    """A few sentences per outcome, computed from the published tables."""
    sentences: list[str] = []
    area = inputs.area_code
    for outcome in inputs.outcomes:
        label = outcome_label(outcome)
        lower = label[:1].lower() + label[1:]
        overall = rate_row(inputs.rates, area, outcome, "overall", "All")
        if overall is None:
            over = frames.select_rates(inputs.rates, area, outcome, "overall", required=False)
            over = over[~over["suppressed"]]
            overall = None if over.empty else over.iloc[0]
        period = f" in {inputs.period}" if inputs.period else ""
        if overall is not None:
            sentences.append(
                f"{label}: {rate_words(overall, outcome)}{labels.of_denominator(outcome)}{period}."
            )
        most = rate_row(inputs.rates, area, outcome, "imd_quintile", "1")
        least = rate_row(inputs.rates, area, outcome, "imd_quintile", "5")
        if most is not None and least is not None:
            direction = compare_intervals(
                most["lower_95"], most["upper_95"], least["lower_95"], least["upper_95"]
            )
            verdict = {
                1: "higher in the most deprived fifth (the confidence intervals do not overlap)",
                -1: "lower in the most deprived fifth (the confidence intervals do not overlap)",
                0: "no clear difference (the confidence intervals overlap)",
            }[direction]
            sentences.append(
                f"{label} in the most deprived fifth of neighbourhoods (IMD quintile 1): "
                f"{rate_words(most, outcome)}, against {rate_words(least, outcome)} in the least deprived fifth "
                f"(quintile 5): {verdict}."
            )
        comparison = benchmark_sentence(inputs, outcome)
        if comparison:
            sentences.append(comparison)
        if not inputs.inequality.empty:
            rows = frames.inequality_rows(inputs.inequality, area, outcome)
            if frames.measure_row(rows, "sii") is not None:
                sentences.append(
                    findings.sii_finding(inputs.inequality, area, outcome, inputs.area_name) + "."
                )
        if outcome in inputs.model_outcomes:
            sentences.extend(_model_sentences(inputs, outcome, lower))
    return sentences


def _model_sentences(inputs: AppendixInputs, outcome: str, lower: str) -> list[str]:
    rows = frames.select_models(inputs.models, inputs.area_code, outcome)
    adjusted = rows[rows["model"] == "adjusted"]
    if adjusted.empty:
        return []
    others = [
        t
        for t in ("imd_quintile", "ethnic_group", "age_band", "year")
        if t in set(adjusted["term"])
    ]

    def phrase(term: str, level: str) -> str | None:
        hit = adjusted[(adjusted["term"] == term) & (adjusted["level"] == level)]
        if hit.empty:
            return None
        row = hit.iloc[0]
        who = (
            f"for {wording.group_phrase('ethnic_group', [level])}"
            if term == "ethnic_group"
            else f"in IMD quintile {level}"
        )
        if frames.too_few_events(row["note"]) or pd.isna(row["odds_ratio"]):
            reason = frames.estimate_note(row["note"]) or "no estimate"
            return f"not estimated {who} ({reason})"
        clear = (
            ""
            if compare_intervals(row["lower_95"], row["upper_95"], 1, 1)
            else ", not a clear difference"
        )
        return f"{or_words(row)} {who}{clear}"

    sentences = []
    ethnic_ref = adjusted.loc[adjusted["term"] == "ethnic_group", "reference"]
    ethnic_parts = [p for p in (phrase("ethnic_group", g) for g in ("Black", "Asian")) if p]
    if ethnic_parts and not ethnic_ref.empty:
        adjusted_for = [wording.TERM_PHRASES[t] for t in others if t != "ethnic_group"]
        sentences.append(
            f"Adjusted odds ratios of {lower} (adjusted for {join_words(adjusted_for)}), compared "
            f"with {wording.group_phrase('ethnic_group', [str(ethnic_ref.iloc[0])])}: "
            f"{'; '.join(ethnic_parts)}."
        )
    imd_ref = adjusted.loc[adjusted["term"] == "imd_quintile", "reference"]
    imd_part = phrase("imd_quintile", "1")
    if imd_part and not imd_ref.empty:
        adjusted_for = [wording.TERM_PHRASES[t] for t in others if t != "imd_quintile"]
        sentences.append(
            f"Adjusted odds ratio of {lower} in the most deprived fifth compared with quintile "
            f"{imd_ref.iloc[0]} (adjusted for {join_words(adjusted_for)}): {imd_part}."
        )
    return sentences


def data_summary_sentences(inputs: AppendixInputs) -> list[str]:
    """Dynamic part of 'Data and methods': period, births counted and the complete-case note."""
    parts = []
    first = inputs.outcomes[0] if inputs.outcomes else None
    if first is not None:
        over = frames.select_rates(inputs.rates, inputs.area_code, first, "overall", required=False)
        raw = inputs.rates[
            (inputs.rates["area_code"] == inputs.area_code)
            & (inputs.rates["outcome"] == first)
            & (inputs.rates["dimension"] == "overall")
        ]
        if not raw.empty and not over["suppressed"].iloc[0] and "denominator" in raw.columns:
            births = int(pd.to_numeric(raw["denominator"]).iloc[0])
            parts.append(
                f"The analysis covers {births:,} live births ({methods.rounded(inputs.disclosure)}) "
                f"to mothers "
                f"resident in {inputs.area_name}"
                + (f" in {inputs.period}" if inputs.period else "")
                + f", counted in the denominator of {outcome_label(first).lower()}."
            )
    notes = [
        n
        for n in inputs.models.loc[inputs.models["area_code"] == inputs.area_code, "note"].dropna()
        if isinstance(n, str) and "complete cases" in n
    ]
    if notes:
        note = next(p.strip() for p in notes[0].split(";") if "complete cases" in p)
        note = note.removeprefix("complete cases").lstrip(": ")
        note = labels.words_for_codes(note)  # the workbook's words for the same note
        parts.append(f"Models use complete cases (births with every characteristic known): {note}.")
    if "benchmark_label" in inputs.rates.columns:
        bench = frames.benchmark_label_of(inputs.rates, area_code=inputs.area_code)
        parts.append(
            f"Rates are compared with {bench} by the Fingertips method (95% and 99.8% "
            "confidence intervals; a lower percentage is better)."
        )
    return parts


def limitation_sentences(inputs: AppendixInputs) -> list[str]:
    """Limitations that depend on the release (synthetic or not)."""
    items = []
    if inputs.synthetic:
        items.append(
            "This release is synthetic: the births were generated by a program. The numbers "
            "show how the appendix works and mean nothing about any real place, even where an "
            "area bears a real name."
        )
    not_stated = (
        frames.select_rates(
            inputs.rates, inputs.area_code, inputs.outcomes[0], "ethnic_group", required=False
        )
        if inputs.outcomes
        else pd.DataFrame()
    )
    if not not_stated.empty and (not_stated["group"] == NOT_STATED).any():
        items.append(
            "Mothers whose ethnicity was not stated are shown as a group of their own and left "
            "out of the models; if recording differs between groups, the comparisons may be biased."
        )
    return items
