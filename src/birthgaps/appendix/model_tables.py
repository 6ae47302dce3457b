"""The model sections' tables and sentences: adjusted risk ratios beside odds ratios, the
interaction test, stratified odds ratios, the excess explained by deprivation and model fit.
In: ``AppendixInputs`` (the published model tables). Out: frames of display text (note in
``attrs["footnote"]``) and sentences; never a causal claim.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from birthgaps.appendix import frames, notes, wording
from birthgaps.appendix.blocks import WITHHELD
from birthgaps.appendix.inputs import AppendixInputs
from birthgaps.appendix.tables import (
    DIMENSION_HEADINGS,
    count_text,
    num,
    rows_of,
)
from birthgaps.appendix.wording import fmt_ci, fmt_or, join_words, outcome_label
from birthgaps.core import labels, methods

#: Notes of the excess-explained table, in plain words (docs/models.md).
_EXCESS_NOTE_WORDS = {
    "base ratio near 1 (its 95% CI includes 1): no excess to explain": (
        "no clear excess to explain (the ratio before adding {explained} has a 95% confidence "
        "interval that includes 1)"
    ),
    "base ratio below 1: the percentage is of the deficit": (
        "lower risk than the reference group: the share is of the deficit"
    ),
}


def _ratio_text(rows: pd.DataFrame, model: str, term: str, level: str, measure: str) -> str:
    """``1.45 (1.19 to 1.77)``, the reason for no estimate, or ``–`` when the row is missing."""
    hit = rows[(rows["model"] == model) & (rows["term"] == term) & (rows["level"] == level)]
    if hit.empty:
        return "–"
    row = hit.iloc[0]
    if frames.too_few_events(row["note"]) or pd.isna(row[measure]):
        return frames.estimate_note(row["note"]) or "not estimated"
    return f"{fmt_or(row[measure])} ({fmt_ci(row['lower_95'], row['upper_95'], 2)})"


def _adjusted_for(rows: pd.DataFrame, exposures: Sequence[str]) -> list[str]:
    """Readable names of the adjusted model's terms other than ``exposures``."""
    present = set(rows.loc[rows["model"] == "adjusted", "term"])
    order = [t for t in wording.TERM_PHRASES if t in present] + sorted(
        present - set(wording.TERM_PHRASES)
    )
    return [wording.TERM_PHRASES.get(t, t) for t in order if t not in exposures]


def format_risk_ratios_table(inputs: AppendixInputs, outcome: str) -> pd.DataFrame:
    """Adjusted risk ratios (95% CI) beside adjusted odds ratios for deprivation quintiles and
    ethnic groups, reference rows included."""
    rr = frames.select_models(inputs.risk_ratios, inputs.area_code, outcome, "risk_ratio")
    ors = (
        frames.select_models(inputs.models, inputs.area_code, outcome)
        if not rows_of(inputs.models, inputs.area_code, outcome).empty
        else pd.DataFrame(columns=["model", "term", "level", "odds_ratio", "note"])
    )
    exposures = ("imd_quintile", "ethnic_group")
    records, caveats = [], []
    for term, reference, levels in frames.model_terms(rr, exposures):
        for level in levels:
            label = labels.group_text(term, level)
            record = {"Exposure": labels.breakdown_label(term), "Group": label}
            if level == reference:
                record["Adjusted RR (95% CI)"] = record["Adjusted OR (95% CI)"] = "1 (reference)"
            else:
                record["Adjusted RR (95% CI)"] = _ratio_text(
                    rr, "adjusted", term, level, "risk_ratio"
                )
                record["Adjusted OR (95% CI)"] = _ratio_text(
                    ors, "adjusted", term, level, "odds_ratio"
                )
                hit = rr[
                    (rr["model"] == "adjusted") & (rr["term"] == term) & (rr["level"] == level)
                ]
                if not hit.empty and np.isfinite(hit["risk_ratio"].iloc[0]):
                    caveat = frames.estimate_note(hit["note"].iloc[0])
                    if caveat:
                        caveats.append(f"{label} ({caveat})")
            records.append(record)
    table = pd.DataFrame(
        records, columns=["Exposure", "Group", "Adjusted RR (95% CI)", "Adjusted OR (95% CI)"]
    )
    others = _adjusted_for(rr, exposures)
    footnote = (
        "Adjusted risk ratios (RR) from modified Poisson regression (Poisson model with log link "
        "and robust sandwich standard errors), adjusted odds ratios (OR) from logistic regression; "
        "both models hold deprivation quintile and ethnic group together"
        + (f", with {join_words(others)}" if others else "")
        + ", and are fitted to the same births (complete cases). A risk ratio compares the "
        "percentages with the outcome directly; an odds ratio lies further from 1, the more so the "
        "commoner the outcome. A level with too few events is not estimated. Fitted to the "
        "unrounded counts; ratios and limits published to 2 decimal places."
    )
    if caveats:
        footnote += f" Read with care: {join_words(caveats)}."
    table.attrs["footnote"] = footnote
    return table


def interaction_row(inputs: AppendixInputs, outcome: str) -> pd.Series | None:
    rows = rows_of(inputs.interaction, inputs.area_code, outcome)
    return None if rows.empty else rows.iloc[0]


def _interaction_terms(row: pd.Series) -> tuple[str, str]:
    parts = [t.strip() for t in str(row["terms"]).split(" x ")]
    return (parts[0], parts[1]) if len(parts) == 2 else ("imd_quintile", "ethnic_group")


def _difference_phrase(row: pd.Series) -> str:
    """``the deprivation gradient differs by ethnic group`` (or the same for other terms)."""
    first, second = _interaction_terms(row)
    if {first, second} == {"imd_quintile", "ethnic_group"}:
        return "the deprivation gradient differs by ethnic group"
    a = wording.TERM_PHRASES.get(first, first)
    b = wording.TERM_PHRASES.get(second, second)
    return f"the differences by {a} differ by {b}"


def interaction_sentences(inputs: AppendixInputs, outcome: str) -> list[str]:
    """The likelihood-ratio test of the interaction in words: statistic, df and p-value, "no
    evidence" or "some evidence" by the published significance flag, never causal."""
    label = outcome_label(outcome)
    lower = label[:1].lower() + label[1:]
    row = interaction_row(inputs, outcome)
    if row is None:
        return [f"No interaction test was published for {lower} in {inputs.area_name}."]
    first, second = _interaction_terms(row)
    names = join_words(
        [wording.TERM_PHRASES.get(second, second), wording.TERM_PHRASES.get(first, first)]
    )
    p_value = num(row["p_value"])
    sentences = []
    if np.isnan(p_value):
        reason = "; ".join(
            part.strip()
            for part in frames.estimate_note(row["note"]).split(";")
            if part.strip() and "share the main effects" not in part
        )
        sentences.append(
            f"The interaction between {names} could not be tested for {lower}"
            + (f": {reason}." if reason else ".")
        )
        return sentences
    threshold = num(row["p_threshold"])
    threshold = None if np.isnan(threshold) else threshold
    df = int(row["df"]) if not pd.isna(row["df"]) else None
    statistic = f"chi-squared {num(row['lr_statistic']):.2f}" + (
        f" on {df} degree{'s' if df != 1 else ''} of freedom" if df is not None else ""
    )
    evidence = "some evidence" if bool(row["significant"]) else "no evidence"
    sentences.append(
        f"{label}: likelihood-ratio test of the interaction between {names} ({statistic}): "
        f"{evidence} that {_difference_phrase(row)} ({labels.p_value_phrase(p_value, threshold)})."
    )
    sparse = row.get("n_sparse_combinations")
    total = row.get("n_combinations")
    if not pd.isna(sparse) and int(sparse) > 0 and not pd.isna(total):
        sentences.append(
            f"{int(sparse)} of the {int(total)} combinations of quintile and ethnic group had too "
            "few births with or without the outcome for a term of their own; they share the main "
            "effects."
        )
    empty = row.get("n_empty_combinations")
    if not pd.isna(empty) and int(empty) > 0:
        sentences.append(
            f"{int(empty)} combination{'s' if int(empty) != 1 else ''} of quintile and ethnic group "
            f"had no births."
        )
    if not bool(row["significant"]):
        sentences.append(
            "With the births of one area this test has little power: no evidence of a difference "
            "does not show that the gradients are the same."
        )
    return sentences


def format_stratified_table(
    inputs: AppendixInputs,
    outcome: str,
    stratum_term: str = "ethnic_group",
    term: str = "imd_quintile",
) -> pd.DataFrame:
    """The stratified odds ratios as a short grid: one row per stratum (ethnic group by default),
    one column per level of ``term`` against its reference, and the stratum's births (published)."""
    rows = rows_of(inputs.stratified, inputs.area_code, outcome)
    rows = rows[(rows["stratum_term"] == stratum_term) & (rows["term"] == term)]
    heading = DIMENSION_HEADINGS.get(stratum_term, stratum_term)
    if rows.empty:
        table = pd.DataFrame(columns=[heading])
        table.attrs["footnote"] = notes.stratified_note(inputs.disclosure)
        return table
    strata = frames.order_groups(stratum_term, list(rows["stratum"].dropna()))
    reference = str(rows["reference"].dropna().iloc[0])
    levels = [
        lv for lv in frames.order_groups(term, list(rows["level"].dropna())) if lv != reference
    ]
    short = "IMD " if term == "imd_quintile" else ""
    records = []
    for stratum in strata:
        sub = rows[rows["stratum"] == stratum]
        record = {heading: labels.group_text(stratum_term, stratum)}
        for level in levels:
            hit = sub[sub["level"] == level]
            column = f"{short}{level} v {reference} (95% CI)"
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
        record["Births in the model"] = count_text(sub["n_births"].iloc[0])
        records.append(record)
    table = pd.DataFrame(records)
    table.attrs["footnote"] = notes.stratified_note(inputs.disclosure)
    return table


def excess_rows(inputs: AppendixInputs, outcome: str, measure: str) -> pd.DataFrame:
    rows = rows_of(inputs.excess_explained, inputs.area_code, outcome)
    if rows.empty:
        return rows
    rows = rows[rows["measure"] == measure].copy()
    term = str(rows["term"].iloc[0]) if not rows.empty else "ethnic_group"
    order = {g: i for i, g in enumerate(frames.order_groups(term, list(rows["level"])))}
    return rows.assign(_k=rows["level"].map(order)).sort_values("_k", kind="stable")


def _explained_words(row: pd.Series) -> str:
    """``deprivation`` for the IMD quintile, else the readable names of what was added."""
    terms = [t.strip() for t in str(row["explained_by"]).split("+")]
    if terms == ["imd_quintile"]:
        return "deprivation"
    return join_words([wording.TERM_PHRASES.get(t, t) for t in terms])


def _excess_note(row: pd.Series) -> str:
    """The row's note in plain words, plus what a negative or above-100% share means."""
    explained = _explained_words(row)
    notes = []
    for part in frames.estimate_note(row["note"]).split(";"):
        part = part.strip()
        if part:
            notes.append(_EXCESS_NOTE_WORDS.get(part, part).format(explained=explained))
    pct = num(row["pct_explained"])
    if np.isfinite(pct) and pct < 0:
        notes.append(f"adding {explained} widened the difference")
    elif np.isfinite(pct) and pct > 100:
        notes.append(f"adding {explained} reversed the difference")
    return "; ".join(notes)


def _share_text(row: pd.Series) -> str:
    pct = num(row["pct_explained"])
    if not np.isfinite(pct):
        return "not estimated"
    lo, hi = num(row["pct_lower_95"]), num(row["pct_upper_95"])
    ci = f" ({lo:.0f}% to {hi:.0f}%)" if np.isfinite(lo) and np.isfinite(hi) else ""
    return f"{pct:.0f}%{ci}"


def _ratio_ci_text(row: pd.Series, prefix: str) -> str:
    value = num(row[f"{prefix}_ratio"])
    if not np.isfinite(value):
        return frames.estimate_note(row["note"]) if frames.too_few_events(row["note"]) else "–"
    return f"{fmt_or(value)} ({fmt_ci(row[f'{prefix}_lower_95'], row[f'{prefix}_upper_95'], 2)})"


def format_excess_table(
    inputs: AppendixInputs, outcome: str, measure: str = "risk_ratio"
) -> pd.DataFrame:
    """Each ethnic group's ratio before and after adding deprivation, and the share of its excess
    explained (log scale); "not estimated" with the reason where there is no share."""
    rows = excess_rows(inputs, outcome, measure)
    short = frames.ratio_measure(measure).short
    explained = _explained_words(rows.iloc[0]) if not rows.empty else "deprivation"
    term = str(rows["term"].iloc[0]) if not rows.empty else "ethnic_group"
    columns = [
        DIMENSION_HEADINGS.get(term, term),
        f"{short} before adding {explained} (95% CI)",
        f"{short} after adding {explained} (95% CI)",
        f"Share of the excess explained by {explained} (95% CI)",
        "Note",
    ]
    records = [
        dict(
            zip(
                columns,
                [
                    str(row["level"]),
                    _ratio_ci_text(row, "base"),
                    _ratio_ci_text(row, "adjusted"),
                    _share_text(row),
                    _excess_note(row),
                ],
                strict=True,
            )
        )
        for _, row in rows.iterrows()
    ]
    table = pd.DataFrame(records, columns=columns)
    reference = str(rows["reference"].iloc[0]) if not rows.empty else "White"
    base = (
        labels.terms_phrase(str(rows["base_terms"].iloc[0]).replace(f"{term} + ", ""))
        if not rows.empty
        else ""
    )
    table.attrs["footnote"] = (
        f"Ratios against {wording.group_phrase(term, [reference])}"
        + (f", adjusted for {base}" if base else "")
        + f", before and after adding {explained} to the model; both models are fitted to the "
        f"same births. Share explained = 100 × (log {short} before − log {short} after) / log "
        f"{short} before, with a delta-method 95% confidence interval. Not estimated when the "
        f"{short} before adding {explained} has a 95% confidence interval that includes 1 (no clear "
        "excess to explain). The share describes how much the difference shrinks when mothers "
        f"living in equally deprived neighbourhoods are compared; it does not estimate what "
        "reducing deprivation would change."
    )
    return table


def excess_sentences(
    inputs: AppendixInputs, outcome: str, measure: str = "risk_ratio"
) -> list[str]:
    """The share of each ethnic group's excess risk explained by deprivation, in words."""
    label = outcome_label(outcome)
    lower = label[:1].lower() + label[1:]
    rows = excess_rows(inputs, outcome, measure)
    name = frames.ratio_measure(measure).name
    noun = frames.ratio_measure(measure).noun
    sentences = []
    not_estimated: dict[str, list[str]] = {}
    for _, row in rows.iterrows():
        term, level = str(row["term"]), str(row["level"])
        group = wording.group_phrase(term, [level])
        reference = wording.group_phrase(term, [str(row["reference"])])
        explained = _explained_words(row)
        pct = num(row["pct_explained"])
        if not np.isfinite(pct):
            reason = _excess_note(row) or "not estimated"
            not_estimated.setdefault(reason, []).append(level)
            continue
        base, adjusted = num(row["base_ratio"]), num(row["adjusted_ratio"])
        gap = "excess" if base >= 1 else "lower"
        before_after = (
            f"the {name} is {fmt_or(base)} (95% CI "
            f"{fmt_ci(row['base_lower_95'], row['base_upper_95'], 2)}) before and "
            f"{fmt_or(adjusted)} (95% CI "
            f"{fmt_ci(row['adjusted_lower_95'], row['adjusted_upper_95'], 2)}) after adding "
            f"{explained}"
        )
        if 0 <= pct <= 100:
            sentences.append(
                f"About {_share_text(row).replace(' (', ' (95% CI ', 1)} of the {gap} {noun} of "
                f"{lower} among {group} compared with {reference} is explained by {explained}: "
                f"{before_after}."
            )
        else:
            change = "widened" if pct < 0 else "reversed"
            sentences.append(
                f"Among {group} compared with {reference}, adding {explained} {change} the "
                f"difference in the {noun} of {lower}: {before_after}."
            )
    for reason, levels in not_estimated.items():
        term = str(rows["term"].iloc[0])
        sentences.append(
            f"The share explained is not estimated for {wording.group_phrase(term, levels)}: "
            f"{reason}."
        )
    return sentences


def format_fit_table(inputs: AppendixInputs, outcome: str) -> pd.DataFrame:
    """Fit summaries of one outcome: births, parameters, goodness-of-fit p-value and the
    c-statistic of the logistic and modified Poisson version of each model (adjusted,
    interaction; crude models come from the published counts and have no fit summary)."""
    rows = rows_of(inputs.model_fit, inputs.area_code, outcome)
    columns = [
        "Model",
        "Terms",
        "Births",
        "Parameters",
        "Goodness of fit (p)",
        "c-statistic (logistic)",
        "c-statistic (modified Poisson)",
    ]
    logistic = rows[rows["measure"] == "odds_ratio"]
    poisson = rows[rows["measure"] == "risk_ratio"]
    records = []
    for _, row in logistic.iterrows():
        twin = poisson[(poisson["model"] == row["model"]) & (poisson["terms"] == row["terms"])]
        fit_p, c = num(row["pattern_p_value"]), num(row["c_statistic"])
        c_rr = num(twin["c_statistic"].iloc[0]) if not twin.empty else float("nan")
        parameters = row["n_parameters"]
        records.append(
            {
                "Model": labels.model_label(
                    str(row["model"]), "", labels.model_terms(str(row["terms"]))
                ),
                "Terms": labels.terms_text(str(row["terms"])),
                "Births": count_text(row["n_births"]),
                "Parameters": "–" if pd.isna(parameters) else str(int(parameters)),
                "Goodness of fit (p)": "–" if np.isnan(fit_p) else labels.p_value_text(fit_p),
                "c-statistic (logistic)": "–" if np.isnan(c) else f"{c:.2f}",
                "c-statistic (modified Poisson)": "–" if np.isnan(c_rr) else f"{c_rr:.2f}",
            }
        )
    table = pd.DataFrame(records, columns=columns)
    table.attrs["footnote"] = notes.fit_note(inputs.disclosure)
    return table


def model_population_sentence(inputs: AppendixInputs, outcome: str) -> str | None:
    """Births in the adjusted model and how many had the outcome (published, rounded counts)."""
    for table in (inputs.risk_ratios, inputs.models):
        rows = rows_of(table, inputs.area_code, outcome)
        if rows.empty or not {"n_births", "n_events"} <= set(rows.columns):
            continue
        adjusted = rows[rows["model"].astype("string") == "adjusted"]
        if adjusted.empty:
            continue
        births, events = adjusted["n_births"].iloc[0], adjusted["n_events"].iloc[0]
        label = outcome_label(outcome)
        lower = label[:1].lower() + label[1:]
        return (
            f"The adjusted models of {lower} are fitted to {count_text(births)} births with every "
            f"characteristic known, {count_text(events)} of them with {lower} (counts "
            f"{methods.rounded(inputs.disclosure)}; [c] = withheld to protect confidentiality)."
        )
    return None


def format_death_markers_table(inputs: AppendixInputs) -> pd.DataFrame:
    """The area's share of deaths that were preterm or of low birth weight, by marker and group
    (the models stage's ``death_markers`` table); read with ``notes.collider_caution``."""
    table = inputs.death_markers
    rows = table[table["area_code"].astype("string") == str(inputs.area_code)]
    records = []
    for _, row in rows.iterrows():
        suppressed = bool(frames.as_bool(pd.Series([row["suppressed"]])).iloc[0])
        value = pd.to_numeric(row.get("percent"), errors="coerce")
        shown = not suppressed and not pd.isna(value)
        records.append(
            {
                "Outcome": labels.outcome_label(str(row["outcome"])),
                "Marker": labels.outcome_label(str(row["marker"])),
                "Breakdown": labels.breakdown_label(str(row["dimension"])),
                "Group": labels.group_text(str(row["dimension"]), str(row["group"])),
                "Deaths with the marker": WITHHELD if suppressed else count_text(row["events"]),
                "Deaths with it stated": WITHHELD if suppressed else count_text(row["denominator"]),
                "%": f"{value:.1f}" if shown else WITHHELD,
                "95% CI": fmt_ci(row["lower_95"], row["upper_95"]) if shown else "",
            }
        )
    return pd.DataFrame(records)
